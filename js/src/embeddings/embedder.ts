/**
 * WasmEmbedder (ADR-006): text to vectors over the runtime's `embeddings` module. In 0.1 that
 * module throws UNSUPPORTED, so `initialize()` rejects with UNSUPPORTED.
 */
import { RuVectorError } from '../errors.js';
import { RuVectorRuntime, type RuntimeBinding } from '../runtime.js';
import type { EmbeddingModelHandle } from './types.js';

/** Configuration of a {@link WasmEmbedder}. */
export interface EmbedderConfig {
  /** Path or URL of the model (a Hugging Face model folder or file). */
  modelPath: string;
  /** Output size of the model (default 384, MiniLM-L6-v2's). */
  dimensions?: number;
}

/** Texts per call into the backend in {@link WasmEmbedder.embedBatch} (bounds peak memory). */
const BATCH_CHUNK = 32;

/** Embeds texts with a BERT-family model (ADR-006's methods). */
export class WasmEmbedder {
  readonly #modelPath: string;
  readonly #dimensions: number;
  readonly #binding: RuntimeBinding;
  #runtime: RuVectorRuntime | null = null;
  #handle: EmbeddingModelHandle | null = null;

  constructor(config: EmbedderConfig, binding: RuntimeBinding = {}) {
    if (typeof config?.modelPath !== 'string' || config.modelPath === '') {
      throw new RuVectorError('INVALID_ARGUMENT', 'WasmEmbedder: config.modelPath must be a non-empty string');
    }
    const dimensions = config.dimensions ?? 384;
    if (!Number.isSafeInteger(dimensions) || dimensions <= 0) {
      throw new RuVectorError('INVALID_ARGUMENT', `WasmEmbedder: config.dimensions must be a positive integer (got ${String(dimensions)})`);
    }
    this.#modelPath = config.modelPath;
    this.#dimensions = dimensions;
    this.#binding = binding;
  }

  async #modules() {
    this.#runtime ??= this.#binding.runtime ?? (await RuVectorRuntime.initialize());
    return this.#runtime.getModules();
  }

  #ready(method: string): EmbeddingModelHandle {
    if (this.#handle === null) {
      throw new RuVectorError('NOT_INITIALIZED', `WasmEmbedder.${method}: the embedder is not initialized (call initialize())`);
    }
    return this.#handle;
  }

  /** Loads the model. */
  async initialize(): Promise<void> {
    const { embeddings } = await this.#modules();
    this.#handle = embeddings.loadModel(this.#modelPath);
  }

  /** The embedding of one text. */
  async embed(text: string): Promise<Float32Array> {
    const handle = this.#ready('embed');
    return (await this.#modules()).embeddings.embed(handle, text);
  }

  /** The embeddings of many texts, in order. */
  async embedBatch(texts: string[]): Promise<Float32Array[]> {
    const handle = this.#ready('embedBatch');
    const { embeddings } = await this.#modules();
    const results: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += BATCH_CHUNK) {
      results.push(...embeddings.embedBatch(handle, texts.slice(i, i + BATCH_CHUNK)));
    }
    return results;
  }

  /** Length of every embedding. */
  getDimensions(): number {
    return this.#dimensions;
  }

  /** Unloads the model. */
  async dispose(): Promise<void> {
    if (this.#handle === null) return;
    (await this.#modules()).embeddings.unloadModel(this.#handle);
    this.#handle = null;
  }
}
