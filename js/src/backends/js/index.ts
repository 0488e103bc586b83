/**
 * The js-fallback backend: pure TypeScript, runs wherever JavaScript does. Its kernels are the
 * scalar twins of the C++ ones, so results agree within float rounding and quantized codes are
 * bit-identical.
 */
import type { BackendKernels, BackendLoader, QuantParams } from '../../backend.js';
import { quantizedByteLength } from '../../vector-ops/quant-layout.js';
import { batchDistance, batchDistanceRows, distance, normalize } from './distance.js';
import { jsHnswKernels } from './hnsw/index.js';
import { jsMemoryKernels } from './memory/index.js';
import { dequantize, hammingDistance, quantize, quantizedDistance } from './quant.js';

/** The js-fallback kernels (stateless, so one shared object). */
export const jsKernels: BackendKernels = Object.freeze({
  name: 'js-fallback',
  simdTarget: 'none',
  distance,
  batchDistance,
  batchDistanceRows,
  normalize,
  quantizedSize: (params: QuantParams, dim: number) => quantizedByteLength(params, dim),
  quantize,
  dequantize,
  quantizedDistance,
  hammingDistance,
  hnsw: jsHnswKernels,
  memory: jsMemoryKernels,
  noop: () => {},
});

/** Loads the js-fallback backend; it has no artifacts, so it never fails and ignores the options. */
export const load: BackendLoader = async () => jsKernels;
