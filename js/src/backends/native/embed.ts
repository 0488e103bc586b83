/**
 * EmbedKernels over the addon's EmbedModel (bindings/node/embed_binding.cc): convert, call,
 * convert back. loadModel and embedAsync run on libuv workers (inputs copied first), so parsing and
 * packing a model's weights and batch forward passes never block the event loop; embed runs on
 * the calling thread.
 */
import type { EmbedBackendModel, EmbedKernels, EmbedLoadParams, PackedTexts } from '../../backend.js';
import { encodeLoadParams } from '../../embeddings/codec.js';
import { guarded, rethrow } from './status.js';

/** One model of the addon (a ruv_embed* with a GC finalizer). */
interface NativeEmbedModel {
  info(): Uint32Array;
  embed(texts: Uint8Array, lengths: Uint32Array): Float32Array;
  embedAsync(texts: Uint8Array, lengths: Uint32Array): Promise<Float32Array>;
  tokenize(text: Uint8Array, pair: Uint8Array | null): [Int32Array, Int32Array];
  chunk(text: Uint8Array, tokens: number, overlap: number): Uint32Array;
  hiddenStates(ids: Int32Array, typeIds: Int32Array, lengths: Uint32Array): Float32Array;
  free(): void;
}

/** What the addon exports for embeddings. */
export interface NativeEmbedAddon {
  loadEmbedModel(
    bundle: Uint8Array,
    /** ruv_embed_options' fields (encodeLoadParams). */
    options: Int32Array,
    lent: boolean,
  ): Promise<NativeEmbedModel>;
}

function wrap(m: NativeEmbedModel): EmbedBackendModel {
  return {
    info: () => guarded(() => m.info()),
    embed: (t: PackedTexts) => guarded(() => m.embed(t.bytes, t.lengths)),
    embedAsync: (t: PackedTexts) => guarded(() => m.embedAsync(t.bytes, t.lengths)).catch(rethrow),
    chunk: (text, tokens, overlap) => guarded(() => m.chunk(text, tokens, overlap)),
    tokenize(text, pair) {
      const [ids, typeIds] = guarded(() => m.tokenize(text, pair));
      return { ids, typeIds };
    },
    hiddenStates: (ids, typeIds, lengths) => guarded(() => m.hiddenStates(ids, typeIds, lengths)),
    free: () => m.free(),
  };
}

export function createEmbedKernels(addon: NativeEmbedAddon): EmbedKernels {
  return {
    async load(bundle: Uint8Array, p: EmbedLoadParams, lent = false): Promise<EmbedBackendModel> {
      const model = await guarded(() => addon.loadEmbedModel(bundle, encodeLoadParams(p), lent)).catch(
        rethrow,
      );
      return wrap(model);
    },
  };
}
