/**
 * Byte layout of quantized codes (core/include/ruv/quant.h), shared by the argument checks in
 * vector-ops/checks.ts and the js-fallback kernels so both compute sizes one way.
 */
import { QuantTypeId, type QuantParams } from '../backend.js';

/** Bytes of the per-vector range header: two little-endian float32 (min, max). */
export const RANGE_HEADER_BYTES = 8;

/** Largest code of an affine type: 255 (scalar) or 15 (int4). Binary has no levels. */
export function quantLevels(type: QuantTypeId): number {
  return type === QuantTypeId.Scalar ? 255 : 15;
}

/** Bytes in front of the codes: the range header when the range is stored per vector. */
export function headerBytes(params: QuantParams): number {
  return params.type !== QuantTypeId.Binary && !params.hasRange ? RANGE_HEADER_BYTES : 0;
}

/** Bytes of the codes alone (without header) for `dim` values. */
export function codeBytes(type: QuantTypeId, dim: number): number {
  switch (type) {
    case QuantTypeId.Scalar:
      return dim;
    case QuantTypeId.Int4:
      return Math.ceil(dim / 2);
    case QuantTypeId.Binary:
      return Math.ceil(dim / 8);
  }
}

/** Total bytes `quantize` writes for a vector of `dim` values (ruv::QuantizedSize). */
export function quantizedByteLength(params: QuantParams, dim: number): number {
  return headerBytes(params) + codeBytes(params.type, dim);
}

/**
 * A usable affine range (the core's quant::IsValidRange): finite ends, min <= max, and a width
 * max - min that is finite in float32. A stored range that fails this is corrupt data.
 */
export function isValidRange(min: number, max: number): boolean {
  return (
    Number.isFinite(min) && Number.isFinite(max) && min <= max && Number.isFinite(Math.fround(max - min))
  );
}
