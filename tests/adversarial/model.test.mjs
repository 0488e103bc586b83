// Random operations against a model (a Map of id -> vector): inserts, re-inserts, deletes, batches
// (sync and async, with duplicate ids inside), and serialize/deserialize hops from one backend to
// the next, in every metric and both storages. After every few operations the index must agree
// with the model: the count, `has`, every live id found by its own vector at a large efSearch,
// no deleted id ever returned, and k >= count returning exactly the model's ids (issue 15, "tests
// that stay"). Small ids pools make replacements and deletions of present ids frequent.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { mulberry32 } from '../conformance/hnsw-support.mjs';
import { backends } from './support.mjs';

const DIM = 8;
const OPS = 4000;
const CHECK_EVERY = 400;
const POOL = 500; // ids drawn from id0..id499: about half the draws hit a present id

/** A random unit vector (every metric ranks a unit vector's own row first). */
function unitVector(rand) {
  const v = new Float32Array(DIM);
  let norm = 0;
  for (let i = 0; i < DIM; i++) {
    v[i] = rand() * 2 - 1;
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm) || 1;
  for (let i = 0; i < DIM; i++) v[i] /= norm;
  return v;
}

/** The index on `b` agrees with `model` (a Map id -> vector); `where` names the moment. */
function assertAgrees(b, h, model, where) {
  const { hnsw } = b;
  assert.equal(hnsw.stats(h).vectorCount, model.size, `${where}: vectorCount`);
  for (let i = 0; i < POOL; i++) {
    const id = `id${i}`;
    assert.equal(hnsw.has(h, id), model.has(id), `${where}: has(${id})`);
  }
  for (const [id, vector] of model) {
    const hits = hnsw.search(h, vector, 5, { efSearch: 100 });
    assert.ok(
      hits.some((r) => r.id === id),
      `${where}: ${id} is not found by its own vector (got ${hits.map((r) => r.id).join(', ')})`,
    );
    for (const r of hits) assert.ok(model.has(r.id), `${where}: search returned ${r.id}, not in the index`);
  }
  if (model.size > 0) {
    const all = hnsw.search(h, model.values().next().value, model.size + 3);
    assert.deepEqual(
      all.map((r) => r.id).sort(),
      [...model.keys()].sort(),
      `${where}: k >= count must return exactly the live ids`,
    );
  }
}

const VARIANTS = [];
for (const distanceMetric of ['cosine', 'euclidean', 'dot_product'])
  for (const storage of ['float32', 'int8']) VARIANTS.push({ distanceMetric, storage });

VARIANTS.forEach((variant, v) => {
  test(`random operations agree with a model: ${variant.distanceMetric} ${variant.storage}, hopping across backends`, async (t) => {
    const rand = mulberry32(0x5eed + v);
    const pick = (n) => Math.floor(rand() * n);
    const model = new Map();
    // Small m and efConstruction so the graph is sparse and repairs after deletes matter.
    const config = { dimensions: DIM, m: 4, efConstruction: 16, efSearch: 16, seed: 11 + v, ...variant };
    let at = v % backends.length;
    let b = backends[at];
    let h = b.hnsw.create(config);
    const trail = [b.name];
    try {
      for (let op = 1; op <= OPS; op++) {
        const where = `${variant.distanceMetric} ${variant.storage}, op ${op} on ${b.name} (hop ${trail.length - 1})`;
        const r = rand();
        if (r < 0.45) {
          const id = `id${pick(POOL)}`;
          const vector = unitVector(rand);
          b.hnsw.insert(h, id, vector);
          model.set(id, vector);
        } else if (r < 0.75) {
          const id = `id${pick(POOL)}`;
          assert.equal(b.hnsw.delete(h, id), model.delete(id), `${where}: delete(${id})`);
        } else if (r < 0.97) {
          const entries = [];
          for (let n = 1 + pick(12); n > 0; n--)
            entries.push({ id: `id${pick(POOL)}`, vector: unitVector(rand) });
          if (rand() < 0.5) b.hnsw.insertBatch(h, entries);
          else await b.hnsw.insertBatchAsync(h, entries);
          for (const e of entries) model.set(e.id, e.vector); // a later duplicate replaces an earlier one
        } else {
          // Hop: the bytes are loaded by the next backend, which goes on with the operations.
          const bytes = rand() < 0.5 ? b.hnsw.serialize(h) : await b.hnsw.serializeAsync(h);
          b.hnsw.free(h);
          h = undefined;
          at = (at + 1) % backends.length;
          b = backends[at];
          h = rand() < 0.5 ? b.hnsw.deserialize(bytes) : await b.hnsw.deserializeAsync(bytes);
          trail.push(b.name);
        }
        if (op % CHECK_EVERY === 0) assertAgrees(b, h, model, where);
      }
      assert.ok(trail.length > 2, `the index hopped across backends (path ${trail.join(' -> ')})`);
      t.diagnostic(`${trail.length - 1} hops, ${model.size} live ids at the end`);
    } finally {
      if (h !== undefined) b.hnsw.free(h);
    }
  });
});
