// Writes tests/fixtures/hnsw/cpp-indexes.json: small indexes serialized by the C++ core
// (ruv::HnswIndex, reached through the built native addon, js/dist/native), for the pure-TS twin's
// tests (tests/unit/js-hnsw.test.mjs) to load, re-serialize byte for byte and search the same.
// Per fixture: 40 inserts of lcg(dataSeed) vectors as id0..id39, Remove of every 7th id, then
// Serialize (dimensions 4, m 4, efConstruction 16, efSearch 8, seed 99), and the core's
// Search(k 5, ef 6) ids for the 3 queries drawn after the data. Euclidean float32, dot int8 and
// cosine float32.
//
// Reference: the C++ core at the commit written into the file (the JS twin is the code under
// test, never the writer). Regenerate after a deliberate change of the core's graph or format:
//   bash scripts/build.sh && node tools/hnsw-fixtures/make-cpp-indexes.mjs
import { execSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';

import { load } from '../../js/dist/backends/native/index.js';

/** The test's LCG (uniform in [-1, 1)), as tests/unit/js-hnsw.test.mjs draws its data. */
function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

const native = await load({});
const fixtures = [
  { metric: 1, storage: 0, dataSeed: 11 },
  { metric: 2, storage: 1, dataSeed: 12 },
  { metric: 0, storage: 0, dataSeed: 13 },
].map(({ metric, storage, dataSeed }) => {
  const rnd = lcg(dataSeed);
  const data = Array.from({ length: 40 }, () => Float32Array.from({ length: 4 }, rnd));
  const queries = Array.from({ length: 3 }, () => Float32Array.from({ length: 4 }, rnd));
  const index = native.hnsw.create({
    dimensions: 4,
    m: 4,
    efConstruction: 16,
    efSearch: 8,
    metric,
    storage,
    seed: 99n,
  });
  data.forEach((v, i) => index.insert(`id${i}`, v));
  for (let i = 0; i < 40; i += 7) index.remove(`id${i}`);
  const top5 = queries.map((q) => index.search(q, 5, 6).ids);
  const base64 = Buffer.from(index.serialize()).toString('base64');
  return { metric, storage, dataSeed, top5, base64 };
});
const commit = execSync('git rev-parse HEAD', { encoding: 'utf8' }).trim();
const out = new URL('../../tests/fixtures/hnsw/cpp-indexes.json', import.meta.url);
const file = {
  generator: 'tools/hnsw-fixtures/make-cpp-indexes.mjs',
  reference: `ruv::HnswIndex (C++ core) at commit ${commit}, through the native addon`,
  fixtures,
};
writeFileSync(out, `${JSON.stringify(file, null, 1)}\n`);
console.log(`wrote ${out.pathname}: ${fixtures.length} indexes`);
