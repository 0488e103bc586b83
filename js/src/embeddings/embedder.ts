/**
 * WasmEmbedder (ADR-006): text to vectors over the runtime's `embeddings` module, whatever the
 * backend (native or wasm; js-fallback rejects with UNSUPPORTED). `initialize()` finds the model
 * (folder, URL, Hub id or bundle bytes, through ModelCache) and loads it; `embedBatch` works in
 * chunks of 32 texts, each one forward pass off the JS thread where the backend can.
 */
import { RuVectorError } from '../errors.js';
import { RuVectorRuntime, type RuntimeBinding } from '../runtime.js';
import type { ModelSource } from './sources.js';
import type {
  EmbeddingModelHandle,
  EmbeddingModelInfo,
  EmbeddingsModule,
  LoadModelOptions,
} from './types.js';

/** Configuration of a {@link WasmEmbedder}. */
export interface EmbedderConfig extends LoadModelOptions {
  /** The model: a folder path, an http(s) URL of a folder, a Hub id or short name (`minilm-l6-v2`). */
  modelPath?: string;
  /** Or the model itself: the bytes of a bundle (`ruvector pack-model`), or any {@link ModelSource}. */
  model?: ModelSource;
  /** The expected embedding length; when given, a model of another length is rejected at initialize(). */
  dimensions?: number;
}

/** Texts per call into the backend in {@link WasmEmbedder.embedBatch} (bounds peak memory). */
export const EMBED_BATCH_CHUNK = 32;

/** Embeds texts with a BERT-family model (ADR-006's methods). */
export class WasmEmbedder {
  readonly #source: ModelSource;
  readonly #options: LoadModelOptions;
  readonly #dimensions: number | undefined;
  readonly #binding: RuntimeBinding;
  #embeddings: EmbeddingsModule | null = null;
  #handle: EmbeddingModelHandle | null = null;
  #info: EmbeddingModelInfo | null = null;

  constructor(config: EmbedderConfig, binding: RuntimeBinding = {}) {
    if (typeof config !== 'object' || config === null) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        'WasmEmbedder: config must be an object { modelPath } or { model }',
      );
    }
    const { modelPath, model, dimensions, ...options } = config;
    if ((modelPath === undefined) === (model === undefined)) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        'WasmEmbedder: give exactly one of config.modelPath and config.model',
      );
    }
    if (modelPath !== undefined && (typeof modelPath !== 'string' || modelPath === '')) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        'WasmEmbedder: config.modelPath must be a non-empty string',
      );
    }
    if (dimensions !== undefined && (!Number.isSafeInteger(dimensions) || dimensions <= 0)) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        `WasmEmbedder: config.dimensions must be a positive integer (got ${String(dimensions)})`,
      );
    }
    this.#source = (modelPath ?? model)!;
    this.#options = options;
    this.#dimensions = dimensions;
    this.#binding = binding;
  }

  #ready(method: string): { embeddings: EmbeddingsModule; handle: EmbeddingModelHandle } {
    if (this.#handle === null || this.#embeddings === null) {
      throw new RuVectorError(
        'NOT_INITIALIZED',
        `WasmEmbedder.${method}: the embedder is not initialized (call initialize())`,
      );
    }
    return { embeddings: this.#embeddings, handle: this.#handle };
  }

  /** Finds and loads the model (downloads and caches it if needed). */
  async initialize(): Promise<void> {
    if (this.#handle !== null) return;
    const runtime = this.#binding.runtime ?? (await RuVectorRuntime.initialize());
    const embeddings = runtime.getModules().embeddings;
    const handle = await embeddings.loadModel(this.#source, this.#options);
    const info = embeddings.modelInfo(handle);
    if (this.#dimensions !== undefined && info.dimensions !== this.#dimensions) {
      embeddings.unloadModel(handle);
      throw new RuVectorError(
        'DIMENSION_MISMATCH',
        `WasmEmbedder.initialize: ${info.modelId} makes ${info.dimensions}-d embeddings, config.dimensions says ${this.#dimensions}`,
      );
    }
    this.#embeddings = embeddings;
    this.#handle = handle;
    this.#info = info;
  }

  /** The embedding of one text. */
  async embed(text: string): Promise<Float32Array> {
    const { embeddings, handle } = this.#ready('embed');
    return embeddings.embedAsync(handle, text);
  }

  /** The embeddings of many texts, in order, 32 texts per forward pass. */
  async embedBatch(texts: string[]): Promise<Float32Array[]> {
    const { embeddings, handle } = this.#ready('embedBatch');
    if (!Array.isArray(texts))
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        'WasmEmbedder.embedBatch: texts must be an array of strings',
      );
    const results: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH_CHUNK) {
      results.push(...(await embeddings.embedBatchAsync(handle, texts.slice(i, i + EMBED_BATCH_CHUNK))));
    }
    return results;
  }

  /** Length of every embedding (the model's; before initialize(), config.dimensions or 384). */
  getDimensions(): number {
    return this.#info?.dimensions ?? this.#dimensions ?? 384;
  }

  /** What model is loaded, from where, and how it runs (id, revision, sha, pooling, max tokens, backend). */
  getModelInfo(): EmbeddingModelInfo {
    this.#ready('getModelInfo');
    return this.#info!;
  }

  /** Unloads the model. */
  async dispose(): Promise<void> {
    if (this.#handle === null || this.#embeddings === null) return;
    this.#embeddings.unloadModel(this.#handle);
    this.#handle = null;
    this.#info = null;
  }
}
