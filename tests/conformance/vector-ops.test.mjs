// vectorOps conformance: the same cases on native, wasm and js-fallback. The numeric cases are
// tables (cases/vector-ops.mjs: operation, inputs, reference, tolerance) run by table-runner.mjs;
// the bad-input table is cases/errors.mjs. Every result is checked against an independent
// expectation (float64 formulas, hand-computed codes, bit counts), codes and error messages
// against the js-fallback's, and native/wasm results against js within 1e-5. The properties that
// sweep layouts or buffers (views, VectorBuffer, quantize layouts, bit-identical codes) stay tests.
//
// A backend that cannot load is skipped with its reason, unless RUVECTOR_REQUIRE_BACKENDS names
// it (CI: native,wasm,js), in which case its "loads" test fails.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { RuVectorError } from '../../js/dist/index.js';
import { errorCases } from './cases/errors.mjs';
import { dequantizeByFormat, quantizeByFormat } from './cases/quant-format.mjs';
import { CROSS_BACKEND_TABLES, VECTOR_OPS_TABLES } from './cases/vector-ops.mjs';
import {
  assertClose,
  BACKENDS,
  loadBackends,
  METRICS,
  mulberry32,
  randomVector,
  rangeOf,
  referenceDistance,
  requiredBackends,
  SIZES,
  thrown,
} from './support.mjs';
import { runCase } from './table-runner.mjs';

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
  return (
    header + (config.type === 'scalar' ? n : config.type === 'int4' ? Math.ceil(n / 2) : Math.ceil(n / 8))
  );
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

  // The case tables (cases/vector-ops.mjs): operation, inputs, reference, tolerance.
  for (const [property, table] of Object.entries(VECTOR_OPS_TABLES)) {
    test(property, () => {
      for (const c of table()) runCase(assert, c, { ops, ref: reference?.ops });
    });
  }

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
      assertSame(
        ops.dequantize(padded.subarray(3, 3 + codes.length), dims),
        ops.dequantize(codes, dims),
        `dequantize ${JSON.stringify(config)} of a view`,
      );
    }
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
    assert.ok(
      buffer.view().every((x) => x === 0),
      'a new buffer is zeroed',
    );
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
      assert.equal(
        thrown(assert, () => runtime.createVectorBuffer(bad), `length ${String(bad)}`).code,
        'INVALID_ARGUMENT',
      );
    }
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
        v.forEach((x, i) =>
          assert.ok(
            Math.abs(back[i] - x) <= bound,
            `${type} n=${n} [${i}]: ${x} -> ${back[i]} (bound ${bound})`,
          ),
        );
        if (type === 'scalar' || n % 2 === 0)
          assertSame(ops.dequantize(codes, { type }), back, `${type} n=${n} inferred dimensions`);
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
      assert.ok(
        codes.subarray(8).every((c) => c === 0),
        `${type} constant codes`,
      );
      assertSame(ops.dequantize(codes, { type, dimensions: 9 }), constant, `${type} constant round trip`);
    }
    for (const n of SIZES) {
      const v = randomVector(mulberry32(n + 5), n);
      const codes = ops.quantize(v, { type: 'binary' });
      assert.equal(codes.length, Math.ceil(n / 8));
      if (n % 8 !== 0)
        assert.equal(codes[codes.length - 1] >> (n % 8), 0, `binary n=${n}: padding bits are zero`);
      const back = ops.dequantize(codes, { type: 'binary', dimensions: n });
      v.forEach((x, i) => assert.equal(back[i], x > 0 ? 1 : -1, `binary n=${n} [${i}]`));
    }
  });

  // Against quant.h's format written out in the test (quant-format.mjs), not against the
  // js-fallback: run on js, that would compare the twin with itself.
  test("codes and dequantized values are bit-identical to quant.h's format", () => {
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
          assertSame(codes, quantizeByFormat(v, config), `codes ${what}`);
          const dims = { ...config, dimensions: n };
          assertSame(ops.dequantize(codes, dims), dequantizeByFormat(codes, config, n), `values ${what}`);
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
      assertSame(codes, quantizeByFormat(v, config), `codes ${what}`);
      const dims = { ...config, dimensions: v.length };
      assertSame(ops.dequantize(codes, dims), dequantizeByFormat(codes, config, v.length), `values ${what}`);
    }
    // A width whose scale overflows float32 codes everything as 0 (the scale counts as 0).
    assertSame(
      ops.quantize(new Float32Array([0, 1e-45, 0]), { type: 'scalar' }).subarray(8),
      new Uint8Array(3),
      'subnormal width',
    );
    // Outside a fixed range values clamp to the ends.
    assertSame(
      ops.quantize(new Float32Array([3e38, -3e38, 0]), { type: 'scalar', min: -1e38, max: 1e38 }),
      new Uint8Array([255, 0, 128]),
      'huge fixed range',
    );
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
    for (const [property, table] of Object.entries(CROSS_BACKEND_TABLES)) {
      test(property, () => {
        assert.ok(reference?.ops, 'the js-fallback backend must load');
        for (const c of table()) runCase(assert, c, { ops, ref: reference.ops });
      });
    }
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
