/** Public types of the semantic memory (issue 22): one object that embeds, stores and recalls. */
import type { BackendName } from '../backend.js';
import type { EmbeddingModelInfo, LoadModelOptions } from '../embeddings/types.js';
import type { ModelSource } from '../embeddings/sources.js';
import type { HnswConfig } from '../hnsw/types.js';
import type { BackendChoice, RuVectorRuntime } from '../runtime.js';

/** Any JSON value (what metadata may hold). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** Metadata of a memory: a JSON object (at most 1 MiB as compact JSON, nested at most 32 deep). */
export type MemoryMetadata = { [key: string]: JsonValue };

/**
 * A metadata filter in MongoDB / Pinecone style, evaluated in the core during the HNSW walk:
 * `{ field: value }` (equality), `{ field: { $eq | $ne | $gt | $gte | $lt | $lte: value } }`,
 * `{ field: { $in | $nin: [values] } }`, `{ field: { $exists: boolean } }`, `{ $and: [filters] }`,
 * `{ $or: [filters] }`; `field` may be a dotted path (`'source.kind'`). MongoDB's semantics: a
 * condition on an array field matches when any element matches, `null` equals a missing field,
 * and ranges compare numbers with numbers and strings with strings only.
 */
export type MetadataFilter = { [field: string]: JsonValue };

/** Where a memory keeps its data and what an acknowledged write promises. */
export type Durability = 'none' | 'batch' | 'fsync';

/** Options of {@link SemanticMemory.open}; every field is optional. */
export interface SemanticMemoryOptions {
  /**
   * The embedding model: a folder, URL, Hub id or short name, or bundle bytes (as `loadModel`
   * takes them). Default: the ADR's `all-MiniLM-L6-v2`. `null`: no model; memories are added and
   * searched with vectors only (`dimensions` then required).
   */
  model?: ModelSource | null;
  /** How the model is loaded and run (maxTokens, truncation, pooling, normalize, weights, ...). */
  modelOptions?: LoadModelOptions;
  /**
   * The model's weights precision (`modelOptions.dtype`, see LoadModelOptions.dtype): `'fp32'`
   * or `'q8'`. A store records it with its model: its vectors are searched with the same one.
   */
  dtype?: 'fp32' | 'q8';
  /** Vector length; must match the model's when both are given. */
  dimensions?: number;
  /** Run on this backend ('native', 'wasm' or 'js'); default: the best one that loads here. */
  backend?: BackendChoice;
  /** Or on this runtime (its backend), e.g. one shared with other modules. */
  runtime?: RuVectorRuntime;
  /** The HNSW index (defaults: m 16, efConstruction 200, efSearch 64, cosine, float32). */
  index?: Omit<HnswConfig, 'dimensions'>;
  /**
   * Where to keep the store: in Node, Bun and Deno a directory (created if missing); in a
   * browser (or its workers) the name of an IndexedDB database (`ruvector-memory:<path>`).
   * Either holds a snapshot and a write-ahead log, opened by one process or tab at a time
   * (LOCKED otherwise). Reopening it loads what was acknowledged. No path: in memory (use
   * export() / SemanticMemory.import to keep it, e.g. in Workers).
   */
  path?: string;
  /**
   * What a resolved write promises (with a path): `'fsync'` (default) on disk before it
   * resolves, surviving kill -9 and power loss; `'batch'` handed to the OS before it resolves
   * (survives kill -9) and fsynced within 200 ms or at flush()/close(). In IndexedDB these are
   * transactions committed with durability 'strict' and 'relaxed'. Without a path only `'none'`.
   */
  durability?: Durability;
  /**
   * How many memories may wait for their vector to be linked into the HNSW graph (native and
   * wasm; the js backend links every vector before a write resolves). A write resolves once it is
   * logged and stored; its vector is linked in the background, a step at a time (off the JS thread
   * natively), and until then every search ranks it exactly beside the graph walk, so an
   * acknowledged memory is never missing from results. Past this many, writes wait for the
   * linker. Unlinked vectors are kept by checkpoints and export() and linked after the next open.
   * Default: as many as 128 MiB of vectors (87,381 at 384 dimensions); 0: link before resolving.
   */
  maxPending?: number;
}

/** Options of {@link SemanticMemory.flush}. */
export interface FlushOptions {
  /** Also wait until every vector is linked into the graph (describe().pending is 0). */
  index?: boolean;
}

/** One memory to add. */
export interface MemoryInput {
  id: string;
  /** Non-empty text; embedded unless `vector` is given. */
  text: string;
  metadata?: MemoryMetadata;
  /** A precomputed embedding (the memory's dimensions); required when the memory has no model. */
  vector?: Float32Array;
}

/** A stored memory. */
export interface MemoryEntry {
  id: string;
  text: string;
  metadata: MemoryMetadata;
}

/** One search result: a stored memory and how near it is. */
export interface MemoryHit extends MemoryEntry {
  /** Similarity, higher is nearer (cosine: 1 - distance). */
  score: number;
  /** The index metric's distance, lower is nearer. */
  distance: number;
  /** With `hybrid`: the reciprocal-rank-fusion score the results are ordered by. */
  fusedScore?: number;
}

/** Options of {@link SemanticMemory.search}. */
export interface MemorySearchOptions {
  /** Results wanted (default 10); fewer only when fewer memories pass the filter and minScore. */
  k?: number;
  /** Which memories may be returned; evaluated in the core during the walk. */
  filter?: MetadataFilter;
  /** Drop results whose score is below this. */
  minScore?: number;
  /** Candidate list size of this search (default: the index's efSearch). */
  efSearch?: number;
  /**
   * Hybrid recall: fuse the vector ranking with a BM25 keyword ranking over the stored texts
   * (reciprocal rank fusion, in the core; tokenized the same way on every backend). `true` takes
   * the keywords from a text query; a string gives them (e.g. beside a vector query). Results are
   * in fused order and carry `fusedScore`; `score`, `distance` and minScore stay the vector's.
   */
  hybrid?: boolean | string;
}

/** What a memory is and how it runs: never a guess. */
export interface SemanticMemoryDescription {
  backend: BackendName;
  /** The embedding model (provenance included), or null for a vectors-only memory. */
  model: EmbeddingModelInfo | null;
  dimensions: number;
  index: Required<Omit<HnswConfig, 'dimensions' | 'seed'>> & { seed: string };
  size: number;
  /** Where the data is kept: the directory, `indexeddb:<path>` in a browser, null in memory. */
  path: string | null;
  /** What keeps it: a directory, IndexedDB (browsers), or nothing (`'memory'`). */
  storage: 'directory' | 'indexeddb' | 'memory';
  /**
   * In a browser, whether `navigator.storage.persist()` was granted (if not, the browser may
   * evict the store under storage pressure); null elsewhere.
   */
  persisted: boolean | null;
  durability: Durability;
  /** What opening a store on disk found (null in memory). */
  recovered: RecoveryReport | null;
  /** Memories whose vector is not linked into the graph yet (searched exactly meanwhile). */
  pending: number;
  /** options.maxPending as it applies here (0 where vectors are linked before a write resolves). */
  maxPending: number;
}

/** What opening a store on disk found and did. */
export interface RecoveryReport {
  /** Whether a snapshot was loaded (false for a new store). */
  snapshot: boolean;
  /** Log records applied after the snapshot. */
  replayed: number;
  /** Bytes of log dropped: a tail torn by a crash (never an acknowledged write) or damaged bytes. */
  droppedBytes: number;
}
