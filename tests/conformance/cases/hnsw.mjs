// HNSW conformance cases as data: the data sets, the index config and the recall table (which
// index, what recall it must reach against brute force, how close its distances must be to the
// float64 reference). hnsw.test.mjs runs the table on every backend; the benchmarks may import
// the same data sets and configs.
import { dataset } from './recall.mjs';

export const HNSW_N = 1500;
export const HNSW_DIM = 32;
export const HNSW_QUERIES = 40;
export const HNSW_K = 10;
export const HNSW_CONFIG = { dimensions: HNSW_DIM, m: 16, efConstruction: 100, efSearch: 64 };

/** The two seeded data sets: directions uniform on the sphere, and 30 tight clusters. */
export function hnswData() {
  return {
    uniform: dataset('uniform', HNSW_N, HNSW_DIM, HNSW_QUERIES, 11),
    clustered: dataset('clustered', HNSW_N, HNSW_DIM, HNSW_QUERIES, 12),
  };
}

const METRICS = ['cosine', 'euclidean', 'dot_product'];

/**
 * Recall rows: { data, metric, storage, minRecall, tolerance } where tolerance bounds
 * |distance - reference| / (1 + |reference|) of every result. The reference is the float64
 * distance to the stored row: the vector itself (float32), or for int8 the row FORMAT.md says is
 * stored, decoded by quant.h's format (worst seen 3.8e-7; to the original vectors it is 1.8e-3).
 * Every row also checks k results, best first, score = similarity.
 */
export const RECALL_CASES = [
  ...['uniform', 'clustered'].flatMap((data) =>
    METRICS.map((metric) => ({ data, metric, storage: 'float32', minRecall: 0.9, tolerance: 2e-5 })),
  ),
  ...METRICS.map((metric) => ({
    data: 'clustered',
    metric,
    storage: 'int8',
    minRecall: 0.9,
    tolerance: 1e-5,
  })),
];
