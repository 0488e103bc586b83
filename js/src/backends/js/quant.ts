/**
 * Scalar twins of the C++ quantization kernels (core/include/ruv/quant.h). Every float32
 * operation of quant.h's formulas is rounded with Math.fround, so the codes are bit-identical to
 * the C++ ones. (A float64 result of +, -, *, / on two float32 values rounds to the same float32
 * as the float32 operation would: 53 >= 2 * 24 + 2, so double rounding is harmless.)
 */
import { MetricId, QuantTypeId, type QuantParams } from '../../backend.js';
import { RuVectorError } from '../../errors.js';
import {
  headerBytes,
  isValidRange,
  quantizedByteLength,
  quantLevels,
} from '../../vector-ops/quant-layout.js';
import { distance } from './distance.js';

const f32 = Math.fround;

function nonFinite(index: number): RuVectorError {
  return new RuVectorError('NON_FINITE', `vector contains a non-finite value at index ${index}`);
}

/**
 * round_half_even(t) clamped to [0, levels]. Clamping first keeps huge values (fixed ranges clamp
 * out-of-range input) away from the parity test. NaN (Inf * 0: a value so far outside a zero-width
 * fixed range that x - min overflows) maps to 0.
 */
function toCode(t: number, levels: number): number {
  if (!(t > 0)) return 0;
  if (t >= levels) return levels;
  const r = Math.round(t); // rounds halves up
  return r - t === 0.5 && (r & 1) === 1 ? r - 1 : r;
}

/** levels / (max - min) in float32; 0 when the range is empty or the scale overflows (core quant::AffineScale). */
function affineScale(min: number, max: number, levels: number): number {
  if (max === min) return 0;
  const scale = f32(levels / f32(max - min));
  return Number.isFinite(scale) ? scale : 0;
}

/** min and max of v (float32 values), throwing NON_FINITE at the first NaN or +-Infinity. */
function finiteRange(v: Float32Array): [number, number] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) throw nonFinite(i);
    if (x < min) min = x;
    if (x > max) max = x;
  }
  return [min, max];
}

function quantizeBinary(v: Float32Array): Uint8Array {
  const out = new Uint8Array(Math.ceil(v.length / 8));
  for (let i = 0; i < v.length; i++) {
    const x = v[i]!;
    if (!Number.isFinite(x)) throw nonFinite(i);
    if (x > 0) out[i >> 3]! |= 1 << (i & 7);
  }
  return out;
}

/** ruv::Quantize. Throws NON_FINITE when v holds NaN or +-Infinity. */
export function quantize(v: Float32Array, params: QuantParams): Uint8Array {
  if (params.type === QuantTypeId.Binary) return quantizeBinary(v);

  const dim = v.length;
  const out = new Uint8Array(quantizedByteLength(params, dim));
  let min: number;
  let max: number;
  if (params.hasRange) {
    min = f32(params.min);
    max = f32(params.max);
    for (let i = 0; i < dim; i++) if (!Number.isFinite(v[i]!)) throw nonFinite(i);
  } else {
    [min, max] = finiteRange(v);
    if (!Number.isFinite(f32(max - min))) {
      throw new RuVectorError('INVALID_ARGUMENT', "vector's value range max - min overflows float32");
    }
    const header = new DataView(out.buffer, out.byteOffset, out.byteLength);
    header.setFloat32(0, min, true);
    header.setFloat32(4, max, true);
  }

  const levels = quantLevels(params.type);
  const scale = affineScale(min, max, levels);
  const base = headerBytes(params);
  if (params.type === QuantTypeId.Scalar) {
    for (let i = 0; i < dim; i++) out[base + i] = toCode(f32(f32(v[i]! - min) * scale), levels);
  } else {
    for (let i = 0; i < dim; i++) {
      const code = toCode(f32(f32(v[i]! - min) * scale), levels);
      out[base + (i >> 1)]! |= (i & 1) === 0 ? code : code << 4;
    }
  }
  return out;
}

/** ruv::Dequantize. Throws CORRUPT_DATA when a stored range is not a valid range (isValidRange). */
export function dequantize(codes: Uint8Array, dim: number, params: QuantParams): Float32Array {
  const out = new Float32Array(dim);
  if (params.type === QuantTypeId.Binary) {
    for (let i = 0; i < dim; i++) out[i] = (codes[i >> 3]! >> (i & 7)) & 1 ? 1 : -1;
    return out;
  }

  let min: number;
  let max: number;
  if (params.hasRange) {
    min = f32(params.min);
    max = f32(params.max);
  } else {
    const header = new DataView(codes.buffer, codes.byteOffset, codes.byteLength);
    min = header.getFloat32(0, true);
    max = header.getFloat32(4, true);
    if (!isValidRange(min, max)) {
      throw new RuVectorError('CORRUPT_DATA', `stored range [${min}, ${max}] is not a valid range`);
    }
  }

  const levels = quantLevels(params.type);
  const step = f32(f32(max - min) / levels);
  const base = headerBytes(params);
  if (params.type === QuantTypeId.Scalar) {
    for (let i = 0; i < dim; i++) out[i] = min + f32(codes[base + i]! * step);
  } else {
    for (let i = 0; i < dim; i++) {
      const byte = codes[base + (i >> 1)]!;
      const code = (i & 1) === 0 ? byte & 0x0f : byte >> 4;
      out[i] = min + f32(code * step);
    }
  }
  return out;
}

/** ruv::QuantizedDistance for scalar / int4: the metric distance of the dequantized vectors. */
export function quantizedDistance(
  a: Uint8Array,
  b: Uint8Array,
  dim: number,
  params: QuantParams,
  metric: MetricId,
): number {
  return distance(dequantize(a, dim, params), dequantize(b, dim, params), metric);
}

const POPCOUNT = new Uint8Array(256);
for (let i = 1; i < 256; i++) POPCOUNT[i] = (i & 1) + POPCOUNT[i >> 1]!;

/** ruv::HammingDistance: differing bits of two equally long codes. */
export function hammingDistance(a: Uint8Array, b: Uint8Array): number {
  let bits = 0;
  for (let i = 0; i < a.length; i++) bits += POPCOUNT[a[i]! ^ b[i]!]!;
  return bits;
}
