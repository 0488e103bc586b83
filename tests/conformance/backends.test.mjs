// Backend conformance: the same cases on native, wasm and js-fallback. Every result is checked
// against an independent expectation (float64 formulas, hand-computed codes, bit counts), codes
// and error messages against the js-fallback's, and native/wasm results against js within 1e-5.
//
// A backend that cannot load is skipped with its reason, unless RUVECTOR_REQUIRE_BACKENDS names
// it (CI: native,wasm,js), in which case its "loads" test fails.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { RuVectorError } from '../../js/dist/index.js';
import { errorCases } from './error-cases.mjs';
import {
  assertClose,
  BACKENDS,
  loadBackends,
  METRICS,
  mulberry32,
  popcount8,
  randomVector,
  rangeOf,
  referenceDistance,
  requiredBackends,
  SIZES,
  thrown,
} from './support.mjs';

const required = requiredBackends();
const loaded = await loadBackends();
const reference = loaded.get('js');

const QUANT_CONFIGS = [
  { type: 'scalar' },
  { type: 'int4' },
  { type: 'binary' },
  { type: 'scalar', min: -0.5, max: 0.5 },
  { type: 'int4', min: -0.5, max: 0.5 },
];
const LEVELS = { scalar: 255, int4: 15 };

/** Bytes quantize must write (quant.h's layouts), computed here from the layout alone. */
function expectedBytes(config, n) {
  const header = config.type !== 'binary' && config.min === undefined ? 8 : 0;
  return header + (config.type === 'scalar' ? n : config.type === 'int4' ? Math.ceil(n / 2) : Math.ceil(n / 8));
}

function firstDifference(a, b) {
  if (a.length !== b.length) return `lengths ${a.length} vs ${b.length}`;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return `index ${i}: ${a[i]} vs ${b[i]}`;
  return null;
}

function assertSame(got, want, what) {
  const diff = firstDifference(got, want);
  assert.equal(diff, null, `${what}: differs at ${diff}`);
}

function conformance(name, ops, runtime) {
  test('describes itself', () => {
    const d = runtime.describe();
    assert.equal(d.backend, name === 'js' ? 'js-fallback' : name);
    assert.equal(runtime.getBackend(), d.backend);
    assert.equal(d.forced, true);
    assert.equal(typeof d.simdTarget, 'string');
    assert.notEqual(d.simdTarget, '');
  });

  test('distance matches the float64 definition of each metric', () => {
    for (const metric of METRICS) {
      for (const n of SIZES) {
        for (const seed of [1, 2, 3]) {
          const rand = mulberry32(seed * 1000 + n);
          const a = randomVector(rand, n);
          const b = randomVector(rand, n);
          const want = referenceDistance(a, b, metric);
          assertClose(assert, ops.distance(a, b, metric), want.value, { scale: want.scale }, `${metric} n=${n} seed=${seed}`);
        }
      }
    }
  });

  test('distance: definitions at the edges (zero vectors, identical, opposite, exact sums)', () => {
    const a = randomVector(mulberry32(7), 97);
    const zero = new Float32Array(97);
    assert.equal(ops.distance(a, zero, 'cosine'), 1, 'cosine to a zero vector is 1');
    assert.equal(ops.distance(zero, zero, 'cosine'), 1, 'cosine between zero vectors is 1');
    assert.equal(ops.distance(a, a, 'euclidean'), 0);
    assertClose(assert, ops.distance(a, a, 'cosine'), 0, { abs: 1e-6 }, 'cosine(a, a)');
    const scaled = a.map((x) => -3 * x);
    assertClose(assert, ops.distance(a, scaled, 'cosine'), 2, { abs: 1e-6 }, 'cosine(a, -3a)');
    assert.equal(ops.distance(new Float32Array([1, 2]), new Float32Array([3, 4]), 'dot_product'), -11);
    assert.equal(ops.distance(new Float32Array([0, 0]), new Float32Array([3, 4]), 'euclidean'), 5);
  });

  test('typed-array views are read at their offset', () => {
    const buf = randomVector(mulberry32(11), 2000);
    const a = buf.subarray(1, 98);
    const b = buf.subarray(1001, 1098);
    for (const metric of METRICS) {
      const want = referenceDistance(a, b, metric);
      assertClose(assert, ops.distance(a, b, metric), want.value, { scale: want.scale }, `view ${metric}`);
    }
    const flat = buf.subarray(3, 3 + 97 * 5);
    const batch = ops.batchDistance(a, flat, 'euclidean');
    for (let r = 0; r < 5; r++) {
      const want = referenceDistance(a, flat.subarray(r * 97, (r + 1) * 97), 'euclidean');
      assertClose(assert, batch[r], want.value, { scale: want.scale }, `flat view row ${r}`);
    }
    assertSame(ops.normalize(a), ops.normalize(a.slice()), 'normalize of a view');
    for (const config of QUANT_CONFIGS) {
      const codes = ops.quantize(a, config);
      assertSame(codes, ops.quantize(a.slice(), config), `quantize ${JSON.stringify(config)} of a view`);
      const padded = new Uint8Array(codes.length + 5);
      padded.set(codes, 3);
      const dims = { ...config, dimensions: 97 };
      assertSame(ops.dequantize(padded.subarray(3, 3 + codes.length), dims), ops.dequantize(codes, dims), `dequantize ${JSON.stringify(config)} of a view`);
    }
  });

  test('batchDistance: Float32Array[] and flat forms equal per-pair distances', () => {
    for (const metric of METRICS) {
      for (const dim of [1, 3, 17, 384]) {
        for (const count of [1, 7, 64]) {
          const rand = mulberry32(dim * 131 + count);
          const query = randomVector(rand, dim);
          const rows = Array.from({ length: count }, () => randomVector(rand, dim));
          const flat = new Float32Array(count * dim);
          rows.forEach((r, i) => flat.set(r, i * dim));
          const fromRows = ops.batchDistance(query, rows, metric);
          const fromFlat = ops.batchDistance(query, flat, metric);
          assert.ok(fromRows instanceof Float32Array && fromRows.length === count);
          assertSame(fromRows, fromFlat, `${metric} dim=${dim} count=${count}: list vs flat`);
          rows.forEach((row, i) => {
            const want = referenceDistance(query, row, metric);
            assertClose(assert, fromRows[i], ops.distance(query, row, metric), { rel: 1e-6, scale: want.scale }, `${metric} row ${i} vs distance()`);
            assertClose(assert, fromRows[i], want.value, { scale: want.scale }, `${metric} row ${i} vs reference`);
          });
        }
      }
    }
    assert.equal(ops.batchDistance(new Float32Array([1, 2]), [], 'cosine').length, 0);
    assert.equal(ops.batchDistance(new Float32Array([1, 2]), new Float32Array(0), 'cosine').length, 0);
  });

  test('createVectorBuffer: batchDistance reads it in place, equal to a plain array; free is final', () => {
    const rand = mulberry32(4242);
    const dim = 97;
    const count = 300;
    const query = randomVector(rand, dim);
    const plain = new Float32Array(count * dim);
    for (let i = 0; i < plain.length; i++) plain[i] = rand() * 2 - 1;
    const buffer = runtime.createVectorBuffer(plain.length);
    assert.equal(buffer.length, plain.length);
    assert.ok(buffer.view().every((x) => x === 0), 'a new buffer is zeroed');
    buffer.view().set(plain);
    // Grow the wasm heap between writes and reads: the buffer's next view must still see the rows.
    const growth = runtime.createVectorBuffer(4 * 1024 * 1024);
    for (const metric of METRICS) {
      const got = ops.batchDistance(query, buffer.view(), metric);
      assertSame(got, ops.batchDistance(query, plain, metric), `${metric}: buffer vs plain array`);
      for (let r = 0; r < count; r += 37) {
        const want = referenceDistance(query, plain.subarray(r * dim, (r + 1) * dim), metric);
        assertClose(assert, got[r], want.value, { scale: want.scale }, `${metric} row ${r} vs reference`);
      }
    }
    growth.free();
    buffer.free();
    buffer.free();
    const afterFree = thrown(assert, () => buffer.view(), 'view after free');
    assert.ok(afterFree instanceof RuVectorError);
    assert.equal(afterFree.code, 'INVALID_ARGUMENT');
    assert.equal(afterFree.message, 'VectorBuffer.view: the buffer was freed');
    for (const bad of [0, -1, 1.5, NaN, 2 ** 40, '8']) {
      assert.equal(thrown(assert, () => runtime.createVectorBuffer(bad), `length ${String(bad)}`).code, 'INVALID_ARGUMENT');
    }
  });

  test('normalize: unit length, same direction, zero stays zero, input untouched', () => {
    for (const n of SIZES) {
      const v = randomVector(mulberry32(n), n, -5, 5);
      const before = v.slice();
      const out = ops.normalize(v);
      assert.notEqual(out, v);
      assertSame(v, before, 'input untouched');
      let norm = 0;
      let ref = 0;
      for (let i = 0; i < n; i++) {
        norm += out[i] * out[i];
        ref += v[i] * v[i];
      }
      assertClose(assert, Math.sqrt(norm), 1, { rel: 0, abs: 1e-6 }, `|normalize(v)| n=${n}`);
      for (let i = 0; i < n; i++) assertClose(assert, out[i], v[i] / Math.sqrt(ref), { rel: 1e-6, abs: 1e-7 }, `n=${n} element ${i}`);
    }
    const zero = ops.normalize(new Float32Array(5));
    assertSame(zero, new Float32Array(5), 'zero vector');
  });

  test('normalize keeps the direction of tiny and huge vectors', () => {
    for (const scale of [1e-30, 1e-20, 1e30, 5e37]) {
      const v = new Float32Array([3 * scale, 4 * scale].map(Math.fround));
      const out = ops.normalize(v);
      assertClose(assert, out[0], 0.6, { rel: 1e-6, abs: 0 }, `scale ${scale} [0]`);
      assertClose(assert, out[1], 0.8, { rel: 1e-6, abs: 0 }, `scale ${scale} [1]`);
    }
  });

  test('finite inputs that overflow float32 give the non-finite result, not an error', () => {
    const big = new Float32Array([3e38, 3e38]);
    assert.equal(ops.distance(big, big, 'dot_product'), -Infinity);
    assert.equal(ops.distance(big, new Float32Array([-3e38, -3e38]), 'euclidean'), Infinity);
    assert.equal(ops.batchDistance(big, [big, new Float32Array([1, 1])], 'dot_product')[0], -Infinity);
  });

  test('quantize/dequantize: layout and round-trip error within half a step', () => {
    for (const type of ['scalar', 'int4']) {
      for (const n of SIZES) {
        const v = randomVector(mulberry32(n + 17), n, -2, 3);
        const codes = ops.quantize(v, { type });
        assert.equal(codes.length, expectedBytes({ type }, n), `${type} n=${n} bytes`);
        const [min, max] = rangeOf(v);
        const header = new DataView(codes.buffer, codes.byteOffset, 8);
        assert.equal(header.getFloat32(0, true), min, `${type} n=${n} stored min`);
        assert.equal(header.getFloat32(4, true), max, `${type} n=${n} stored max`);
        const back = ops.dequantize(codes, { type, dimensions: n });
        assert.equal(back.length, n);
        const bound = ((max - min) / LEVELS[type]) * 0.5 * (1 + 1e-4) + 4e-7 * Math.max(-min, max);
        v.forEach((x, i) => assert.ok(Math.abs(back[i] - x) <= bound, `${type} n=${n} [${i}]: ${x} -> ${back[i]} (bound ${bound})`));
        if (type === 'scalar' || n % 2 === 0) assertSame(ops.dequantize(codes, { type }), back, `${type} n=${n} inferred dimensions`);
      }
      // A fixed range clamps what lies outside it.
      for (const n of [1, 17, 384]) {
        const v = randomVector(mulberry32(n + 99), n, -1.5, 1.5);
        const config = { type, min: -1, max: 1 };
        const codes = ops.quantize(v, config);
        assert.equal(codes.length, expectedBytes(config, n));
        const back = ops.dequantize(codes, { ...config, dimensions: n });
        const bound = (2 / LEVELS[type]) * 0.5 * (1 + 1e-4) + 4e-7;
        v.forEach((x, i) => {
          const clamped = Math.min(1, Math.max(-1, x));
          assert.ok(Math.abs(back[i] - clamped) <= bound, `${type} fixed n=${n} [${i}]: ${x} -> ${back[i]}`);
        });
      }
      // A constant vector: range 0, every code 0, values come back exactly.
      const constant = new Float32Array(9).fill(0.3);
      const codes = ops.quantize(constant, { type });
      assert.ok(codes.subarray(8).every((c) => c === 0), `${type} constant codes`);
      assertSame(ops.dequantize(codes, { type, dimensions: 9 }), constant, `${type} constant round trip`);
    }
    for (const n of SIZES) {
      const v = randomVector(mulberry32(n + 5), n);
      const codes = ops.quantize(v, { type: 'binary' });
      assert.equal(codes.length, Math.ceil(n / 8));
      if (n % 8 !== 0) assert.equal(codes[codes.length - 1] >> n % 8, 0, `binary n=${n}: padding bits are zero`);
      const back = ops.dequantize(codes, { type: 'binary', dimensions: n });
      v.forEach((x, i) => assert.equal(back[i], x > 0 ? 1 : -1, `binary n=${n} [${i}]`));
    }
  });

  test('quantize: rounding half to even, clamping and bit order as quant.h specifies', () => {
    const scalar = ops.quantize(new Float32Array([0, 0.5, 1.5, 2.5, 3.5, 254.5, 255, 300, -3]), { type: 'scalar', min: 0, max: 255 });
    assertSame(scalar, new Uint8Array([0, 0, 2, 2, 4, 254, 255, 255, 0]), 'scalar [0, 255]');
    const int4 = ops.quantize(new Float32Array([0.5, 1.5, 2.5, 14.5, 15, 20, -1]), { type: 'int4', min: 0, max: 15 });
    assertSame(int4, new Uint8Array([0x20, 0xe2, 0xff, 0x00]), 'int4 [0, 15], low nibble first');
    const binary = ops.quantize(new Float32Array([1, -1, 0, 0.5, -0, 2, -3, 1e-30, 5]), { type: 'binary' });
    assertSame(binary, new Uint8Array([0xa9, 0x01]), 'binary: bit i % 8 of byte i / 8, set when x > 0');
    // Per-vector range [-1, 1]: scale = fround(255 / 2) = 127.5, so 0 sits exactly on 127.5 -> 128.
    const perVector = ops.quantize(new Float32Array([-1, 0, 1]), { type: 'scalar' });
    assertSame(perVector, new Uint8Array([0, 0, 0x80, 0xbf, 0, 0, 0x80, 0x3f, 0, 128, 255]), 'scalar per-vector');
    const step = Math.fround(2 / 255);
    const values = ops.dequantize(perVector, { type: 'scalar' });
    assertSame(values, new Float32Array([-1, Math.fround(-1 + Math.fround(128 * step)), Math.fround(-1 + Math.fround(255 * step))]), 'dequantize formula');
  });

  test('quantizedDistance equals the distance between the dequantized vectors', () => {
    for (const config of QUANT_CONFIGS.filter((c) => c.type !== 'binary')) {
      for (const n of [1, 3, 17, 384]) {
        for (const metric of METRICS) {
          const rand = mulberry32(n * 7 + metric.length);
          const dims = { ...config, dimensions: n };
          const qa = ops.quantize(randomVector(rand, n, -0.6, 0.6), dims);
          const qb = ops.quantize(randomVector(rand, n, -0.6, 0.6), dims);
          const want = referenceDistance(ops.dequantize(qa, dims), ops.dequantize(qb, dims), metric);
          const got = ops.quantizedDistance(qa, qb, dims, metric);
          assertClose(assert, got, want.value, { abs: 1e-5, scale: want.scale }, `${JSON.stringify(config)} n=${n} ${metric}`);
        }
      }
    }
  });

  test('hammingDistance counts differing bits', () => {
    for (const n of SIZES) {
      const rand = mulberry32(n + 3);
      const a = new Uint8Array(n).map(() => Math.floor(rand() * 256));
      const b = new Uint8Array(n).map(() => Math.floor(rand() * 256));
      let want = 0;
      for (let i = 0; i < n; i++) want += popcount8(a[i] ^ b[i]);
      assert.equal(ops.hammingDistance(a, b), want, `n=${n}`);
      assert.equal(ops.hammingDistance(a, a), 0);
      assert.equal(ops.hammingDistance(a, a.map((x) => ~x & 0xff)), 8 * n);
    }
  });

  test('codes and dequantized values are bit-identical to the js-fallback', () => {
    assert.ok(reference?.ops, 'the js-fallback backend must load');
    for (const config of QUANT_CONFIGS) {
      for (const n of SIZES) {
        for (const [seed, lo, hi] of [
          [1, -1, 1],
          [2, -1000, 1000],
          [3, 1e-3, 2e-3],
          [4, -0.7, 0.7],
        ]) {
          const v = randomVector(mulberry32(seed * 7919 + n), n, lo, hi);
          const what = `${JSON.stringify(config)} n=${n} seed=${seed}`;
          const codes = ops.quantize(v, config);
          assertSame(codes, reference.ops.quantize(v, config), `codes ${what}`);
          const dims = { ...config, dimensions: n };
          assertSame(ops.dequantize(codes, dims), reference.ops.dequantize(codes, dims), `values ${what}`);
        }
      }
    }
  });

  test('degenerate ranges: zero-width, subnormal-width and huge fixed ranges', () => {
    const edges = [
      [new Float32Array([0.25, 0.25, 0.25]), { type: 'scalar' }],
      [new Float32Array([0, 1e-45, 0]), { type: 'scalar' }],
      [new Float32Array([1e-45, 0, 1e-45]), { type: 'int4' }],
      [new Float32Array([-0, 0, -0]), { type: 'int4' }],
      [new Float32Array([3e38, -3e38, 0]), { type: 'scalar', min: -1e38, max: 1e38 }],
      [new Float32Array([2, -2, 1]), { type: 'int4', min: 1, max: 1 }],
    ];
    for (const [v, config] of edges) {
      const what = `${JSON.stringify(config)} [${[...v]}]`;
      const codes = ops.quantize(v, config);
      assertSame(codes, reference.ops.quantize(v, config), `codes ${what}`);
      const dims = { ...config, dimensions: v.length };
      assertSame(ops.dequantize(codes, dims), reference.ops.dequantize(codes, dims), `values ${what}`);
    }
    // A width whose scale overflows float32 codes everything as 0 (the scale counts as 0).
    assertSame(ops.quantize(new Float32Array([0, 1e-45, 0]), { type: 'scalar' }).subarray(8), new Uint8Array(3), 'subnormal width');
    // Outside a fixed range values clamp to the ends.
    assertSame(ops.quantize(new Float32Array([3e38, -3e38, 0]), { type: 'scalar', min: -1e38, max: 1e38 }), new Uint8Array([255, 0, 128]), 'huge fixed range');
  });

  test('every bad input gives the same error code and message', async (t) => {
    assert.ok(reference?.ops, 'the js-fallback backend must load');
    for (const c of errorCases()) {
      await t.test(c.label, () => {
        const e = thrown(assert, () => c.call(ops), c.label);
        assert.ok(e instanceof RuVectorError, `${c.label}: not a RuVectorError: ${e}`);
        assert.equal(e.code, c.code);
        if (c.message !== undefined) assert.equal(e.message, c.message);
        const want = thrown(assert, () => c.call(reference.ops), `${c.label} on js-fallback`);
        assert.equal(e.message, want.message, 'same message as js-fallback');
      });
    }
  });

  if (name !== 'js') {
    test('agrees with js-fallback within 1e-5 relative', () => {
      assert.ok(reference?.ops, 'the js-fallback backend must load');
      for (const n of SIZES) {
        const rand = mulberry32(n * 31);
        const q = randomVector(rand, n);
        const rows = Array.from({ length: 9 }, () => randomVector(rand, n));
        for (const metric of METRICS) {
          const mine = ops.batchDistance(q, rows, metric);
          const theirs = reference.ops.batchDistance(q, rows, metric);
          rows.forEach((row, i) => {
            const { scale } = referenceDistance(q, row, metric);
            assertClose(assert, ops.distance(q, row, metric), reference.ops.distance(q, row, metric), { scale }, `distance ${metric} n=${n} row ${i}`);
            assertClose(assert, mine[i], theirs[i], { scale }, `batchDistance ${metric} n=${n} row ${i}`);
          });
          for (const config of [{ type: 'scalar', dimensions: n }, { type: 'int4', dimensions: n }]) {
            const qa = ops.quantize(q, config);
            const qb = ops.quantize(rows[0], config);
            const { scale } = referenceDistance(q, rows[0], metric);
            assertClose(assert, ops.quantizedDistance(qa, qb, config, metric), reference.ops.quantizedDistance(qa, qb, config, metric), { abs: 1e-5, scale }, `quantizedDistance ${config.type} ${metric} n=${n}`);
          }
        }
        const mineN = ops.normalize(q);
        const theirsN = reference.ops.normalize(q);
        for (let i = 0; i < n; i++) assertClose(assert, mineN[i], theirsN[i], { abs: 1e-7 }, `normalize n=${n} [${i}]`);
      }
    });
  }
}

for (const name of BACKENDS) {
  const backend = loaded.get(name);
  describe(`${name} backend`, () => {
    test('loads', (t) => {
      if (backend.error === undefined) return;
      const reason = `${name} backend unavailable: ${backend.error.message}`;
      if (required.has(name)) assert.fail(`${reason} (required by RUVECTOR_REQUIRE_BACKENDS)`);
      t.skip(reason);
    });
    if (backend.error === undefined) conformance(name, backend.ops, backend.runtime);
  });
}
