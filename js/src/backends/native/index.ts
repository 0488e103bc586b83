/**
 * The native backend: the Node-API addon `ruvector_native.node` (bindings/node), a thin layer over
 * the C ABI. Inputs cross without copies (the addon reads the typed arrays in place); outputs are
 * allocated here in JS and filled by the addon. A failing C ABI call throws an Error carrying
 * `ruvStatus`, which becomes a RuVectorError with the code of CAPI_STATUS_CODES.
 *
 * Node-only: this module imports nothing from Node at load time, so importing it elsewhere is
 * harmless; `load` reports why it cannot run.
 */
import type {
  BackendKernels,
  BackendLoader,
  BackendLoadOptions,
  HnswBackendIndex,
  HnswFilterSpec,
  HnswHits,
  HnswKernels,
  HnswParams,
  MetricId,
  QuantParams,
} from '../../backend.js';
import { backendUnavailable, RuVectorError } from '../../errors.js';
import { decodeHits, decodeStats, readUtf8 } from '../../hnsw/codec.js';
import { createEmbedKernels, type NativeEmbedAddon } from './embed.js';
import { createLearnKernels, type NativeLearnAddon } from './learn.js';
import { createMemoryKernels, type NativeMemoryAddon } from './memory.js';
import { guarded, rethrow } from './status.js';

/** The C ABI version this adapter speaks (ruv_abi_version()). */
const EXPECTED_ABI_VERSION = 2;

/** What bindings/node exports; argument order follows core/capi/ruv_capi.h. */
interface NativeAddon extends NativeEmbedAddon, NativeLearnAddon, NativeMemoryAddon {
  abiVersion(): number;
  simdTarget(): string;
  noop(): void;
  distance(a: Float32Array, b: Float32Array, metric: number): number;
  batchDistance(
    query: Float32Array,
    vectors: Float32Array,
    count: number,
    metric: number,
    out: Float32Array,
  ): void;
  /** Returns how many rows passed; their indices and dots are the first entries of the outputs. */
  dotAbove(
    query: Float32Array,
    vectors: Float32Array,
    count: number,
    threshold: number,
    outIndex: Uint32Array,
    outDot: Float32Array,
  ): number;
  normalize(v: Float32Array, out: Float32Array): void;
  quantizedSize(type: number, hasRange: boolean, dim: number): number;
  quantize(v: Float32Array, type: number, hasRange: boolean, min: number, max: number, out: Uint8Array): void;
  /** The element count is out.length. */
  dequantize(
    codes: Uint8Array,
    type: number,
    hasRange: boolean,
    min: number,
    max: number,
    out: Float32Array,
  ): void;
  quantizedDistance(
    a: Uint8Array,
    b: Uint8Array,
    dim: number,
    type: number,
    hasRange: boolean,
    min: number,
    max: number,
    metric: number,
  ): number;
  hammingDistance(a: Uint8Array, b: Uint8Array): number;
  /** bindings/node/hnsw_binding.cc: `new HnswIndex(bytes)` deserializes. */
  HnswIndex: new (
    ...args:
      | [
          dim: number,
          m: number,
          efConstruction: number,
          efSearch: number,
          metric: number,
          storage: number,
          seed: bigint,
        ]
      | [bytes: Uint8Array]
  ) => NativeHnsw;
  /** Parses and checks the bytes on a libuv worker. */
  deserializeHnswAsync(bytes: Uint8Array): Promise<NativeHnsw>;
}

/** One index of the addon (a ruv_hnsw* with a GC finalizer). Hits and stats come back as the C
 * ABI's bytes, decoded by hnsw/codec.ts. */
interface NativeHnsw {
  insert(id: string, vector: Float32Array): void;
  insertBatch(ids: readonly string[], flat: Float32Array): void;
  insertBatchAsync(ids: readonly string[], flat: Float32Array): Promise<void>;
  search(
    query: Float32Array,
    k: number,
    ef: number,
    allowIds: readonly string[] | null,
    predicate: ((id: string) => boolean) | null,
  ): Uint8Array;
  searchAsync(
    query: Float32Array,
    k: number,
    ef: number,
    allowIds: readonly string[] | null,
  ): Promise<Uint8Array>;
  remove(id: string): boolean;
  contains(id: string): boolean;
  annotation(): Uint8Array;
  setAnnotation(text: string): void;
  /** [packed hits of the ids, next slot] (ruv_hnsw_list_ids). */
  listIds(start: number, max: number): [Uint8Array, number];
  serialize(): Uint8Array;
  serializeAsync(): Promise<Uint8Array>;
  /** The bytes of ruv_hnsw_stats_t. */
  stats(): Uint8Array;
  free(): void;
}

const unavailable = (reason: string, cause?: unknown): RuVectorError =>
  backendUnavailable('native', reason, cause);

/** Path of the addon: explicit option, then RUVECTOR_NATIVE_PATH, then dist/native/ in this package. */
async function addonPath(options: BackendLoadOptions): Promise<string> {
  if (options.nativePath !== undefined) return options.nativePath;
  const fromEnv = process.env['RUVECTOR_NATIVE_PATH'];
  if (fromEnv) return fromEnv;
  const { fileURLToPath } = await import('node:url');
  return fileURLToPath(new URL('../../native/ruvector_native.node', import.meta.url));
}

/** Loads the addon (also for what only it offers outside the kernels: the store lock of memory/disk-store.ts). */
export async function loadNativeAddon(options: BackendLoadOptions): Promise<NativeAddon> {
  if (typeof process === 'undefined' || typeof process.versions?.node !== 'string') {
    throw unavailable('Node-API addons need Node.js (this runtime is not Node)');
  }
  const path = await addonPath(options);
  const { existsSync } = await import('node:fs');
  if (!existsSync(path)) {
    throw unavailable(`addon not found at ${path} (build it with scripts/build-native.sh)`);
  }
  const { createRequire } = await import('node:module');
  let addon: NativeAddon;
  try {
    addon = createRequire(import.meta.url)(path) as NativeAddon;
  } catch (error) {
    throw unavailable(`cannot load ${path}: ${(error as Error).message}`, error);
  }
  const abi = typeof addon.abiVersion === 'function' ? addon.abiVersion() : undefined;
  if (abi !== EXPECTED_ABI_VERSION) {
    throw unavailable(`${path} has C ABI version ${String(abi)}, expected ${EXPECTED_ABI_VERSION}`);
  }
  return addon;
}

/**
 * HnswBackendIndex over the addon's HnswIndex: convert, call, convert back.
 *
 * Async and concurrency (bindings/node/hnsw_binding.cc): insertBatchAsync runs on a libuv worker
 * using every core; several are run one after another in call order. While one is pending, the
 * synchronous methods throw INVALID_ARGUMENT instead of blocking the event loop on the core's
 * write lock for the whole build: await it first. searchAsync runs on a libuv worker too; with a
 * predicate filter it falls back to the synchronous search on this thread (the predicate is a JS
 * function, which only this thread may call) and returns a settled promise. A predicate that
 * throws makes the search throw that exception; a predicate must not call into its own index.
 */
function wrapHnsw(native: NativeHnsw): HnswBackendIndex {
  let freed = false;
  const live = (): NativeHnsw => {
    if (freed) throw new RuVectorError('NOT_INITIALIZED', 'HNSW index was freed');
    return native;
  };
  const allowIds = (filter?: HnswFilterSpec): readonly string[] | null =>
    filter?.kind === 'ids' ? filter.ids : null;
  const predicate = (filter?: HnswFilterSpec): ((id: string) => boolean) | null =>
    filter?.kind === 'predicate' ? filter.allow : null;

  const index: HnswBackendIndex = {
    insert: (id, vector) => guarded(() => live().insert(id, vector)),
    insertBatch: (ids, flat) => guarded(() => live().insertBatch(ids, flat)),
    async insertBatchAsync(ids, flat) {
      try {
        await live().insertBatchAsync(ids, flat);
      } catch (error) {
        rethrow(error);
      }
    },
    search: (query, k, ef, filter) =>
      decodeHits(guarded(() => live().search(query, k, ef, allowIds(filter), predicate(filter)))),
    async searchAsync(
      query: Float32Array,
      k: number,
      ef: number,
      filter?: HnswFilterSpec,
    ): Promise<HnswHits> {
      if (filter?.kind === 'predicate') return index.search(query, k, ef, filter);
      try {
        return decodeHits(await live().searchAsync(query, k, ef, allowIds(filter)));
      } catch (error) {
        rethrow(error);
      }
    },
    remove: (id) => guarded(() => live().remove(id)),
    contains: (id) => guarded(() => live().contains(id)),
    annotation() {
      const bytes = guarded(() => live().annotation());
      return readUtf8(bytes, 0, bytes.length);
    },
    setAnnotation: (text) => guarded(() => live().setAnnotation(text)),
    listIds(start, max) {
      const [bytes, next] = guarded(() => live().listIds(start, max));
      return { ids: decodeHits(bytes).ids, next };
    },
    serialize: () => guarded(() => live().serialize()),
    async serializeAsync() {
      try {
        return await live().serializeAsync();
      } catch (error) {
        rethrow(error);
      }
    },
    stats: () => decodeStats(guarded(() => live().stats())),
    free(): void {
      if (freed) return;
      freed = true;
      // The addon releases the index now, or when its pending async calls settle.
      native.free();
    },
  };
  return index;
}

function createHnswKernels(addon: NativeAddon): HnswKernels {
  return {
    create: (p: HnswParams) =>
      wrapHnsw(
        guarded(
          () =>
            new addon.HnswIndex(p.dimensions, p.m, p.efConstruction, p.efSearch, p.metric, p.storage, p.seed),
        ),
      ),
    deserialize: (bytes: Uint8Array) => wrapHnsw(guarded(() => new addon.HnswIndex(bytes))),
    async deserializeAsync(bytes: Uint8Array) {
      try {
        return wrapHnsw(await addon.deserializeHnswAsync(bytes));
      } catch (error) {
        rethrow(error);
      }
    },
  };
}

function createKernels(addon: NativeAddon): BackendKernels {
  // dotAbove's outputs: room for every row, reused across calls (only the rows that pass are
  // copied out), so a call over 10k rows allocates nothing in proportion to the rows.
  let aboveIndex = new Uint32Array(0);
  let aboveDot = new Float32Array(0);
  return {
    name: 'native',
    simdTarget: addon.simdTarget(),
    distance: (a: Float32Array, b: Float32Array, metric: MetricId) =>
      guarded(() => addon.distance(a, b, metric)),
    batchDistance(query: Float32Array, vectors: Float32Array, count: number, metric: MetricId): Float32Array {
      const out = new Float32Array(count);
      guarded(() => addon.batchDistance(query, vectors, count, metric, out));
      return out;
    },
    dotAbove(query: Float32Array, vectors: Float32Array, count: number, threshold: number) {
      if (aboveIndex.length < count) {
        aboveIndex = new Uint32Array(count);
        aboveDot = new Float32Array(count);
      }
      const found = guarded(() => addon.dotAbove(query, vectors, count, threshold, aboveIndex, aboveDot));
      return { index: aboveIndex.slice(0, found), dot: aboveDot.slice(0, found) };
    },
    normalize(v: Float32Array): Float32Array {
      const out = new Float32Array(v.length);
      guarded(() => addon.normalize(v, out));
      return out;
    },
    quantizedSize: (params: QuantParams, dim: number) =>
      addon.quantizedSize(params.type, params.hasRange, dim),
    quantize(v: Float32Array, params: QuantParams): Uint8Array {
      const out = new Uint8Array(addon.quantizedSize(params.type, params.hasRange, v.length));
      guarded(() => addon.quantize(v, params.type, params.hasRange, params.min, params.max, out));
      return out;
    },
    dequantize(codes: Uint8Array, dim: number, params: QuantParams): Float32Array {
      const out = new Float32Array(dim);
      guarded(() => addon.dequantize(codes, params.type, params.hasRange, params.min, params.max, out));
      return out;
    },
    quantizedDistance: (a: Uint8Array, b: Uint8Array, dim: number, p: QuantParams, metric: MetricId) =>
      guarded(() => addon.quantizedDistance(a, b, dim, p.type, p.hasRange, p.min, p.max, metric)),
    hammingDistance: (a: Uint8Array, b: Uint8Array) => guarded(() => addon.hammingDistance(a, b)),
    hnsw: createHnswKernels(addon),
    embed: createEmbedKernels(addon),
    learn: createLearnKernels(addon),
    memory: createMemoryKernels(addon),
    noop: () => addon.noop(),
  };
}

/** Loads the Node-API addon; throws RuVectorError('BACKEND_UNAVAILABLE') saying why it cannot. */
export const load: BackendLoader = async (options) => createKernels(await loadNativeAddon(options));
