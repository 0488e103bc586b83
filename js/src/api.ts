/**
 * Everything public that both entry points share (index.ts for Node, index.web.ts for browsers,
 * workers and Deno). The entry points differ only in the backends they register.
 */
export { RuVectorError, type RuVectorErrorCode } from './errors.js';
export type {
  DistanceMetric,
  QuantizationConfig,
  QuantizationType,
  VectorBuffer,
  VectorOps,
} from './vector-ops/types.js';
export type {
  HnswConfig,
  HnswEntry,
  HnswIndexHandle,
  HnswModule,
  HnswSearchOptions,
  HnswStorage,
  IndexStats,
  SearchResult,
} from './hnsw/types.js';
export type { LearningModule } from './learning/module.js';
export {
  SemanticMemory,
  DEFAULT_MEMORY_MODEL,
  type AddBatchOptions,
  type AddBatchProgress,
  type ReembedOptions,
  type VerifyOptions,
  type VerifyReport,
  type AddOptions,
} from './memory/semantic-memory.js';
export type { MemoryModule } from './memory/module.js';
export type {
  Durability,
  FlushOptions,
  JsonValue as MemoryJsonValue,
  MemoryEntry,
  MemoryHit,
  MemoryInput,
  MemoryMetadata,
  MemorySearchOptions,
  MetadataFilter,
  RecoveryReport,
  SemanticMemoryDescription,
  SemanticMemoryOptions,
} from './memory/types.js';
export type { WasmModules } from './modules.js';
export type {
  BackendKernels,
  BackendLoader,
  BackendLoadOptions,
  BackendName,
  MetricId,
  QuantParams,
  QuantTypeId,
} from './backend.js';
export {
  RuVectorRuntime,
  type BackendAttempt,
  type BackendChoice,
  type RuntimeBinding,
  type RuntimeDescription,
  type RuntimeLogger,
  type RuntimeOptions,
} from './runtime.js';
export type { BackendRegistration } from './registry.js';
export { DISTANCE_METRICS, QUANTIZATION_TYPES } from './vector-ops/checks.js';
export { HNSW_DEFAULTS, HNSW_STORAGES } from './hnsw/checks.js';
export { MemoryPool, type MemoryPoolOptions, type PoolStats } from './memory-pool.js';
export { WasmHnswIndex } from './hnsw/wasm-hnsw-index.js';
export { WasmEmbedder, EMBED_BATCH_CHUNK, type EmbedderConfig } from './embeddings/embedder.js';
export type { ModelProvenanceRecord } from './embeddings/provenance.js';
export type {
  ChunkOptions,
  EmbeddingModelHandle,
  EmbeddingModelInfo,
  EmbeddingsModule,
  LoadModelOptions,
  Tokenized,
} from './embeddings/types.js';
export { VERSION } from './version.js';
// Model sources, bundles and the cache (the embeddings module's loaders).
export {
  ModelCache,
  decodeBundle,
  encodeBundle,
  resolveModel,
  resolveModelBundle,
  resolveModelId,
  hubFileUrl,
  MODEL_SHORT_NAMES,
  DEFAULT_MODEL_HOST,
  DEFAULT_PATH_TEMPLATE,
  BUNDLE_VERSION,
  type BundleFile,
  type BundleMeta,
  type DecodedBundle,
  type FetchLike,
  type ModelCacheEntry,
  type ModelCacheLogger,
  type ModelCacheLookup,
  type ModelCacheOptions,
  type ModelCachePersistence,
  type ModelLoadProgress,
  type ModelProvenance,
  type ModelSource,
  type ResolveModelOptions,
  type ResolvedModel,
  type WeightsChoice,
} from './embeddings/index.js';
