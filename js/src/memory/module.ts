/**
 * The semantic memory as a runtime module: `runtime.getModules().memory.open(options)` opens a
 * {@link SemanticMemory} on that runtime's backend (what `SemanticMemory.open` calls).
 */
import type { BackendKernels } from '../backend.js';
import type { EmbeddingsModule } from '../embeddings/types.js';
import { SemanticMemory } from './semantic-memory.js';
import type { SemanticMemoryOptions } from './types.js';

export interface MemoryModule {
  /** Opens a memory on this runtime (`options.backend` and `options.runtime` do not apply here). */
  open(options?: SemanticMemoryOptions): Promise<SemanticMemory>;
  /** Imports snapshot bytes on this runtime (SemanticMemory.import). */
  import(bytes: Uint8Array, options?: SemanticMemoryOptions): Promise<SemanticMemory>;
}

export function createMemoryModule(kernels: BackendKernels, embeddings: EmbeddingsModule): MemoryModule {
  return Object.freeze({
    open: (options?: SemanticMemoryOptions) =>
      SemanticMemory.openOn(kernels.memory, kernels.name, embeddings, options),
    import: (bytes: Uint8Array, options?: SemanticMemoryOptions) =>
      SemanticMemory.openOn(kernels.memory, kernels.name, embeddings, options, bytes),
  });
}
