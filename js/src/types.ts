/** Public types of ruvector-runtime, shaped after ADR-006. */

/** Name of a backend: the Node-API addon, the Emscripten module, or pure TypeScript. */
export type BackendName = 'native' | 'wasm' | 'js-fallback';

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
 * How an HNSW index keeps its vectors.
 * - `float32`: full float32 rows (cosine: the normalized vector);
 * - `int8`: 8-bit codes with a per-vector range (~3.9x less memory for 384-d rows); distances are
 *   computed from the float query to the dequantized row, and results report those distances.
 */
export type HnswStorage = 'float32' | 'int8';

/**
 * Configuration of an HNSW index (ADR-006). Ranges are those of the C++ core and are checked the
 * same way on every backend (INVALID_ARGUMENT otherwise); unknown keys are rejected.
 */
export interface HnswConfig {
  /** Length of every vector: an integer in [1, 65536]. */
  dimensions: number;
  /** Max connections per node per layer (2 * m on the bottom layer): an integer in [2, 128]. */
  m: number;
  /** Build-time exploration factor: a positive integer (candidate list size while inserting). */
  efConstruction: number;
  /** Default query-time exploration factor: a positive integer (raised to k when smaller). */
  efSearch: number;
  distanceMetric: DistanceMetric;
  /** How vectors are stored (default `'float32'`). */
  storage?: HnswStorage;
  /**
   * Seed of the level generator, an integer in [0, 2^64 - 1] (default 0x5255564543544F52,
   * "RUVECTOR"). The same seed and the same inserts give the same levels on every backend.
   */
  seed?: number | bigint;
}

/**
 * Options of one HNSW search. Unknown keys are rejected with INVALID_ARGUMENT.
 */
export interface HnswSearchOptions {
  /**
   * Candidate list size for this query (default: the index's `efSearch`); raised to `k` when
   * smaller. Larger is slower and more accurate; `efSearch >= vectorCount` is an exact scan.
   */
  efSearch?: number;
  /**
   * Which entries may be returned, evaluated during the graph walk (not a post-filter: the walk
   * goes on until it has found `efSearch` allowed entries or the graph is exhausted):
   * - a predicate called with each candidate id, returning true to allow it (it must not call
   *   back into the index; an exception it throws ends the search and is rethrown);
   * - a `Set<string>` or an array of ids: only those ids are allowed.
   */
  filter?: ((id: string) => boolean) | ReadonlySet<string> | readonly string[];
}

/**
 * One hit of a search. Results come best first.
 * - `score` is a similarity, higher is better: cos for cosine, -L2 for euclidean, a.b for
 *   dot_product (so `score = 1 - distance`, `-distance` and `-distance` respectively).
 * - `distance` is the metric's distance, smaller is closer: 1 - cos, L2, -a.b.
 */
export interface SearchResult {
  id: string;
  /** Similarity: cos for cosine, -L2 for euclidean, a.b for dot_product; higher is better. */
  score: number;
  /** The metric's distance: smaller is closer. */
  distance: number;
}

/** Statistics of an HNSW index (ADR-006), as the backend reports them (never a JS-side count). */
export interface IndexStats {
  /** Live entries now (after replacements and deletions). */
  vectorCount: number;
  dimensions: number;
  m: number;
  efConstruction: number;
  efSearch: number;
  backend: BackendName;
  distanceMetric: DistanceMetric;
  storage: HnswStorage;
  /** Bytes holding vectors (codes in `int8` storage). */
  vectorBytes: number;
  /** Approximate memory of the index: vectors, links, ids and the id map. */
  memoryBytes: number;
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
  batchDistance(query: Float32Array, vectors: Float32Array[] | Float32Array, metric: DistanceMetric): Float32Array;
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
