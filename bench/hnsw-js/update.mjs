// Updates beside the rivals (issue 15, defect 8): build n entries, replace a share of them with
// new vectors (same ids), delete another share, then measure recall@10 of the live set against
// an exact scan of it. Per engine, one entry per call on the JS thread:
// - ruvector-<backend>: the functional `hnsw` module; a re-insert replaces (the old node is
//   removed and every list that held it repaired), delete removes with the same repair;
// - hnswlib-node: addPoint on an existing label updates the point in place (hnswlib's
//   updatePoint, which re-links its neighbourhood); markDelete only hides a point (no repair);
// - usearch: remove then add for a replacement, remove for a delete (removal is lazy there too).
//
//   node bench/hnsw-js/update.mjs --data clustered --n 20000 --dim 128 --replace 0.5 --delete 0.2
// Options: --data uniform|clustered, --n, --dim, --queries, --m, --efc, --replace (share of ids
// replaced), --delete (share deleted, taken from the ids not replaced), --engines a,b (name
// prefixes), --ef 50,200.
import { createRequire } from 'node:module';
import os from 'node:os';

import { groundTruth, makeDataset, recallOf, uniformUnit } from './data.mjs';
import { installedVersion } from './engines/version.mjs';
import { environment } from './measure.mjs';

const require = createRequire(import.meta.url);
const DIST = new URL('../../js/dist/index.js', import.meta.url);

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => (a.startsWith('--') ? [...acc, [a.slice(2), all[i + 1]]] : acc), []),
);
const p = {
  data: args.data ?? 'clustered',
  n: Number(args.n ?? 20000),
  dim: Number(args.dim ?? 128),
  queries: Number(args.queries ?? 300),
  m: Number(args.m ?? 16),
  efc: Number(args.efc ?? 100),
  replace: Number(args.replace ?? 0.5),
  del: Number(args.delete ?? 0.2),
  efs: (args.ef ?? '50,200').split(',').map(Number),
  engines: args.engines ? args.engines.split(',') : null,
};
const { n, dim } = p;
const ds = makeDataset({ data: p.data, n, dim, queries: p.queries });
// The replacement rows: the same distribution (uniform: another seed; clustered: the rows of a
// second, shifted draw would change the clusters, so rows are re-drawn around the same centres
// by taking the dataset of 2n and using its second half).
const fresh = p.data === 'uniform' ? uniformUnit(n, dim, 99) : makeDataset({ data: p.data, n: 2 * n, dim, queries: 1 }).base.subarray(n * dim);
const replaced = Math.floor(n * p.replace);
const deleted = Math.floor(n * p.del);
// Ids 0..replaced-1 are replaced; ids replaced..replaced+deleted-1 are deleted.
const rowOf = (i) => (i < replaced ? fresh.subarray(i * dim, (i + 1) * dim) : ds.base.subarray(i * dim, (i + 1) * dim));
const liveIds = [];
for (let i = 0; i < n; i++) if (i < replaced || i >= replaced + deleted) liveIds.push(i);
const liveBase = new Float32Array(liveIds.length * dim);
liveIds.forEach((id, r) => liveBase.set(rowOf(id), r * dim));
const truthRows = groundTruth(liveBase, ds.queries, dim, 10);
const truth = Int32Array.from(truthRows, (r) => liveIds[r]);

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

/** Mean recall@10 over the queries of `idsOf(query)` (the engine's ids, best first). */
function meanRecall(idsOf) {
  let sum = 0;
  for (let q = 0; q < p.queries; q++) sum += recallOf(idsOf(ds.queries.subarray(q * dim, (q + 1) * dim)), truth, q, 10);
  return sum / p.queries;
}

/**
 * The same operations on every engine: an index `ops` ({ add(i, row), replace(i, row),
 * remove(i), idsAt(ef) -> (query) -> ids best first, free?() }) timed through build, replacement
 * and deletion, then recall@10 at each ef.
 */
function measureUpdates(ops) {
  const timed = (from, to, fn) => {
    const t0 = process.hrtime.bigint();
    for (let i = from; i < to; i++) fn(i);
    return seconds(t0);
  };
  const build = timed(0, n, (i) => ops.add(i, ds.base.subarray(i * dim, (i + 1) * dim)));
  const replace = timed(0, replaced, (i) => ops.replace(i, rowOf(i)));
  const del = timed(replaced, replaced + deleted, (i) => ops.remove(i));
  const recall = {};
  for (const ef of p.efs) recall[ef] = meanRecall(ops.idsAt(ef));
  ops.free?.();
  return { build, replace, del, recall };
}

/** Each engine: { name, version, run() -> { build, replace, del, recall: { ef: value } } }. */
function ruvector(backend) {
  return {
    name: `ruvector-${backend}`,
    async run() {
      const api = await import(DIST.href);
      const runtime = await api.RuVectorRuntime.create({ backend });
      this.version = `${runtime.describe().version} ${runtime.describe().backend}`;
      const hnsw = runtime.getModules().hnsw;
      const h = hnsw.create({ dimensions: dim, m: p.m, efConstruction: p.efc, efSearch: 50, distanceMetric: 'cosine' });
      return measureUpdates({
        add: (i, row) => hnsw.insert(h, String(i), row),
        replace: (i, row) => hnsw.insert(h, String(i), row), // an existing id: removed, repaired, inserted
        remove: (i) => hnsw.delete(h, String(i)),
        idsAt: (ef) => (query) => hnsw.search(h, query, 10, { efSearch: ef }).map((r) => Number(r.id)),
        free: () => hnsw.free(h),
      });
    },
  };
}

function hnswlib() {
  return {
    name: 'hnswlib-node',
    version: installedVersion('hnswlib-node'),
    async run() {
      const lib = require('hnswlib-node');
      const index = new lib.HierarchicalNSW('cosine', dim);
      index.initIndex({ maxElements: n, m: p.m, efConstruction: p.efc, randomSeed: 100 });
      const point = new Array(dim);
      const add = (i, row) => {
        for (let j = 0; j < dim; j++) point[j] = row[j];
        index.addPoint(point, i);
      };
      return measureUpdates({
        add,
        replace: add, // an existing label: updatePoint
        remove: (i) => index.markDelete(i),
        idsAt: (ef) => {
          index.setEf(ef);
          return (query) => {
            const r = index.searchKnn(Array.from(query), 10);
            return r.neighbors.map((id, i) => [r.distances[i], id]).sort((x, y) => x[0] - y[0]).map((x) => x[1]);
          };
        },
      });
    },
  };
}

function usearch() {
  return {
    name: 'usearch',
    version: installedVersion('usearch'),
    async run() {
      const lib = require('usearch');
      // expansion_search is fixed at construction: one index per ef, the same operations (the
      // times reported are the last index's).
      const out = { recall: {} };
      for (const ef of p.efs) {
        const index = new lib.Index({
          dimensions: dim,
          metric: lib.MetricKind.Cos,
          quantization: lib.ScalarKind.F32,
          connectivity: p.m,
          expansion_add: p.efc,
          expansion_search: ef,
        });
        const r = measureUpdates({
          add: (i, row) => index.add(BigInt(i), row, 1),
          replace: (i, row) => {
            index.remove(BigInt(i));
            index.add(BigInt(i), row, 1);
          },
          remove: (i) => index.remove(BigInt(i)),
          idsAt: () => (query) => Array.from(index.search(query, 10, 1).keys, Number),
        });
        Object.assign(out, { build: r.build, replace: r.replace, del: r.del });
        out.recall[ef] = r.recall[ef];
      }
      return out;
    },
  };
}

const all = [ruvector('native'), ruvector('wasm'), hnswlib(), usearch()].filter(
  (e) => p.engines === null || p.engines.some((prefix) => e.name.startsWith(prefix)),
);
const env = environment();
console.log(
  `updates: ${p.data} ${n}x${dim}, ${p.queries} queries, M=${p.m} efC=${p.efc}; ${replaced} replaced, ${deleted} deleted; commit ${env.commit}, ${env.cpu}, ${env.cores} cores, load ${os.loadavg()[0].toFixed(2)}`,
);
console.log('| engine | build s | replace s | µs per replace | delete s | µs per delete | ' + p.efs.map((ef) => `recall@10 ef ${ef}`).join(' | ') + ' |');
console.log('|---|---:|---:|---:|---:|---:|' + p.efs.map(() => '---:').join('|') + '|');
for (const e of all) {
  const r = await e.run();
  const cells = [
    e.name,
    r.build.toFixed(2),
    r.replace.toFixed(2),
    ((r.replace / Math.max(replaced, 1)) * 1e6).toFixed(0),
    r.del.toFixed(2),
    ((r.del / Math.max(deleted, 1)) * 1e6).toFixed(0),
    ...p.efs.map((ef) => r.recall[ef].toFixed(4)),
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
