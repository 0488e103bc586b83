/**
 * ADR-006 `embeddings` module. Not available yet: every function throws UNSUPPORTED (the model
 * loaders and the BERT kernels land next, behind the same EmbeddingsModule interface).
 */
import { notImplementedYet } from '../stand-in.js';
import type { EmbeddingsModule } from './types.js';

const EMBEDDINGS_FUNCTIONS: ReadonlyArray<keyof EmbeddingsModule> = ['loadModel', 'embed', 'embedBatch', 'unloadModel'];

/** The embeddings module of this version: every call throws UNSUPPORTED. */
export function createEmbeddingsModule(): EmbeddingsModule {
  return notImplementedYet<EmbeddingsModule>('embeddings', 'embeddings', EMBEDDINGS_FUNCTIONS);
}
