/**
 * The public `hnsw` module (ADR-006's functional face) over a backend's {@link HnswKernels}.
 *
 * This is the ONE place that checks HNSW arguments (config, handles, ids, vectors, k, options,
 * bytes), so every backend answers the same bad input with the same code and the same message;
 * backends only compute (backend.ts). Ranges follow the core's ValidateHnswConfig
 * (core/src/hnsw/hnsw_index.cc); the serialized format is core/src/hnsw/FORMAT.md.
 *
 * Handles are opaque frozen objects. Each maps (in a WeakMap private to one module, i.e. one
 * runtime) to the backend's index; a freed handle answers NOT_INITIALIZED, a handle of another
 * runtime INVALID_ARGUMENT. A handle that is dropped without `free` releases its backend memory
 * when it is garbage-collected (FinalizationRegistry), but `free` is the way to do it.
 */
import { MetricId, type HnswBackendIndex, type HnswFilterSpec, type HnswHits, type HnswKernels, type HnswParams } from './backend.js';
import { RuVectorError, type RuVectorErrorCode } from './errors.js';
import type { HnswIndexHandle, HnswModule } from './modules.js';
import type { BackendName, DistanceMetric, HnswConfig, HnswStorage, IndexStats, SearchResult } from './types.js';
import { DISTANCE_METRICS, typeName } from './vector-ops.js';

/** Storage names accepted by `config.storage`, in the order messages list them. */
export const HNSW_STORAGES: readonly HnswStorage[] = Object.freeze(['float32', 'int8']);

/** Default level-generator seed of the core ("RUVECTOR"). */
export const DEFAULT_HNSW_SEED = 0x5255564543544f52n;

const CONFIG_KEYS: readonly string[] = ['dimensions', 'm', 'efConstruction', 'efSearch', 'distanceMetric', 'storage', 'seed'];
const SEARCH_OPTION_KEYS: readonly string[] = ['efSearch', 'filter'];
const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;

/** Size of the fixed header of the serialized format (FORMAT.md), up to and with max_level. */
const HEADER_BYTES = 68;
/** Smallest valid serialized index: the header, free_count and the CRC. */
const MIN_SERIALIZED_BYTES = 76;
const MAGIC = [0x52, 0x55, 0x56, 0x48, 0x4e, 0x53, 0x57, 0x00];
const FORMAT_VERSION = 1;

const quoteList = (items: readonly string[]) => items.map((s) => `'${s}'`).join(', ');

function fail(code: RuVectorErrorCode, fn: string, message: string, cause?: unknown): RuVectorError {
  return new RuVectorError(code, `${fn}: ${message}`, cause === undefined ? undefined : { cause });
}

/** A value as it appears in a message: strings quoted, other primitives as written, else a type. */
function show(value: unknown): string {
  if (typeof value === 'string') return `'${value.length > 40 ? `${value.slice(0, 40)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined) {
    return typeof value === 'bigint' ? `${value}n` : String(value);
  }
  if (typeof value === 'symbol') return value.toString();
  return typeName(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function integerIn(fn: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be an integer in [${min}, ${max}] (got ${show(value)})`);
  }
  return value;
}

function metricId(metric: DistanceMetric): MetricId {
  return metric === 'cosine' ? MetricId.Cosine : metric === 'euclidean' ? MetricId.Euclidean : MetricId.DotProduct;
}

/** A checked config in public terms (defaults filled in) and in C ABI terms. */
export interface CheckedHnswConfig {
  config: Required<Omit<HnswConfig, 'seed'>> & { seed: bigint };
  params: HnswParams;
}

/**
 * Checks an {@link HnswConfig} as the core's ValidateHnswConfig does, plus types and unknown keys;
 * throws INVALID_ARGUMENT naming the first bad field. `fn` prefixes the message.
 */
export function checkHnswConfig(fn: string, config: unknown): CheckedHnswConfig {
  if (!isPlainObject(config)) {
    throw fail('INVALID_ARGUMENT', fn, `config must be an HnswConfig object (got ${typeName(config)})`);
  }
  for (const key of Object.keys(config)) {
    if (!CONFIG_KEYS.includes(key)) throw fail('INVALID_ARGUMENT', fn, `unknown config key '${key}' (allowed: ${CONFIG_KEYS.join(', ')})`);
  }
  const dimensions = integerIn(fn, 'config.dimensions', config['dimensions'], 1, 65536);
  const m = integerIn(fn, 'config.m', config['m'], 2, 128);
  const efConstruction = integerIn(fn, 'config.efConstruction', config['efConstruction'], 1, U32_MAX);
  const efSearch = integerIn(fn, 'config.efSearch', config['efSearch'], 1, U32_MAX);
  const distanceMetric = config['distanceMetric'];
  if (!DISTANCE_METRICS.includes(distanceMetric as DistanceMetric)) {
    throw fail('INVALID_ARGUMENT', fn, `unknown config.distanceMetric ${show(distanceMetric)} (expected one of ${quoteList(DISTANCE_METRICS)})`);
  }
  const storage = config['storage'] ?? 'float32';
  if (!HNSW_STORAGES.includes(storage as HnswStorage)) {
    throw fail('INVALID_ARGUMENT', fn, `unknown config.storage ${show(storage)} (expected one of ${quoteList(HNSW_STORAGES)})`);
  }
  const rawSeed = config['seed'];
  let seed = DEFAULT_HNSW_SEED;
  if (rawSeed !== undefined) {
    const ok =
      (typeof rawSeed === 'number' && Number.isSafeInteger(rawSeed) && rawSeed >= 0) ||
      (typeof rawSeed === 'bigint' && rawSeed >= 0n && rawSeed <= U64_MAX);
    if (!ok) {
      throw fail('INVALID_ARGUMENT', fn, `config.seed must be an integer in [0, 2^64 - 1] (a safe integer number or a bigint; got ${show(rawSeed)})`);
    }
    seed = BigInt(rawSeed as number | bigint);
  }
  const metric = distanceMetric as DistanceMetric;
  return {
    config: { dimensions, m, efConstruction, efSearch, distanceMetric: metric, storage: storage as HnswStorage, seed },
    params: { dimensions, m, efConstruction, efSearch, metric: metricId(metric), storage: storage === 'int8' ? 1 : 0, seed },
  };
}

/** Index of the first lone surrogate of `s`, or -1 (such ids have no UTF-8 form). */
function loneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

function idArg(fn: string, name: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a non-empty string (got ${show(id)})`);
  }
  const bad = loneSurrogate(id);
  if (bad >= 0) throw fail('INVALID_ARGUMENT', fn, `${name} is not well-formed UTF-16 (lone surrogate at index ${bad})`);
  return id;
}

function vectorArg(fn: string, name: string, v: unknown, dimensions: number): Float32Array {
  if (!(v instanceof Float32Array)) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a Float32Array (got ${typeName(v)})`);
  }
  if (v.length !== dimensions) {
    throw fail('DIMENSION_MISMATCH', fn, `${name} has ${v.length} elements but the index has ${dimensions} dimensions`);
  }
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!)) throw fail('NON_FINITE', fn, `${name} contains a non-finite value at index ${i}`);
  }
  return v;
}

function kArg(fn: string, k: unknown): number {
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k <= 0) {
    throw fail('INVALID_ARGUMENT', fn, `k must be a positive integer (got ${show(k)})`);
  }
  return Math.min(k, U32_MAX); // k >= count already returns every live entry
}

/** A checked search: `ef` in C ABI terms (0 = the config's), the filter, and its error slot. */
interface CheckedSearch {
  ef: number;
  filter: HnswFilterSpec | undefined;
  /** Throws what the predicate threw (or its bad return value) during the last search. */
  rethrow(): void;
}

function filterIds(fn: string, filter: Iterable<unknown>): string[] {
  const ids: string[] = [];
  let i = 0;
  for (const id of filter) {
    if (typeof id !== 'string' || id === '') {
      throw fail('INVALID_ARGUMENT', fn, `options.filter[${i}] must be a non-empty string (got ${show(id)})`);
    }
    ids.push(id);
    i++;
  }
  return ids;
}

function searchOptionsArg(fn: string, options: unknown): CheckedSearch {
  const none: CheckedSearch = { ef: 0, filter: undefined, rethrow: () => undefined };
  if (options === undefined) return none;
  if (!isPlainObject(options)) {
    throw fail('INVALID_ARGUMENT', fn, `options must be an HnswSearchOptions object (got ${typeName(options)})`);
  }
  for (const key of Object.keys(options)) {
    if (!SEARCH_OPTION_KEYS.includes(key)) {
      throw fail('INVALID_ARGUMENT', fn, `unknown option '${key}' (allowed: ${SEARCH_OPTION_KEYS.join(', ')})`);
    }
  }
  const efSearch = options['efSearch'];
  let ef = 0;
  if (efSearch !== undefined) {
    if (typeof efSearch !== 'number' || !Number.isSafeInteger(efSearch) || efSearch <= 0) {
      throw fail('INVALID_ARGUMENT', fn, `options.efSearch must be a positive integer (got ${show(efSearch)})`);
    }
    ef = Math.min(efSearch, U32_MAX); // ef >= count is already an exact scan
  }
  const filter = options['filter'];
  if (filter === undefined) return { ...none, ef };
  if (typeof filter === 'function') {
    const predicate = filter as (id: string) => unknown;
    let failed = false;
    let error: unknown;
    const allow = (id: string): boolean => {
      if (failed) return false;
      try {
        const verdict = predicate(id);
        if (typeof verdict === 'boolean') return verdict;
        error = fail('INVALID_ARGUMENT', fn, `options.filter returned ${show(verdict)} for id ${show(id)} (expected a boolean)`);
      } catch (e) {
        error = e;
      }
      failed = true;
      return false;
    };
    return {
      ef,
      filter: { kind: 'predicate', allow },
      rethrow: () => {
        if (failed) throw error;
      },
    };
  }
  if (filter instanceof Set || Array.isArray(filter)) {
    return { ef, filter: { kind: 'ids', ids: filterIds(fn, filter as Iterable<unknown>) }, rethrow: none.rethrow };
  }
  throw fail('INVALID_ARGUMENT', fn, `options.filter must be a function, a Set of ids or an array of ids (got ${typeName(filter)})`);
}

function bytesArg(fn: string, data: unknown): Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw fail('INVALID_ARGUMENT', fn, `data must be a Uint8Array (got ${typeName(data)})`);
  }
  return data;
}

/** What the public layer keeps from a serialized header (FORMAT.md), after the cheap checks. */
interface Header {
  dimensions: number;
  metric: DistanceMetric;
  storage: HnswStorage;
}

/**
 * Checks the parts of the header that say what the bytes are (size, magic, version) with messages
 * of its own, so the commonest mistakes read alike on every backend; the backend checks the rest.
 */
function readHeader(fn: string, data: Uint8Array): Header {
  if (data.length < MIN_SERIALIZED_BYTES) {
    throw fail('CORRUPT_DATA', fn, `data has ${data.length} bytes, fewer than the ${MIN_SERIALIZED_BYTES} of the smallest serialized HNSW index`);
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (data[i] !== MAGIC[i]) throw fail('CORRUPT_DATA', fn, 'data is not a serialized HNSW index (no RUVHNSW magic)');
  }
  const view = new DataView(data.buffer, data.byteOffset, HEADER_BYTES);
  const version = view.getUint32(8, true);
  if (version !== FORMAT_VERSION) {
    throw fail('CORRUPT_DATA', fn, `serialized HNSW format version ${version} is not supported (this build reads version ${FORMAT_VERSION})`);
  }
  return {
    dimensions: view.getUint32(12, true),
    metric: DISTANCE_METRICS[view.getUint32(28, true)] ?? 'cosine',
    storage: HNSW_STORAGES[view.getUint32(32, true)] ?? 'float32',
  };
}

/** What a live handle stands for. */
interface IndexRecord {
  index: HnswBackendIndex | null;
  dimensions: number;
  metric: DistanceMetric;
  storage: HnswStorage;
  /** insertBatchAsync calls in flight (a backend may refuse synchronous calls meanwhile). */
  asyncWrites?: number;
  /** Fixed at creation, read once: links per node and default efSearch (search cost estimate). */
  m?: number;
  efSearch?: number;
}

/**
 * Multiply-adds a search may do before it is worth a thread hand-off: about 1 ms of work here
 * (ef 50, m 16, 384-d is ~0.6 M and takes ~40 us natively, while the hop to a worker and back
 * costs ~25 us). Smaller searches run on the JS thread, larger ones on a worker.
 */
const OFF_THREAD_SEARCH_WORK = 1 << 24;

/** One entry of `insertBatch`: extra keys (metadata of the caller) are ignored. */
export interface HnswEntry {
  id: string;
  vector: Float32Array;
}

/** Converts a backend's hits into results, best first. */
function toResults(hits: HnswHits): SearchResult[] {
  const out: SearchResult[] = new Array(hits.ids.length);
  for (let i = 0; i < hits.ids.length; i++) {
    out[i] = { id: hits.ids[i]!, score: hits.scores[i]!, distance: hits.distances[i]! };
  }
  return out;
}

/** Yields to the event loop (between chunks of a batch on a backend without async insert). */
const yieldToEventLoop = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A synchronous batch chunk on a backend without insertBatchAsync aims at about this long. */
const CHUNK_TARGET_MS = 8;

/**
 * The real `hnsw` module over `kernels` (a backend that has an index). `backend` names it in
 * {@link IndexStats}.
 */
export function createHnswModule(kernels: HnswKernels, backend: BackendName): HnswModule {
  const records = new WeakMap<object, IndexRecord>();
  const finalizer =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<HnswBackendIndex>((index) => {
          try {
            index.free();
          } catch {
            // nothing to report to: the handle is gone
          }
        })
      : undefined;

  function newHandle(record: IndexRecord): HnswIndexHandle {
    const { m, efSearch } = record.index!.stats();
    record.m = m;
    record.efSearch = efSearch;
    const handle = Object.freeze(Object.create(null, { [Symbol.toStringTag]: { value: 'HnswIndexHandle' } })) as HnswIndexHandle;
    records.set(handle, record);
    finalizer?.register(handle, record.index!, handle);
    return handle;
  }

  function recordOf(fn: string, handle: unknown): IndexRecord & { index: HnswBackendIndex } {
    const record = typeof handle === 'object' && handle !== null ? records.get(handle) : undefined;
    if (record === undefined) {
      throw fail('INVALID_ARGUMENT', fn, `handle is not an HNSW index handle of this runtime (got ${typeName(handle)})`);
    }
    if (record.index === null) throw fail('NOT_INITIALIZED', fn, 'the index was freed');
    return record as IndexRecord & { index: HnswBackendIndex };
  }

  /** Checks every entry, then copies the vectors into one row-major array. */
  function checkEntries(fn: string, entries: unknown, dimensions: number): { ids: string[]; flat: Float32Array } {
    if (!Array.isArray(entries)) {
      throw fail('INVALID_ARGUMENT', fn, `entries must be an array of { id, vector } (got ${typeName(entries)})`);
    }
    const ids: string[] = new Array(entries.length);
    for (let i = 0; i < entries.length; i++) {
      const e: unknown = entries[i];
      if (typeof e !== 'object' || e === null) {
        throw fail('INVALID_ARGUMENT', fn, `entries[${i}] must be an object { id, vector } (got ${typeName(e)})`);
      }
      ids[i] = idArg(fn, `entries[${i}].id`, (e as HnswEntry).id);
      vectorArg(fn, `entries[${i}].vector`, (e as HnswEntry).vector, dimensions);
    }
    const flat = new Float32Array(entries.length * dimensions);
    for (let i = 0; i < entries.length; i++) flat.set((entries[i] as HnswEntry).vector, i * dimensions);
    return { ids, flat };
  }

  function prepareSearch(fn: string, handle: unknown, query: unknown, k: unknown, options: unknown) {
    const record = recordOf(fn, handle);
    const q = vectorArg(fn, 'query', query, record.dimensions);
    const kk = kArg(fn, k);
    return { record, query: q, k: kk, search: searchOptionsArg(fn, options) };
  }

  /** Whether a search is big enough to leave the JS thread (see OFF_THREAD_SEARCH_WORK). */
  function worthAWorker(record: IndexRecord, k: number, ef: number): boolean {
    if ((record.asyncWrites ?? 0) > 0) return true; // the index is busy: wait on a worker, never here
    // No stats() call here: the live count costs a trip into the backend (and its lock) per
    // search; the estimate ignores it, so a tiny index with a huge ef merely takes the worker.
    const candidates = Math.max(k, ef === 0 ? record.efSearch! : ef);
    return candidates * 2 * record.m! * record.dimensions > OFF_THREAD_SEARCH_WORK;
  }

  const module: HnswModule = {
    create(config) {
      const fn = 'hnsw.create';
      const checked = checkHnswConfig(fn, config);
      const index = kernels.create(checked.params);
      const { dimensions, distanceMetric, storage } = checked.config;
      return newHandle({ index, dimensions, metric: distanceMetric, storage });
    },

    insert(handle, id, vector) {
      const fn = 'hnsw.insert';
      const record = recordOf(fn, handle);
      idArg(fn, 'id', id);
      vectorArg(fn, 'vector', vector, record.dimensions);
      record.index.insert(id, vector);
    },

    insertBatch(handle, entries) {
      const fn = 'hnsw.insertBatch';
      const record = recordOf(fn, handle);
      const { ids, flat } = checkEntries(fn, entries, record.dimensions);
      if (ids.length > 0) record.index.insertBatch(ids, flat);
    },

    async insertBatchAsync(handle, entries) {
      const fn = 'hnsw.insertBatchAsync';
      const record = recordOf(fn, handle);
      const { ids, flat } = checkEntries(fn, entries, record.dimensions);
      if (ids.length === 0) return;
      const index = record.index;
      if (index.insertBatchAsync !== undefined) {
        record.asyncWrites = (record.asyncWrites ?? 0) + 1;
        try {
          await index.insertBatchAsync(ids, flat);
        } finally {
          record.asyncWrites -= 1;
        }
        return;
      }
      // No worker thread here: insert in chunks of about CHUNK_TARGET_MS, yielding in between, so
      // the event loop keeps turning. The entries were all checked above, so a chunk can only
      // fail for lack of memory; the final state equals one insertBatch (same order, serial).
      const dim = record.dimensions;
      let chunk = 16;
      for (let start = 0; start < ids.length; ) {
        if (record.index !== index) throw fail('NOT_INITIALIZED', fn, 'the index was freed during the call');
        const end = Math.min(ids.length, start + chunk);
        const t0 = performance.now();
        index.insertBatch(ids.slice(start, end), flat.subarray(start * dim, end * dim));
        const elapsed = performance.now() - t0;
        start = end;
        if (elapsed < CHUNK_TARGET_MS / 2) chunk *= 2;
        else if (elapsed > CHUNK_TARGET_MS * 2 && chunk > 1) chunk = Math.max(1, chunk >> 1);
        if (start < ids.length) await yieldToEventLoop();
      }
    },

    search(handle, query, k, options) {
      const s = prepareSearch('hnsw.search', handle, query, k, options);
      if (s.search.filter?.kind === 'ids' && s.search.filter.ids.length === 0) return [];
      const hits = s.record.index.search(s.query, s.k, s.search.ef, s.search.filter);
      s.search.rethrow();
      return toResults(hits);
    },

    async searchAsync(handle, query, k, options) {
      const s = prepareSearch('hnsw.searchAsync', handle, query, k, options);
      if (s.search.filter?.kind === 'ids' && s.search.filter.ids.length === 0) return [];
      const index = s.record.index;
      if (index.searchAsync !== undefined && s.search.filter?.kind !== 'predicate' && worthAWorker(s.record, s.k, s.search.ef)) {
        // The query is copied: the caller may reuse its array while the search runs elsewhere.
        return toResults(await index.searchAsync(s.query.slice(), s.k, s.search.ef, s.search.filter));
      }
      const hits = index.search(s.query, s.k, s.search.ef, s.search.filter);
      s.search.rethrow();
      return toResults(hits);
    },

    delete(handle, id) {
      const fn = 'hnsw.delete';
      const record = recordOf(fn, handle);
      idArg(fn, 'id', id);
      return record.index.remove(id);
    },

    has(handle, id) {
      const fn = 'hnsw.has';
      const record = recordOf(fn, handle);
      idArg(fn, 'id', id);
      return record.index.contains(id);
    },

    stats(handle) {
      const record = recordOf('hnsw.stats', handle);
      const s = record.index.stats();
      const stats: IndexStats = {
        vectorCount: s.count,
        dimensions: s.dimensions,
        m: s.m,
        efConstruction: s.efConstruction,
        efSearch: s.efSearch,
        backend,
        distanceMetric: record.metric,
        storage: record.storage,
        vectorBytes: s.vectorBytes,
        memoryBytes: s.memoryBytes,
      };
      return stats;
    },

    serialize(handle) {
      return recordOf('hnsw.serialize', handle).index.serialize();
    },

    deserialize(data) {
      const fn = 'hnsw.deserialize';
      const header = readHeader(fn, bytesArg(fn, data));
      let index: HnswBackendIndex;
      try {
        index = kernels.deserialize(data);
      } catch (e) {
        if (e instanceof RuVectorError && e.code === 'CORRUPT_DATA') {
          throw fail('CORRUPT_DATA', fn, `data is not a valid serialized HNSW index (${e.message})`, e);
        }
        throw e;
      }
      return newHandle({ index, dimensions: header.dimensions, metric: header.metric, storage: header.storage });
    },

    free(handle) {
      const record = typeof handle === 'object' && handle !== null ? records.get(handle) : undefined;
      if (record === undefined) {
        throw fail('INVALID_ARGUMENT', 'hnsw.free', `handle is not an HNSW index handle of this runtime (got ${typeName(handle)})`);
      }
      if (record.index === null) return; // freeing twice is harmless
      const index = record.index;
      record.index = null;
      finalizer?.unregister(handle);
      index.free();
    },
  };
  return Object.freeze(module);
}
