/**
 * The embeddings module's model loading: sources (folder, URL, Hub id, bundle), the .ruvmodel
 * bundle, downloads with progress, and ModelCache.
 */
export {
  BUNDLE_ALIGNMENT,
  BUNDLE_MAX_FILES,
  BUNDLE_MAX_META_BYTES,
  BUNDLE_MAX_NAME_BYTES,
  BUNDLE_VERSION,
  bundleNameProblem,
  decodeBundle,
  encodeBundle,
  sha256Hex,
  type BundleFile,
  type BundleMeta,
  type DecodedBundle,
} from './bundle.js';
export {
  downloadModelFiles,
  etagSha256,
  type DownloadedFile,
  type DownloadOptions,
  type FetchLike,
  type ModelLoadProgress,
  type WantedFile,
} from './download.js';
export {
  ModelCache,
  cacheFileName,
  type ModelCacheEntry,
  type ModelCacheLogger,
  type ModelCacheLookup,
  type ModelCacheOptions,
  type ModelCachePersistence,
} from './model-cache.js';
export {
  DEFAULT_MODEL_HOST,
  DEFAULT_PATH_TEMPLATE,
  MODEL_SHORT_NAMES,
  hubFileUrl,
  modelFileList,
  resolveModel,
  resolveModelBundle,
  resolveModelId,
  type ModelProvenance,
  type ModelSource,
  type ResolveModelOptions,
  type ResolvedModel,
  type WeightsChoice,
  WEIGHTS_CHOICES,
  WEIGHTS_CHOICES_TEXT,
} from './sources.js';
