/**
 * WasmHnswIndex (ADR-006): an HNSW index over the runtime's `hnsw` module (module.ts), with
 * the ADR's methods. Arguments are checked by the module, so messages and codes are the same on
 * every backend.
 *
 * Differences from the ADR sketch, on purpose:
 * - `vectorCount` / `getStats()` come from the backend (the true live count after replacements
 *   and deletions), never from a JS counter;
 * - `search(query, k)` passes `k` as given (k larger than the count returns every live entry) and
 *   takes options: `efSearch` per query and a `filter` applied during the graph walk;
 * - re-inserting an existing id replaces its vector;
 * - `insertBatch` checks every entry before inserting any, and runs off the event loop.
 *
 * Concurrency (core/src/hnsw/FORMAT.md): on native, `insertBatch` and searches without a
 * predicate filter run on worker threads; searches run concurrently with each other, while inserts
 * and deletes take the index exclusively (a waiting writer goes before later searches). On wasm
 * and js-fallback everything runs on the JS thread; `insertBatch` inserts in short chunks and
 * yields in between, so a search issued meanwhile may see part of the batch. `has()` and
 * `getStats()` answer during a batch on every backend and may see part of it (natively they wait
 * for one step of the batch at most: core/src/hnsw/lookup_lock.h). `dispose()` and
 * `deserialize()` wait for the calls in flight before freeing the old index.
 */
import { isPlainObject, rejectUnknownKeys, typeName } from '../check.js';
import { checkSameModel, isProvenanceRecord, type ModelProvenanceRecord } from '../embeddings/provenance.js';
import type { EmbeddingModelInfo } from '../embeddings/types.js';
import { RuVectorError } from '../errors.js';
import { RuVectorRuntime, type RuntimeBinding } from '../runtime.js';
import { checkHnswConfig } from './checks.js';
import type {
  HnswConfig,
  HnswEntry,
  HnswIndexHandle,
  HnswModule,
  HnswSearchOptions,
  IndexStats,
  SearchResult,
} from './types.js';

/**
 * An approximate nearest-neighbour index (HNSW) with ADR-006's methods.
 *
 * ```ts
 * const index = new WasmHnswIndex({ dimensions: 384 }); // m 16, efConstruction 200, efSearch 64, cosine
 * await index.initialize();
 * await index.insertBatch([{ id: 'a', vector: va }, { id: 'b', vector: vb }]);
 * const hits = await index.search(query, 10, { efSearch: 100, filter: (id) => id.startsWith('a') });
 * // hits[0].score: similarity (higher is better); hits[0].distance: the metric's distance
 * ```
 */
export class WasmHnswIndex {
  readonly #config: HnswConfig;
  readonly #binding: RuntimeBinding;
  #runtime: RuVectorRuntime | null = null;
  #handle: HnswIndexHandle | null = null;
  /** Calls that have crossed into the backend and not returned yet (awaited before a free). */
  readonly #inFlight = new Set<Promise<unknown>>();
  /** insertBatch calls in flight: later writes, serialize and predicate searches wait for them. */
  readonly #batches = new Set<Promise<unknown>>();

  /** Checks `config` now (INVALID_ARGUMENT for a bad field); the index is made by `initialize()`. */
  constructor(config: HnswConfig, binding: RuntimeBinding = {}) {
    this.#config = checkHnswConfig('WasmHnswIndex', config).config;
    this.#binding = binding;
  }

  async #hnsw(): Promise<HnswModule> {
    this.#runtime ??= this.#binding.runtime ?? (await RuVectorRuntime.initialize());
    return this.#runtime.getModules().hnsw;
  }

  /** The module and handle of an initialized index (the runtime is known once there is a handle). */
  #ready(method: string): { hnsw: HnswModule; handle: HnswIndexHandle } {
    if (this.#handle === null || this.#runtime === null) {
      throw new RuVectorError(
        'NOT_INITIALIZED',
        `WasmHnswIndex.${method}: the index is not initialized (call initialize() or deserialize())`,
      );
    }
    return { hnsw: this.#runtime.getModules().hnsw, handle: this.#handle };
  }

  /** Runs `call` (an async call into the backend), remembered until it settles. */
  async #track<T>(call: Promise<T>): Promise<T> {
    this.#inFlight.add(call);
    try {
      return await call;
    } finally {
      this.#inFlight.delete(call);
    }
  }

  /**
   * Waits until no insertBatch is in flight, so that a write, a serialize or a predicate search
   * takes its turn after it on every backend (natively the batch holds the index on a worker and
   * would refuse them; elsewhere they would land between its chunks).
   */
  async #afterBatches(): Promise<void> {
    // The batches called before this call (later ones wait for it in turn: call order is kept).
    if (this.#batches.size > 0) await Promise.allSettled([...this.#batches]);
  }

  /** Frees `handle` once every call in flight has settled. */
  async #release(hnsw: HnswModule, handle: HnswIndexHandle): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    hnsw.free(handle);
  }

  /** Creates the empty index in the runtime's backend (INVALID_ARGUMENT when there already is one). */
  async initialize(): Promise<void> {
    const hnsw = await this.#hnsw();
    if (this.#handle !== null) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        'WasmHnswIndex.initialize: the index is already initialized (dispose() it first)',
      );
    }
    this.#handle = hnsw.create({ ...this.#config });
  }

  /** Adds one vector under `id`; an existing `id` is replaced (the count does not change). */
  async insert(id: string, vector: Float32Array): Promise<void> {
    this.#ready('insert');
    await this.#afterBatches();
    const { hnsw, handle } = this.#ready('insert');
    hnsw.insert(handle, id, vector);
  }

  /**
   * Adds entries in order; a later duplicate id replaces an earlier one. Every entry is checked
   * before any is inserted. Off the event loop: on native in worker threads, elsewhere in chunks.
   */
  async insertBatch(entries: ReadonlyArray<HnswEntry>): Promise<void> {
    this.#ready('insertBatch');
    // Registered before any await, so that calls issued right after this one see it in flight;
    // it starts now, or once the batches called before it have settled.
    const start = (): Promise<void> => {
      const { hnsw, handle } = this.#ready('insertBatch');
      return this.#track(hnsw.insertBatchAsync(handle, entries));
    };
    const batch = this.#batches.size === 0 ? start() : this.#afterBatches().then(start);
    this.#batches.add(batch);
    try {
      await batch;
    } finally {
      this.#batches.delete(batch);
    }
  }

  /**
   * Up to `k` entries nearest to `query`, best first; every live entry when `k` exceeds the
   * count. `score` is a similarity (cos, -L2 or a.b: higher is better), `distance` the metric's
   * (smaller is closer). `options.efSearch` overrides the index's for this query; `options.filter`
   * (a predicate, or a Set / array of ids) restricts the results during the walk.
   */
  async search(query: Float32Array, k: number, options?: HnswSearchOptions): Promise<SearchResult[]> {
    this.#ready('search');
    // A predicate runs JS during the walk: on this thread, so after a batch in flight.
    if (typeof options?.filter === 'function') await this.#afterBatches();
    const { hnsw, handle } = this.#ready('search');
    return this.#track(hnsw.searchAsync(handle, query, k, options));
  }

  /** Removes `id`; false when it was not there. */
  async delete(id: string): Promise<boolean> {
    this.#ready('delete');
    await this.#afterBatches();
    const { hnsw, handle } = this.#ready('delete');
    return hnsw.delete(handle, id);
  }

  /** True when `id` is in the index. */
  has(id: string): boolean {
    const { hnsw, handle } = this.#ready('has');
    return hnsw.has(handle, id);
  }

  /**
   * The index as bytes (core/src/hnsw/FORMAT.md: versioned, little-endian, checksummed). Bytes
   * from any backend load on every other one, giving the same graph and the same results.
   */
  async serialize(): Promise<Uint8Array> {
    this.#ready('serialize');
    await this.#afterBatches(); // the bytes include every batch called before
    const { hnsw, handle } = this.#ready('serialize');
    return this.#track(hnsw.serializeAsync(handle));
  }

  /**
   * Replaces this index with one read from `data` (its config, e.g. dimensions, comes with it).
   * CORRUPT_DATA when the bytes do not parse; the current index is then kept. Natively the bytes
   * are read in place off the JS thread: do not change them until the promise settles.
   * `options.model`: the model the caller will query with; bytes that record another model are
   * MODEL_MISMATCH naming both (the current index is kept). Bytes recording none load as they are.
   */
  async deserialize(
    data: Uint8Array,
    options?: { model?: EmbeddingModelInfo | ModelProvenanceRecord },
  ): Promise<void> {
    const fn = 'WasmHnswIndex.deserialize';
    if (options !== undefined && !isPlainObject(options))
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        `${fn}: options must be an object (got ${typeName(options)})`,
      );
    rejectUnknownKeys(fn, options ?? {}, ['model'], 'option');
    const expected = options?.model;
    if (expected !== undefined && !isProvenanceRecord(expected))
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        `${fn}: options.model must be a loaded model's info or a ModelProvenanceRecord`,
      );
    const hnsw = await this.#hnsw();
    const handle = await hnsw.deserializeAsync(data);
    try {
      const stored = hnsw.model(handle);
      if (expected !== undefined && stored !== null)
        checkSameModel(fn, "the index's vectors", stored, expected);
    } catch (e) {
      hnsw.free(handle);
      throw e;
    }
    const old = this.#handle;
    this.#handle = handle;
    if (old !== null) await this.#release(hnsw, old);
  }

  /**
   * The embedding model recorded as the maker of the vectors (by {@link setModel}, or read with
   * the bytes), or null.
   */
  get model(): ModelProvenanceRecord | null {
    const { hnsw, handle } = this.#ready('model');
    return hnsw.model(handle);
  }

  /**
   * Records the model that made the vectors (e.g. `embedder.getModelInfo()`; null removes it):
   * it travels in `serialize()`'s bytes, so whoever loads them can check they query with the same
   * model (`deserialize(bytes, { model })`). DIMENSION_MISMATCH when its dimensions differ.
   */
  setModel(model: EmbeddingModelInfo | ModelProvenanceRecord | null): void {
    const { hnsw, handle } = this.#ready('setModel');
    hnsw.setModel(handle, model);
  }

  /** Live entries now, as the backend counts them (0 before `initialize()`). */
  get vectorCount(): number {
    return this.#handle === null ? 0 : this.getStats().vectorCount;
  }

  /** Same as {@link vectorCount}. */
  get size(): number {
    return this.vectorCount;
  }

  /** Count, parameters, memory and backend, as the backend reports them. */
  getStats(): IndexStats {
    const { hnsw, handle } = this.#ready('getStats');
    return hnsw.stats(handle);
  }

  /**
   * Frees the index in the backend, after the calls in flight settle; the object can be
   * initialized again. Calling it twice is harmless.
   */
  async dispose(): Promise<void> {
    if (this.#handle === null || this.#runtime === null) return;
    const handle = this.#handle;
    this.#handle = null;
    await this.#release(this.#runtime.getModules().hnsw, handle);
  }

  /** Same as {@link dispose}. */
  async free(): Promise<void> {
    return this.dispose();
  }
}
