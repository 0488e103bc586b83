/**
 * Argument checks of the `vectorOps` module: types, lengths, metric names and quantization
 * configs, each with the message every backend reports (module.ts calls them before a backend
 * computes anything).
 */
import { MetricId, QuantTypeId, type QuantParams } from '../backend.js';
import { fail, isPlainObject, quoteList, rejectUnknownKeys, show, typeName } from '../check.js';
import { RuVectorError, type RuVectorErrorCode } from '../errors.js';
import { codeBytes, headerBytes, isValidRange, RANGE_HEADER_BYTES } from './quant-layout.js';
import type { DistanceMetric } from './types.js';

/** Metric names accepted by every function, in the order error messages list them. */
export const DISTANCE_METRICS: readonly DistanceMetric[] = Object.freeze([
  'cosine',
  'euclidean',
  'dot_product',
]);

/** Quantization types that are implemented, in the order error messages list them. */
export const QUANTIZATION_TYPES: readonly string[] = Object.freeze(['scalar', 'int4', 'binary']);

const CONFIG_KEYS: readonly string[] = ['type', 'min', 'max', 'dimensions'];

export function float32Arg(fn: string, name: string, value: unknown): Float32Array {
  if (!(value instanceof Float32Array)) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a Float32Array (got ${typeName(value)})`);
  }
  if (value.length === 0) throw fail('INVALID_ARGUMENT', fn, `${name} is empty`);
  return value;
}

export function bytesArg(fn: string, name: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a Uint8Array (got ${typeName(value)})`);
  }
  if (value.length === 0) throw fail('INVALID_ARGUMENT', fn, `${name} is empty`);
  return value;
}

/** A metric name in C ABI terms (ruv_metric). */
export function metricIdOf(metric: DistanceMetric): MetricId {
  return metric === 'cosine'
    ? MetricId.Cosine
    : metric === 'euclidean'
      ? MetricId.Euclidean
      : MetricId.DotProduct;
}

export function metricArg(fn: string, metric: unknown): MetricId {
  if (!DISTANCE_METRICS.includes(metric as DistanceMetric)) {
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `unknown metric ${show(metric)} (expected one of ${quoteList(DISTANCE_METRICS)})`,
    );
  }
  return metricIdOf(metric as DistanceMetric);
}

export function sameLength(
  fn: string,
  aName: string,
  a: ArrayLike<unknown>,
  bName: string,
  b: ArrayLike<unknown>,
  unit: string,
): void {
  if (a.length !== b.length) {
    throw fail('DIMENSION_MISMATCH', fn, `${aName} has ${a.length} ${unit} but ${bName} has ${b.length}`);
  }
}

/** Index of the first NaN or +-Infinity in v, or -1. */
export function firstNonFinite(v: Float32Array, start = 0, end = v.length): number {
  for (let i = start; i < end; i++) if (!Number.isFinite(v[i]!)) return i - start;
  return -1;
}

export function nonFiniteIn(fn: string, name: string, index: number): RuVectorError {
  return fail('NON_FINITE', fn, `${name} contains a non-finite value at index ${index}`);
}

/** Throws NON_FINITE naming the first of `inputs` that holds a non-finite value, if any does. */
export function blameInputs(fn: string, inputs: ReadonlyArray<readonly [string, Float32Array]>): void {
  for (const [name, v] of inputs) {
    const i = firstNonFinite(v);
    if (i >= 0) throw nonFiniteIn(fn, name, i);
  }
}

/** A config checked and turned into C ABI terms, with the declared element count if any. */
export interface CheckedConfig {
  params: QuantParams;
  dimensions: number | undefined;
}

function rangeBound(fn: string, key: 'min' | 'max', value: unknown): number {
  if (typeof value !== 'number') {
    throw fail('INVALID_ARGUMENT', fn, `config.${key} must be a number (got ${typeName(value)})`);
  }
  if (!Number.isFinite(value) || !Number.isFinite(Math.fround(value))) {
    throw fail('INVALID_ARGUMENT', fn, `config.${key} must be a finite float32 number (got ${value})`);
  }
  return value;
}

export function quantConfigArg(fn: string, config: unknown): CheckedConfig {
  if (!isPlainObject(config)) {
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `config must be a QuantizationConfig object (got ${typeName(config)})`,
    );
  }
  const c = config as Record<string, unknown>;
  let type: QuantTypeId;
  switch (c['type']) {
    case 'scalar':
      type = QuantTypeId.Scalar;
      break;
    case 'int4':
      type = QuantTypeId.Int4;
      break;
    case 'binary':
      type = QuantTypeId.Binary;
      break;
    case 'product':
      throw fail(
        'UNSUPPORTED',
        fn,
        `product quantization is not implemented yet (supported types: ${quoteList(QUANTIZATION_TYPES)})`,
      );
    default:
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `unknown quantization type ${show(c['type'])} (expected one of ${quoteList(QUANTIZATION_TYPES)})`,
      );
  }
  rejectUnknownKeys(fn, c, CONFIG_KEYS, 'config key');

  const hasMin = c['min'] !== undefined;
  const hasMax = c['max'] !== undefined;
  let min = 0;
  let max = 0;
  if (hasMin || hasMax) {
    if (type === QuantTypeId.Binary) {
      throw fail('INVALID_ARGUMENT', fn, 'config.min and config.max do not apply to binary quantization');
    }
    if (hasMin !== hasMax)
      throw fail('INVALID_ARGUMENT', fn, 'config.min and config.max must be given together');
    min = rangeBound(fn, 'min', c['min']);
    max = rangeBound(fn, 'max', c['max']);
    if (min > max)
      throw fail('INVALID_ARGUMENT', fn, `config.min (${min}) is greater than config.max (${max})`);
    if (!isValidRange(Math.fround(min), Math.fround(max))) {
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `config.max - config.min overflows float32 (min ${min}, max ${max})`,
      );
    }
  }

  let dimensions: number | undefined;
  if (c['dimensions'] !== undefined) {
    const d = c['dimensions'];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d <= 0) {
      throw fail('INVALID_ARGUMENT', fn, `config.dimensions must be a positive integer (got ${show(d)})`);
    }
    dimensions = d;
  }
  return { params: { type, hasRange: hasMin, min, max }, dimensions };
}

const TYPE_NAMES = ['scalar', 'int4', 'binary'] as const;

/** What a code buffer is said to hold, for messages: "12 int4 values with a stored range". */
function layoutText(params: QuantParams, dim: number): string {
  const range =
    params.type === QuantTypeId.Binary
      ? ''
      : params.hasRange
        ? ' with a fixed range'
        : ' with a stored range';
  return `${dim} ${TYPE_NAMES[params.type]} values${range}`;
}

/**
 * Element count held by `codes`: config.dimensions when given (the byte count must then match
 * exactly), else inferred from the byte count.
 */
export function codesDimension(fn: string, name: string, codes: Uint8Array, checked: CheckedConfig): number {
  const { params, dimensions } = checked;
  const header = headerBytes(params);
  if (dimensions !== undefined) {
    const expected = header + codeBytes(params.type, dimensions);
    if (codes.length !== expected) {
      throw fail(
        'DIMENSION_MISMATCH',
        fn,
        `${name} has ${codes.length} bytes, expected ${expected} for ${layoutText(params, dimensions)}`,
      );
    }
    return dimensions;
  }
  if (codes.length <= header) {
    throw fail(
      'DIMENSION_MISMATCH',
      fn,
      `${name} has ${codes.length} bytes, too few for the ${RANGE_HEADER_BYTES}-byte range header and at least one code`,
    );
  }
  const payload = codes.length - header;
  return params.type === QuantTypeId.Scalar
    ? payload
    : params.type === QuantTypeId.Int4
      ? payload * 2
      : payload * 8;
}

export function isError(e: unknown, code: RuVectorErrorCode): e is RuVectorError {
  return e instanceof RuVectorError && e.code === code;
}

/**
 * Rebuilds a backend's CORRUPT_DATA about a stored range with a message made here from the bytes
 * (naming the argument), so every backend reports it alike. Other errors pass through unchanged.
 */
export function corruptRange(
  fn: string,
  e: unknown,
  params: QuantParams,
  inputs: ReadonlyArray<readonly [string, Uint8Array]>,
): unknown {
  if (!isError(e, 'CORRUPT_DATA') || headerBytes(params) === 0) return e;
  for (const [name, codes] of inputs) {
    const view = new DataView(codes.buffer, codes.byteOffset, RANGE_HEADER_BYTES);
    const min = view.getFloat32(0, true);
    const max = view.getFloat32(4, true);
    if (!isValidRange(min, max)) {
      return fail('CORRUPT_DATA', fn, `${name} has a corrupt range header (min ${min}, max ${max})`, e);
    }
  }
  return e;
}

/** Checks that every row is a Float32Array of `dim` elements. */
export function checkRows(fn: string, rows: unknown[], dim: number): asserts rows is Float32Array[] {
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    if (!(row instanceof Float32Array)) {
      throw fail('INVALID_ARGUMENT', fn, `vectors[${r}] must be a Float32Array (got ${typeName(row)})`);
    }
    if (row.length !== dim) {
      throw fail('DIMENSION_MISMATCH', fn, `vectors[${r}] has ${row.length} elements but query has ${dim}`);
    }
  }
}
