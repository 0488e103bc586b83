/**
 * The public `vectorOps` over any backend. Arguments are checked first (checks.ts: the ONE place,
 * so every backend gives the same error code and the same message for the same bad input);
 * backends only compute (backend.ts).
 *
 * Non-finite input is found without scanning inputs on the common path: distance, batchDistance
 * and normalize check their results (one value, one per row, or the normalized copy), and only
 * when one is NaN or +-Infinity scan the inputs to name the culprit. If every input is finite the
 * result stands (float32 overflow is an answer, not an error). quantize and dequantize leave the
 * detection to the backend (the core reports it) and rebuild the message here, so it does not
 * depend on the backend.
 */
import { QuantTypeId, type BackendKernels } from '../backend.js';
import { fail, typeName } from '../check.js';
import {
  blameInputs,
  bytesArg,
  checkRows,
  codesDimension,
  corruptRange,
  firstNonFinite,
  float32Arg,
  isError,
  metricArg,
  nonFiniteIn,
  quantConfigArg,
  sameLength,
} from './checks.js';
import { headerBytes, isValidRange } from './quant-layout.js';
import type { VectorOps } from './types.js';

/** batchDistance copies Float32Array[] into one reused buffer up to this many floats (16 MiB). */
const MAX_SCRATCH_FLOATS = 4 * 1024 * 1024;

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
      if (scratch.length < total)
        scratch = new Float32Array(Math.min(MAX_SCRATCH_FLOATS, Math.max(total, scratch.length * 2)));
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
        throw fail(
          'INVALID_ARGUMENT',
          fn,
          `vectors must be a Float32Array[] or a flat Float32Array (got ${typeName(vectors)})`,
        );
      }
      if (!isList && vectors.length % dim !== 0) {
        throw fail(
          'DIMENSION_MISMATCH',
          fn,
          `vectors has ${vectors.length} elements, which is not a multiple of query's ${dim}`,
        );
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
            : fail(
                'NON_FINITE',
                fn,
                `vectors contains a non-finite value at index ${r * dim + i} (row ${r}, element ${i})`,
              );
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
        throw fail(
          'DIMENSION_MISMATCH',
          fn,
          `config.dimensions is ${checked.dimensions} but vector has ${vector.length} elements`,
        );
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
            throw fail(
              'INVALID_ARGUMENT',
              fn,
              `vector's value range overflows float32 (min ${min}, max ${max}); give a fixed config.min/config.max`,
              e,
            );
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
