// Recall@10 of ruvector (native) and hnswlib-node over several level-generator seeds, same data,
// same M/efC/ef. On uniform 384-d data one graph's recall moves by about +-0.01 with the seed, so
// "at least the rivals' recall" is judged on the mean over seeds, not on one default seed each.
// Usage: node bench/hnsw-js/seeds.mjs [--data uniform|clustered] [--n 10000] [--ef 50]
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';

import { cachedGroundTruth, makeDataset, recallOf } from './data.mjs';

const { values } = parseArgs({ options: { data: { type: 'string', default: 'uniform' }, n: { type: 'string', default: '10000' }, ef: { type: 'string', default: '50' } } });
const params = { data: values.data, n: Number(values.n), dim: 384, queries: 500, k: 10 };
const [M, EFC, EF, SEEDS] = [16, 100, Number(values.ef), [1, 2, 3, 4, 5]];
const { base, queries } = makeDataset(params);
const truth = cachedGroundTruth(params, base, queries);
const row = (m, i) => m.subarray(i * params.dim, (i + 1) * params.dim);

const { RuVectorRuntime } = await import(new URL('../../js/dist/index.js', import.meta.url).href);
const { HierarchicalNSW } = createRequire(import.meta.url)('hnswlib-node');

const engines = {
  'ruvector-native': async (seed) => {
    const { hnsw } = (await RuVectorRuntime.create({ backend: 'native' })).getModules();
    const h = hnsw.create({ dimensions: params.dim, m: M, efConstruction: EFC, efSearch: EF, distanceMetric: 'cosine', seed: BigInt(seed) });
    for (let i = 0; i < params.n; i++) hnsw.insert(h, String(i), row(base, i));
    const search = (q) => hnsw.search(h, q, params.k).map((r) => Number(r.id));
    return { search, done: () => hnsw.free(h) };
  },
  'hnswlib-node': async (seed) => {
    const index = new HierarchicalNSW('cosine', params.dim);
    index.initIndex(params.n, M, EFC, seed);
    for (let i = 0; i < params.n; i++) index.addPoint(Array.from(row(base, i)), i);
    index.setEf(EF);
    return { search: (q) => index.searchKnn(Array.from(q), params.k).neighbors, done: () => {} };
  },
};

console.log(`${params.data} ${params.n} x ${params.dim}, M=${M} efC=${EFC} ef=${EF} k=10, 500 queries, seeds ${SEEDS.join(',')}`);
for (const [name, open] of Object.entries(engines)) {
  const recalls = [];
  for (const seed of SEEDS) {
    const { search, done } = await open(seed);
    let sum = 0;
    for (let q = 0; q < params.queries; q++) sum += recallOf(search(row(queries, q)), truth, q, params.k);
    recalls.push(sum / params.queries);
    done();
  }
  const mean = recalls.reduce((a, b) => a + b, 0) / recalls.length;
  console.log(`${name.padEnd(16)} mean ${mean.toFixed(4)}  per seed ${recalls.map((r) => r.toFixed(4)).join(' ')}`);
}
