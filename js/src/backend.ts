/**
 * The contract between the public API and a backend. Arguments reaching a backend are already
 * validated by each module's checks (vector-ops/, hnsw/: types, lengths, metric, config), so a
 * backend only computes.
 * A backend may still report data-dependent failures by throwing RuVectorError (e.g. NON_FINITE
 * from quantize), with the codes of errors.ts.
 */
import type { VectorBuffer } from './vector-ops/types.js';

/** Name of a backend: the Node-API addon, the Emscripten module, or pure TypeScript. */
export type BackendName = 'native' | 'wasm' | 'js-fallback';

/** Metric as the C ABI numbers it (ruv_metric). */
export const enum MetricId {
  Cosine = 0,
  Euclidean = 1,
  DotProduct = 2,
}

/** Quantization type as the C ABI numbers it (ruv_quant_type). */
export const enum QuantTypeId {
  Scalar = 0,
  Int4 = 1,
  Binary = 2,
}

/** A validated quantization config in C ABI terms. */
export interface QuantParams {
  type: QuantTypeId;
  /** True when min/max are fixed by the caller (no range stored with the codes). */
  hasRange: boolean;
  min: number;
  max: number;
}

/** Vector kernels (the `vectorOps` module's distances and normalization). */
export interface VectorKernels {
  distance(a: Float32Array, b: Float32Array, metric: MetricId): number;
  /** `vectors` is flat row-major count x dim; returns `count` distances. */
  batchDistance(query: Float32Array, vectors: Float32Array, count: number, metric: MetricId): Float32Array;
  /**
   * Optional: distances from `query` to each of `rows` (at least one row, each a Float32Array of
   * query.length; checked by vector-ops). Lets a backend read rows where they are, or copy them
   * straight into its own memory, instead of vector-ops first flattening them into one array for
   * `batchDistance`. Must give the same values as `batchDistance` on the flattened rows.
   */
  batchDistanceRows?(query: Float32Array, rows: readonly Float32Array[], metric: MetricId): Float32Array;
  /**
   * Optional: the rows of `vectors` (flat row-major count x dim) whose dot product with `query` is
   * >= threshold, in row order, with those dots (exactly -batchDistance(dot_product)); a NaN dot
   * never passes. For unit rows and query this is "cosine >= threshold": matchPatterns gets the
   * few rows that pass instead of `count` distances to scan in JS. Backends without it get the
   * same result from batchDistance (learning/rank.ts rowsAbove).
   */
  dotAbove?(
    query: Float32Array,
    vectors: Float32Array,
    count: number,
    threshold: number,
  ): { index: Uint32Array; dot: Float32Array };
  normalize(v: Float32Array): Float32Array;
  /**
   * Memory the backend reads without a copy (wasm: on its heap). Optional: the runtime hands out
   * ordinary Float32Arrays for backends that read JS memory directly. `length` is validated.
   */
  allocateFloat32?(length: number): VectorBuffer;
}

/** Quantization kernels (the `vectorOps` module's codes). */
export interface QuantKernels {
  quantizedSize(params: QuantParams, dim: number): number;
  /** Throws RuVectorError('NON_FINITE') when v holds NaN or +-Infinity. */
  quantize(v: Float32Array, params: QuantParams): Uint8Array;
  /** Throws RuVectorError('CORRUPT_DATA') when a stored range is not finite or min > max. */
  dequantize(codes: Uint8Array, dim: number, params: QuantParams): Float32Array;
  quantizedDistance(a: Uint8Array, b: Uint8Array, dim: number, params: QuantParams, metric: MetricId): number;
  hammingDistance(a: Uint8Array, b: Uint8Array): number;
}

/**
 * Compute kernels of one backend, grouped by module; all inputs already validated. The groups
 * are flat members of one object (what loaders return and tests wrap): `vector` and `quant` are
 * required, a module's optional group (`hnsw` now; embeddings and learning next) is a member of
 * its own whose absence makes that module throw UNSUPPORTED.
 */
export interface BackendKernels extends VectorKernels, QuantKernels {
  readonly name: BackendName;
  /** SIMD target in use, e.g. 'AVX3_ZEN4', 'AVX2', 'WASM_SIMD128', or 'none' for JS. */
  readonly simdTarget: string;
  /** wasm only: which of its two builds runs, and why. */
  readonly wasmBuild?: WasmBuildDescription;
  /** The HNSW index of this backend (core/src/hnsw/FORMAT.md: same algorithm and bytes everywhere). */
  readonly hnsw?: HnswKernels;
  /** Sentence embeddings (core/src/embed); absent on js-fallback, whose `embeddings` module throws UNSUPPORTED. */
  readonly embed?: EmbedKernels;
  /**
   * Pattern store, adapter training and EWC (core/src/learn); absent on js-fallback, where
   * matching over pattern arrays and applyLoRA still work (learning/module.ts).
   */
  readonly learn?: LearnKernels;
  /** Semantic memory (core/src/memory): index, texts and metadata in step, filtered search in the core. */
  readonly memory?: MemoryKernels;
  /** A call that does nothing, to measure the cost of crossing the boundary. */
  noop(): void;
  /** Releases backend resources (wasm heap scratch, ...). */
  dispose?(): void;
}

/** The required functions of a kernel group (optional members left out). */
type RequiredFunctions<T> = {
  [K in keyof T]-?: undefined extends T[K] ? never : T[K] extends (...args: never[]) => unknown ? K : never;
}[keyof T];

/** A list naming exactly the required functions of `T` (a compile error when one is missing). */
function requiredList<T>() {
  return <const L extends readonly RequiredFunctions<T>[]>(
    list: L & ([RequiredFunctions<T>] extends [L[number]] ? unknown : 'lists every required function'),
  ): L => list;
}

/**
 * Every function a backend must have, group by group, in the order messages list them. Derived
 * from the groups above: adding a required kernel without listing it here does not compile.
 */
export const REQUIRED_KERNEL_FUNCTIONS: readonly (keyof BackendKernels)[] = Object.freeze([
  ...requiredList<VectorKernels>()(['distance', 'batchDistance', 'normalize']),
  ...requiredList<QuantKernels>()([
    'quantizedSize',
    'quantize',
    'dequantize',
    'quantizedDistance',
    'hammingDistance',
  ]),
  ...requiredList<Pick<BackendKernels, 'noop'>>()(['noop']),
]);

/** Which wasm build a runtime runs, and why (RuntimeDescription.wasm; backends/wasm/threads.ts). */
export interface WasmBuildDescription {
  /** 'pthreads': ruvector_wasm_mt.wasm with a worker pool; 'single': ruvector_wasm.wasm. */
  build: 'pthreads' | 'single';
  /**
   * Most threads one call can run on: the pool's workers and the calling thread (1 for the
   * single-thread build). Loaded models hold workers while they live; modelInfo().threads says
   * how many each one got.
   */
  threads: number;
  /** Why this build, in words. */
  reason: string;
}

/** Where a backend finds its compiled artifacts; every field is optional. */
export interface BackendLoadOptions {
  /** Path of the Node-API addon (default: dist/native/ruvector_native.node in this package). */
  nativePath?: string;
  /** A precompiled WebAssembly.Module (Cloudflare Workers cannot compile bytes at run time). */
  wasmModule?: WebAssembly.Module;
  /** The .wasm bytes, when the caller already has them. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** URL or path of the .wasm file (default: dist/wasm/ruvector_wasm.wasm in this package). */
  wasmUrl?: string | URL;
  /**
   * wasm: run the pthreads build (true; BACKEND_UNAVAILABLE where it cannot run), the
   * single-thread one (false), or the pthreads one where SharedArrayBuffer allows and the
   * single-thread one elsewhere (undefined, the default; also RUVECTOR_WASM_THREADS=0|1). A
   * wasmModule, wasmBinary or wasmUrl given is the single-thread build's.
   */
  wasmThreads?: boolean;
}

/** Loads one backend or throws (with the reason) when it cannot run here. */
export type BackendLoader = (options: BackendLoadOptions) => Promise<BackendKernels>;

/** An HNSW config in C ABI terms (validated by the public layer). */
export interface HnswParams {
  dimensions: number;
  m: number;
  efConstruction: number;
  efSearch: number;
  metric: MetricId;
  /** 0 = float32 rows, 1 = int8 codes (core/src/hnsw/FORMAT.md). */
  storage: 0 | 1;
  /** Level-generator seed as a bigint (u64); the same seed gives the same levels everywhere. */
  seed: bigint;
}

/**
 * Which entries a search may return, evaluated during the graph walk (never a post-filter):
 * an allow-list of ids, or a predicate called with each candidate's id.
 */
export type HnswFilterSpec =
  { kind: 'ids'; ids: readonly string[] } | { kind: 'predicate'; allow: (id: string) => boolean };

/** Hits of one search, best first; `scores` are similarities, `distances` the metric's. */
export interface HnswHits {
  ids: string[];
  scores: Float32Array;
  distances: Float32Array;
}

/** Counters and config of an index as the core reports them (ruv_hnsw_stats_t). */
export interface HnswBackendStats {
  count: number;
  slots: number;
  dimensions: number;
  m: number;
  efConstruction: number;
  efSearch: number;
  maxLevel: number;
  vectorBytes: number;
  memoryBytes: number;
  metric: MetricId;
  /** 0 = float32 rows, 1 = int8 codes. */
  storage: 0 | 1;
}

/**
 * One index owned by a backend. Arguments are validated by the public layer (ids non-empty
 * strings, vectors of the right length); data-dependent failures (NON_FINITE vectors,
 * CORRUPT_DATA bytes) are thrown as RuVectorError by the backend.
 */
export interface HnswBackendIndex {
  insert(id: string, vector: Float32Array): void;
  /** `flat` is row-major ids.length x dimensions. Validates all entries before inserting any. */
  insertBatch(ids: readonly string[], flat: Float32Array): void;
  /** Same as insertBatch, off the JS thread where the backend can (native: both cores). */
  insertBatchAsync?(ids: readonly string[], flat: Float32Array): Promise<void>;
  /**
   * Makes room for `count` more entries (OUT_OF_MEMORY, nothing changed, when there is none):
   * a batch inserted in chunks reserves for all of it first. Absent where memory has no limit
   * the index can meet first (js-fallback; native reserves inside insertBatch).
   */
  reserve?(count: number): void;
  /** `ef` 0 means the config's efSearch. */
  search(query: Float32Array, k: number, ef: number, filter?: HnswFilterSpec): HnswHits;
  /** Same as search, off the JS thread where the backend can (not with a predicate filter). */
  searchAsync?(query: Float32Array, k: number, ef: number, filter?: HnswFilterSpec): Promise<HnswHits>;
  remove(id: string): boolean;
  contains(id: string): boolean;
  /** The annotation kept in the index's bytes (FORMAT.md version 2); '' for none. */
  annotation(): string;
  /** Sets it ('' removes it); INVALID_ARGUMENT past 1 MiB of UTF-8. */
  setAnnotation(text: string): void;
  /**
   * The ids of up to `max` live entries from slot `start` on, in slot order, and the slot to go on
   * from (>= the slot count when none is left): every id in short steps, for a JS predicate scanned
   * between event-loop turns. Entries written between calls may be missed or listed again.
   */
  listIds?(start: number, max: number): { ids: string[]; next: number };
  serialize(): Uint8Array;
  /** Same as serialize, off the JS thread where the backend can (native). */
  serializeAsync?(): Promise<Uint8Array>;
  stats(): HnswBackendStats;
  /** The live count alone, where stats() costs more (js-fallback: it sums memory per slot). */
  count?(): number;
  /** Releases the index; later calls throw NOT_INITIALIZED. Idempotent. */
  free(): void;
}

/** HNSW entry points of a backend (absent on a backend without an index). */
export interface HnswKernels {
  create(params: HnswParams): HnswBackendIndex;
  /** Throws RuVectorError('CORRUPT_DATA') for bytes that do not parse; never crashes. */
  deserialize(bytes: Uint8Array): HnswBackendIndex;
  /** Same as deserialize, off the JS thread where the backend can (native: it reads `bytes` in place, so they must not change until it settles). */
  deserializeAsync?(bytes: Uint8Array): Promise<HnswBackendIndex>;
}

/** What a memory's verify found: counts of memories (ruv_memory_verify's order) and their ids. */
export interface MemoryVerifyCounts {
  /** Memories looked at. */
  checked: number;
  /** Vectors no search reached (linked in again). */
  unreachable: number;
  /** Vectors without their memory (removed). */
  orphans: number;
  /** Memories whose vector is gone and that the log cannot give back. */
  lost: number;
  /** Memories missing or different here, put back from the store's snapshot and log. */
  restored: number;
  /** Memories the store's snapshot and log lack (written to them again). */
  unlogged: number;
  /** The ids involved (the first 100). */
  ids: string[];
}

/** A record of a memory as the core keeps it: its text and its metadata as compact JSON text. */
export interface MemoryBackendRecord {
  text: string;
  metadataJson: string;
}

/**
 * One memory owned by a backend (core/capi/ruv_capi_memory.h). Arguments are validated by the
 * public layer (memory/checks.ts); data-dependent failures (a bad filter, NON_FINITE vectors,
 * metadata over its bounds) are thrown as RuVectorError with the core's message.
 */
export interface MemoryBackend {
  /**
   * Adds or replaces `id`; `metadataJson` is a JSON object's text. Nothing changes on error.
   * `vector` null: keep the vector stored for `id` (INVALID_ARGUMENT when there is none).
   */
  put(id: string, text: string, metadataJson: string, vector: Float32Array | null): void;
  /**
   * put for many entries in order (a later duplicate id wins), all checked before anything
   * changes; `flat` is ids.length x dimensions, `keep` (or null) marks with 1 the entries keeping
   * their stored vector.
   */
  putBatch(
    ids: string[],
    texts: string[],
    metadataJsons: string[],
    flat: Float32Array,
    keep: Uint8Array | null,
    defer?: boolean,
  ): void;
  /** Same as putBatch, off the JS thread on every core where the backend can (native). */
  putBatchAsync?(
    ids: string[],
    texts: string[],
    metadataJsons: string[],
    flat: Float32Array,
    keep: Uint8Array | null,
    defer?: boolean,
  ): Promise<void>;
  /**
   * Deferred linking (core/src/memory/pending_rows.h), where the backend has it (native, wasm):
   * putBatch with `defer` checks the vectors as an insert would but keeps them as pending rows,
   * ranked exactly by every search until indexPending links them into the graph.
   */
  readonly defers?: boolean;
  /** Links up to `max` pending rows (on the calling thread); how many are left. */
  indexPending?(max: number): number;
  /** indexPending off the JS thread (native), on `threads` threads (0: every core). */
  indexPendingAsync?(max: number, threads?: number): Promise<number>;
  /** Rows not linked yet (0 where the backend does not defer). */
  pending?(): number;
  remove(id: string): boolean;
  get(id: string): MemoryBackendRecord | undefined;
  /** The records of `ids` in one call (a search's hits): undefined where an id is not stored. */
  getMany(ids: readonly string[]): (MemoryBackendRecord | undefined)[];
  /** Whether `id` is stored (nothing copied). */
  contains(id: string): boolean;
  count(): number;
  /**
   * As HnswBackendIndex.listIds, by record position (which linking a pending vector never
   * changes): up to `max` ids from position `start` on, and the position to go on from.
   */
  listIds(start: number, max: number): { ids: string[]; next: number };
  /** Up to k entries passing the filter (JSON text, '' for none), best first. `ef` 0: the config's. */
  search(query: Float32Array, k: number, ef: number, filterJson: string): HnswHits;
  /**
   * Hybrid recall (core/src/memory/bm25.h): the vector ranking fused with a BM25 ranking of
   * `text`, both over entries passing the filter; hits in fused order with their vector score and
   * distance, and each one's fused score.
   */
  searchHybrid(
    query: Float32Array,
    text: string,
    k: number,
    ef: number,
    filterJson: string,
  ): { hits: HnswHits; fused: Float64Array };
  /** The whole memory as snapshot bytes (core/src/memory/FORMAT.md) with `header` stored first. */
  serialize(header: string): Uint8Array;
  /**
   * Memory::Verify (core/src/memory/memory.h): the index against the records and, with
   * `reference` (a memory of the same backend: the durable log rebuilt), both against it;
   * `repair` fixes what it can.
   */
  verify(reference: MemoryBackend | null, repair: boolean): MemoryVerifyCounts;
  /** Releases the memory; later calls throw NOT_INITIALIZED. Idempotent. */
  free(): void;
}

/** Semantic memory entry points of a backend. */
export interface MemoryKernels {
  create(params: HnswParams): MemoryBackend;
  /** Loads snapshot bytes: the memory and its stored header. CORRUPT_DATA for bad bytes, never a crash. */
  deserialize(bytes: Uint8Array): { memory: MemoryBackend; header: string };
  /**
   * Loads a snapshot file off the JS thread without its bytes ever reaching JS (native); null
   * when there is no such file. Read errors carry the errno name as `code`, as node:fs's do.
   */
  deserializeFile?(path: string): Promise<{ memory: MemoryBackend; header: string } | null>;
}

/** Options of a model load in C ABI terms (ruv_embed_options), validated by embeddings/checks.ts. */
export interface EmbedLoadParams {
  /** 0: the model's own rule (core/src/embed/embedding_model.h). */
  maxTokens: number;
  /** -1 from the files, 0 mean, 1 CLS. */
  pooling: -1 | 0 | 1;
  /** -1 from the files, 0 no, 1 yes. */
  normalize: -1 | 0 | 1;
  /** 0 auto, 1 onnx, 2 safetensors, 3 onnx quantized (onnx/model_quantized.onnx). */
  weights: 0 | 1 | 2 | 3;
  /** -1 the tokenizer's own side, 0 right, 1 left. */
  truncation: -1 | 0 | 1;
  /** Threads of a forward pass: 0 the default (RUVECTOR_THREADS, else every core), else 1..256. */
  threads: number;
  /** 0 float32, 1 int8 (q8). */
  dtype: 0 | 1;
  /** 1: every file's SHA-256 was checked on the JS side (resolveModelBundle), so the core skips it. */
  digestsChecked: 0 | 1;
}

/** Texts packed as the C ABI takes them (embeddings/codec.ts): UTF-8 back to back + one length each. */
export interface PackedTexts {
  bytes: Uint8Array;
  lengths: Uint32Array;
}

/** One loaded model of a backend (a ruv_embed*). */
export interface EmbedBackendModel {
  /** The RUV_EMBED_INFO_COUNT values of ruv_embed_info, decoded by embeddings/codec.ts. */
  info(): Uint32Array;
  /** count x dimensions floats, row-major. */
  embed(texts: PackedTexts): Float32Array;
  /** The same, off the JS thread where the backend can (native: a libuv worker). */
  embedAsync(texts: PackedTexts): Promise<Float32Array>;
  /** Token ids (and type ids) of one text or a pair, truncated to the model's max tokens. */
  tokenize(text: Uint8Array, pair: Uint8Array | null): { ids: Int32Array; typeIds: Int32Array };
  /**
   * Overlapping pieces of a UTF-8 text (ruv_embed_chunk): (begin, end) byte offsets, pairs back
   * to back. `tokens` 0: the model's max tokens.
   */
  chunk(text: Uint8Array, tokens: number, overlap: number): Uint32Array;
  /** last_hidden_state, tokens x dimensions, of sequences given as ids (`lengths` per sequence). */
  hiddenStates(ids: Int32Array, typeIds: Int32Array, lengths: Uint32Array): Float32Array;
  /** Releases the model; idempotent. */
  free(): void;
}

/** The embeddings kernels of a backend. */
export interface EmbedKernels {
  /**
   * Loads a model bundle (core/src/embed/model/BUNDLE.md); off the JS thread where the backend
   * can. `lent`: the bytes are the runtime's own (made by resolveModelBundle, never shown to the
   * caller), so the backend may read them in place until the promise settles instead of copying
   * them (a 90 MB copy natively); a caller's bytes are copied, as they could change meanwhile.
   */
  load(bundle: Uint8Array, params: EmbedLoadParams, lent?: boolean): Promise<EmbedBackendModel>;
}

/** The shape of an adapter as the C ABI takes it (params: 2 * rank * dimensions floats, A then B). */
export interface AdapterShape {
  dimensions: number;
  rank: number;
  alpha: number;
}

/** An adapter as kernels take it: its shape and its contiguous params. */
export interface AdapterParams extends AdapterShape {
  params: Float32Array;
}

/** Trajectories as the C ABI takes them (learning/codec.ts packs them). */
export interface PackedTrajectoryArrays {
  queries: Float32Array;
  targets: Float32Array;
  verdicts: Uint8Array;
  rewards: Float32Array;
}

/**
 * One pattern store of a backend (ruv_patterns). Records and match results are the C ABI's bytes,
 * decoded by learning/codec.ts. `metadata` is UTF-8 (JSON text).
 */
export interface PatternStoreBackend {
  add(id: string, type: number, metadata: Uint8Array, usage: number, success: number, v: Float32Array): void;
  remove(id: string): boolean;
  has(id: string): boolean;
  /** Throws INVALID_ARGUMENT naming the id when it is not there. */
  recordOutcome(id: string, success: boolean): void;
  get(id: string): Uint8Array;
  at(index: number): Uint8Array;
  size(): number;
  /** From `n` patterns on, match walks an HNSW index (0: always the exact scan). */
  setHnswMin(n: number): void;
  /** [size, hnswMin, 1 while an HNSW index is kept, active patterns]. */
  info(): Uint32Array;
  match(
    q: Float32Array,
    threshold: number,
    limit: number,
    typeMask: number,
    adapter: AdapterParams | null,
  ): Uint8Array;
  serialize(): Uint8Array;
  free(): void;
}

/** Learning kernels (core/capi/ruv_capi_learn.h); inputs already validated by learning/checks.ts. */
export interface LearnKernels {
  createPatternStore(dimensions: number, minUses: number, minSuccessRate: number): PatternStoreBackend;
  /** Throws CORRUPT_DATA for malformed bytes. */
  loadPatternStore(bytes: Uint8Array): PatternStoreBackend;
  /** A fresh adapter's params. */
  loraInit(shape: AdapterShape, seed: bigint): Float32Array;
  /** f(x) for `count` rows. */
  loraApply(adapter: AdapterParams, x: Float32Array, count: number): Float32Array;
  /**
   * Trains (off the event loop natively; in epochs that yield on wasm). `config` is the 64-byte
   * ruv_lora_config_t; resolves with the params and the final 16-byte report.
   */
  loraTrain(
    dimensions: number,
    trajectories: PackedTrajectoryArrays,
    config: Uint8Array,
    initial: Float32Array | null,
    fisher: { values: Float32Array; anchor: Float32Array } | null,
    paramCount: number,
    onEpoch?: (report: Uint8Array) => void,
  ): Promise<{ params: Float32Array; report: Uint8Array }>;
  /** The Fisher off the event loop natively; in batches that yield on wasm. */
  fisherCompute(
    adapter: AdapterParams,
    trajectories: PackedTrajectoryArrays,
    config: Uint8Array,
  ): Promise<Float32Array>;
  fisherMerge(
    shape: AdapterShape,
    older: Float32Array,
    newer: Float32Array,
    newerAnchor: Float32Array,
    gamma: number,
  ): Float32Array;
  ewcApply(adapter: AdapterParams, anchor: Float32Array, fisher: Float32Array, lambda: number): Float32Array;
}
