// Recall against brute force, in one place: every HNSW test that measures recall (conformance
// on each backend, and the kernel-level unit tests) computes the exact answer and the recall
// here, from the float64 reference distance of data.mjs. Also the seeded data sets they share.
import { mulberry32, referenceDistance } from './data.mjs';

/** A standard normal deviate (Box-Muller) from `rand`. */
function gaussian(rand) {
  const u = 1 - rand();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/** Divides v by its length, in place, and returns it. */
export function unit(v) {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  for (let i = 0; i < v.length; i++) v[i] /= n;
  return v;
}

/**
 * A seeded data set of `n` unit vectors of `dim` (+ `queries` held-out queries): `uniform`
 * (directions uniform on the sphere) or `clustered` (30 centres, sigma 0.1 around each).
 */
export function dataset(kind, n, dim, queries, seed) {
  const rand = mulberry32(seed);
  const centres = Array.from({ length: 30 }, () =>
    unit(Float32Array.from({ length: dim }, () => gaussian(rand))),
  );
  const point = () => {
    if (kind === 'uniform') return unit(Float32Array.from({ length: dim }, () => gaussian(rand)));
    const c = centres[Math.floor(rand() * centres.length)];
    return unit(Float32Array.from(c, (x) => x + 0.1 * gaussian(rand)));
  };
  const vectors = Array.from({ length: n }, point);
  return {
    kind,
    dim,
    ids: vectors.map((_, i) => `${kind}-${i}`),
    vectors,
    queries: Array.from({ length: queries }, point),
  };
}

/** The metric's distance in float64 (vector_ops.h definitions): data.mjs's reference. */
export function refDistance(a, b, metric) {
  return referenceDistance(a, b, metric).value;
}

/** The similarity a result's score must hold for a distance (FORMAT.md). */
export function scoreOf(distance, metric) {
  return metric === 'cosine' ? 1 - distance : -distance;
}

/**
 * Exact top-k of `query` among `entries` ([id, vector] pairs), best first: [{ id, distance }].
 * Ties go by id, or with `ties: 'order'` to the earlier entry (an index's slot order).
 */
export function bruteForce(entries, query, k, metric, { ties = 'id' } = {}) {
  const all = [];
  for (const [id, v] of entries) all.push({ id, distance: refDistance(query, v, metric) });
  const byId = (a, b) => (a.id < b.id ? -1 : 1);
  all.sort((a, b) => a.distance - b.distance || (ties === 'id' ? byId(a, b) : 0));
  return all.slice(0, k);
}

/** bruteForce's ids only. */
export const bruteForceIds = (entries, query, k, metric, options) =>
  bruteForce(entries, query, k, metric, options).map((r) => r.id);

/** Mean recall@k of `search(query) -> ids` over `queries`, against bruteForce on `entries`. */
export function meanRecall(search, entries, queries, k, metric) {
  let hits = 0;
  let total = 0;
  for (const q of queries) {
    const truth = new Set(bruteForceIds(entries, q, k, metric));
    hits += search(q).filter((id) => truth.has(id)).length;
    total += truth.size;
  }
  return total === 0 ? 1 : hits / total;
}

/** The metric names of the kernels' numeric codes (core/include/ruv/vector_ops.h order). */
export const METRIC_OF_CODE = ['cosine', 'euclidean', 'dot_product'];

/** |got ∩ want| / |want| over ids. */
export function recallOf(got, want) {
  if (want.length === 0) return 1;
  const ids = new Set(got.map((r) => r.id));
  return want.filter((r) => ids.has(r.id)).length / want.length;
}

/** Mean of an array of numbers. */
export const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
