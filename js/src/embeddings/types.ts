/** Public types of the `embeddings` module (ADR-006). */
import type { BackendName } from '../backend.js';
import type { ModelProvenance, ModelSource, ResolveModelOptions } from './sources.js';

declare const handleKind: unique symbol;

/** Opaque handle of a loaded embedding model owned by a backend. */
export interface EmbeddingModelHandle {
  readonly [handleKind]: 'EmbeddingModel';
}

/**
 * Options of `loadModel`: how to find the files (see {@link ResolveModelOptions}: weights,
 * revision, host, pathTemplate, fetch, cache, onProgress, logger, modelId) and how to run the model.
 */
export interface LoadModelOptions extends ResolveModelOptions {
  /**
   * Most tokens per text, special tokens included (2 .. max_position_embeddings). Default: the
   * model's own rule: sentence_bert_config.json's max_seq_length, else the tokenizer's truncation
   * length, else max_position_embeddings (all-MiniLM-L6-v2: 256). Longer texts are truncated.
   */
  maxTokens?: number;
  /** Pooling of token vectors (default: the folder's 1_Pooling/config.json, else mean). */
  pooling?: 'mean' | 'cls';
  /** L2-normalize embeddings (default: modules.json's Normalize module; yes without modules.json). */
  normalize?: boolean;
  /**
   * Which end of a text longer than maxTokens is cut off: `'right'` keeps its beginning, `'left'`
   * its end (e.g. a conversation whose latest turns matter most). Default: the tokenizer's own
   * (tokenizer.json's truncation.direction, tokenizer_config.json's truncation_side), else right.
   */
  truncation?: 'left' | 'right';
  /**
   * Threads one embedding call runs on, the calling one included (1..256). Default: the
   * `RUVECTOR_THREADS` environment variable, else every core. Natively the matrix products are
   * split by output columns and attention by sequence and head, so results are the same bit for
   * bit at every count. The wasm build has no threads and runs on 1 (modelInfo().threads says).
   */
  threads?: number;
  /**
   * Weights precision. `'fp32'` (default): float32 throughout. `'q8'`: the model's float32 weights
   * quantized at load to int8 (every Linear layer per output channel in 7 bits, the word
   * embeddings per row), activations quantized per token at run time (so a text's embedding does
   * not depend on the rest of its batch) and multiplied in integers (AVX-512 VNNI, AVX2, wasm
   * SIMD128 dot products): about a quarter of the memory, faster, embeddings within cosine 0.99
   * of fp32's. modelInfo().dtype says which runs.
   */
  dtype?: 'fp32' | 'q8';
}

/** How {@link EmbeddingsModule.chunk} (and SemanticMemory's `chunk` option) splits a text. */
export interface ChunkOptions {
  /** Most tokens a piece holds, special tokens included (default and most: the model's maxTokens). */
  tokens?: number;
  /**
   * Tokens consecutive pieces may share (whole words at most this many; default 0), so a
   * sentence cut at a boundary is whole in one of them. Less than a piece's content.
   */
  overlap?: number;
}

/** What a loaded model is, where it came from and how it runs: never a guess. */
export interface EmbeddingModelInfo {
  /** Model id (Hub id, folder name, URL, or the bundle's recorded id). */
  modelId: string;
  /** Hub revision or the bundle's recorded one; null when unknown. */
  revision: string | null;
  /** SHA-256 over the model's files (one id for its exact content). */
  contentSha256: string;
  /** How the model was found. */
  source: ModelProvenance;
  /** Length of every embedding. */
  dimensions: number;
  /** Most tokens per text, special tokens included, and which rule set it. */
  maxTokens: number;
  maxTokensSource: 'option' | 'sentence_bert_config' | 'tokenizer' | 'max_position_embeddings';
  pooling: 'mean' | 'cls';
  normalize: boolean;
  /** The end cut off a text longer than maxTokens. */
  truncation: 'left' | 'right';
  /** Threads an embedding call runs on (see LoadModelOptions.threads). */
  threads: number;
  /** Weights precision (see LoadModelOptions.dtype). */
  dtype: 'fp32' | 'q8';
  /** Bytes of weights the loaded model holds (packed or quantized; to the KiB). */
  weightBytes: number;
  /**
   * Of weightBytes, the bytes that lie where the model file's own bytes were (to the KiB): the
   * wasm backend hands the file to the core, which packs the weights in place of it instead of
   * beside it, so the heap (which never shrinks) holds about one copy of the weights: float32 from
   * a float32 file, q8 from an int8 one (`weights: 'onnx-quantized'`). 0 natively (the file is
   * read, then let go) and otherwise (q8 from a float32 file: from model.safetensors the wasm
   * backend never copies the file into the heap, it is read from JS memory in pieces).
   */
  weightBytesInFile: number;
  /** Which weights file was loaded (`onnx-quantized`: onnx/model_quantized.onnx). */
  weights: 'onnx' | 'safetensors' | 'onnx-quantized';
  layers: number;
  heads: number;
  vocabSize: number;
  /** The backend computing the embeddings. */
  backend: BackendName;
}

/** Token ids of a text (or pair) as the model sees them. */
export interface Tokenized {
  ids: number[];
  typeIds: number[];
}

/** ADR-006 `embeddings` module: text to vectors with a BERT-family model. */
export interface EmbeddingsModule {
  /**
   * Loads a model from a folder path, an http(s) URL of a folder, a Hugging Face id (or the ADR's
   * short names such as `minilm-l6-v2`), or the bytes of a bundle (`ruvector pack-model`).
   * Asynchronous (files are read or fetched; natively the weights are packed off the JS thread).
   */
  loadModel(source: ModelSource, options?: LoadModelOptions): Promise<EmbeddingModelHandle>;
  /** The embedding of one text (runs on the calling thread). */
  embed(handle: EmbeddingModelHandle, text: string): Float32Array;
  /** The embeddings of several texts, in order: one forward pass, each independent of the others. */
  embedBatch(handle: EmbeddingModelHandle, texts: string[]): Float32Array[];
  /** `embed` off the JS thread where the backend can (native). */
  embedAsync(handle: EmbeddingModelHandle, text: string): Promise<Float32Array>;
  /** `embedBatch` off the JS thread where the backend can (native). */
  embedBatchAsync(handle: EmbeddingModelHandle, texts: string[]): Promise<Float32Array[]>;
  /** Token ids of a text or a pair, truncated to the model's max tokens. */
  tokenize(handle: EmbeddingModelHandle, text: string, pair?: string): Tokenized;
  /**
   * A text too long for the model's window as overlapping pieces that each fit it, cut at
   * whitespace (each piece is a span of `text`, its words as written): see {@link ChunkOptions}.
   * No piece for a text of whitespace only; one, the text trimmed, when it fits whole.
   */
  chunk(handle: EmbeddingModelHandle, text: string, options?: ChunkOptions): string[];
  /**
   * last_hidden_state of token sequences (for checks against reference runtimes): one
   * Float32Array (tokens x dimensions) per sequence. typeIds default to zeros.
   */
  hiddenStates(
    handle: EmbeddingModelHandle,
    sequences: ReadonlyArray<readonly number[]>,
    typeIds?: ReadonlyArray<readonly number[]>,
  ): Float32Array[];
  /** What the model is and how it runs. */
  modelInfo(handle: EmbeddingModelHandle): EmbeddingModelInfo;
  /** Releases the model; later calls with the handle throw NOT_INITIALIZED. Idempotent. */
  unloadModel(handle: EmbeddingModelHandle): void;
}
