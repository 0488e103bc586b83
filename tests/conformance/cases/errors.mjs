// Bad inputs and what every backend must answer: the same RuVectorError code and the same message.
// `message` is given where the exact text is part of the contract; otherwise each backend's
// message is compared with the js-fallback's.

const f32 = (...xs) => new Float32Array(xs);

/** n values 0.1, 0.2, ... with `bad` written at `index`. */
function withValue(n, index, bad) {
  const v = new Float32Array(n);
  for (let i = 0; i < n; i++) v[i] = (i + 1) / 10;
  v[index] = bad;
  return v;
}

/** Scalar codes with a stored range header of (min, max) followed by `codes` bytes. */
function scalarCodes(min, max, codes = [0, 128, 255]) {
  const out = new Uint8Array(8 + codes.length);
  const view = new DataView(out.buffer);
  view.setFloat32(0, min, true);
  view.setFloat32(4, max, true);
  out.set(codes, 8);
  return out;
}

const METRIC_LIST = "'cosine', 'euclidean', 'dot_product'";
const TYPE_LIST = "'scalar', 'int4', 'binary'";

export function errorCases() {
  const a3 = f32(1, 2, 3);
  const b3 = f32(3, 2, 1);
  const rows = Array.from({ length: 5 }, (_, r) => withValue(20, 0, r + 1));
  const rowsBad = rows.map((r) => r.slice());
  rowsBad[3][17] = NaN;
  const flatBad = new Float32Array(5 * 20);
  rowsBad.forEach((r, i) => flatBad.set(r, i * 20));
  const cases = [
    // distance
    {
      label: 'distance: a is an Array',
      call: (o) => o.distance([1, 2, 3], b3, 'cosine'),
      code: 'INVALID_ARGUMENT',
      message: 'distance: a must be a Float32Array (got Array)',
    },
    {
      label: 'distance: b is a Float64Array',
      call: (o) => o.distance(a3, new Float64Array(3), 'cosine'),
      code: 'INVALID_ARGUMENT',
      message: 'distance: b must be a Float32Array (got Float64Array)',
    },
    {
      label: 'distance: a is null',
      call: (o) => o.distance(null, b3, 'cosine'),
      code: 'INVALID_ARGUMENT',
      message: 'distance: a must be a Float32Array (got null)',
    },
    {
      label: 'distance: empty a',
      call: (o) => o.distance(f32(), f32(), 'euclidean'),
      code: 'INVALID_ARGUMENT',
      message: 'distance: a is empty',
    },
    {
      label: 'distance: length mismatch',
      call: (o) => o.distance(a3, f32(1, 2, 3, 4), 'cosine'),
      code: 'DIMENSION_MISMATCH',
      message: 'distance: a has 3 elements but b has 4',
    },
    {
      label: 'distance: unknown metric',
      call: (o) => o.distance(a3, b3, 'manhattan'),
      code: 'INVALID_ARGUMENT',
      message: `distance: unknown metric 'manhattan' (expected one of ${METRIC_LIST})`,
    },
    {
      label: 'distance: missing metric',
      call: (o) => o.distance(a3, b3),
      code: 'INVALID_ARGUMENT',
      message: `distance: unknown metric undefined (expected one of ${METRIC_LIST})`,
    },
    {
      label: 'distance: metric of the wrong case',
      call: (o) => o.distance(a3, b3, 'Cosine'),
      code: 'INVALID_ARGUMENT',
    },
    // batchDistance
    {
      label: 'batchDistance: vectors is a string',
      call: (o) => o.batchDistance(a3, 'rows', 'cosine'),
      code: 'INVALID_ARGUMENT',
      message: 'batchDistance: vectors must be a Float32Array[] or a flat Float32Array (got string)',
    },
    {
      label: 'batchDistance: a row is an Array',
      call: (o) => o.batchDistance(a3, [b3, [1, 2, 3]], 'cosine'),
      code: 'INVALID_ARGUMENT',
      message: 'batchDistance: vectors[1] must be a Float32Array (got Array)',
    },
    {
      label: 'batchDistance: a row is too short',
      call: (o) => o.batchDistance(a3, [b3, b3, f32(1, 2)], 'cosine'),
      code: 'DIMENSION_MISMATCH',
      message: 'batchDistance: vectors[2] has 2 elements but query has 3',
    },
    {
      label: 'batchDistance: flat length not a multiple',
      call: (o) => o.batchDistance(a3, new Float32Array(10), 'cosine'),
      code: 'DIMENSION_MISMATCH',
      message: "batchDistance: vectors has 10 elements, which is not a multiple of query's 3",
    },
    {
      label: 'batchDistance: empty query',
      call: (o) => o.batchDistance(f32(), [b3], 'cosine'),
      code: 'INVALID_ARGUMENT',
      message: 'batchDistance: query is empty',
    },
    {
      label: 'batchDistance: unknown metric',
      call: (o) => o.batchDistance(a3, [b3], 'l2'),
      code: 'INVALID_ARGUMENT',
      message: `batchDistance: unknown metric 'l2' (expected one of ${METRIC_LIST})`,
    },
    // normalize
    {
      label: 'normalize: Int32Array',
      call: (o) => o.normalize(new Int32Array(3)),
      code: 'INVALID_ARGUMENT',
      message: 'normalize: vector must be a Float32Array (got Int32Array)',
    },
    {
      label: 'normalize: empty',
      call: (o) => o.normalize(f32()),
      code: 'INVALID_ARGUMENT',
      message: 'normalize: vector is empty',
    },
    // quantization configs
    {
      label: 'quantize: product quantization',
      call: (o) => o.quantize(a3, { type: 'product' }),
      code: 'UNSUPPORTED',
      message: `quantize: product quantization is not implemented yet (supported types: ${TYPE_LIST})`,
    },
    {
      label: 'quantize: unknown type',
      call: (o) => o.quantize(a3, { type: 'int8' }),
      code: 'INVALID_ARGUMENT',
      message: `quantize: unknown quantization type 'int8' (expected one of ${TYPE_LIST})`,
    },
    {
      label: 'quantize: config missing',
      call: (o) => o.quantize(a3),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config must be a QuantizationConfig object (got undefined)',
    },
    {
      label: 'quantize: only min',
      call: (o) => o.quantize(a3, { type: 'scalar', min: 0 }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config.min and config.max must be given together',
    },
    {
      label: 'quantize: only max',
      call: (o) => o.quantize(a3, { type: 'int4', max: 1 }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config.min and config.max must be given together',
    },
    {
      label: 'quantize: min > max',
      call: (o) => o.quantize(a3, { type: 'scalar', min: 2, max: 1 }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config.min (2) is greater than config.max (1)',
    },
    {
      label: 'quantize: NaN min',
      call: (o) => o.quantize(a3, { type: 'scalar', min: NaN, max: 1 }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config.min must be a finite float32 number (got NaN)',
    },
    {
      label: 'quantize: max beyond float32',
      call: (o) => o.quantize(a3, { type: 'scalar', min: 0, max: 1e39 }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config.max must be a finite float32 number (got 1e+39)',
    },
    {
      label: 'quantize: fixed range wider than float32',
      call: (o) => o.quantize(a3, { type: 'int4', min: -3e38, max: 3e38 }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config.max - config.min overflows float32 (min -3e+38, max 3e+38)',
    },
    {
      label: 'quantize: scalar vector range wider than float32',
      call: (o) => o.quantize(f32(-3e38, 0, 3e38), { type: 'scalar' }),
      code: 'INVALID_ARGUMENT',
      message:
        "quantize: vector's value range overflows float32 (min -3.0000000054977558e+38, max 3.0000000054977558e+38); give a fixed config.min/config.max",
    },
    {
      label: 'quantize: int4 vector range wider than float32',
      call: (o) => o.quantize(f32(3e38, -3e38), { type: 'int4' }),
      code: 'INVALID_ARGUMENT',
      message:
        "quantize: vector's value range overflows float32 (min -3.0000000054977558e+38, max 3.0000000054977558e+38); give a fixed config.min/config.max",
    },
    {
      label: 'quantize: string max',
      call: (o) => o.quantize(a3, { type: 'scalar', min: 0, max: '1' }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config.max must be a number (got string)',
    },
    {
      label: 'quantize: range on binary',
      call: (o) => o.quantize(a3, { type: 'binary', min: 0, max: 1 }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config.min and config.max do not apply to binary quantization',
    },
    {
      label: 'quantize: dimensions 0',
      call: (o) => o.quantize(a3, { type: 'scalar', dimensions: 0 }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config.dimensions must be a positive integer (got 0)',
    },
    {
      label: 'quantize: dimensions 2.5',
      call: (o) => o.quantize(a3, { type: 'scalar', dimensions: 2.5 }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: config.dimensions must be a positive integer (got 2.5)',
    },
    {
      label: 'quantize: unknown config key',
      call: (o) => o.quantize(a3, { type: 'scalar', bits: 8 }),
      code: 'INVALID_ARGUMENT',
      message: "quantize: unknown config key 'bits' (allowed: type, min, max, dimensions)",
    },
    {
      label: 'quantize: dimensions disagree with the vector',
      call: (o) => o.quantize(a3, { type: 'int4', dimensions: 4 }),
      code: 'DIMENSION_MISMATCH',
      message: 'quantize: config.dimensions is 4 but vector has 3 elements',
    },
    {
      label: 'quantize: Array vector',
      call: (o) => o.quantize([1, 2], { type: 'scalar' }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: vector must be a Float32Array (got Array)',
    },
    {
      label: 'quantize: empty vector',
      call: (o) => o.quantize(f32(), { type: 'binary' }),
      code: 'INVALID_ARGUMENT',
      message: 'quantize: vector is empty',
    },
    // dequantize shapes
    {
      label: 'dequantize: Int8Array',
      call: (o) => o.dequantize(new Int8Array(9), { type: 'scalar' }),
      code: 'INVALID_ARGUMENT',
      message: 'dequantize: quantized must be a Uint8Array (got Int8Array)',
    },
    {
      label: 'dequantize: empty',
      call: (o) => o.dequantize(new Uint8Array(0), { type: 'binary' }),
      code: 'INVALID_ARGUMENT',
      message: 'dequantize: quantized is empty',
    },
    {
      label: 'dequantize: shorter than the header',
      call: (o) => o.dequantize(new Uint8Array(5), { type: 'scalar' }),
      code: 'DIMENSION_MISMATCH',
      message: 'dequantize: quantized has 5 bytes, too few for the 8-byte range header and at least one code',
    },
    {
      label: 'dequantize: bytes disagree with dimensions',
      call: (o) => o.dequantize(new Uint8Array(13), { type: 'int4', dimensions: 12 }),
      code: 'DIMENSION_MISMATCH',
      message: 'dequantize: quantized has 13 bytes, expected 14 for 12 int4 values with a stored range',
    },
    {
      label: 'dequantize: fixed-range bytes disagree',
      call: (o) => o.dequantize(new Uint8Array(4), { type: 'scalar', min: 0, max: 1, dimensions: 5 }),
      code: 'DIMENSION_MISMATCH',
      message: 'dequantize: quantized has 4 bytes, expected 5 for 5 scalar values with a fixed range',
    },
    {
      label: 'dequantize: binary bytes disagree',
      call: (o) => o.dequantize(new Uint8Array(3), { type: 'binary', dimensions: 9 }),
      code: 'DIMENSION_MISMATCH',
      message: 'dequantize: quantized has 3 bytes, expected 2 for 9 binary values',
    },
    {
      label: 'dequantize: product',
      call: (o) => o.dequantize(new Uint8Array(3), { type: 'product' }),
      code: 'UNSUPPORTED',
    },
    // corrupt stored ranges (detected by the backend, reported alike)
    {
      label: 'dequantize: NaN min in header',
      call: (o) => o.dequantize(scalarCodes(NaN, 1), { type: 'scalar' }),
      code: 'CORRUPT_DATA',
      message: 'dequantize: quantized has a corrupt range header (min NaN, max 1)',
    },
    {
      label: 'dequantize: infinite max in header',
      call: (o) => o.dequantize(scalarCodes(0, Infinity), { type: 'scalar' }),
      code: 'CORRUPT_DATA',
      message: 'dequantize: quantized has a corrupt range header (min 0, max Infinity)',
    },
    {
      label: 'dequantize: min > max in header',
      call: (o) => o.dequantize(scalarCodes(2, 1), { type: 'scalar' }),
      code: 'CORRUPT_DATA',
      message: 'dequantize: quantized has a corrupt range header (min 2, max 1)',
    },
    {
      label: 'dequantize: stored range wider than float32',
      call: (o) => o.dequantize(scalarCodes(-3e38, 3e38), { type: 'scalar' }),
      code: 'CORRUPT_DATA',
      message:
        'dequantize: quantized has a corrupt range header (min -3.0000000054977558e+38, max 3.0000000054977558e+38)',
    },
    {
      label: 'dequantize: int4 corrupt header',
      call: (o) => o.dequantize(scalarCodes(1, -1, [0x21]), { type: 'int4' }),
      code: 'CORRUPT_DATA',
      message: 'dequantize: quantized has a corrupt range header (min 1, max -1)',
    },
    // quantizedDistance / hammingDistance
    {
      label: 'quantizedDistance: lengths differ',
      call: (o) => o.quantizedDistance(new Uint8Array(11), new Uint8Array(12), { type: 'scalar' }, 'cosine'),
      code: 'DIMENSION_MISMATCH',
      message: 'quantizedDistance: a has 11 bytes but b has 12',
    },
    {
      label: 'quantizedDistance: binary',
      call: (o) => o.quantizedDistance(new Uint8Array(2), new Uint8Array(2), { type: 'binary' }, 'cosine'),
      code: 'INVALID_ARGUMENT',
      message: 'quantizedDistance: binary codes have no metric distance; use hammingDistance',
    },
    {
      label: 'quantizedDistance: unknown metric',
      call: (o) => o.quantizedDistance(scalarCodes(0, 1), scalarCodes(0, 1), { type: 'scalar' }, 'hamming'),
      code: 'INVALID_ARGUMENT',
      message: `quantizedDistance: unknown metric 'hamming' (expected one of ${METRIC_LIST})`,
    },
    {
      label: 'quantizedDistance: corrupt header in b',
      call: (o) =>
        o.quantizedDistance(scalarCodes(0, 1), scalarCodes(0, NaN), { type: 'scalar' }, 'euclidean'),
      code: 'CORRUPT_DATA',
      message: 'quantizedDistance: b has a corrupt range header (min 0, max NaN)',
    },
    {
      label: 'hammingDistance: lengths differ',
      call: (o) => o.hammingDistance(new Uint8Array(2), new Uint8Array(3)),
      code: 'DIMENSION_MISMATCH',
      message: 'hammingDistance: a has 2 bytes but b has 3',
    },
    {
      label: 'hammingDistance: empty',
      call: (o) => o.hammingDistance(new Uint8Array(0), new Uint8Array(0)),
      code: 'INVALID_ARGUMENT',
      message: 'hammingDistance: a is empty',
    },
    {
      label: 'hammingDistance: Float32Array',
      call: (o) => o.hammingDistance(new Float32Array(2), new Uint8Array(2)),
      code: 'INVALID_ARGUMENT',
      message: 'hammingDistance: a must be a Uint8Array (got Float32Array)',
    },
    // non-finite data
    {
      label: 'batchDistance: NaN in a row (Float32Array[])',
      call: (o) => o.batchDistance(rows[0], rowsBad, 'euclidean'),
      code: 'NON_FINITE',
      message: 'batchDistance: vectors[3] contains a non-finite value at index 17',
    },
    {
      label: 'batchDistance: NaN in a row (flat)',
      call: (o) => o.batchDistance(rows[0], flatBad, 'dot_product'),
      code: 'NON_FINITE',
      message: 'batchDistance: vectors contains a non-finite value at index 77 (row 3, element 17)',
    },
    {
      label: 'batchDistance: Infinity in the query',
      call: (o) => o.batchDistance(withValue(20, 4, -Infinity), rows, 'cosine'),
      code: 'NON_FINITE',
      message: 'batchDistance: query contains a non-finite value at index 4',
    },
    {
      label: 'normalize: NaN',
      call: (o) => o.normalize(withValue(17, 16, NaN)),
      code: 'NON_FINITE',
      message: 'normalize: vector contains a non-finite value at index 16',
    },
    {
      label: 'normalize: Infinity',
      call: (o) => o.normalize(withValue(97, 50, Infinity)),
      code: 'NON_FINITE',
      message: 'normalize: vector contains a non-finite value at index 50',
    },
    {
      label: 'dequantize: range header and no codes',
      call: (o) => o.dequantize(scalarCodes(0, 1, []), { type: 'scalar' }),
      code: 'DIMENSION_MISMATCH',
      message: 'dequantize: quantized has 8 bytes, too few for the 8-byte range header and at least one code',
    },
  ];
  for (const metric of ['cosine', 'euclidean', 'dot_product']) {
    cases.push(
      {
        label: `distance ${metric}: NaN in a`,
        call: (o) => o.distance(withValue(33, 2, NaN), withValue(33, 0, 1), metric),
        code: 'NON_FINITE',
        message: 'distance: a contains a non-finite value at index 2',
      },
      {
        label: `distance ${metric}: Infinity in b`,
        call: (o) => o.distance(withValue(33, 0, 1), withValue(33, 32, Infinity), metric),
        code: 'NON_FINITE',
        message: 'distance: b contains a non-finite value at index 32',
      },
    );
  }
  for (const config of [
    { type: 'scalar' },
    { type: 'int4' },
    { type: 'binary' },
    { type: 'scalar', min: -1, max: 1 },
    { type: 'int4', min: -1, max: 1 },
  ]) {
    cases.push(
      {
        label: `quantize ${JSON.stringify(config)}: NaN`,
        call: (o) => o.quantize(withValue(40, 5, NaN), config),
        code: 'NON_FINITE',
        message: 'quantize: vector contains a non-finite value at index 5',
      },
      {
        label: `quantize ${JSON.stringify(config)}: -Infinity last`,
        call: (o) => o.quantize(withValue(41, 40, -Infinity), config),
        code: 'NON_FINITE',
        message: 'quantize: vector contains a non-finite value at index 40',
      },
    );
  }
  return cases;
}
