/** Public types of the `vectorOps` module (ADR-006). */

/**
 * Distance metric. Distances are "smaller is closer" in every metric:
 * - `cosine`: 1 - cos(a, b) (a zero vector is at distance 1 from everything)
 * - `euclidean`: L2 norm of a - b
 * - `dot_product`: -(a . b)
 */
export type DistanceMetric = 'cosine' | 'euclidean' | 'dot_product';

/** Kinds of quantization. `'product'` (trained PQ codebooks) is reserved and rejected for now. */
export type QuantizationType = 'scalar' | 'int4' | 'binary';

/**
 * How `quantize` encodes a Float32Array.
 * - `scalar`: 8 bits per element, affine over [min, max];
 * - `int4`: 4 bits per element (two per byte, low nibble first), affine over [min, max];
 * - `binary`: 1 bit per element, set when the element is > 0 (dequantizes to +1 / -1).
 *
 * For `scalar` and `int4`, when `min`/`max` are both omitted the range is computed per vector and
 * stored in front of the codes as two little-endian float32 (8 bytes). When both are given, only
 * the codes are written and values outside the range are clamped.
 */
export interface QuantizationConfig {
  type: QuantizationType;
  /** Lower end of a fixed range (requires `max`). */
  min?: number;
  /** Upper end of a fixed range (requires `min`). */
  max?: number;
  /**
   * Element count of the original vector. Needed by `dequantize` and `quantizedDistance` for
   * `int4` and `binary` when the count is not a multiple of 2 or 8; otherwise inferred.
   */
  dimensions?: number;
}

/**
 * A Float32Array that the active backend reads without copying: on wasm it lives in the wasm
 * heap, so `batchDistance(query, buffer.view(), metric)` skips copying the rows in. On native and
 * js-fallback it is an ordinary array. Made by `RuVectorRuntime.createVectorBuffer`.
 */
export interface VectorBuffer {
  /** Number of float32 elements. */
  readonly length: number;
  /**
   * The elements. On wasm, memory growth detaches earlier views: take a fresh view after any
   * call into the runtime instead of keeping one.
   */
  view(): Float32Array;
  /** Releases the memory; any later `view()` throws. Calling it twice is harmless. */
  free(): void;
}

/** ADR-006 `vectorOps`, plus code-domain distances for quantized storage. */
export interface VectorOps {
  /** Distance between two vectors of equal length (smaller is closer). */
  distance(a: Float32Array, b: Float32Array, metric: DistanceMetric): number;
  /**
   * Distances from `query` to each vector. `vectors` is either an array of Float32Array or one
   * flat row-major Float32Array of n x query.length (the zero-copy fast path).
   */
  batchDistance(
    query: Float32Array,
    vectors: Float32Array[] | Float32Array,
    metric: DistanceMetric,
  ): Float32Array;
  /** Unit-length copy of `vector`; a zero vector stays zero (never NaN). */
  normalize(vector: Float32Array): Float32Array;
  /** Encodes `vector` as described by {@link QuantizationConfig}. */
  quantize(vector: Float32Array, config: QuantizationConfig): Uint8Array;
  /** Decodes bytes made by `quantize` with the same config. */
  dequantize(quantized: Uint8Array, config: QuantizationConfig): Float32Array;
  /**
   * Metric distance between two `scalar` or `int4` code vectors of the same config, computed on
   * the codes (equals `distance(dequantize(a), dequantize(b))` up to float rounding).
   */
  quantizedDistance(a: Uint8Array, b: Uint8Array, config: QuantizationConfig, metric: DistanceMetric): number;
  /** Number of differing bits between two `binary` codes of equal length. */
  hammingDistance(a: Uint8Array, b: Uint8Array): number;
}
