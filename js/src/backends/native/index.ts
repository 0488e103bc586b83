/**
 * The native backend: the Node-API addon `ruvector_native.node` (bindings/node), a thin layer over
 * the C ABI. Inputs cross without copies (the addon reads the typed arrays in place); outputs are
 * allocated here in JS and filled by the addon. A failing C ABI call throws an Error carrying
 * `ruvStatus`, which becomes a RuVectorError with the code of CAPI_STATUS_CODES.
 *
 * Node-only: this module imports nothing from Node at load time, so importing it elsewhere is
 * harmless; `load` reports why it cannot run.
 */
import type { BackendKernels, BackendLoader, BackendLoadOptions, MetricId, QuantParams } from '../../backend.js';
import { CAPI_STATUS_CODES, RuVectorError } from '../../errors.js';

/** The C ABI version this adapter speaks (ruv_abi_version()). */
const EXPECTED_ABI_VERSION = 1;

/** What bindings/node exports; argument order follows core/capi/ruv_capi.h. */
interface NativeAddon {
  abiVersion(): number;
  simdTarget(): string;
  noop(): void;
  distance(a: Float32Array, b: Float32Array, metric: number): number;
  batchDistance(query: Float32Array, vectors: Float32Array, count: number, metric: number, out: Float32Array): void;
  normalize(v: Float32Array, out: Float32Array): void;
  quantizedSize(type: number, hasRange: boolean, dim: number): number;
  quantize(v: Float32Array, type: number, hasRange: boolean, min: number, max: number, out: Uint8Array): void;
  /** The element count is out.length. */
  dequantize(codes: Uint8Array, type: number, hasRange: boolean, min: number, max: number, out: Float32Array): void;
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
}

/** Turns the addon's status errors into RuVectorError; other errors pass through. */
function rethrow(error: unknown): never {
  const status = (error as { ruvStatus?: unknown } | null)?.ruvStatus;
  if (typeof status === 'number') {
    throw new RuVectorError(CAPI_STATUS_CODES[status] ?? 'INTERNAL', (error as Error).message);
  }
  throw error;
}

function unavailable(reason: string, cause?: unknown): RuVectorError {
  return new RuVectorError('BACKEND_UNAVAILABLE', `native backend unavailable: ${reason}`, { cause });
}

/** Path of the addon: explicit option, then RUVECTOR_NATIVE_PATH, then dist/native/ in this package. */
async function addonPath(options: BackendLoadOptions): Promise<string> {
  if (options.nativePath !== undefined) return options.nativePath;
  const fromEnv = process.env['RUVECTOR_NATIVE_PATH'];
  if (fromEnv) return fromEnv;
  const { fileURLToPath } = await import('node:url');
  return fileURLToPath(new URL('../../native/ruvector_native.node', import.meta.url));
}

async function loadAddon(options: BackendLoadOptions): Promise<NativeAddon> {
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

function createKernels(addon: NativeAddon): BackendKernels {
  return {
    name: 'native',
    simdTarget: addon.simdTarget(),

    distance(a: Float32Array, b: Float32Array, metric: MetricId): number {
      try {
        return addon.distance(a, b, metric);
      } catch (error) {
        rethrow(error);
      }
    },

    batchDistance(query: Float32Array, vectors: Float32Array, count: number, metric: MetricId): Float32Array {
      const out = new Float32Array(count);
      try {
        addon.batchDistance(query, vectors, count, metric, out);
      } catch (error) {
        rethrow(error);
      }
      return out;
    },

    normalize(v: Float32Array): Float32Array {
      const out = new Float32Array(v.length);
      try {
        addon.normalize(v, out);
      } catch (error) {
        rethrow(error);
      }
      return out;
    },

    quantizedSize(params: QuantParams, dim: number): number {
      return addon.quantizedSize(params.type, params.hasRange, dim);
    },

    quantize(v: Float32Array, params: QuantParams): Uint8Array {
      const out = new Uint8Array(addon.quantizedSize(params.type, params.hasRange, v.length));
      try {
        addon.quantize(v, params.type, params.hasRange, params.min, params.max, out);
      } catch (error) {
        rethrow(error);
      }
      return out;
    },

    dequantize(codes: Uint8Array, dim: number, params: QuantParams): Float32Array {
      const out = new Float32Array(dim);
      try {
        addon.dequantize(codes, params.type, params.hasRange, params.min, params.max, out);
      } catch (error) {
        rethrow(error);
      }
      return out;
    },

    quantizedDistance(a: Uint8Array, b: Uint8Array, dim: number, params: QuantParams, metric: MetricId): number {
      try {
        return addon.quantizedDistance(a, b, dim, params.type, params.hasRange, params.min, params.max, metric);
      } catch (error) {
        rethrow(error);
      }
    },

    hammingDistance(a: Uint8Array, b: Uint8Array): number {
      try {
        return addon.hammingDistance(a, b);
      } catch (error) {
        rethrow(error);
      }
    },

    noop(): void {
      addon.noop();
    },
  };
}

/** Loads the Node-API addon; throws RuVectorError('BACKEND_UNAVAILABLE') saying why it cannot. */
export const load: BackendLoader = async (options) => createKernels(await loadAddon(options));
