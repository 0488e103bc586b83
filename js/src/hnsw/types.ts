/** Public types of the `hnsw` module (ADR-006): its config, results, stats, handle and functions. */
import type { BackendName } from '../backend.js';
import type { DistanceMetric } from '../vector-ops/types.js';
import type { ModelProvenanceRecord } from '../embeddings/provenance.js';
import type { EmbeddingModelInfo } from '../embeddings/types.js';

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
  /**
   * Max connections per node per layer (2 * m on the bottom layer): an integer in [2, 128]
   * (default 16).
   */
  m?: number;
  /**
   * Build-time exploration factor: a positive integer, the candidate list size while inserting
   * (default 200).
   */
  efConstruction?: number;
  /** Default query-time exploration factor: a positive integer, raised to k when smaller (default 64). */
  efSearch?: number;
  /** How vectors are compared (default `'cosine'`). */
  distanceMetric?: DistanceMetric;
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

/** One entry of `insertBatch`: extra keys (metadata of the caller) are ignored. */
export interface HnswEntry {
  id: string;
  vector: Float32Array;
}

declare const handleKind: unique symbol;

/** Opaque handle of an HNSW index owned by a backend. */
export interface HnswIndexHandle {
  readonly [handleKind]: 'HnswIndex';
}

/**
 * ADR-006 `hnsw` module: an approximate nearest-neighbour index, handle first. Every argument is
 * checked here, whatever the backend (same code and message everywhere); see
 * core/src/hnsw/FORMAT.md for the algorithm and the serialized bytes.
 *
 * Beyond the ADR's seven functions: a 4th `options` argument of `search`, and `insertBatch`,
 * `insertBatchAsync`, `searchAsync`, `has`, `stats` (what {@link WasmHnswIndex} is built on).
 */
export interface HnswModule {
  /** Creates an empty index (INVALID_ARGUMENT for a config outside the core's ranges). */
  create(config: HnswConfig): HnswIndexHandle;
  /** Adds `vector` under `id`; an existing `id` is replaced (its old vector is removed). */
  insert(handle: HnswIndexHandle, id: string, vector: Float32Array): void;
  /**
   * Adds entries in order (a later duplicate id replaces an earlier one). Every entry is checked
   * before any is inserted.
   */
  insertBatch(handle: HnswIndexHandle, entries: readonly HnswEntry[]): void;
  /**
   * Same as `insertBatch` without blocking the event loop: off the JS thread on a backend that
   * can (native), else in short chunks with yields in between (searches may see a partial batch).
   */
  insertBatchAsync(handle: HnswIndexHandle, entries: readonly HnswEntry[]): Promise<void>;
  /**
   * Up to `k` live entries nearest to `query`, best first (every live entry when `k` >= the
   * count). `score` is a similarity (higher is better), `distance` the metric's.
   */
  search(
    handle: HnswIndexHandle,
    query: Float32Array,
    k: number,
    options?: HnswSearchOptions,
  ): SearchResult[];
  /** Same as `search`, off the JS thread on a backend that can (not with a predicate filter). */
  searchAsync(
    handle: HnswIndexHandle,
    query: Float32Array,
    k: number,
    options?: HnswSearchOptions,
  ): Promise<SearchResult[]>;
  /** Removes `id`; false when it was not there. The graph is repaired around it. */
  delete(handle: HnswIndexHandle, id: string): boolean;
  /** True when `id` is in the index. */
  has(handle: HnswIndexHandle, id: string): boolean;
  /**
   * The embedding model recorded as the maker of the index's vectors (kept in its bytes), or
   * null. CORRUPT_DATA when the bytes carry a record that is not one.
   */
  model(handle: HnswIndexHandle): ModelProvenanceRecord | null;
  /**
   * Records the model that made the index's vectors (its provenance: id, sha256 of its files,
   * dimensions, pooling, ...; null removes it), written into `serialize`'s bytes (FORMAT.md
   * version 2; without one the bytes stay version 1). DIMENSION_MISMATCH when the model's
   * dimensions are not the index's.
   */
  setModel(handle: HnswIndexHandle, model: EmbeddingModelInfo | ModelProvenanceRecord | null): void;
  /** Counts, parameters and memory as the backend reports them (the true live count). */
  stats(handle: HnswIndexHandle): IndexStats;
  /** The index as versioned, little-endian, checksummed bytes (readable by every backend). */
  serialize(handle: HnswIndexHandle): Uint8Array;
  /** An index read from bytes made by `serialize` on any backend (CORRUPT_DATA when they do not parse). */
  deserialize(data: Uint8Array): HnswIndexHandle;
  /**
   * Same as `serialize`, off the JS thread on a backend that can (native; elsewhere it runs here:
   * wasm and js have no thread to run it on). Waits for an `insertBatchAsync` in flight natively.
   */
  serializeAsync(handle: HnswIndexHandle): Promise<Uint8Array>;
  /** Same as `deserialize`, off the JS thread on a backend that can (native: `data` is read in place and must not change until it settles). */
  deserializeAsync(data: Uint8Array): Promise<HnswIndexHandle>;
  /**
   * Releases the index; later calls with the handle throw NOT_INITIALIZED. Freeing twice is
   * harmless.
   */
  free(handle: HnswIndexHandle): void;
}
