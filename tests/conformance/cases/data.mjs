// Pure data for the conformance tables: seeded random vectors, float64 reference formulas
// (independent of every backend) and tolerance checks. No runtime import, so the benchmarks can
// load the same case tables (cases/*.mjs) without loading a backend.

export const METRICS = ['cosine', 'euclidean', 'dot_product'];

/** Awkward sizes: a lane tail everywhere (1, 3, 17, 97, 1000) and MiniLM's 384. */
export const SIZES = [1, 3, 17, 97, 384, 1000];

/** mulberry32: a small seeded PRNG, so every run sees the same data. */
export function mulberry32(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A Float32Array of `n` values uniform in [lo, hi), from `rand`. */
export function randomVector(rand, n, lo = -1, hi = 1) {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = lo + (hi - lo) * rand();
  return v;
}

/**
 * The metric's distance in float64 from its definition (vector_ops.h), with the scale of the
 * terms it sums: float32 summation error is relative to that scale, not to the result (a dot
 * product near zero is the sum of terms that cancel).
 */
export function referenceDistance(a, b, metric) {
  let dot = 0;
  let abs = 0;
  let na = 0;
  let nb = 0;
  let l2 = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    abs += Math.abs(a[i] * b[i]);
    na += a[i] * a[i];
    nb += b[i] * b[i];
    l2 += (a[i] - b[i]) ** 2;
  }
  switch (metric) {
    case 'cosine':
      return { value: na === 0 || nb === 0 ? 1 : 1 - dot / (Math.sqrt(na) * Math.sqrt(nb)), scale: 1 };
    case 'euclidean':
      return { value: Math.sqrt(l2), scale: Math.sqrt(l2) };
    case 'dot_product':
      return { value: -dot, scale: abs };
    default:
      throw new Error(`no reference for ${metric}`);
  }
}

/** |got - want| <= rel * |want| + abs * scale: relative error, plus an absolute part near zero. */
export function assertClose(assert, got, want, { rel = 1e-5, abs = 1e-6, scale = 1 } = {}, what = '') {
  const tol = rel * Math.abs(want) + abs * scale;
  assert.ok(
    Number.isFinite(got) && Math.abs(got - want) <= tol,
    `${what}: got ${got}, want ${want} (|diff| ${Math.abs(got - want)} > tolerance ${tol})`,
  );
}

/** Bits set in a byte, counted one by one (the Hamming reference). */
export function popcount8(x) {
  let n = 0;
  for (let bit = 0; bit < 8; bit++) n += (x >> bit) & 1;
  return n;
}

/** Float32 min and max of v (the range quantize stores per vector). */
export function rangeOf(v) {
  let min = Infinity;
  let max = -Infinity;
  for (const x of v) {
    min = Math.min(min, x);
    max = Math.max(max, x);
  }
  return [min, max];
}
