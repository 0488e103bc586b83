/** Public types of the `embeddings` module (ADR-006). */

declare const handleKind: unique symbol;

/** Opaque handle of a loaded embedding model owned by a backend. */
export interface EmbeddingModelHandle {
  readonly [handleKind]: 'EmbeddingModel';
}


/** ADR-006 `embeddings` module: text to vectors with a BERT-family model. */
export interface EmbeddingsModule {
  /** Loads a model from a path/URL or from its bytes. */
  loadModel(model: string | Uint8Array): EmbeddingModelHandle;
  /** The (mean-pooled, L2-normalised) embedding of one text. */
  embed(handle: EmbeddingModelHandle, text: string): Float32Array;
  /** The embeddings of several texts, in order. */
  embedBatch(handle: EmbeddingModelHandle, texts: string[]): Float32Array[];
  /** Releases the model; the handle must not be used afterwards. */
  unloadModel(handle: EmbeddingModelHandle): void;
}
