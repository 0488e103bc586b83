/**
 * The HNSW index of the wasm backend: HnswKernels over the C ABI of core/capi/ruv_capi_hnsw.h.
 *
 * Crossing the boundary:
 * - Ids go in as UTF-8 written straight into the scratch arena (ASCII by hand, the rest with
 *   TextEncoder.encodeInto); a list of ids is packed back to back with one uint32 length per id,
 *   as the C ABI takes it. Hits come back packed in one bytes object and stats as one struct,
 *   both decoded from the heap by hnsw/codec.ts (the decoder the native adapter uses too).
 * - The u64 seed of ruv_hnsw_create crosses as a BigInt (the module is linked with -sWASM_BIGINT).
 * - A predicate filter: the C ABI takes a C function pointer. bindings/wasm/module.c has one C
 *   function that forwards to `Module.ruvHnswAllow` (an EM_JS import); its table index comes from
 *   ruv_wasm_hnsw_allow_fn(). The search sets the current predicate before the call and clears it
 *   after. The predicate's exceptions are caught (so none unwinds through the core, which would
 *   leave the index locked and the search's memory leaked), later candidates are rejected without
 *   calling it, and the exception is rethrown once ruv_hnsw_search has returned.
 * - A predicate may call the vector kernels: those calls use a nested scratch arena, since the
 *   search in flight reads its query and allow-list from the outer one. Calling into the index
 *   being searched throws INVALID_ARGUMENT, as on native and js (the search holds it; a write
 *   would deadlock or change the graph under the walk). Any call on another index works, searches
 *   included: the core leases one walk scratch per nesting level (hnsw_index.cc ScratchLease).
 * - A predicate's result is read by truthiness, as on native and js.
 *
 * No async variants: wasm runs on the JS thread (the public layer chunks big batches itself).
 */
import type {
  HnswBackendIndex,
  HnswBackendStats,
  HnswFilterSpec,
  HnswHits,
  HnswKernels,
  HnswParams,
} from '../../backend.js';
import { RuVectorError } from '../../errors.js';
import { decodeHits, decodeStats, readUtf8, STATS_BYTES } from '../../hnsw/codec.js';

/** The owned-bytes part of the C ABI (ruv_bytes). */
export interface WasmBytesExports {
  HEAPU8: Uint8Array;
  _ruv_bytes_size(b: number): number;
  _ruv_bytes_data(b: number): number;
  _ruv_bytes_free(b: number): void;
}

/** The HNSW part of the Emscripten module (pointers and size_t are 32-bit numbers). */
export interface WasmHnswExports extends WasmBytesExports {
  HEAPU32: Uint32Array;
  HEAPF32: Float32Array;
  /** Called by bindings/wasm/module.c for each candidate of a search with a predicate. */
  ruvHnswAllow?: (ctx: number, id: number, idLen: number) => number;
  _ruv_hnsw_create(
    dim: number,
    m: number,
    efc: number,
    efs: number,
    metric: number,
    storage: number,
    seed: bigint,
    out: number,
  ): number;
  _ruv_hnsw_deserialize(data: number, size: number, out: number): number;
  _ruv_hnsw_free(h: number): void;
  _ruv_hnsw_insert(h: number, id: number, idLen: number, v: number, dim: number): number;
  _ruv_hnsw_insert_batch(
    h: number,
    ids: number,
    idsSize: number,
    idLens: number,
    count: number,
    flat: number,
    dim: number,
    threads: number,
  ): number;
  _ruv_hnsw_reserve(h: number, count: number): number;
  _ruv_hnsw_remove(h: number, id: number, idLen: number, removed: number): number;
  _ruv_hnsw_search(
    h: number,
    q: number,
    dim: number,
    k: number,
    ef: number,
    allowIds: number,
    allowIdsSize: number,
    allowLens: number,
    allowCount: number,
    allowFn: number,
    allowCtx: number,
    out: number,
  ): number;
  _ruv_hnsw_contains(h: number, id: number, idLen: number, out: number): number;
  _ruv_hnsw_annotation(h: number, out: number): number;
  _ruv_hnsw_set_annotation(h: number, text: number, len: number): number;
  _ruv_hnsw_stats(h: number, out: number): number;
  _ruv_hnsw_list_ids(h: number, start: number, maxCount: number, out: number, next: number): number;
  _ruv_hnsw_serialize(h: number, out: number): number;
  _ruv_wasm_hnsw_allow_fn(): number;
}

/** The scratch arena of the backend (index.ts), shared with the vector kernels. */
export interface ScratchArena {
  /** Base of at least `bytes` of scratch (64-byte aligned); may grow wasm memory. */
  reserve(bytes: number): number;
  /** Gives back a scratch arena that a big call grew past what later calls need. */
  trim(): void;
  /** Throws the RuVectorError of a failed C ABI status. */
  check(status: number): void;
  /** Around a filter predicate: calls it makes reserve from a nested arena. */
  enterCallback(): void;
  leaveCallback(): void;
}

/** Slot of 64 bytes at the start of a call's scratch for out-parameters (pointers, flags). */
export const OUT_SLOT_BYTES = 64;
/**
 * insert_batch on the calling thread. The module has no pthreads, and its C++ exceptions are not
 * caught (Emscripten's default): threads > 1 makes std::thread throw and aborts the module.
 */
const WASM_THREADS = 1;

/** `bytes` rounded up to a multiple of 64 (scratch regions start on cache lines). */
export const align64 = (bytes: number): number => (bytes + 63) & ~63;

const encoder = new TextEncoder();

/** Upper bound of the UTF-8 bytes of `s` (3 per UTF-16 unit; a surrogate pair takes 4 of 6). */
export const maxUtf8 = (s: string): number => 3 * s.length;

/** Writes `s` as UTF-8 at heap[at..]; room for maxUtf8(s) bytes. Returns the bytes written. */
export function writeUtf8(heap: Uint8Array, at: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return encoder.encodeInto(s, heap.subarray(at, at + maxUtf8(s))).written;
    heap[at + i] = c;
  }
  return n;
}

/**
 * The heap bytes of a ruv_bytes object (valid until it is freed or memory grows). On the pthreads
 * build's shared heap, a copy: browsers' TextDecoder (and other readers) refuse views of a
 * SharedArrayBuffer.
 */
export function heapBytes(m: WasmBytesExports, bytes: number): Uint8Array {
  const data = m._ruv_bytes_data(bytes) >>> 0;
  const view = m.HEAPU8.subarray(data, data + (m._ruv_bytes_size(bytes) >>> 0));
  return view.buffer instanceof ArrayBuffer ? view : view.slice();
}

/** A ruv_bytes object's data, copied out and freed: what every call returning bytes ends with. */
export function takeBytes<T>(m: WasmBytesExports, bytes: number, decode: (b: Uint8Array) => T): T {
  try {
    return decode(heapBytes(m, bytes));
  } finally {
    m._ruv_bytes_free(bytes);
  }
}

/** The current predicate of a search in flight and what it threw. */
interface PredicateFrame {
  allow: (id: string) => boolean;
  failed: boolean;
  error: unknown;
}

/** HnswKernels over an instantiated module; shares the scratch arena of the vector kernels. */
export function createWasmHnsw(m: WasmHnswExports, arena: ScratchArena): HnswKernels {
  const allowFn = m._ruv_wasm_hnsw_allow_fn() >>> 0;
  let frame: PredicateFrame | null = null;

  m.ruvHnswAllow = (_ctx: number, idPtr: number, idLen: number): number => {
    const f = frame;
    if (f === null || f.failed) return 0;
    arena.enterCallback();
    try {
      return f.allow(readUtf8(m.HEAPU8, idPtr >>> 0, idLen >>> 0)) ? 1 : 0;
    } catch (error) {
      f.failed = true;
      f.error = error;
      return 0;
    } finally {
      arena.leaveCallback();
    }
  };

  // Heap memory is not garbage-collected: an index dropped without free() is freed here.
  const finalizer =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<number>((h) => m._ruv_hnsw_free(h))
      : null;

  const { check } = arena;

  /** The ruv_hnsw* a call just wrote at `outPtr`, wrapped. */
  function wrap(outPtr: number): HnswBackendIndex {
    let handle = m.HEAPU32[outPtr >>> 2]!;
    /** Searches of this index in flight (their predicates are running). */
    let searching = 0;

    const live = (fn: string): number => {
      if (handle === 0) throw new RuVectorError('NOT_INITIALIZED', `hnsw.${fn}: the index was freed`);
      if (searching !== 0) {
        throw new RuVectorError(
          'INVALID_ARGUMENT',
          `hnsw.${fn}: a filter predicate must not call into its own index`,
        );
      }
      return handle;
    };

    /** Scratch with an out slot and the UTF-8 of `id` after it; returns [base, idPtr, idLen]. */
    const withId = (id: string): [number, number, number] => {
      const base = arena.reserve(OUT_SLOT_BYTES + maxUtf8(id));
      const pid = base + OUT_SLOT_BYTES;
      return [base, pid, writeUtf8(m.HEAPU8, pid, id)];
    };

    const index: HnswBackendIndex = {
      insert(id: string, vector: Float32Array): void {
        const h = live('insert');
        const dim = vector.length;
        const vecBytes = align64(dim * 4);
        const base = arena.reserve(vecBytes + maxUtf8(id));
        m.HEAPF32.set(vector, base >>> 2);
        const len = writeUtf8(m.HEAPU8, base + vecBytes, id);
        check(m._ruv_hnsw_insert(h, base + vecBytes, len, base, dim));
      },

      insertBatch(ids: readonly string[], flat: Float32Array): void {
        const h = live('insertBatch');
        const count = ids.length;
        if (count === 0) return;
        const dim = flat.length / count;
        // Zero-copy when the rows already live on the wasm heap (a VectorBuffer): their address
        // stays valid when reserve() grows memory (growth keeps contents and addresses).
        const resident = flat.buffer === m.HEAPU8.buffer;
        const residentPtr = flat.byteOffset;
        let idBytes = 0;
        for (let i = 0; i < count; i++) idBytes += maxUtf8(ids[i]!);
        const lensBytes = align64(count * 4);
        const vecBytes = resident ? 0 : align64(flat.length * 4);
        const base = arena.reserve(lensBytes + vecBytes + idBytes);
        const plens = base;
        const pflat = resident ? residentPtr : base + lensBytes;
        const pids = base + lensBytes + vecBytes;
        if (!resident) m.HEAPF32.set(flat, pflat >>> 2);
        const heap = m.HEAPU8;
        const lens = m.HEAPU32;
        let at = pids;
        for (let i = 0; i < count; i++) {
          const n = writeUtf8(heap, at, ids[i]!);
          lens[(plens >>> 2) + i] = n;
          at += n;
        }
        try {
          check(m._ruv_hnsw_insert_batch(h, pids, at - pids, plens, count, pflat, dim, WASM_THREADS));
        } finally {
          arena.trim();
        }
      },

      reserve(count: number): void {
        check(m._ruv_hnsw_reserve(live('reserve'), count));
      },

      search(query: Float32Array, k: number, ef: number, filter?: HnswFilterSpec): HnswHits {
        const h = live('search');
        const dim = query.length;
        const queryBytes = align64(dim * 4);
        let allowCount = 0;
        let idBytes = 0;
        if (filter?.kind === 'ids') {
          allowCount = filter.ids.length;
          for (let i = 0; i < allowCount; i++) idBytes += maxUtf8(filter.ids[i]!);
          // An empty allow-list allows nothing: the C ABI reads a non-NULL allow_ids with
          // allow_count 0 so (NULL means no id filter), and still checks the query.
        }
        const lensBytes = align64(allowCount * 4);
        const base = arena.reserve(OUT_SLOT_BYTES + queryBytes + lensBytes + idBytes);
        const pq = base + OUT_SLOT_BYTES;
        const plens = pq + queryBytes;
        const pids = plens + lensBytes;
        m.HEAPF32.set(query, pq >>> 2);
        let idsSize = 0;
        if (filter?.kind === 'ids') {
          const heap = m.HEAPU8;
          const lens = m.HEAPU32;
          for (let i = 0; i < allowCount; i++) {
            const n = writeUtf8(heap, pids + idsSize, filter.ids[i]!);
            lens[(plens >>> 2) + i] = n;
            idsSize += n;
          }
        }
        let predicate: PredicateFrame | null = null;
        if (filter?.kind === 'predicate')
          predicate = { allow: filter.allow, failed: false, error: undefined };
        const outer = frame;
        frame = predicate;
        searching++;
        let status: number;
        try {
          status = m._ruv_hnsw_search(
            h,
            pq,
            dim,
            k,
            ef,
            filter?.kind === 'ids' ? pids : 0,
            idsSize,
            filter?.kind === 'ids' ? plens : 0,
            allowCount,
            predicate === null ? 0 : allowFn,
            0,
            base,
          );
        } finally {
          frame = outer;
          searching--;
        }
        check(status);
        const hits = m.HEAPU32[base >>> 2]!;
        try {
          if (predicate?.failed) throw predicate.error;
          return decodeHits(bytesOf(hits));
        } finally {
          m._ruv_bytes_free(hits);
        }
      },

      remove(id: string): boolean {
        const h = live('remove');
        const [base, pid, len] = withId(id);
        check(m._ruv_hnsw_remove(h, pid, len, base));
        return m.HEAPU32[base >>> 2] !== 0;
      },

      contains(id: string): boolean {
        const h = live('contains');
        const [base, pid, len] = withId(id);
        check(m._ruv_hnsw_contains(h, pid, len, base));
        return m.HEAPU32[base >>> 2] !== 0;
      },

      annotation(): string {
        const h = live('annotation');
        const base = arena.reserve(OUT_SLOT_BYTES);
        check(m._ruv_hnsw_annotation(h, base));
        return takeBytes(m, m.HEAPU32[base >>> 2]!, (b) => readUtf8(b, 0, b.length));
      },

      setAnnotation(text: string): void {
        const h = live('setAnnotation');
        const [, at, len] = withId(text);
        check(m._ruv_hnsw_set_annotation(h, at, len));
      },

      listIds(start: number, max: number): { ids: string[]; next: number } {
        const h = live('listIds');
        const base = arena.reserve(2 * OUT_SLOT_BYTES);
        check(m._ruv_hnsw_list_ids(h, start, max, base, base + OUT_SLOT_BYTES));
        const bytes = m.HEAPU32[base >>> 2]!;
        const next = m.HEAPU32[(base + OUT_SLOT_BYTES) >>> 2]!;
        try {
          return { ids: decodeHits(bytesOf(bytes)).ids, next };
        } finally {
          m._ruv_bytes_free(bytes);
        }
      },

      serialize(): Uint8Array {
        const h = live('serialize');
        const base = arena.reserve(OUT_SLOT_BYTES);
        check(m._ruv_hnsw_serialize(h, base));
        const bytes = m.HEAPU32[base >>> 2]!;
        try {
          return bytesOf(bytes).slice();
        } finally {
          m._ruv_bytes_free(bytes);
        }
      },

      stats(): HnswBackendStats {
        const h = live('stats');
        const base = arena.reserve(STATS_BYTES);
        check(m._ruv_hnsw_stats(h, base));
        return decodeStats(m.HEAPU8.subarray(base, base + STATS_BYTES));
      },

      free(): void {
        if (handle === 0) return;
        live('free');
        finalizer?.unregister(index);
        m._ruv_hnsw_free(handle);
        handle = 0;
      },
    };
    finalizer?.register(index, handle, index);
    return index;
  }

  const bytesOf = (bytes: number): Uint8Array => heapBytes(m, bytes);

  return {
    create(params: HnswParams): HnswBackendIndex {
      const base = arena.reserve(OUT_SLOT_BYTES);
      check(
        m._ruv_hnsw_create(
          params.dimensions,
          params.m,
          params.efConstruction,
          params.efSearch,
          params.metric,
          params.storage,
          BigInt.asUintN(64, params.seed),
          base,
        ),
      );
      return wrap(base);
    },

    deserialize(bytes: Uint8Array): HnswBackendIndex {
      const base = arena.reserve(OUT_SLOT_BYTES + bytes.length);
      m.HEAPU8.set(bytes, base + OUT_SLOT_BYTES);
      try {
        check(m._ruv_hnsw_deserialize(base + OUT_SLOT_BYTES, bytes.length, base));
        return wrap(base);
      } finally {
        arena.trim();
      }
    },
  };
}
