/**
 * The module set of ADR-006 (`WasmModules`) and the stand-ins for the modules that 0.1 does not
 * have yet. A missing module never makes results up: every call throws `UNSUPPORTED`.
 */
import { RuVectorError } from './errors.js';
import type { HnswConfig, SearchResult, VectorOps } from './types.js';

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

/** ADR-006 `hnsw` module: an approximate nearest-neighbour index. */
export interface HnswModule {
  /** Creates an empty index. */
  create(config: HnswConfig): HnswIndexHandle;
  /** Adds `vector` under `id`. */
  insert(handle: HnswIndexHandle, id: string, vector: Float32Array): void;
  /** The `k` nearest entries to `query`, best first. */
  search(handle: HnswIndexHandle, query: Float32Array, k: number): SearchResult[];
  /** Removes `id`; false when it was not there. */
  delete(handle: HnswIndexHandle, id: string): boolean;
  /** The index as versioned, little-endian, checksummed bytes (readable by every backend). */
  serialize(handle: HnswIndexHandle): Uint8Array;
  /** An index read from bytes made by `serialize` (CORRUPT_DATA when they do not parse). */
  deserialize(data: Uint8Array): HnswIndexHandle;
  /** Releases the index; the handle must not be used afterwards. */
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

/** An object of the given shape whose every function throws UNSUPPORTED naming itself. */
function unsupported<T extends object>(module: string, planned: string, functions: ReadonlyArray<keyof T & string>): T {
  const out: Record<string, () => never> = {};
  for (const name of functions) {
    out[name] = () => {
      throw new RuVectorError(
        'UNSUPPORTED',
        `${module}.${name} is not implemented yet in ruvector-runtime 0.1 (planned: ${planned})`,
      );
    };
  }
  return Object.freeze(out) as unknown as T;
}

/** The `hnsw`, `embeddings` and `learning` modules of 0.1: every call throws UNSUPPORTED. */
export function unsupportedModules(): Omit<WasmModules, 'vectorOps'> {
  return {
    hnsw: unsupported<HnswModule>('hnsw', 'HNSW index', [
      'create',
      'insert',
      'search',
      'delete',
      'serialize',
      'deserialize',
      'free',
    ]),
    embeddings: unsupported<EmbeddingsModule>('embeddings', 'embeddings', ['loadModel', 'embed', 'embedBatch', 'unloadModel']),
    learning: unsupported<LearningModule>('learning', 'pattern learning', [
      'createPattern',
      'matchPatterns',
      'trainLoRA',
      'applyEWC',
    ]),
  };
}
