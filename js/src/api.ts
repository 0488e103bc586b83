/**
 * Everything public that both entry points share (index.ts for Node, index.web.ts for browsers,
 * workers and Deno). The entry points differ only in the backends they register.
 */
export { RuVectorError, type RuVectorErrorCode } from './errors.js';
export type {
  BackendName,
  DistanceMetric,
  HnswConfig,
  HnswSearchOptions,
  HnswStorage,
  IndexStats,
  QuantizationConfig,
  QuantizationType,
  SearchResult,
  VectorBuffer,
  VectorOps,
} from './types.js';
export type { BackendKernels, BackendLoader, BackendLoadOptions, MetricId, QuantParams, QuantTypeId } from './backend.js';
export {
  RuVectorRuntime,
  type BackendAttempt,
  type BackendChoice,
  type RuntimeDescription,
  type RuntimeLogger,
  type RuntimeOptions,
} from './runtime.js';
export type { BackendRegistration } from './registry.js';
export type {
  EmbeddingModelHandle,
  EmbeddingsModule,
  FisherMatrix,
  HnswEntry,
  HnswIndexHandle,
  HnswModule,
  LearningModule,
  LoRAConfig,
  LoRAWeights,
  ModelWeights,
  PatternHandle,
  PatternMatch,
  Trajectory,
  WasmModules,
} from './modules.js';
export { DISTANCE_METRICS, QUANTIZATION_TYPES } from './vector-ops.js';
export { HNSW_STORAGES } from './hnsw-module.js';
export { MemoryPool, type MemoryPoolOptions, type PoolStats } from './memory-pool.js';
export { WasmHnswIndex, type RuntimeBinding } from './hnsw.js';
export { WasmEmbedder, type EmbedderConfig } from './embedder.js';
export { VERSION } from './version.js';
