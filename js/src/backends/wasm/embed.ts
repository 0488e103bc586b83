/**
 * EmbedKernels over the embeddings C ABI of the wasm module (core/capi/ruv_capi_embed.h).
 * The bundle is copied once into its own heap block, which the core keeps and packs the float32
 * weights in place of (ruv_embed_load_taking); a q8 load of model.safetensors instead copies only
 * the other files in and lets the core read the weights file from JS memory in pieces
 * (ruv_embed_load_sourced), so the heap (which never shrinks) never holds the float32 file.
 * Texts, ids and results go through the backend's scratch arena.
 */
import type { EmbedBackendModel, EmbedKernels, EmbedLoadParams, PackedTexts } from '../../backend.js';
import { RuVectorError } from '../../errors.js';
import { decodeBundle, encodeBundle } from '../../embeddings/bundle.js';
import { EMBED_INFO_COUNT, encodeLoadParams } from '../../embeddings/codec.js';
import { align64, type ScratchArena } from './hnsw.js';

/** The embeddings exports of the module (pointers and size_t are 32-bit numbers). */
export interface WasmEmbedExports {
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPU32: Uint32Array;
  HEAPF32: Float32Array;
  _ruv_alloc(bytes: number): number;
  _ruv_free(ptr: number): void;
  _ruv_embed_load_taking(bundle: number, size: number, options: number, out: number): number;
  _ruv_embed_load_sourced(
    bundle: number,
    size: number,
    options: number,
    safetensorsSize: number,
    read: number,
    ctx: number,
    out: number,
  ): number;
  /** The C function that forwards a ruv_embed_read_fn call to {@link ruvEmbedRead}. */
  _ruv_wasm_embed_read_fn(): number;
  /** Set for the duration of a sourced load (bindings/wasm/module.c's EM_JS bridge). */
  ruvEmbedRead?: (ctx: number, offset: number, dst: number, n: number) => number;
  _ruv_embed_free(m: number): void;
  _ruv_embed_info(m: number, out: number): number;
  _ruv_embed_texts(
    m: number,
    texts: number,
    textsSize: number,
    lens: number,
    count: number,
    out: number,
    outLen: number,
  ): number;
  _ruv_embed_tokenize(
    m: number,
    text: number,
    textLen: number,
    pair: number,
    pairLen: number,
    ids: number,
    typeIds: number,
    capacity: number,
    count: number,
  ): number;
  _ruv_embed_chunk(
    m: number,
    text: number,
    textLen: number,
    tokens: number,
    overlap: number,
    spans: number,
    capacity: number,
    count: number,
  ): number;
  _ruv_embed_hidden_states(
    m: number,
    ids: number,
    typeIds: number,
    lens: number,
    count: number,
    out: number,
    outLen: number,
  ): number;
}

export function createWasmEmbed(m: WasmEmbedExports, arena: ScratchArena): EmbedKernels {
  function open(handle: number): EmbedBackendModel {
    let h = handle;
    const live = (): number => {
      if (h === 0) throw new RuVectorError('NOT_INITIALIZED', 'embeddings: the model was freed');
      return h;
    };
    const info = (): Uint32Array => {
      const base = arena.reserve(EMBED_INFO_COUNT * 4);
      arena.check(m._ruv_embed_info(live(), base));
      return m.HEAPU32.slice(base >>> 2, (base >>> 2) + EMBED_INFO_COUNT);
    };
    const dimensions = info()[0]!;

    const embed = (t: PackedTexts): Float32Array => {
      const count = t.lengths.length;
      const textBytes = align64(t.bytes.length);
      const lenBytes = align64(count * 4);
      const outLen = count * dimensions;
      const base = arena.reserve(textBytes + lenBytes + outLen * 4);
      const pLens = base + textBytes;
      const pOut = pLens + lenBytes;
      m.HEAPU8.set(t.bytes, base);
      m.HEAPU32.set(t.lengths, pLens >>> 2);
      arena.check(m._ruv_embed_texts(live(), base, t.bytes.length, pLens, count, pOut, outLen));
      const out = m.HEAPF32.slice(pOut >>> 2, (pOut >>> 2) + outLen);
      arena.trim();
      return out;
    };

    return {
      info,
      embed,
      embedAsync: async (t) => embed(t),
      tokenize(text, pair) {
        const tokenizeInto = (capacity: number): { count: number; ids: number } => {
          const aBytes = align64(text.length + 1);
          const bBytes = align64((pair?.length ?? 0) + 1);
          const base = arena.reserve(64 + aBytes + bBytes + 8 * capacity);
          const pA = base + 64;
          const pB = pA + aBytes;
          const pIds = pB + bBytes;
          m.HEAPU8.set(text, pA);
          if (pair !== null) m.HEAPU8.set(pair, pB);
          arena.check(
            m._ruv_embed_tokenize(
              live(),
              pA,
              text.length,
              pair === null ? 0 : pB,
              pair?.length ?? 0,
              pIds,
              pIds + 4 * capacity,
              capacity,
              base,
            ),
          );
          return { count: m.HEAPU32[base >>> 2]!, ids: pIds };
        };
        let r = tokenizeInto(512);
        if (r.count > 512) r = tokenizeInto(r.count);
        const capacity = Math.max(512, r.count);
        const ids = m.HEAP32.slice(r.ids >>> 2, (r.ids >>> 2) + r.count);
        const typeIds = m.HEAP32.slice((r.ids >>> 2) + capacity, (r.ids >>> 2) + capacity + r.count);
        return { ids, typeIds };
      },
      chunk(text, tokens, overlap) {
        const chunkInto = (capacity: number): { count: number; spans: number } => {
          const textBytes = align64(text.length + 1);
          const base = arena.reserve(64 + textBytes + 8 * capacity);
          const pText = base + 64;
          const pSpans = pText + textBytes;
          m.HEAPU8.set(text, pText);
          arena.check(
            m._ruv_embed_chunk(live(), pText, text.length, tokens, overlap, pSpans, capacity, base),
          );
          return { count: m.HEAPU32[base >>> 2]!, spans: pSpans };
        };
        let r = chunkInto(64);
        if (r.count > 64) r = chunkInto(r.count);
        const spans = m.HEAPU32.slice(r.spans >>> 2, (r.spans >>> 2) + 2 * r.count);
        arena.trim();
        return spans;
      },
      hiddenStates(ids, typeIds, lengths) {
        const idBytes = align64(ids.length * 4);
        const lenBytes = align64(lengths.length * 4);
        const outLen = ids.length * dimensions;
        const base = arena.reserve(2 * idBytes + lenBytes + outLen * 4);
        const pTypes = base + idBytes;
        const pLens = pTypes + idBytes;
        const pOut = pLens + lenBytes;
        m.HEAP32.set(ids, base >>> 2);
        m.HEAP32.set(typeIds, pTypes >>> 2);
        m.HEAPU32.set(lengths, pLens >>> 2);
        arena.check(m._ruv_embed_hidden_states(live(), base, pTypes, pLens, lengths.length, pOut, outLen));
        const out = m.HEAPF32.slice(pOut >>> 2, (pOut >>> 2) + outLen);
        arena.trim();
        return out;
      },
      free() {
        if (h !== 0) m._ruv_embed_free(h);
        h = 0;
      },
    };
  }

  // `bytes` in a new heap block (OUT_OF_MEMORY when the heap cannot give one).
  function copyIn(bytes: Uint8Array): number {
    const at = m._ruv_alloc(Math.max(bytes.length, 1)) >>> 0;
    if (at === 0)
      throw new RuVectorError(
        'OUT_OF_MEMORY',
        `cannot allocate ${bytes.length} bytes on the wasm heap for the model`,
      );
    m.HEAPU8.set(bytes, at);
    return at;
  }

  // ruv_embed_options (32 bytes) at the returned address, the handle out at +48.
  function optionsOf(p: EmbedLoadParams): number {
    const base = arena.reserve(64);
    m.HEAP32.set(encodeLoadParams(p), base >>> 2);
    return base;
  }

  // q8 from model.safetensors (what auto picks first): the float32 file, 4x the int8 weights,
  // would stay in the heap's peak; the core reads it from JS memory instead, a piece at a time.
  function loadSourced(rest: Uint8Array, safetensors: Uint8Array, p: EmbedLoadParams): EmbedBackendModel {
    const pBundle = copyIn(rest);
    try {
      const base = optionsOf(p);
      m.ruvEmbedRead = (_ctx, offset, dst, n) => {
        const [from, to] = [offset >>> 0, (offset >>> 0) + (n >>> 0)];
        if (to > safetensors.length) return 0;
        // (The heap may have grown since the last read: its current view.)
        m.HEAPU8.set(safetensors.subarray(from, to), dst >>> 0);
        return 1;
      };
      const read = m._ruv_wasm_embed_read_fn();
      arena.check(
        m._ruv_embed_load_sourced(pBundle, rest.length, base, safetensors.length, read, 0, base + 48),
      );
      return open(m.HEAPU32[(base + 48) >>> 2]!);
    } finally {
      m.ruvEmbedRead = undefined;
      m._ruv_free(pBundle);
    }
  }

  return {
    async load(bundle: Uint8Array, p: EmbedLoadParams): Promise<EmbedBackendModel> {
      if (p.dtype === 1 && (p.weights === 0 || p.weights === 2)) {
        // (The module layer checked or computed the digests: only the layout is read here.)
        const decoded = await decodeBundle(bundle, { fileDigests: 'trust' });
        const safetensors = decoded.fileMap.get('model.safetensors');
        if (safetensors !== undefined) {
          const others = decoded.files.filter((f) => f.name !== 'model.safetensors');
          const rest = await encodeBundle(
            new Map(others.map((f) => [f.name, f.data])),
            decoded.meta,
            Object.fromEntries(others.map((f) => [f.name, f.sha256])),
          );
          return loadSourced(rest, safetensors, p);
        }
      }
      // The block is handed to the model, which packs its weights in place of the file (the
      // heap never shrinks: a copy beside the file would stay); on failure it is ours.
      const pBundle = copyIn(bundle);
      let taken = false;
      try {
        const base = optionsOf(p);
        arena.check(m._ruv_embed_load_taking(pBundle, bundle.length, base, base + 48));
        taken = true;
        return open(m.HEAPU32[(base + 48) >>> 2]!);
      } finally {
        if (!taken) m._ruv_free(pBundle);
      }
    },
  };
}
