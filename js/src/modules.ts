/**
 * The module set of ADR-006 (`WasmModules`) and the stand-ins for the modules that 0.1 does not
 * have yet (or that a backend lacks). A missing module never makes results up: every call throws
 * `UNSUPPORTED`. The real `hnsw` module lives in hnsw-module.ts.
 */
import { RuVectorError } from './errors.js';
import type { HnswKernels } from './backend.js';
import { createHnswModule, type HnswEntry } from './hnsw-module.js';
import type { BackendName, HnswConfig, HnswSearchOptions, IndexStats, SearchResult, VectorOps } from './types.js';

export type { HnswEntry } from './hnsw-module.js';

declare const handleKind: unique symbol;

/** Opaque handle of an HNSW index owned by a backend. */
export interface HnswIndexHandle {
  readonly [handleKind]: 'HnswIndex';
}

/** Opaque handle of a loaded embedding model owned by a backend. */
export interface EmbeddingModelHandle {
  readonly [handleKind]: 'EmbeddingModel';
}

/** Opaque handle of a stored pattern (pattern learning, ADR-007). */
export interface PatternHandle {
  readonly [handleKind]: 'Pattern';
}

/** A pattern whose embedding is within the threshold of a query. Provisional until learning lands. */
export interface PatternMatch {
  pattern: PatternHandle;
  /** Cosine similarity to the query (higher is closer). */
  similarity: number;
  /** The metadata given to `createPattern`. */
  metadata: unknown;
}

/** One recorded episode for LoRA training: the embeddings seen and the reward of each step. Provisional. */
export interface Trajectory {
  embeddings: Float32Array[];
  rewards: number[];
}

/** LoRA hyper-parameters. Provisional until learning lands. */
export interface LoRAConfig {
  /** Rank of the low-rank update. */
  rank: number;
  /** Scale of the update (alpha / rank is applied). */
  alpha: number;
  learningRate: number;
}

/** Low-rank update `B * A` of one weight matrix. Provisional until learning lands. */
export interface LoRAWeights {
  rank: number;
  /** rank x inputs, row-major. */
  a: Float32Array;
  /** outputs x rank, row-major. */
  b: Float32Array;
}

/** Flat model parameters, as EWC sees them. */
export type ModelWeights = Float32Array;

/** Diagonal of the Fisher information matrix, one value per parameter of {@link ModelWeights}. */
export type FisherMatrix = Float32Array;

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
  search(handle: HnswIndexHandle, query: Float32Array, k: number, options?: HnswSearchOptions): SearchResult[];
  /** Same as `search`, off the JS thread on a backend that can (not with a predicate filter). */
  searchAsync(handle: HnswIndexHandle, query: Float32Array, k: number, options?: HnswSearchOptions): Promise<SearchResult[]>;
  /** Removes `id`; false when it was not there. The graph is repaired around it. */
  delete(handle: HnswIndexHandle, id: string): boolean;
  /** True when `id` is in the index. */
  has(handle: HnswIndexHandle, id: string): boolean;
  /** Counts, parameters and memory as the backend reports them (the true live count). */
  stats(handle: HnswIndexHandle): IndexStats;
  /** The index as versioned, little-endian, checksummed bytes (readable by every backend). */
  serialize(handle: HnswIndexHandle): Uint8Array;
  /** An index read from bytes made by `serialize` on any backend (CORRUPT_DATA when they do not parse). */
  deserialize(data: Uint8Array): HnswIndexHandle;
  /**
   * Releases the index; later calls with the handle throw NOT_INITIALIZED. Freeing twice is
   * harmless.
   */
  free(handle: HnswIndexHandle): void;
}

/** ADR-006 `embeddings` module: text to vectors with a BERT-family model. */
export interface EmbeddingsModule {
  /** Loads a model from a path/URL or from its bytes. */
  loadModel(model: string | Uint8Array): EmbeddingModelHandle;
  /** The (mean-pooled, L2-normalised) embedding of one text. */
  embed(handle: EmbeddingModelHandle, text: string): Float32Array;
  /** The embeddings of several texts, in order. */
  embedBatch(handle: EmbeddingModelHandle, texts: string[]): Float32Array[];
  /** Releases the model; the handle must not be used afterwards. */
  unloadModel(handle: EmbeddingModelHandle): void;
}

/** ADR-006 `learning` module: patterns, LoRA and EWC (ADR-007). */
export interface LearningModule {
  /** Stores a pattern: an embedding with caller-defined metadata. */
  createPattern(embedding: Float32Array, metadata: unknown): PatternHandle;
  /** The patterns whose similarity to `query` is at least `threshold`, best first. */
  matchPatterns(query: Float32Array, patterns: PatternHandle[], threshold: number): PatternMatch[];
  /** Trains a low-rank update from recorded trajectories. */
  trainLoRA(trajectories: Trajectory[], config: LoRAConfig): LoRAWeights;
  /** Elastic weight consolidation: pulls `weights` toward their anchor, weighted by `fisher` and `lambda`. */
  applyEWC(weights: ModelWeights, fisher: FisherMatrix, lambda: number): ModelWeights;
}

/** Everything a runtime offers (ADR-006's `WasmModules`, whatever the backend). */
export interface WasmModules {
  vectorOps: VectorOps;
  hnsw: HnswModule;
  embeddings: EmbeddingsModule;
  learning: LearningModule;
}

/** An object of the given shape whose every function throws UNSUPPORTED with `message(name)`. */
function standIn<T extends object>(functions: ReadonlyArray<keyof T & string>, message: (name: string) => string): T {
  const out: Record<string, () => never> = {};
  for (const name of functions) {
    out[name] = () => {
      throw new RuVectorError('UNSUPPORTED', message(name));
    };
  }
  return Object.freeze(out) as unknown as T;
}

/** A module that 0.1 does not have: every function throws UNSUPPORTED naming itself. */
function unsupported<T extends object>(module: string, planned: string, functions: ReadonlyArray<keyof T & string>): T {
  return standIn<T>(functions, (name) => `${module}.${name} is not implemented yet in ruvector-runtime 0.1 (planned: ${planned})`);
}

const HNSW_FUNCTIONS: ReadonlyArray<keyof HnswModule> = [
  'create',
  'insert',
  'insertBatch',
  'insertBatchAsync',
  'search',
  'searchAsync',
  'delete',
  'has',
  'stats',
  'serialize',
  'deserialize',
  'free',
];

/**
 * The `hnsw` module of a backend: the real one when the backend has an index (`kernels.hnsw`),
 * else a stand-in whose every call throws UNSUPPORTED.
 */
export function hnswModuleFor(kernels: HnswKernels | undefined, backend: BackendName): HnswModule {
  if (kernels !== undefined) return createHnswModule(kernels, backend);
  return standIn<HnswModule>(HNSW_FUNCTIONS, (name) => `hnsw.${name} is not available on the ${backend} backend (it has no HNSW index yet)`);
}

/** The `hnsw`, `embeddings` and `learning` modules of 0.1: every call throws UNSUPPORTED. */
export function unsupportedModules(): Omit<WasmModules, 'vectorOps'> {
  return {
    hnsw: unsupported<HnswModule>('hnsw', 'HNSW index', HNSW_FUNCTIONS),
    embeddings: unsupported<EmbeddingsModule>('embeddings', 'embeddings', ['loadModel', 'embed', 'embedBatch', 'unloadModel']),
    learning: unsupported<LearningModule>('learning', 'pattern learning', [
      'createPattern',
      'matchPatterns',
      'trainLoRA',
      'applyEWC',
    ]),
  };
}
