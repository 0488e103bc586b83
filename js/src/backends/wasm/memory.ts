/**
 * The semantic memory of the wasm backend: MemoryKernels over core/capi/ruv_capi_memory.h.
 * Strings cross as UTF-8 written into the scratch arena (hnsw.ts's writer); records and hits come
 * back as one bytes object, decoded by memory/codec.ts and hnsw/codec.ts (the decoders the native
 * adapter uses too).
 */
import type { HnswParams, MemoryBackend, MemoryKernels } from '../../backend.js';
import { RuVectorError } from '../../errors.js';
import { decodeHits, readUtf8 } from '../../hnsw/codec.js';
import {
  decodeRecord,
  decodeRecords,
  decodeVerify,
  float64s,
  MEMORY_VERIFY_COUNT,
} from '../../memory/codec.js';
import {
  align64,
  maxUtf8,
  OUT_SLOT_BYTES,
  type ScratchArena,
  takeBytes,
  type WasmBytesExports,
  writeUtf8,
} from './hnsw.js';

/** The memory part of the Emscripten module (pointers and size_t are 32-bit numbers). */
export interface WasmMemoryExports extends WasmBytesExports {
  HEAPU32: Uint32Array;
  HEAPF32: Float32Array;
  _ruv_memory_create(
    dim: number,
    m: number,
    efc: number,
    efs: number,
    metric: number,
    storage: number,
    seed: bigint,
    out: number,
  ): number;
  _ruv_memory_free(h: number): void;
  _ruv_memory_put(
    h: number,
    id: number,
    idLen: number,
    text: number,
    textLen: number,
    meta: number,
    metaLen: number,
    v: number,
    dim: number,
  ): number;
  _ruv_memory_put_batch(
    h: number,
    ids: number,
    idsSize: number,
    idLens: number,
    texts: number,
    textsSize: number,
    textLens: number,
    metas: number,
    metasSize: number,
    metaLens: number,
    count: number,
    flat: number,
    dim: number,
    keep: number,
    threads: number,
    defer: number,
  ): number;
  _ruv_memory_index_pending(h: number, max: number, threads: number, left: number): number;
  _ruv_memory_pending(h: number, out: number): number;
  _ruv_memory_remove(h: number, id: number, idLen: number, removed: number): number;
  _ruv_memory_get(h: number, id: number, idLen: number, found: number, out: number): number;
  _ruv_memory_count(h: number, out: number): number;
  _ruv_memory_list_ids(h: number, start: number, max: number, out: number, next: number): number;
  _ruv_memory_verify(h: number, reference: number, repair: number, counts: number, ids: number): number;
  _ruv_memory_get_many(
    h: number,
    ids: number,
    idsSize: number,
    idLens: number,
    count: number,
    out: number,
  ): number;
  _ruv_memory_contains(h: number, id: number, idLen: number, out: number): number;
  _ruv_memory_serialize(h: number, header: number, headerLen: number, out: number): number;
  _ruv_memory_deserialize(data: number, size: number, out: number, header: number): number;
  _ruv_memory_search_hybrid(
    h: number,
    q: number,
    dim: number,
    text: number,
    textLen: number,
    k: number,
    ef: number,
    filter: number,
    filterLen: number,
    out: number,
    fused: number,
  ): number;
  _ruv_memory_search(
    h: number,
    q: number,
    dim: number,
    k: number,
    ef: number,
    filter: number,
    filterLen: number,
    out: number,
  ): number;
}

export function createWasmMemory(m: WasmMemoryExports, arena: ScratchArena): MemoryKernels {
  /** The live handle behind each wrapper (verify passes a reference memory down). */
  const handles = new WeakMap<MemoryBackend, () => number>();
  // Heap memory is not garbage-collected: a memory dropped without free() is freed here.
  const finalizer =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<number>((h) => m._ruv_memory_free(h))
      : null;
  const { check } = arena;

  /** Where stage() put a call's inputs in scratch. */
  interface Staged {
    /** Start of two 64-byte out slots. */
    base: number;
    /** The vector's address (0 without one). */
    vec: number;
    /** Each string's UTF-8 address and length, in the order given. */
    at: number[];
    len: number[];
  }

  /** Scratch laid out as two out slots, then the vector, then each string's UTF-8. */
  function stage(floats: Float32Array | null, strings: string[]): Staged {
    const vecBytes = floats === null ? 0 : align64(floats.length * 4);
    let strBytes = 0;
    for (const s of strings) strBytes += maxUtf8(s);
    const base = arena.reserve(2 * OUT_SLOT_BYTES + vecBytes + strBytes);
    const vec = base + 2 * OUT_SLOT_BYTES;
    if (floats !== null) m.HEAPF32.set(floats, vec >>> 2);
    const staged: Staged = { base, vec: floats === null ? 0 : vec, at: [], len: [] };
    let at = vec + vecBytes;
    for (const s of strings) {
      const n = writeUtf8(m.HEAPU8, at, s);
      staged.at.push(at);
      staged.len.push(n);
      at += n;
    }
    return staged;
  }

  function wrap(outPtr: number): MemoryBackend {
    let handle = m.HEAPU32[outPtr >>> 2]!;
    const live = (fn: string): number => {
      if (handle === 0) throw new RuVectorError('NOT_INITIALIZED', `memory.${fn}: the memory was freed`);
      return handle;
    };
    const out32 = (base: number, slot = 0): number => m.HEAPU32[(base + slot * OUT_SLOT_BYTES) >>> 2]!;
    /** A uint64 output at `at` (little-endian; counts stay far below 2^53). */
    const u64 = (at: number): number => m.HEAPU32[at >>> 2]! + m.HEAPU32[(at + 4) >>> 2]! * 2 ** 32;

    const memory: MemoryBackend = {
      put(id, text, metadataJson, vector) {
        const h = live('put');
        const { vec, at, len } = stage(vector, [id, text, metadataJson]);
        try {
          check(
            m._ruv_memory_put(h, at[0]!, len[0]!, at[1]!, len[1]!, at[2]!, len[2]!, vec, vector?.length ?? 0),
          );
        } finally {
          arena.trim(); // a long text may have grown the arena
        }
      },
      putBatch(ids, texts, metas, flat, keep, defer = false) {
        const h = live('putBatch');
        const count = ids.length;
        if (count === 0) return;
        const all = [...ids, ...texts, ...metas];
        let strBytes = 0;
        for (const s of all) strBytes += maxUtf8(s);
        const lensBytes = align64(3 * count * 4);
        const keepBytes = keep === null ? 0 : align64(count);
        const vecBytes = align64(flat.length * 4);
        const base = arena.reserve(lensBytes + keepBytes + vecBytes + strBytes);
        const plens = base;
        const pkeep = base + lensBytes;
        const pflat = pkeep + keepBytes;
        m.HEAPF32.set(flat, pflat >>> 2);
        if (keep !== null) m.HEAPU8.set(keep, pkeep);
        const starts: number[] = [];
        const sizes: number[] = [];
        let at = pflat + vecBytes;
        for (let group = 0; group < 3; group++) {
          const start = at;
          for (let i = 0; i < count; i++) {
            const n = writeUtf8(m.HEAPU8, at, all[group * count + i]!);
            m.HEAPU32[(plens >>> 2) + group * count + i] = n;
            at += n;
          }
          starts.push(start);
          sizes.push(at - start);
        }
        try {
          check(
            m._ruv_memory_put_batch(
              h,
              starts[0]!,
              sizes[0]!,
              plens,
              starts[1]!,
              sizes[1]!,
              plens + count * 4,
              starts[2]!,
              sizes[2]!,
              plens + count * 8,
              count,
              pflat,
              flat.length / count,
              keep === null ? 0 : pkeep,
              1,
              defer ? 1 : 0,
            ),
          );
        } finally {
          arena.trim();
        }
      },
      remove(id) {
        const h = live('remove');
        const { base, at, len } = stage(null, [id]);
        check(m._ruv_memory_remove(h, at[0]!, len[0]!, base));
        return out32(base) !== 0;
      },
      get(id) {
        const h = live('get');
        const { base, at, len } = stage(null, [id]);
        check(m._ruv_memory_get(h, at[0]!, len[0]!, base, base + OUT_SLOT_BYTES));
        if (out32(base) === 0) return undefined;
        return takeBytes(m, out32(base, 1), decodeRecord);
      },
      getMany(ids) {
        const h = live('getMany');
        let strBytes = 0;
        for (const s of ids) strBytes += maxUtf8(s);
        const lensBytes = align64(ids.length * 4);
        const base = arena.reserve(OUT_SLOT_BYTES + lensBytes + strBytes);
        const plens = base + OUT_SLOT_BYTES;
        const start = plens + lensBytes;
        let at = start;
        ids.forEach((id, i) => {
          const n = writeUtf8(m.HEAPU8, at, id);
          m.HEAPU32[(plens >>> 2) + i] = n;
          at += n;
        });
        let bytes: number;
        try {
          check(m._ruv_memory_get_many(h, start, at - start, plens, ids.length, base));
          bytes = out32(base);
        } finally {
          arena.trim(); // many long ids may have grown the arena
        }
        return takeBytes(m, bytes, (b) => decodeRecords(b, ids.length));
      },
      contains(id) {
        const h = live('contains');
        const { base, at, len } = stage(null, [id]);
        check(m._ruv_memory_contains(h, at[0]!, len[0]!, base));
        return out32(base) !== 0;
      },
      count() {
        const h = live('count');
        const base = arena.reserve(OUT_SLOT_BYTES);
        check(m._ruv_memory_count(h, base));
        return u64(base);
      },
      defers: true,
      indexPending(max) {
        const h = live('indexPending');
        const base = arena.reserve(OUT_SLOT_BYTES);
        check(m._ruv_memory_index_pending(h, max, 1, base));
        return u64(base);
      },
      pending() {
        const h = live('pending');
        const base = arena.reserve(OUT_SLOT_BYTES);
        check(m._ruv_memory_pending(h, base));
        return u64(base);
      },
      verify(reference, repair) {
        const h = live('verify');
        const other = reference === null ? 0 : handles.get(reference);
        if (other === undefined)
          throw new RuVectorError('INVALID_ARGUMENT', 'memory.verify: the reference is not a wasm memory');
        const base = arena.reserve(2 * OUT_SLOT_BYTES);
        check(
          m._ruv_memory_verify(h, other === 0 ? 0 : other(), repair ? 1 : 0, base, base + OUT_SLOT_BYTES),
        );
        const counts = Array.from({ length: MEMORY_VERIFY_COUNT }, (_, i) => u64(base + 8 * i));
        return decodeVerify(counts, takeBytes(m, out32(base, 1), decodeHits).ids);
      },
      listIds(start, max) {
        const h = live('listIds');
        const base = arena.reserve(2 * OUT_SLOT_BYTES);
        check(m._ruv_memory_list_ids(h, start, max, base, base + OUT_SLOT_BYTES));
        const next = out32(base, 1);
        return { ids: takeBytes(m, out32(base), decodeHits).ids, next };
      },
      search(query, k, ef, filterJson) {
        const h = live('search');
        const { base, vec, at, len } = stage(query, [filterJson]);
        check(m._ruv_memory_search(h, vec, query.length, k, ef, at[0]!, len[0]!, base));
        return takeBytes(m, out32(base), decodeHits);
      },
      searchHybrid(query, text, k, ef, filterJson) {
        const h = live('searchHybrid');
        const { base, vec, at, len } = stage(query, [text, filterJson]);
        try {
          check(
            m._ruv_memory_search_hybrid(
              h,
              vec,
              query.length,
              at[0]!,
              len[0]!,
              k,
              ef,
              at[1]!,
              len[1]!,
              base,
              base + OUT_SLOT_BYTES,
            ),
          );
        } finally {
          arena.trim();
        }
        const fusedBytes = out32(base, 1);
        const hits = takeBytes(m, out32(base), decodeHits);
        return { hits, fused: takeBytes(m, fusedBytes, float64s) };
      },
      serialize(header) {
        const h = live('serialize');
        const { base, at, len } = stage(null, [header]);
        try {
          check(m._ruv_memory_serialize(h, at[0]!, len[0]!, base));
          return takeBytes(m, out32(base), (b) => b.slice());
        } finally {
          arena.trim();
        }
      },
      free() {
        if (handle === 0) return;
        finalizer?.unregister(memory);
        m._ruv_memory_free(handle);
        handle = 0;
      },
    };
    finalizer?.register(memory, handle, memory);
    handles.set(memory, () => live('verify'));
    return memory;
  }

  return {
    create(p: HnswParams): MemoryBackend {
      const base = arena.reserve(OUT_SLOT_BYTES);
      check(
        m._ruv_memory_create(
          p.dimensions,
          p.m,
          p.efConstruction,
          p.efSearch,
          p.metric,
          p.storage,
          BigInt.asUintN(64, p.seed),
          base,
        ),
      );
      return wrap(base);
    },

    deserialize(bytes: Uint8Array) {
      const base = arena.reserve(2 * OUT_SLOT_BYTES + bytes.length);
      const data = base + 2 * OUT_SLOT_BYTES;
      m.HEAPU8.set(bytes, data);
      try {
        check(m._ruv_memory_deserialize(data, bytes.length, base, base + OUT_SLOT_BYTES));
        const header = takeBytes(m, m.HEAPU32[(base + OUT_SLOT_BYTES) >>> 2]!, (b) =>
          readUtf8(b, 0, b.length),
        );
        return { memory: wrap(base), header };
      } finally {
        arena.trim();
      }
    },
  };
}
