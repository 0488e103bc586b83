// vectorOps conformance cases as data, in the manner of ggml's test-backend-ops: each row is an
// operation, its inputs, a reference (a float64 formula, hand-computed bytes, a bit count, or the
// js-fallback's answer) and a tolerance. tests/conformance/vector-ops.test.mjs runs every table on
// every backend; the benchmarks may import the same tables for their inputs.
//
// A case: { op, label, args, want, check, tol?, derive? }
//   op      vectorOps method name                 args   its arguments, or (ops) => arguments
//   want    expected value, or ({ ops, args, ref }) => expected (ref: the js-fallback's vectorOps)
//   check   'close' (one number), 'each' (element-wise close), 'exact' (Object.is element-wise)
//   tol     { rel, abs, scale } of assertClose; scale may be an array (one per element)
//   derive  (result) => the value compared, when the property is of the result (a norm, [0])
import { METRICS, mulberry32, popcount8, randomVector, referenceDistance, SIZES } from './data.mjs';
import { dequantizeByFormat } from './quant-format.mjs';

const f32 = (...xs) => new Float32Array(xs);

/** distance against the float64 definition of each metric, at every awkward size. */
export function distanceCases() {
  const out = [];
  for (const metric of METRICS) {
    for (const n of SIZES) {
      for (const seed of [1, 2, 3]) {
        const rand = mulberry32(seed * 1000 + n);
        const a = randomVector(rand, n);
        const b = randomVector(rand, n);
        const want = referenceDistance(a, b, metric);
        out.push({
          op: 'distance',
          label: `${metric} n=${n} seed=${seed}`,
          args: [a, b, metric],
          want: want.value,
          check: 'close',
          tol: { scale: want.scale },
        });
      }
    }
  }
  return out;
}

/**
 * Magnitudes where float32 partial sums overflow (1e20: squares reach 1e40) or vanish (1e-25:
 * squares reach 1e-50) while the distance itself is an ordinary float32: the float64 definition
 * is the reference (the C++ reference kernel is not, since the product falls back to it there).
 */
export function extremeMagnitudeCases() {
  const out = [];
  for (const scale of [1e20, 1e-25]) {
    for (const n of [3, 97, 384]) {
      const rand = mulberry32(n * 13 + (scale > 1 ? 1 : 2));
      const a = randomVector(rand, n).map((x) => x * scale);
      const b = randomVector(rand, n).map((x) => x * scale);
      for (const metric of ['cosine', 'euclidean']) {
        const want = referenceDistance(a, b, metric).value;
        const label = `${metric} n=${n} at ${scale}`;
        const tol = { rel: 1e-5, abs: 0 };
        out.push(
          { op: 'distance', label, args: [a, b, metric], want, check: 'close', tol },
          {
            op: 'batchDistance',
            label: `batch ${label}`,
            args: [a, [b, a], metric],
            want,
            check: 'close',
            tol,
            derive: (r) => r[0],
          },
        );
      }
    }
  }
  return out;
}

/** distance at the edges of the definitions: zero vectors, identical, opposite, exact sums. */
export function distanceEdgeCases() {
  const a = randomVector(mulberry32(7), 97);
  const zero = new Float32Array(97);
  return [
    {
      op: 'distance',
      label: 'cosine to a zero vector is 1',
      args: [a, zero, 'cosine'],
      want: 1,
      check: 'exact',
    },
    {
      op: 'distance',
      label: 'cosine between zero vectors is 1',
      args: [zero, zero, 'cosine'],
      want: 1,
      check: 'exact',
    },
    { op: 'distance', label: 'euclidean(a, a)', args: [a, a, 'euclidean'], want: 0, check: 'exact' },
    {
      op: 'distance',
      label: 'cosine(a, a)',
      args: [a, a, 'cosine'],
      want: 0,
      check: 'close',
      tol: { abs: 1e-6 },
    },
    {
      op: 'distance',
      label: 'cosine(a, -3a)',
      args: [a, a.map((x) => -3 * x), 'cosine'],
      want: 2,
      check: 'close',
      tol: { abs: 1e-6 },
    },
    {
      op: 'distance',
      label: 'dot_product exact sum',
      args: [f32(1, 2), f32(3, 4), 'dot_product'],
      want: -11,
      check: 'exact',
    },
    {
      op: 'distance',
      label: 'euclidean 3-4-5',
      args: [f32(0, 0), f32(3, 4), 'euclidean'],
      want: 5,
      check: 'exact',
    },
  ];
}

/**
 * batchDistance in both forms (Float32Array[] and flat): each row against the float64 reference,
 * against distance() within 1e-6, and the two forms bit-identical; empty batches give [].
 */
export function batchDistanceCases() {
  const out = [];
  for (const metric of METRICS) {
    for (const dim of [1, 3, 17, 384]) {
      for (const count of [1, 7, 64]) {
        const rand = mulberry32(dim * 131 + count);
        const query = randomVector(rand, dim);
        const rows = Array.from({ length: count }, () => randomVector(rand, dim));
        const flat = new Float32Array(count * dim);
        rows.forEach((r, i) => flat.set(r, i * dim));
        const refs = rows.map((row) => referenceDistance(query, row, metric));
        const scale = refs.map((r) => r.scale);
        const what = `${metric} dim=${dim} count=${count}`;
        out.push(
          {
            op: 'batchDistance',
            label: `${what}: rows vs reference`,
            args: [query, rows, metric],
            want: refs.map((r) => r.value),
            check: 'each',
            tol: { scale },
          },
          {
            op: 'batchDistance',
            label: `${what}: rows vs distance()`,
            args: [query, rows, metric],
            want: ({ ops }) => rows.map((row) => ops.distance(query, row, metric)),
            check: 'each',
            tol: { rel: 1e-6, scale },
          },
          {
            op: 'batchDistance',
            label: `${what}: list vs flat`,
            args: [query, flat, metric],
            want: ({ ops }) => ops.batchDistance(query, rows, metric),
            check: 'exact',
          },
        );
      }
    }
  }
  out.push(
    {
      op: 'batchDistance',
      label: 'no rows (list)',
      args: [f32(1, 2), [], 'cosine'],
      want: new Float32Array(0),
      check: 'exact',
    },
    {
      op: 'batchDistance',
      label: 'no rows (flat)',
      args: [f32(1, 2), new Float32Array(0), 'cosine'],
      want: new Float32Array(0),
      check: 'exact',
    },
  );
  return out;
}

/** normalize: unit length, v / |v| element-wise (float64), zero stays zero. */
export function normalizeCases() {
  const out = [];
  for (const n of SIZES) {
    const v = randomVector(mulberry32(n), n, -5, 5);
    let ref = 0;
    for (let i = 0; i < n; i++) ref += v[i] * v[i];
    const norm = (out_) => Math.sqrt(out_.reduce((s, x) => s + x * x, 0));
    out.push(
      {
        op: 'normalize',
        label: `|normalize(v)| n=${n}`,
        args: [v],
        want: 1,
        check: 'close',
        tol: { rel: 0, abs: 1e-6 },
        derive: norm,
      },
      {
        op: 'normalize',
        label: `n=${n} elements`,
        args: [v],
        want: Array.from(v, (x) => x / Math.sqrt(ref)),
        check: 'each',
        tol: { rel: 1e-6, abs: 1e-7 },
      },
    );
  }
  out.push({
    op: 'normalize',
    label: 'zero vector',
    args: [new Float32Array(5)],
    want: new Float32Array(5),
    check: 'exact',
  });
  return out;
}

/** normalize keeps the direction of tiny and huge vectors (no underflow or overflow inside). */
export function normalizeScaleCases() {
  return [1e-30, 1e-20, 1e30, 5e37].map((scale) => ({
    op: 'normalize',
    label: `scale ${scale}`,
    args: [new Float32Array([3 * scale, 4 * scale].map(Math.fround))],
    want: [0.6, 0.8],
    check: 'each',
    tol: { rel: 1e-6, abs: 0 },
  }));
}

/** Finite inputs whose result overflows float32 give the non-finite result, not an error. */
export function overflowCases() {
  const big = f32(3e38, 3e38);
  return [
    {
      op: 'distance',
      label: 'dot_product overflows to -Infinity',
      args: [big, big, 'dot_product'],
      want: -Infinity,
      check: 'exact',
    },
    {
      op: 'distance',
      label: 'euclidean overflows to Infinity',
      args: [big, f32(-3e38, -3e38), 'euclidean'],
      want: Infinity,
      check: 'exact',
    },
    {
      op: 'batchDistance',
      label: 'batch dot_product row 0 overflows',
      args: [big, [big, f32(1, 1)], 'dot_product'],
      want: -Infinity,
      check: 'exact',
      derive: (r) => r[0],
    },
  ];
}

/** quantize's rounding (half to even), clamping and bit order, as quant.h specifies, by hand. */
export function quantizeExactCases() {
  const perVector = f32(-1, 0, 1);
  const step = Math.fround(2 / 255);
  return [
    {
      op: 'quantize',
      label: 'scalar [0, 255]',
      args: [f32(0, 0.5, 1.5, 2.5, 3.5, 254.5, 255, 300, -3), { type: 'scalar', min: 0, max: 255 }],
      want: new Uint8Array([0, 0, 2, 2, 4, 254, 255, 255, 0]),
      check: 'exact',
    },
    {
      op: 'quantize',
      label: 'int4 [0, 15], low nibble first',
      args: [f32(0.5, 1.5, 2.5, 14.5, 15, 20, -1), { type: 'int4', min: 0, max: 15 }],
      want: new Uint8Array([0x20, 0xe2, 0xff, 0x00]),
      check: 'exact',
    },
    {
      op: 'quantize',
      label: 'binary: bit i % 8 of byte i / 8, set when x > 0',
      args: [f32(1, -1, 0, 0.5, -0, 2, -3, 1e-30, 5), { type: 'binary' }],
      want: new Uint8Array([0xa9, 0x01]),
      check: 'exact',
    },
    // Per-vector range [-1, 1]: scale = fround(255 / 2) = 127.5, so 0 sits exactly on 127.5 -> 128.
    {
      op: 'quantize',
      label: 'scalar per-vector',
      args: [perVector, { type: 'scalar' }],
      want: new Uint8Array([0, 0, 0x80, 0xbf, 0, 0, 0x80, 0x3f, 0, 128, 255]),
      check: 'exact',
    },
    {
      op: 'dequantize',
      label: 'dequantize formula',
      args: [new Uint8Array([0, 0, 0x80, 0xbf, 0, 0, 0x80, 0x3f, 0, 128, 255]), { type: 'scalar' }],
      want: f32(-1, Math.fround(-1 + Math.fround(128 * step)), Math.fround(-1 + Math.fround(255 * step))),
      check: 'exact',
    },
  ];
}

const QUANTIZED_DISTANCE_CONFIGS = [
  { type: 'scalar' },
  { type: 'int4' },
  { type: 'scalar', min: -0.5, max: 0.5 },
  { type: 'int4', min: -0.5, max: 0.5 },
];

/**
 * quantizedDistance equals the float64 distance between the values the codes stand for, and
 * dequantize returns exactly those values: both read against the format (quant-format.mjs), never
 * against the backend's own dequantize.
 */
export function quantizedDistanceCases() {
  const out = [];
  for (const config of QUANTIZED_DISTANCE_CONFIGS) {
    for (const n of [1, 3, 17, 384]) {
      const rand0 = mulberry32(n * 11 + config.type.length);
      const v = randomVector(rand0, n, -0.6, 0.6);
      const dims = { ...config, dimensions: n };
      out.push({
        op: 'dequantize',
        label: `${JSON.stringify(config)} n=${n} values by the format`,
        args: (ops) => [ops.quantize(v, dims), dims],
        want: ({ args }) => dequantizeByFormat(args[0], config, n),
        check: 'exact',
      });
      for (const metric of METRICS) {
        const rand = mulberry32(n * 7 + metric.length);
        const a = randomVector(rand, n, -0.6, 0.6);
        const b = randomVector(rand, n, -0.6, 0.6);
        out.push({
          op: 'quantizedDistance',
          label: `${JSON.stringify(config)} n=${n} ${metric}`,
          args: (ops) => [ops.quantize(a, dims), ops.quantize(b, dims), dims, metric],
          want: ({ args }) =>
            referenceDistance(
              dequantizeByFormat(args[0], config, n),
              dequantizeByFormat(args[1], config, n),
              metric,
            ),
          check: 'close',
          tol: { abs: 1e-5 },
        });
      }
    }
  }
  return out;
}

/** hammingDistance against bits counted one by one. */
export function hammingCases() {
  const out = [];
  for (const n of SIZES) {
    const rand = mulberry32(n + 3);
    const a = new Uint8Array(n).map(() => Math.floor(rand() * 256));
    const b = new Uint8Array(n).map(() => Math.floor(rand() * 256));
    let want = 0;
    for (let i = 0; i < n; i++) want += popcount8(a[i] ^ b[i]);
    out.push(
      { op: 'hammingDistance', label: `n=${n}`, args: [a, b], want, check: 'exact' },
      { op: 'hammingDistance', label: `n=${n} with itself`, args: [a, a], want: 0, check: 'exact' },
      {
        op: 'hammingDistance',
        label: `n=${n} with its complement`,
        args: [a, a.map((x) => ~x & 0xff)],
        want: 8 * n,
        check: 'exact',
      },
    );
  }
  return out;
}

/** native and wasm against the js-fallback within 1e-5 relative (plus an absolute part near 0). */
export function agreesWithJsCases() {
  const out = [];
  for (const n of SIZES) {
    const rand = mulberry32(n * 31);
    const q = randomVector(rand, n);
    const rows = Array.from({ length: 9 }, () => randomVector(rand, n));
    for (const metric of METRICS) {
      const scale = rows.map((row) => referenceDistance(q, row, metric).scale);
      rows.forEach((row, i) => {
        out.push({
          op: 'distance',
          label: `distance ${metric} n=${n} row ${i}`,
          args: [q, row, metric],
          want: ({ ref }) => ref.distance(q, row, metric),
          check: 'close',
          tol: { scale: scale[i] },
        });
      });
      out.push({
        op: 'batchDistance',
        label: `batchDistance ${metric} n=${n}`,
        args: [q, rows, metric],
        want: ({ ref }) => ref.batchDistance(q, rows, metric),
        check: 'each',
        tol: { scale },
      });
      for (const config of [
        { type: 'scalar', dimensions: n },
        { type: 'int4', dimensions: n },
      ]) {
        out.push({
          op: 'quantizedDistance',
          label: `quantizedDistance ${config.type} ${metric} n=${n}`,
          args: (ops) => [ops.quantize(q, config), ops.quantize(rows[0], config), config, metric],
          want: ({ ref, args }) => ref.quantizedDistance(args[0], args[1], config, metric),
          check: 'close',
          tol: { abs: 1e-5, scale: scale[0] },
        });
      }
    }
    out.push({
      op: 'normalize',
      label: `normalize n=${n}`,
      args: [q],
      want: ({ ref }) => ref.normalize(q),
      check: 'each',
      tol: { abs: 1e-7 },
    });
  }
  return out;
}

/** Every table above by the name of the property it checks (the runner's test names). */
export const VECTOR_OPS_TABLES = {
  'distance matches the float64 definition of each metric': distanceCases,
  'distance: definitions at the edges (zero vectors, identical, opposite, exact sums)': distanceEdgeCases,
  'batchDistance: Float32Array[] and flat forms equal per-pair distances': batchDistanceCases,
  'normalize: unit length, same direction, zero stays zero, input untouched': normalizeCases,
  'normalize keeps the direction of tiny and huge vectors': normalizeScaleCases,
  'finite inputs that overflow float32 give the non-finite result, not an error': overflowCases,
  'quantize: rounding half to even, clamping and bit order as quant.h specifies': quantizeExactCases,
  'quantizedDistance equals the distance between the dequantized vectors': quantizedDistanceCases,
  'distance stays accurate at magnitudes 1e20 and 1e-25 (float64 definition)': extremeMagnitudeCases,
  'hammingDistance counts differing bits': hammingCases,
};

/** Cases checked against the js-fallback rather than a formula (run on native and wasm only). */
export const CROSS_BACKEND_TABLES = {
  'agrees with js-fallback within 1e-5 relative': agreesWithJsCases,
};
