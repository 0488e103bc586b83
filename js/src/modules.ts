/**
 * The module set of ADR-006 (`WasmModules`) over one backend: each module folder builds its own
 * module object from the backend's kernels; this file only assembles them.
 */
import type { BackendKernels } from './backend.js';
import type { EmbeddingsModule } from './embeddings/types.js';
import { createEmbeddingsModule } from './embeddings/module.js';
import { hnswModuleFor } from './hnsw/module.js';
import type { HnswModule } from './hnsw/types.js';
import { createLearningModule, type LearningModule } from './learning/module.js';
import { createMemoryModule, type MemoryModule } from './memory/module.js';
import { createVectorOps } from './vector-ops/module.js';
import type { VectorOps } from './vector-ops/types.js';

/** Everything a runtime offers (ADR-006's `WasmModules`, whatever the backend). */
export interface WasmModules {
  vectorOps: VectorOps;
  hnsw: HnswModule;
  embeddings: EmbeddingsModule;
  learning: LearningModule;
  /** Semantic memory: `SemanticMemory.open` on this runtime. */
  memory: MemoryModule;
}

/** The modules over `kernels`; one that the backend lacks throws UNSUPPORTED. */
export function createModules(kernels: BackendKernels): WasmModules {
  const embeddings = createEmbeddingsModule(kernels.embed, kernels.name);
  return Object.freeze({
    vectorOps: createVectorOps(kernels),
    hnsw: hnswModuleFor(kernels.hnsw, kernels.name),
    embeddings,
    learning: createLearningModule(kernels),
    memory: createMemoryModule(kernels, embeddings),
  });
}
