/**
 * The contract between the public API and a backend. Arguments reaching a backend are already
 * validated by vector-ops.ts (types, lengths, metric, config), so a backend only computes.
 * A backend may still report data-dependent failures by throwing RuVectorError (e.g. NON_FINITE
 * from quantize), with the codes of errors.ts.
 */
import type { BackendName, VectorBuffer } from './types.js';

/** Metric as the C ABI numbers it (ruv_metric). */
export const enum MetricId {
  Cosine = 0,
  Euclidean = 1,
  DotProduct = 2,
}

/** Quantization type as the C ABI numbers it (ruv_quant_type). */
export const enum QuantTypeId {
  Scalar = 0,
  Int4 = 1,
  Binary = 2,
}

/** A validated quantization config in C ABI terms. */
export interface QuantParams {
  type: QuantTypeId;
  /** True when min/max are fixed by the caller (no range stored with the codes). */
  hasRange: boolean;
  min: number;
  max: number;
}

/** Compute kernels of one backend; all inputs already validated. */
export interface BackendKernels {
  readonly name: BackendName;
  /** SIMD target in use, e.g. 'AVX3_ZEN4', 'AVX2', 'WASM_SIMD128', or 'none' for JS. */
  readonly simdTarget: string;
  distance(a: Float32Array, b: Float32Array, metric: MetricId): number;
  /** `vectors` is flat row-major count x dim; returns `count` distances. */
  batchDistance(query: Float32Array, vectors: Float32Array, count: number, metric: MetricId): Float32Array;
  /**
   * Optional: distances from `query` to each of `rows` (at least one row, each a Float32Array of
   * query.length; checked by vector-ops). Lets a backend read rows where they are, or copy them
   * straight into its own memory, instead of vector-ops first flattening them into one array for
   * `batchDistance`. Must give the same values as `batchDistance` on the flattened rows.
   */
  batchDistanceRows?(query: Float32Array, rows: readonly Float32Array[], metric: MetricId): Float32Array;
  normalize(v: Float32Array): Float32Array;
  quantizedSize(params: QuantParams, dim: number): number;
  /** Throws RuVectorError('NON_FINITE') when v holds NaN or +-Infinity. */
  quantize(v: Float32Array, params: QuantParams): Uint8Array;
  /** Throws RuVectorError('CORRUPT_DATA') when a stored range is not finite or min > max. */
  dequantize(codes: Uint8Array, dim: number, params: QuantParams): Float32Array;
  quantizedDistance(a: Uint8Array, b: Uint8Array, dim: number, params: QuantParams, metric: MetricId): number;
  hammingDistance(a: Uint8Array, b: Uint8Array): number;
  /**
   * Memory the backend reads without a copy (wasm: on its heap). Optional: the runtime hands out
   * ordinary Float32Arrays for backends that read JS memory directly. `length` is validated.
   */
  allocateFloat32?(length: number): VectorBuffer;
  /** A call that does nothing, to measure the cost of crossing the boundary. */
  noop(): void;
  /** Releases backend resources (wasm heap scratch, ...). */
  dispose?(): void;
}

/** Where a backend finds its compiled artifacts; every field is optional. */
export interface BackendLoadOptions {
  /** Path of the Node-API addon (default: dist/native/ruvector_native.node in this package). */
  nativePath?: string;
  /** A precompiled WebAssembly.Module (Cloudflare Workers cannot compile bytes at run time). */
  wasmModule?: WebAssembly.Module;
  /** The .wasm bytes, when the caller already has them. */
  wasmBinary?: ArrayBuffer | Uint8Array;
  /** URL or path of the .wasm file (default: dist/wasm/ruvector_wasm.wasm in this package). */
  wasmUrl?: string | URL;
}

/** Loads one backend or throws (with the reason) when it cannot run here. */
export type BackendLoader = (options: BackendLoadOptions) => Promise<BackendKernels>;
