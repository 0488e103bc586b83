/**
 * The public `embeddings` module (ADR-006) over a backend's {@link EmbedKernels}: arguments are
 * checked here, model files found by sources.ts (folder, URL, Hub id, bundle; through ModelCache),
 * handles kept by handles.ts; the backend's C++ core tokenizes, encodes and pools. A backend
 * without embeddings (js-fallback) gets a module whose every call throws UNSUPPORTED.
 */
import type { BackendName, EmbedBackendModel, EmbedKernels, EmbedLoadParams } from '../backend.js';
import { fail, isPlainObject, rejectUnknownKeys, show, typeName } from '../check.js';
import { createHandleRegistry } from '../handles.js';
import { standIn } from '../stand-in.js';
import { decodeModelInfo, packTexts, splitRows, utf8 } from './codec.js';
import {
  resolveModelForLoad,
  WEIGHTS_CHOICES,
  WEIGHTS_CHOICES_TEXT,
  type ResolveModelOptions,
  type WeightsChoice,
} from './sources.js';
import type {
  ChunkOptions,
  EmbeddingModelHandle,
  EmbeddingModelInfo,
  EmbeddingsModule,
  LoadModelOptions,
  Tokenized,
} from './types.js';

const FUNCTIONS: ReadonlyArray<keyof EmbeddingsModule> = [
  'loadModel',
  'embed',
  'embedBatch',
  'embedAsync',
  'embedBatchAsync',
  'tokenize',
  'chunk',
  'hiddenStates',
  'modelInfo',
  'unloadModel',
];

const SOURCE_OPTIONS = [
  'weights',
  'revision',
  'host',
  'pathTemplate',
  'fetch',
  'cache',
  'onProgress',
  'logger',
  'modelId',
] as const;
const MODEL_OPTIONS = ['maxTokens', 'pooling', 'normalize', 'truncation', 'dtype', 'threads'] as const;

function defaultLoadParams(): EmbedLoadParams {
  return {
    maxTokens: 0,
    pooling: -1,
    normalize: -1,
    weights: 0,
    truncation: -1,
    threads: 0,
    dtype: 0,
    digestsChecked: 0,
  };
}

/** Splits and checks loadModel's options (the source ones are checked by sources.ts). */
function loadOptionsArg(options: unknown): { source: ResolveModelOptions; params: EmbedLoadParams } {
  const fn = 'embeddings.loadModel';
  if (options === undefined)
    return {
      source: {},
      params: defaultLoadParams(),
    };
  if (!isPlainObject(options))
    throw fail('INVALID_ARGUMENT', fn, `options must be an object (got ${typeName(options)})`);
  rejectUnknownKeys(fn, options, [...SOURCE_OPTIONS, ...MODEL_OPTIONS], 'option');
  const o = options as LoadModelOptions;
  const params = defaultLoadParams();
  if (o.maxTokens !== undefined) {
    if (!Number.isSafeInteger(o.maxTokens) || o.maxTokens < 2) {
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `options.maxTokens must be an integer >= 2 (got ${show(o.maxTokens)})`,
      );
    }
    params.maxTokens = o.maxTokens;
  }
  if (o.pooling !== undefined) {
    if (o.pooling !== 'mean' && o.pooling !== 'cls')
      throw fail('INVALID_ARGUMENT', fn, `options.pooling must be 'mean' or 'cls' (got ${show(o.pooling)})`);
    params.pooling = o.pooling === 'cls' ? 1 : 0;
  }
  if (o.normalize !== undefined) {
    if (typeof o.normalize !== 'boolean')
      throw fail('INVALID_ARGUMENT', fn, `options.normalize must be a boolean (got ${show(o.normalize)})`);
    params.normalize = o.normalize ? 1 : 0;
  }
  if (o.dtype !== undefined) {
    if (o.dtype !== 'fp32' && o.dtype !== 'q8')
      throw fail('INVALID_ARGUMENT', fn, `options.dtype must be 'fp32' or 'q8' (got ${show(o.dtype)})`);
    params.dtype = o.dtype === 'q8' ? 1 : 0;
  }
  if (o.threads !== undefined) {
    if (!Number.isSafeInteger(o.threads) || (o.threads as number) < 1 || (o.threads as number) > 256)
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `options.threads must be an integer 1..256 (got ${show(o.threads)})`,
      );
    params.threads = o.threads as number;
  }
  if (o.truncation !== undefined) {
    if (o.truncation !== 'left' && o.truncation !== 'right')
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `options.truncation must be 'left' or 'right' (got ${show(o.truncation)})`,
      );
    params.truncation = o.truncation === 'left' ? 1 : 0;
  }
  if (o.weights !== undefined) {
    const w = Object.hasOwn(WEIGHTS_CHOICES, o.weights as string)
      ? WEIGHTS_CHOICES[o.weights as WeightsChoice]
      : undefined;
    if (w === undefined)
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `options.weights must be ${WEIGHTS_CHOICES_TEXT} (got ${show(o.weights)})`,
      );
    params.weights = w;
  }
  const source: Record<string, unknown> = {};
  for (const key of SOURCE_OPTIONS) if (o[key] !== undefined) source[key] = o[key];
  return { source: source as ResolveModelOptions, params };
}

const utf8Decoder = new TextDecoder();

/** `chunk` options as ruv_embed_chunk takes them (tokens 0: the model's max tokens). */
export function chunkOptionsArg(
  fn: string,
  name: string,
  options: unknown,
): { tokens: number; overlap: number } {
  if (options === undefined) return { tokens: 0, overlap: 0 };
  if (!isPlainObject(options))
    throw fail('INVALID_ARGUMENT', fn, `${name} must be an object (got ${typeName(options)})`);
  rejectUnknownKeys(fn, options, ['tokens', 'overlap'], `${name} key`);
  const { tokens, overlap } = options as ChunkOptions;
  const integer = (key: string, v: unknown, min: number): number => {
    if (v === undefined) return 0;
    if (!Number.isSafeInteger(v) || (v as number) < min || (v as number) > 0xffffffff)
      throw fail('INVALID_ARGUMENT', fn, `${name}.${key} must be an integer >= ${min} (got ${show(v)})`);
    return v as number;
  };
  return { tokens: integer('tokens', tokens, 1), overlap: integer('overlap', overlap, 0) };
}

function textArg(fn: string, name: string, text: unknown): string {
  if (typeof text !== 'string')
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a string (got ${typeName(text)})`);
  return text;
}

function textsArg(fn: string, texts: unknown): string[] {
  if (!Array.isArray(texts))
    throw fail('INVALID_ARGUMENT', fn, `texts must be an array of strings (got ${typeName(texts)})`);
  texts.forEach((t, i) => textArg(fn, `texts[${i}]`, t));
  return texts as string[];
}

function sequencesArg(
  fn: string,
  name: string,
  value: unknown,
  vocab: number,
  lengths?: Uint32Array,
): Int32Array[] {
  if (!Array.isArray(value))
    throw fail('INVALID_ARGUMENT', fn, `${name} must be an array of id arrays (got ${typeName(value)})`);
  return value.map((seq: unknown, i) => {
    if (!Array.isArray(seq) && !ArrayBuffer.isView(seq))
      throw fail('INVALID_ARGUMENT', fn, `${name}[${i}] must be an array of integers`);
    const arr = Array.from(seq as ArrayLike<number>);
    if (lengths !== undefined && arr.length !== lengths[i]) {
      throw fail('DIMENSION_MISMATCH', fn, `${name}[${i}] has ${arr.length} ids, the sequence ${lengths[i]}`);
    }
    for (const id of arr) {
      if (!Number.isInteger(id) || id < 0 || id >= vocab)
        throw fail('INVALID_ARGUMENT', fn, `${name}[${i}] holds ${show(id)}, not an id in 0..${vocab - 1}`);
    }
    return Int32Array.from(arr);
  });
}

function concat(parts: Int32Array[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** The real `embeddings` module over `kernels`; `backend` is reported in each model's info. */
export function createEmbeddingsModuleOver(kernels: EmbedKernels, backend: BackendName): EmbeddingsModule {
  const handles = createHandleRegistry<EmbeddingModelHandle, EmbedBackendModel, EmbeddingModelInfo>({
    tag: 'EmbeddingModelHandle',
    what: 'an embedding model handle',
    noun: 'model',
    reentrant: 'progress callback',
  });

  return Object.freeze({
    async loadModel(source, options) {
      const { source: sourceOptions, params } = loadOptionsArg(options);
      const resolved = await resolveModelForLoad(source, sourceOptions);
      // The digests were checked on the JS side (bundle bytes, downloads) or are provenance the
      // runtime computes (a folder's files: hashed below, while the core loads): the core need
      // not hash the files. A bundle made here from files is the runtime's own: the backend may
      // read it in place.
      const lent = !(source instanceof Uint8Array);
      const loading = kernels.load(resolved.bundle, { ...params, digestsChecked: 1 }, lent);
      const [loaded, hashed] = await Promise.allSettled([loading, resolved.provenance()]);
      if (loaded.status === 'rejected') throw loaded.reason;
      const model = loaded.value;
      if (hashed.status === 'rejected') {
        model.free();
        throw hashed.reason;
      }
      const provenance = hashed.value;
      const core = decodeModelInfo(model.info());
      const info: EmbeddingModelInfo = Object.freeze({
        modelId: provenance.modelId,
        revision: provenance.revision,
        contentSha256: provenance.contentSha256,
        source: provenance,
        dimensions: core.dimensions,
        maxTokens: core.maxTokens,
        maxTokensSource: core.maxTokensSource,
        pooling: core.pooling,
        normalize: core.normalize,
        truncation: core.truncation,
        threads: core.threads,
        dtype: core.dtype,
        weightBytes: core.weightBytes,
        weightBytesInFile: core.weightBytesInFile,
        weights: core.weights,
        layers: core.layers,
        heads: core.heads,
        vocabSize: core.vocabSize,
        backend,
      });
      return handles.open(model, info);
    },

    embed(handle, text) {
      const { resource } = handles.use('embeddings.embed', handle);
      return resource.embed(packTexts([textArg('embeddings.embed', 'text', text)]));
    },

    embedBatch(handle, texts) {
      const { resource, meta } = handles.use('embeddings.embedBatch', handle);
      return splitRows(resource.embed(packTexts(textsArg('embeddings.embedBatch', texts))), meta.dimensions);
    },

    async embedAsync(handle, text) {
      const { resource } = handles.use('embeddings.embedAsync', handle);
      return resource.embedAsync(packTexts([textArg('embeddings.embedAsync', 'text', text)]));
    },

    async embedBatchAsync(handle, texts) {
      const { resource, meta } = handles.use('embeddings.embedBatchAsync', handle);
      const flat = await resource.embedAsync(packTexts(textsArg('embeddings.embedBatchAsync', texts)));
      return splitRows(flat, meta.dimensions);
    },

    tokenize(handle, text, pair) {
      const fn = 'embeddings.tokenize';
      const { resource } = handles.use(fn, handle);
      const a = utf8(textArg(fn, 'text', text));
      const b = pair === undefined ? null : utf8(textArg(fn, 'pair', pair));
      const { ids, typeIds } = resource.tokenize(a, b);
      return { ids: Array.from(ids), typeIds: Array.from(typeIds) } satisfies Tokenized;
    },

    chunk(handle, text, options) {
      const fn = 'embeddings.chunk';
      const { resource } = handles.use(fn, handle);
      const { tokens, overlap } = chunkOptionsArg(fn, 'options', options);
      const bytes = utf8(textArg(fn, 'text', text));
      const spans = resource.chunk(bytes, tokens, overlap);
      const pieces: string[] = [];
      for (let i = 0; i < spans.length; i += 2)
        pieces.push(utf8Decoder.decode(bytes.subarray(spans[i]!, spans[i + 1]!)));
      return pieces;
    },

    hiddenStates(handle, sequences, typeIds) {
      const fn = 'embeddings.hiddenStates';
      const { resource, meta } = handles.use(fn, handle);
      const ids = sequencesArg(fn, 'sequences', sequences, meta.vocabSize);
      const lengths = Uint32Array.from(ids, (s) => s.length);
      const types =
        typeIds === undefined
          ? ids.map((s) => new Int32Array(s.length))
          : sequencesArg(fn, 'typeIds', typeIds, 2 ** 31 - 1, lengths);
      if (types.length !== ids.length)
        throw fail(
          'DIMENSION_MISMATCH',
          fn,
          `typeIds has ${types.length} sequences, sequences ${ids.length}`,
        );
      const flat = resource.hiddenStates(concat(ids), concat(types), lengths);
      const out: Float32Array[] = [];
      let at = 0;
      for (const n of lengths) {
        out.push(flat.subarray(at, at + n * meta.dimensions));
        at += n * meta.dimensions;
      }
      return out;
    },

    modelInfo(handle) {
      return handles.use('embeddings.modelInfo', handle).meta;
    },

    unloadModel(handle) {
      handles.free('embeddings.unloadModel', handle);
    },
  } satisfies EmbeddingsModule);
}

/** The `embeddings` module of a backend: real over its kernels, else UNSUPPORTED naming what is missing. */
export function createEmbeddingsModule(
  kernels: EmbedKernels | undefined,
  backend: BackendName,
): EmbeddingsModule {
  if (kernels !== undefined) return createEmbeddingsModuleOver(kernels, backend);
  const missing = standIn<EmbeddingsModule>(FUNCTIONS, (name) => missingMessage(backend, name));
  // The asynchronous functions reject (as the real ones do) instead of throwing.
  return Object.freeze({
    ...missing,
    loadModel: async () => missing.loadModel(undefined as never),
    embedAsync: async () => missing.embedAsync(undefined as never, ''),
    embedBatchAsync: async () => missing.embedBatchAsync(undefined as never, []),
  });
}

/** Why a backend has no embeddings, for every call of its stand-in module. */
export function missingMessage(backend: BackendName, name: string): string {
  return (
    `embeddings.${name}: the ${backend} backend has no embedding model (it needs WebAssembly or the native addon; ` +
    `the js-fallback twins only small vector kernels). Use RuVectorRuntime.initialize({ backend: 'wasm' }) where WebAssembly exists`
  );
}
