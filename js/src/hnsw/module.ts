/**
 * The public `hnsw` module (ADR-006's functional face) over a backend's {@link HnswKernels}:
 * arguments are checked by checks.ts, handles kept by handles.ts, and the choice between the JS
 * thread, chunks and a worker made by schedule.ts; the backend computes.
 */
import {
  MetricId,
  type BackendName,
  type HnswBackendIndex,
  type HnswHits,
  type HnswKernels,
} from '../backend.js';
import { asPublicError, fail, isPlainObject, typeName } from '../check.js';
import { isProvenanceRecord, provenanceOf } from '../embeddings/provenance.js';
import { RuVectorError } from '../errors.js';
import { createHandleRegistry } from '../handles.js';
import { runInChunks, worthAWorker } from '../schedule.js';
import { standIn } from '../stand-in.js';
import { DISTANCE_METRICS } from '../vector-ops/checks.js';
import {
  checkHeader,
  checkHnswConfig,
  HNSW_STORAGES,
  idArg,
  kArg,
  searchOptionsArg,
  serializedArg,
  vectorArg,
} from './checks.js';
import { int8Unstorable } from './storable.js';
import type { HnswEntry, HnswIndexHandle, HnswModule, IndexStats, SearchResult } from './types.js';

/** What the module keeps beside a live handle's backend index. */
interface IndexMeta {
  /** Fixed at creation, read once from the backend's stats: the vector length, links per node
   * and default efSearch (argument checks and the search cost estimate). */
  dimensions: number;
  m: number;
  efSearch: number;
  /** insertBatchAsync calls in flight (a backend may refuse synchronous calls meanwhile). */
  asyncWrites: number;
  /** Settles when the last insertBatchAsync called has been handed to the index. */
  handOff: Promise<void>;
  /** int8 rows stored as given (not cosine, whose rows are unit): some vectors cannot be coded. */
  int8Raw: boolean;
}

/** Converts a backend's hits into results, best first. */
function toResults(hits: HnswHits): SearchResult[] {
  const out: SearchResult[] = new Array(hits.ids.length);
  for (let i = 0; i < hits.ids.length; i++) {
    out[i] = { id: hits.ids[i]!, score: hits.scores[i]!, distance: hits.distances[i]! };
  }
  return out;
}

/** searchAsync with a predicate asks it about every id in chunks above this many entries. */
const PREDICATE_SCAN_ABOVE = 4096;
/** Ids the predicate is asked about first, to tell a selective one (under 1 in PREDICATE_SELECTIVE). */
const PREDICATE_SAMPLE = 256;
const PREDICATE_SELECTIVE = 16;
/** How long one chunk of that scan aims to run. */
const PREDICATE_CHUNK_MS = 1;
/** Page size of the scan's last pass (ids that came after its chunks). */
const PREDICATE_TAIL = 4096;

/** How long one chunk of an async batch's checks aims to run. */
const CHECK_CHUNK_MS = 2;

/** Checks entries[start, end) (their ids into `ids`, their vectors into the row-major `flat`). */
function checkEntryRange(
  fn: string,
  entries: readonly unknown[],
  dimensions: number,
  ids: string[],
  flat: Float32Array,
  start: number,
  end: number,
): void {
  for (let i = start; i < end; i++) {
    const e: unknown = entries[i];
    if (typeof e !== 'object' || e === null) {
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `entries[${i}] must be an object { id, vector } (got ${typeName(e)})`,
      );
    }
    ids[i] = idArg(fn, `entries[${i}].id`, (e as HnswEntry).id);
    flat.set(vectorArg(fn, `entries[${i}].vector`, (e as HnswEntry).vector, dimensions), i * dimensions);
  }
}

function entriesArray(fn: string, entries: unknown): readonly unknown[] {
  if (!Array.isArray(entries)) {
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `entries must be an array of { id, vector } (got ${typeName(entries)})`,
    );
  }
  return entries;
}

/** Checks every entry, then copies the vectors into one row-major array. */
function checkEntries(
  fn: string,
  entries: unknown,
  dimensions: number,
): { ids: string[]; flat: Float32Array } {
  const list = entriesArray(fn, entries);
  const ids: string[] = new Array(list.length);
  const flat = new Float32Array(list.length * dimensions);
  checkEntryRange(fn, list, dimensions, ids, flat, 0, list.length);
  return { ids, flat };
}

/**
 * checkEntries in chunks with event-loop turns in between: a 50k x 128 batch is 25 MB of rows
 * to check and copy (~100 ms at once here, most of it first touches of fresh pages).
 * `beforeChunk` throws when the index went away meanwhile.
 */
async function checkEntriesInChunks(
  fn: string,
  entries: unknown,
  dimensions: number,
  beforeChunk: () => void,
): Promise<{ ids: string[]; flat: Float32Array }> {
  const list = entriesArray(fn, entries);
  const ids: string[] = new Array(list.length);
  const flat = new Float32Array(list.length * dimensions);
  // Short chunks: checking is cheap per entry, and the point is the event loop's latency.
  await runInChunks(
    list.length,
    (start, end) => checkEntryRange(fn, list, dimensions, ids, flat, start, end),
    beforeChunk,
    CHECK_CHUNK_MS,
  );
  return { ids, flat };
}

/**
 * A checked batch inserted in chunks with event-loop turns in between, for a backend without a
 * worker thread. A chunk can then only fail for lack of memory; the final state equals one
 * insertBatch (same order, serial).
 */
async function insertInChunks(
  fn: string,
  index: HnswBackendIndex,
  meta: IndexMeta,
  ids: string[],
  flat: Float32Array,
  live: () => void,
): Promise<void> {
  const dim = meta.dimensions;
  if (meta.int8Raw) {
    // All or nothing: a row int8 cannot code must fail the batch before the first chunk.
    for (let i = 0; i < ids.length; i++) {
      const why = int8Unstorable(flat, i * dim, dim);
      if (why !== null) throw fail('INVALID_ARGUMENT', fn, why);
    }
  }
  // Room for every row first: the wasm heap's limit then fails the batch before its first
  // chunk, with nothing stored, rather than part-way through.
  index.reserve?.(ids.length);
  await runInChunks(
    ids.length,
    (start, end) => index.insertBatch(ids.slice(start, end), flat.subarray(start * dim, end * dim)),
    live,
  );
}

/**
 * The real `hnsw` module over `kernels` (a backend that has an index). `backend` names it in
 * {@link IndexStats}.
 */
export function createHnswModule(kernels: HnswKernels, backend: BackendName): HnswModule {
  const handles = createHandleRegistry<HnswIndexHandle, HnswBackendIndex, IndexMeta>({
    tag: 'HnswIndexHandle',
    what: 'an HNSW index handle',
    noun: 'index',
    reentrant: 'filter predicate',
  });

  /** What a failed load throws: CORRUPT_DATA says which rule the bytes broke. */
  function loadError(fn: string, e: unknown): unknown {
    if (e instanceof RuVectorError && e.code === 'CORRUPT_DATA') {
      return fail('CORRUPT_DATA', fn, `data is not a valid serialized HNSW index (${e.message})`, e);
    }
    return e;
  }

  function open(index: HnswBackendIndex): HnswIndexHandle {
    const { dimensions, m, efSearch, storage, metric } = index.stats();
    const int8Raw = storage === 1 && metric !== MetricId.Cosine;
    return handles.open(index, {
      dimensions,
      m,
      efSearch,
      asyncWrites: 0,
      handOff: Promise.resolve(),
      int8Raw,
    });
  }

  function prepareSearch(fn: string, handle: unknown, query: unknown, k: unknown, options: unknown) {
    const { resource: index, meta } = handles.use(fn, handle);
    const q = vectorArg(fn, 'query', query, meta.dimensions);
    const kk = kArg(fn, k);
    return { index, meta, query: q, k: kk, search: searchOptionsArg(fn, options) };
  }

  /** A search on this thread; a predicate filter runs with the handle marked busy (no re-entry). */
  function searchHere(handle: unknown, s: ReturnType<typeof prepareSearch>): SearchResult[] {
    const run = () => s.index.search(s.query, s.k, s.search.ef, s.search.filter);
    const hits = s.search.filter?.kind === 'predicate' ? handles.exclusive(handle, run) : run();
    s.search.rethrow();
    return toResults(hits);
  }

  /** Whether a search is big enough to leave the JS thread (schedule.ts). */
  function searchOffThread(meta: IndexMeta, k: number, ef: number): boolean {
    // No stats() call here: the live count costs a trip into the backend (and its lock) per
    // search; the estimate ignores it, so a tiny index with a huge ef merely takes the worker.
    const candidates = Math.max(k, ef === 0 ? meta.efSearch : ef);
    // A busy index (an async write in flight): wait on a worker, never here.
    return worthAWorker(candidates * 2 * meta.m * meta.dimensions, meta.asyncWrites > 0);
  }

  const module: HnswModule = {
    create(config) {
      return open(kernels.create(checkHnswConfig('hnsw.create', config).params));
    },

    insert(handle, id, vector) {
      const fn = 'hnsw.insert';
      const { resource: index, meta } = handles.use(fn, handle);
      idArg(fn, 'id', id);
      vectorArg(fn, 'vector', vector, meta.dimensions);
      try {
        index.insert(id, vector);
      } catch (e) {
        throw asPublicError(fn, e);
      }
    },

    insertBatch(handle, entries) {
      const fn = 'hnsw.insertBatch';
      const { resource: index, meta } = handles.use(fn, handle);
      const { ids, flat } = checkEntries(fn, entries, meta.dimensions);
      try {
        if (ids.length > 0) index.insertBatch(ids, flat);
      } catch (e) {
        throw asPublicError(fn, e);
      }
    },

    async insertBatchAsync(handle, entries) {
      const fn = 'hnsw.insertBatchAsync';
      const { resource: index, meta } = handles.use(fn, handle);
      const live = (): void => handles.stillLive(fn, handle, index);
      // Batches reach the index in call order although their checks run in chunks: each waits
      // for the one before it to be handed over (natively: queued on the worker, whose queue
      // keeps order; elsewhere: inserted, so the chunks of two batches never interleave).
      const previous = meta.handOff;
      let handOver!: () => void;
      meta.handOff = new Promise<void>((resolve) => (handOver = resolve));
      meta.asyncWrites += 1;
      try {
        const { ids, flat } = await checkEntriesInChunks(fn, entries, meta.dimensions, live);
        await previous;
        live();
        if (ids.length === 0) return;
        try {
          if (index.insertBatchAsync !== undefined) {
            const write = index.insertBatchAsync(ids, flat);
            handOver();
            await write;
          } else {
            await insertInChunks(fn, index, meta, ids, flat, live);
          }
        } catch (e) {
          throw asPublicError(fn, e);
        }
      } finally {
        handOver();
        meta.asyncWrites -= 1;
      }
    },

    search(handle, query, k, options) {
      const s = prepareSearch('hnsw.search', handle, query, k, options);
      if (s.search.filter?.kind === 'ids' && s.search.filter.ids.length === 0) return [];
      return searchHere(handle, s);
    },

    async searchAsync(handle, query, k, options) {
      const fn = 'hnsw.searchAsync';
      const s = prepareSearch(fn, handle, query, k, options);
      if (s.search.filter?.kind === 'ids' && s.search.filter.ids.length === 0) return [];
      if (s.search.filter?.kind === 'predicate' && s.index.listIds !== undefined) {
        const { allow } = s.search.filter;
        const { listIds } = s.index;
        const count = s.index.count?.() ?? s.index.stats().count;
        if (count > PREDICATE_SCAN_ABOVE) {
          // The walk calls the predicate (JS) from inside the backend for each node it visits,
          // with the event loop stopped meanwhile: cheap when many ids pass (the walk soon has
          // its ef), but up to every node for a selective predicate (~40-70 ms at 50k entries).
          // A sample of ids says which: a selective one is asked about every id instead, in
          // short chunks between event-loop turns, and the search then takes the ids it allowed
          // (ranked exactly when at most ef, else walked off the JS thread).
          const allowed: string[] = [];
          const ask = (ids: readonly string[]): void => {
            handles.exclusive(handle, () => {
              for (const id of ids) if (allow(id)) allowed.push(id);
            });
            s.search.rethrow();
          };
          const sample = listIds.call(s.index, 0, PREDICATE_SAMPLE);
          ask(sample.ids);
          if (allowed.length * PREDICATE_SELECTIVE > sample.ids.length) return searchHere(handle, s);
          let slot = sample.next;
          const query = s.query.slice(); // the caller may reuse its array meanwhile
          await runInChunks(
            Math.max(0, count - sample.ids.length),
            (start, end) => {
              const page = listIds.call(s.index, slot, end - start);
              slot = page.next;
              ask(page.ids);
            },
            () => handles.stillLive(fn, handle, s.index),
            PREDICATE_CHUNK_MS,
          );
          // Entries inserted during the scan at slots it had passed are not asked about.
          for (let page = listIds.call(s.index, slot, PREDICATE_TAIL); page.ids.length > 0;) {
            ask(page.ids);
            page = listIds.call(s.index, page.next, PREDICATE_TAIL);
          }
          if (allowed.length === 0) return [];
          const byIds = { ...s, search: { ...s.search, filter: { kind: 'ids' as const, ids: allowed } } };
          if (s.index.searchAsync !== undefined && searchOffThread(s.meta, s.k, s.search.ef)) {
            return toResults(await s.index.searchAsync(query, s.k, s.search.ef, byIds.search.filter));
          }
          return searchHere(handle, { ...byIds, query });
        }
      }
      if (
        s.index.searchAsync !== undefined &&
        s.search.filter?.kind !== 'predicate' &&
        searchOffThread(s.meta, s.k, s.search.ef)
      ) {
        // The query is copied: the caller may reuse its array while the search runs elsewhere.
        return toResults(await s.index.searchAsync(s.query.slice(), s.k, s.search.ef, s.search.filter));
      }
      return searchHere(handle, s);
    },

    delete(handle, id) {
      const fn = 'hnsw.delete';
      const { resource: index } = handles.use(fn, handle);
      idArg(fn, 'id', id);
      return index.remove(id);
    },

    has(handle, id) {
      const fn = 'hnsw.has';
      const { resource: index } = handles.use(fn, handle);
      idArg(fn, 'id', id);
      return index.contains(id);
    },

    model(handle) {
      const fn = 'hnsw.model';
      const text = handles.use(fn, handle).resource.annotation();
      if (text === '') return null;
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = null;
      }
      const record = isPlainObject(parsed) ? (parsed as { model?: unknown }).model : undefined;
      if (!isProvenanceRecord(record))
        throw fail(
          'CORRUPT_DATA',
          fn,
          'the index carries an annotation that is not a model provenance record',
        );
      return provenanceOf(record);
    },

    setModel(handle, model) {
      const fn = 'hnsw.setModel';
      const { resource: index, meta } = handles.use(fn, handle);
      if (model === null) {
        index.setAnnotation('');
        return;
      }
      if (!isProvenanceRecord(model))
        throw fail(
          'INVALID_ARGUMENT',
          fn,
          "model must be a loaded model's info (embeddings.modelInfo, WasmEmbedder.getModelInfo) or a ModelProvenanceRecord, or null",
        );
      if (model.dimensions !== meta.dimensions)
        throw fail(
          'DIMENSION_MISMATCH',
          fn,
          `${model.modelId} makes ${model.dimensions}-d vectors, the index holds ${meta.dimensions}-d ones`,
        );
      index.setAnnotation(JSON.stringify({ model: provenanceOf(model) }));
    },

    stats(handle) {
      const s = handles.use('hnsw.stats', handle).resource.stats();
      const stats: IndexStats = {
        vectorCount: s.count,
        dimensions: s.dimensions,
        m: s.m,
        efConstruction: s.efConstruction,
        efSearch: s.efSearch,
        backend,
        distanceMetric: DISTANCE_METRICS[s.metric]!,
        storage: HNSW_STORAGES[s.storage]!,
        vectorBytes: s.vectorBytes,
        memoryBytes: s.memoryBytes,
      };
      return stats;
    },

    serialize(handle) {
      return handles.use('hnsw.serialize', handle).resource.serialize();
    },

    async serializeAsync(handle) {
      const fn = 'hnsw.serializeAsync';
      const { resource: index } = handles.use(fn, handle);
      if (index.serializeAsync === undefined) return index.serialize();
      try {
        return await index.serializeAsync();
      } catch (e) {
        throw asPublicError(fn, e);
      }
    },

    deserialize(data) {
      const fn = 'hnsw.deserialize';
      checkHeader(fn, serializedArg(fn, data));
      try {
        return open(kernels.deserialize(data));
      } catch (e) {
        throw loadError(fn, e);
      }
    },

    async deserializeAsync(data) {
      const fn = 'hnsw.deserializeAsync';
      checkHeader(fn, serializedArg(fn, data));
      try {
        return open(
          kernels.deserializeAsync === undefined
            ? kernels.deserialize(data)
            : await kernels.deserializeAsync(data),
        );
      } catch (e) {
        throw loadError(fn, e);
      }
    },

    free(handle) {
      handles.free('hnsw.free', handle);
    },
  };
  return Object.freeze(module);
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
  'model',
  'setModel',
  'stats',
  'serialize',
  'serializeAsync',
  'deserialize',
  'deserializeAsync',
  'free',
];

/**
 * The `hnsw` module of a backend: the real one when the backend has an index (`kernels.hnsw`),
 * else a stand-in whose every call throws UNSUPPORTED.
 */
export function hnswModuleFor(kernels: HnswKernels | undefined, backend: BackendName): HnswModule {
  if (kernels !== undefined) return createHnswModule(kernels, backend);
  return standIn<HnswModule>(
    HNSW_FUNCTIONS,
    (name) => `hnsw.${name} is not available on the ${backend} backend (it has no HNSW index yet)`,
  );
}
