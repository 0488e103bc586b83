/**
 * What int8 rows can hold (the TypeScript side of core/src/hnsw/vector_store.cc CheckStorable): a
 * row is coded with its own [min, max] range in float32 and compared through its squared length,
 * so a vector whose range or squared length overflows float32 cannot be stored as int8 (the codes,
 * or the distances over them, would not be what the vector is). Used by the js twin's store and by
 * the public layer where an insert is split into chunks (every row is checked before the first
 * chunk, so a batch is all or nothing).
 */
const FLT_MAX = 3.4028234663852886e38;

/** Why v[off .. off + dim) (already in stored form: normalized for cosine) cannot be int8; null if it can. */
export function int8Unstorable(v: Float32Array, off: number, dim: number): string | null {
  let lo = v[off]!;
  let hi = lo;
  let squared = 0; // float64, as the core's SquaredLength
  for (let i = off; i < off + dim; i++) {
    const x = v[i]!;
    if (x < lo) lo = x;
    if (x > hi) hi = x;
    squared += x * x;
  }
  if (!Number.isFinite(Math.fround(hi - lo))) {
    return 'int8 storage cannot code this vector: its value range overflows float32';
  }
  if (!(squared <= FLT_MAX))
    return 'int8 storage cannot code this vector: its squared length overflows float32';
  return null;
}

/** Sum of squares in float64 (vector_store.cc's SquaredLength). */
export function squaredLength(v: Float32Array, off: number, dim: number): number {
  let s = 0;
  for (let i = off; i < off + dim; i++) s += v[i]! * v[i]!;
  return s;
}
