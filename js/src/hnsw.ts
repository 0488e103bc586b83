/**
 * WasmHnswIndex (ADR-006): an HNSW index over the runtime's `hnsw` module. In 0.1 that module
 * throws UNSUPPORTED, so `initialize()` rejects with UNSUPPORTED; the class checks its
 * configuration and arguments now so that behaviour stays when the module lands.
 */
import { RuVectorError } from './errors.js';
import type { HnswIndexHandle } from './modules.js';
import { RuVectorRuntime } from './runtime.js';
import type { HnswConfig, IndexStats, SearchResult } from './types.js';
import { DISTANCE_METRICS, typeName } from './vector-ops.js';

/** Where a {@link WasmHnswIndex} or {@link WasmEmbedder} finds its runtime. */
export interface RuntimeBinding {
  /** Use this runtime instead of the shared one from `RuVectorRuntime.initialize()`. */
  runtime?: RuVectorRuntime;
}

function positiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new RuVectorError('INVALID_ARGUMENT', `WasmHnswIndex: config.${name} must be a positive integer (got ${String(value)})`);
  }
}

/** Checks an {@link HnswConfig}; throws INVALID_ARGUMENT naming the first bad field. */
function checkConfig(config: HnswConfig): HnswConfig {
  if (typeof config !== 'object' || config === null) {
    throw new RuVectorError('INVALID_ARGUMENT', `WasmHnswIndex: config must be an HnswConfig object (got ${typeName(config)})`);
  }
  positiveInteger('dimensions', config.dimensions);
  positiveInteger('m', config.m);
  positiveInteger('efConstruction', config.efConstruction);
  positiveInteger('efSearch', config.efSearch);
  if (!DISTANCE_METRICS.includes(config.distanceMetric)) {
    throw new RuVectorError(
      'INVALID_ARGUMENT',
      `WasmHnswIndex: unknown config.distanceMetric ${String(config.distanceMetric)} (expected one of ${DISTANCE_METRICS.join(', ')})`,
    );
  }
  return { ...config };
}

/** An approximate nearest-neighbour index (HNSW) with ADR-006's methods. */
export class WasmHnswIndex {
  readonly #config: HnswConfig;
  readonly #binding: RuntimeBinding;
  #runtime: RuVectorRuntime | null = null;
  #handle: HnswIndexHandle | null = null;
  #vectorCount = 0;

  constructor(config: HnswConfig, binding: RuntimeBinding = {}) {
    this.#config = checkConfig(config);
    this.#binding = binding;
  }

  async #modules() {
    this.#runtime ??= this.#binding.runtime ?? (await RuVectorRuntime.initialize());
    return this.#runtime.getModules();
  }

  #ready(method: string): HnswIndexHandle {
    if (this.#handle === null) {
      throw new RuVectorError('NOT_INITIALIZED', `WasmHnswIndex.${method}: the index is not initialized (call initialize() or deserialize())`);
    }
    return this.#handle;
  }

  #checkVector(method: string, name: string, vector: Float32Array): void {
    if (!(vector instanceof Float32Array)) {
      throw new RuVectorError('INVALID_ARGUMENT', `WasmHnswIndex.${method}: ${name} must be a Float32Array (got ${typeName(vector)})`);
    }
    if (vector.length !== this.#config.dimensions) {
      throw new RuVectorError(
        'DIMENSION_MISMATCH',
        `WasmHnswIndex.${method}: ${name} has ${vector.length} elements but the index has ${this.#config.dimensions} dimensions`,
      );
    }
  }

  /** Creates the empty index in the runtime's backend. */
  async initialize(): Promise<void> {
    const { hnsw } = await this.#modules();
    this.#handle = hnsw.create({ ...this.#config });
    this.#vectorCount = 0;
  }

  /** Adds one vector under `id`. */
  async insert(id: string, vector: Float32Array): Promise<void> {
    const handle = this.#ready('insert');
    this.#checkVector('insert', 'vector', vector);
    (await this.#modules()).hnsw.insert(handle, id, vector);
    this.#vectorCount++;
  }

  /** Adds vectors in order; stops at the first failure (earlier entries stay inserted). */
  async insertBatch(entries: Array<{ id: string; vector: Float32Array }>): Promise<void> {
    const handle = this.#ready('insertBatch');
    entries.forEach((e, i) => this.#checkVector('insertBatch', `entries[${i}].vector`, e.vector));
    const { hnsw } = await this.#modules();
    for (const entry of entries) {
      hnsw.insert(handle, entry.id, entry.vector);
      this.#vectorCount++;
    }
  }

  /** The `k` nearest vectors to `query`, best first (`score`: higher is better). */
  async search(query: Float32Array, k: number): Promise<SearchResult[]> {
    const handle = this.#ready('search');
    this.#checkVector('search', 'query', query);
    if (!Number.isSafeInteger(k) || k <= 0) {
      throw new RuVectorError('INVALID_ARGUMENT', `WasmHnswIndex.search: k must be a positive integer (got ${String(k)})`);
    }
    return (await this.#modules()).hnsw.search(handle, query, Math.min(k, this.#vectorCount));
  }

  /** Removes `id`; false when it was not there. */
  async delete(id: string): Promise<boolean> {
    const handle = this.#ready('delete');
    const deleted = (await this.#modules()).hnsw.delete(handle, id);
    if (deleted) this.#vectorCount--;
    return deleted;
  }

  /** The index as bytes (versioned, little-endian, checksummed; loadable by every backend). */
  async serialize(): Promise<Uint8Array> {
    const handle = this.#ready('serialize');
    return (await this.#modules()).hnsw.serialize(handle);
  }

  /** Replaces this index with one read from `data`. */
  async deserialize(data: Uint8Array): Promise<void> {
    if (!(data instanceof Uint8Array)) {
      throw new RuVectorError('INVALID_ARGUMENT', `WasmHnswIndex.deserialize: data must be a Uint8Array (got ${typeName(data)})`);
    }
    const { hnsw } = await this.#modules();
    const handle = hnsw.deserialize(data);
    if (this.#handle !== null) hnsw.free(this.#handle);
    this.#handle = handle;
  }

  /** Size and parameters of the index, and the backend it runs on. */
  getStats(): IndexStats {
    this.#ready('getStats');
    return {
      vectorCount: this.#vectorCount,
      dimensions: this.#config.dimensions,
      m: this.#config.m,
      efConstruction: this.#config.efConstruction,
      efSearch: this.#config.efSearch,
      backend: this.#runtime!.getBackend(),
    };
  }

  /** Frees the index in the backend; the object can be initialized again. */
  async dispose(): Promise<void> {
    if (this.#handle === null) return;
    (await this.#modules()).hnsw.free(this.#handle);
    this.#handle = null;
    this.#vectorCount = 0;
  }
}
