/**
 * MemoryKernels over the addon (bindings/node/memory_binding.cc): convert, call, convert back.
 * Every call is short and runs on the calling thread.
 */
import type { HnswParams, MemoryBackend, MemoryKernels } from '../../backend.js';
import { RuVectorError } from '../../errors.js';
import { decodeHits } from '../../hnsw/codec.js';
import { decodeRecord, decodeRecords, decodeVerify, float64s } from '../../memory/codec.js';
import { guarded, rethrow } from './status.js';

/** One memory of the addon (a ruv_memory* with a GC finalizer). */
interface NativeMemory {
  put(id: string, text: string, metadataJson: string, v: Float32Array | null): void;
  putBatch(
    ids: string[],
    texts: string[],
    metas: string[],
    flat: Float32Array,
    keep: Uint8Array | null,
    defer?: boolean,
  ): void;
  putBatchAsync(
    ids: string[],
    texts: string[],
    metas: string[],
    flat: Float32Array,
    keep: Uint8Array | null,
    defer?: boolean,
  ): Promise<void>;
  indexPendingAsync(max: number, threads?: number): Promise<number>;
  pending(): number;
  remove(id: string): boolean;
  get(id: string): Uint8Array | null;
  count(): number;
  listIds(start: number, max: number): [Uint8Array, number];
  verify(reference: NativeMemory | null, repair: boolean): [Float64Array, Uint8Array];
  getMany(ids: readonly string[]): Uint8Array;
  contains(id: string): boolean;
  search(q: Float32Array, k: number, ef: number, filterJson: string): Uint8Array;
  searchHybrid(
    q: Float32Array,
    text: string,
    k: number,
    ef: number,
    filterJson: string,
  ): [Uint8Array, Uint8Array];
  serialize(header: string): Uint8Array;
  header(): string;
  free(): void;
}

/** What the addon exports for the semantic memory. */
export interface NativeMemoryAddon {
  Memory: new (
    ...args:
      | [
          dim: number,
          m: number,
          efConstruction: number,
          efSearch: number,
          metric: number,
          storage: number,
          seed: bigint,
        ]
      | [snapshot: Uint8Array]
  ) => NativeMemory;
  /** Reads and loads a snapshot file on a libuv worker; null when there is none. */
  loadMemoryFile(path: string): Promise<NativeMemory | null>;
}

/** The addon's object behind each wrapper (verify passes a reference memory down). */
const natives = new WeakMap<MemoryBackend, NativeMemory>();

function wrap(native: NativeMemory): MemoryBackend {
  let freed = false;
  const live = (fn: string): NativeMemory => {
    if (freed) throw new RuVectorError('NOT_INITIALIZED', `memory.${fn}: the memory was freed`);
    return native;
  };
  const memory: MemoryBackend = {
    put: (id, text, metadataJson, vector) => guarded(() => live('put').put(id, text, metadataJson, vector)),
    putBatch: (ids, texts, metas, flat, keep, defer = false) =>
      guarded(() => live('putBatch').putBatch(ids, texts, metas, flat, keep, defer)),
    async putBatchAsync(ids, texts, metas, flat, keep, defer = false) {
      try {
        await live('putBatchAsync').putBatchAsync(ids, texts, metas, flat, keep, defer);
      } catch (error) {
        rethrow(error);
      }
    },
    defers: true,
    async indexPendingAsync(max, threads = 0) {
      try {
        return await live('indexPendingAsync').indexPendingAsync(max, threads);
      } catch (error) {
        rethrow(error);
      }
    },
    pending: () => guarded(() => live('pending').pending()),
    remove: (id) => guarded(() => live('remove').remove(id)),
    get(id) {
      const bytes = guarded(() => live('get').get(id));
      return bytes === null ? undefined : decodeRecord(bytes);
    },
    getMany: (ids) =>
      decodeRecords(
        guarded(() => live('getMany').getMany(ids)),
        ids.length,
      ),
    contains: (id) => guarded(() => live('contains').contains(id)),
    count: () => guarded(() => live('count').count()),
    listIds(start, max) {
      const [bytes, next] = guarded(() => live('listIds').listIds(start, max));
      return { ids: decodeHits(bytes).ids, next };
    },
    search: (query, k, ef, filterJson) =>
      decodeHits(guarded(() => live('search').search(query, k, ef, filterJson))),
    searchHybrid(query, text, k, ef, filterJson) {
      const [hits, fused] = guarded(() => live('searchHybrid').searchHybrid(query, text, k, ef, filterJson));
      return { hits: decodeHits(hits), fused: float64s(fused) };
    },
    serialize: (header) => guarded(() => live('serialize').serialize(header)),
    verify(reference, repair) {
      const other = reference === null ? null : natives.get(reference);
      if (other === undefined)
        throw new RuVectorError('INVALID_ARGUMENT', 'memory.verify: the reference is not a native memory');
      const [counts, ids] = guarded(() => live('verify').verify(other, repair));
      return decodeVerify(counts, decodeHits(ids).ids);
    },
    free(): void {
      if (freed) return;
      freed = true;
      native.free();
    },
  };
  natives.set(memory, native);
  return memory;
}

export function createMemoryKernels(addon: NativeMemoryAddon): MemoryKernels {
  return {
    create: (p: HnswParams) =>
      wrap(
        guarded(
          () =>
            new addon.Memory(p.dimensions, p.m, p.efConstruction, p.efSearch, p.metric, p.storage, p.seed),
        ),
      ),
    deserialize(bytes: Uint8Array) {
      const native = guarded(() => new addon.Memory(bytes));
      return { memory: wrap(native), header: native.header() };
    },
    async deserializeFile(path: string) {
      let native: NativeMemory | null;
      try {
        native = await addon.loadMemoryFile(path);
      } catch (error) {
        rethrow(error); // a status error as RuVectorError; an errno one as it is (the store maps it)
      }
      return native === null ? null : { memory: wrap(native), header: native.header() };
    },
  };
}
