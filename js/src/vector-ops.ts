/**
 * The public `vectorOps` over any backend. This is the ONE place that checks arguments, so every
 * backend gives the same error code and the same message for the same bad input; backends only
 * compute (backend.ts).
 *
 * Non-finite input is found without scanning inputs on the common path: distance, batchDistance
 * and normalize check their results (one value, one per row, or the normalized copy), and only
 * when one is NaN or +-Infinity scan the inputs to name the culprit. If every input is finite the result stands (float32 overflow is an answer,
 * not an error). quantize and dequantize leave the detection to the backend (the core reports it)
 * and rebuild the message here, so it does not depend on the backend.
 */
import { MetricId, QuantTypeId, type BackendKernels, type QuantParams } from './backend.js';
import { RuVectorError, type RuVectorErrorCode } from './errors.js';
import { codeBytes, headerBytes, isValidRange, RANGE_HEADER_BYTES } from './quant-layout.js';
import type { DistanceMetric, VectorOps } from './types.js';

/** Metric names accepted by every function, in the order error messages list them. */
export const DISTANCE_METRICS: readonly DistanceMetric[] = Object.freeze(['cosine', 'euclidean', 'dot_product']);

/** Quantization types that are implemented, in the order error messages list them. */
export const QUANTIZATION_TYPES: readonly string[] = Object.freeze(['scalar', 'int4', 'binary']);

const CONFIG_KEYS: readonly string[] = ['type', 'min', 'max', 'dimensions'];

/** batchDistance copies Float32Array[] into one reused buffer up to this many floats (16 MiB). */
const MAX_SCRATCH_FLOATS = 4 * 1024 * 1024;

const quoteList = (items: readonly string[]) => items.map((s) => `'${s}'`).join(', ');

function fail(code: RuVectorErrorCode, fn: string, message: string, cause?: unknown): RuVectorError {
  return new RuVectorError(code, `${fn}: ${message}`, cause === undefined ? undefined : { cause });
}

/** Short, stable description of a value's type for messages: 'Array', 'Float64Array', 'null'. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object' || typeof value === 'function') {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'object';
  }
  return typeof value;
}

/** A value as it appears in a message: strings quoted, other primitives as written, else a type. */
function show(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint' || value === undefined) {
    return String(value);
  }
  if (typeof value === 'symbol') return value.toString();
  return typeName(value);
}

function float32Arg(fn: string, name: string, value: unknown): Float32Array {
  if (!(value instanceof Float32Array)) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a Float32Array (got ${typeName(value)})`);
  }
  if (value.length === 0) throw fail('INVALID_ARGUMENT', fn, `${name} is empty`);
  return value;
}

function bytesArg(fn: string, name: string, value: unknown): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a Uint8Array (got ${typeName(value)})`);
  }
  if (value.length === 0) throw fail('INVALID_ARGUMENT', fn, `${name} is empty`);
  return value;
}

function metricArg(fn: string, metric: unknown): MetricId {
  switch (metric) {
    case 'cosine':
      return MetricId.Cosine;
    case 'euclidean':
      return MetricId.Euclidean;
    case 'dot_product':
      return MetricId.DotProduct;
    default:
      throw fail('INVALID_ARGUMENT', fn, `unknown metric ${show(metric)} (expected one of ${quoteList(DISTANCE_METRICS)})`);
  }
}

function sameLength(fn: string, aName: string, a: ArrayLike<unknown>, bName: string, b: ArrayLike<unknown>, unit: string): void {
  if (a.length !== b.length) {
    throw fail('DIMENSION_MISMATCH', fn, `${aName} has ${a.length} ${unit} but ${bName} has ${b.length}`);
  }
}

/** Index of the first NaN or +-Infinity in v, or -1. */
function firstNonFinite(v: Float32Array, start = 0, end = v.length): number {
  for (let i = start; i < end; i++) if (!Number.isFinite(v[i]!)) return i - start;
  return -1;
}

function nonFiniteIn(fn: string, name: string, index: number): RuVectorError {
  return fail('NON_FINITE', fn, `${name} contains a non-finite value at index ${index}`);
}

/** Throws NON_FINITE naming the first of `inputs` that holds a non-finite value, if any does. */
function blameInputs(fn: string, inputs: ReadonlyArray<readonly [string, Float32Array]>): void {
  for (const [name, v] of inputs) {
    const i = firstNonFinite(v);
    if (i >= 0) throw nonFiniteIn(fn, name, i);
  }
}

/** A config checked and turned into C ABI terms, with the declared element count if any. */
interface CheckedConfig {
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

function quantConfigArg(fn: string, config: unknown): CheckedConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw fail('INVALID_ARGUMENT', fn, `config must be a QuantizationConfig object (got ${typeName(config)})`);
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
      throw fail('UNSUPPORTED', fn, `product quantization is not implemented yet (supported types: ${quoteList(QUANTIZATION_TYPES)})`);
    default:
      throw fail('INVALID_ARGUMENT', fn, `unknown quantization type ${show(c['type'])} (expected one of ${quoteList(QUANTIZATION_TYPES)})`);
  }
  for (const key of Object.keys(c)) {
    if (!CONFIG_KEYS.includes(key)) {
      throw fail('INVALID_ARGUMENT', fn, `unknown config key '${key}' (allowed: ${CONFIG_KEYS.join(', ')})`);
    }
  }

  const hasMin = c['min'] !== undefined;
  const hasMax = c['max'] !== undefined;
  let min = 0;
  let max = 0;
  if (hasMin || hasMax) {
    if (type === QuantTypeId.Binary) {
      throw fail('INVALID_ARGUMENT', fn, 'config.min and config.max do not apply to binary quantization');
    }
    if (hasMin !== hasMax) throw fail('INVALID_ARGUMENT', fn, 'config.min and config.max must be given together');
    min = rangeBound(fn, 'min', c['min']);
    max = rangeBound(fn, 'max', c['max']);
    if (min > max) throw fail('INVALID_ARGUMENT', fn, `config.min (${min}) is greater than config.max (${max})`);
    if (!isValidRange(Math.fround(min), Math.fround(max))) {
      throw fail('INVALID_ARGUMENT', fn, `config.max - config.min overflows float32 (min ${min}, max ${max})`);
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
  const range = params.type === QuantTypeId.Binary ? '' : params.hasRange ? ' with a fixed range' : ' with a stored range';
  return `${dim} ${TYPE_NAMES[params.type]} values${range}`;
}

/**
 * Element count held by `codes`: config.dimensions when given (the byte count must then match
 * exactly), else inferred from the byte count.
 */
function codesDimension(fn: string, name: string, codes: Uint8Array, checked: CheckedConfig): number {
  const { params, dimensions } = checked;
  const header = headerBytes(params);
  if (dimensions !== undefined) {
    const expected = header + codeBytes(params.type, dimensions);
    if (codes.length !== expected) {
      throw fail('DIMENSION_MISMATCH', fn, `${name} has ${codes.length} bytes, expected ${expected} for ${layoutText(params, dimensions)}`);
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
  return params.type === QuantTypeId.Scalar ? payload : params.type === QuantTypeId.Int4 ? payload * 2 : payload * 8;
}

function isError(e: unknown, code: RuVectorErrorCode): e is RuVectorError {
  return e instanceof RuVectorError && e.code === code;
}

/**
 * Rebuilds a backend's CORRUPT_DATA about a stored range with a message made here from the bytes
 * (naming the argument), so every backend reports it alike. Other errors pass through unchanged.
 */
function corruptRange(fn: string, e: unknown, params: QuantParams, inputs: ReadonlyArray<readonly [string, Uint8Array]>): unknown {
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
function checkRows(fn: string, rows: unknown[], dim: number): asserts rows is Float32Array[] {
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

/**
 * Builds the public {@link VectorOps} over one backend's kernels. The returned functions are
 * plain closures: destructuring them (`const { distance } = vectorOps`) is fine.
 */
export function createVectorOps(kernels: BackendKernels): VectorOps {
  let scratch = new Float32Array(0);

  /** Copies checked rows into one row-major buffer (reused between calls when not too large). */
  function flatten(rows: readonly Float32Array[], dim: number): Float32Array {
    const total = rows.length * dim;
    let flat: Float32Array;
    if (total <= MAX_SCRATCH_FLOATS) {
      if (scratch.length < total) scratch = new Float32Array(Math.min(MAX_SCRATCH_FLOATS, Math.max(total, scratch.length * 2)));
      flat = scratch.subarray(0, total);
    } else {
      flat = new Float32Array(total);
    }
    for (let r = 0; r < rows.length; r++) flat.set(rows[r]!, r * dim);
    return flat;
  }

  const ops: VectorOps = {
    distance(a, b, metric) {
      const fn = 'distance';
      float32Arg(fn, 'a', a);
      float32Arg(fn, 'b', b);
      sameLength(fn, 'a', a, 'b', b, 'elements');
      const m = metricArg(fn, metric);
      const d = kernels.distance(a, b, m);
      if (!Number.isFinite(d)) {
        blameInputs(fn, [
          ['a', a],
          ['b', b],
        ]);
      }
      return d;
    },

    batchDistance(query, vectors, metric) {
      const fn = 'batchDistance';
      float32Arg(fn, 'query', query);
      const dim = query.length;
      const isList = Array.isArray(vectors);
      if (!isList && !(vectors instanceof Float32Array)) {
        throw fail('INVALID_ARGUMENT', fn, `vectors must be a Float32Array[] or a flat Float32Array (got ${typeName(vectors)})`);
      }
      if (!isList && vectors.length % dim !== 0) {
        throw fail('DIMENSION_MISMATCH', fn, `vectors has ${vectors.length} elements, which is not a multiple of query's ${dim}`);
      }
      const m = metricArg(fn, metric);
      const count = isList ? vectors.length : vectors.length / dim;
      if (isList) checkRows(fn, vectors, dim);
      if (count === 0) return new Float32Array(0);

      // A flat array goes to the backend as it is; rows go as they are when the backend can read
      // them there, else they are copied into one flat buffer.
      const out = !isList
        ? kernels.batchDistance(query, vectors, count, m)
        : kernels.batchDistanceRows !== undefined
          ? kernels.batchDistanceRows(query, vectors, m)
          : kernels.batchDistance(query, flatten(vectors, dim), count, m);

      for (let r = 0; r < count; r++) {
        if (Number.isFinite(out[r]!)) continue;
        blameInputs(fn, [['query', query]]);
        const i = isList ? firstNonFinite(vectors[r]!) : firstNonFinite(vectors, r * dim, (r + 1) * dim);
        if (i >= 0) {
          throw isList
            ? nonFiniteIn(fn, `vectors[${r}]`, i)
            : fail('NON_FINITE', fn, `vectors contains a non-finite value at index ${r * dim + i} (row ${r}, element ${i})`);
        }
      }
      return out;
    },

    normalize(vector) {
      const fn = 'normalize';
      float32Arg(fn, 'vector', vector);
      const out = kernels.normalize(vector);
      if (firstNonFinite(out) >= 0) blameInputs(fn, [['vector', vector]]);
      return out;
    },

    quantize(vector, config) {
      const fn = 'quantize';
      float32Arg(fn, 'vector', vector);
      const checked = quantConfigArg(fn, config);
      if (checked.dimensions !== undefined && checked.dimensions !== vector.length) {
        throw fail('DIMENSION_MISMATCH', fn, `config.dimensions is ${checked.dimensions} but vector has ${vector.length} elements`);
      }
      try {
        return kernels.quantize(vector, checked.params);
      } catch (e) {
        if (isError(e, 'NON_FINITE')) {
          const i = firstNonFinite(vector);
          if (i >= 0) throw fail('NON_FINITE', fn, `vector contains a non-finite value at index ${i}`, e);
        }
        if (isError(e, 'INVALID_ARGUMENT') && headerBytes(checked.params) > 0) {
          // The backend found the vector's own range unusable (max - min overflows float32).
          let min = Infinity;
          let max = -Infinity;
          for (let i = 0; i < vector.length; i++) {
            min = Math.min(min, vector[i]!);
            max = Math.max(max, vector[i]!);
          }
          if (!isValidRange(min, max)) {
            throw fail('INVALID_ARGUMENT', fn, `vector's value range overflows float32 (min ${min}, max ${max}); give a fixed config.min/config.max`, e);
          }
        }
        throw e;
      }
    },

    dequantize(quantized, config) {
      const fn = 'dequantize';
      bytesArg(fn, 'quantized', quantized);
      const checked = quantConfigArg(fn, config);
      const dim = codesDimension(fn, 'quantized', quantized, checked);
      try {
        return kernels.dequantize(quantized, dim, checked.params);
      } catch (e) {
        throw corruptRange(fn, e, checked.params, [['quantized', quantized]]);
      }
    },

    quantizedDistance(a, b, config, metric) {
      const fn = 'quantizedDistance';
      bytesArg(fn, 'a', a);
      bytesArg(fn, 'b', b);
      sameLength(fn, 'a', a, 'b', b, 'bytes');
      const checked = quantConfigArg(fn, config);
      if (checked.params.type === QuantTypeId.Binary) {
        throw fail('INVALID_ARGUMENT', fn, 'binary codes have no metric distance; use hammingDistance');
      }
      const m = metricArg(fn, metric);
      const dim = codesDimension(fn, 'a', a, checked);
      try {
        return kernels.quantizedDistance(a, b, dim, checked.params, m);
      } catch (e) {
        throw corruptRange(fn, e, checked.params, [
          ['a', a],
          ['b', b],
        ]);
      }
    },

    hammingDistance(a, b) {
      const fn = 'hammingDistance';
      bytesArg(fn, 'a', a);
      bytesArg(fn, 'b', b);
      sameLength(fn, 'a', a, 'b', b, 'bytes');
      return kernels.hammingDistance(a, b);
    },
  };
  return Object.freeze(ops);
}
