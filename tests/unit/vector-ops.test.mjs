// vector-ops.ts over mock kernels: arguments are checked before any backend call, Float32Array[]
// batches take the backend's row path when it has one and the flattening path (one reused buffer)
// when it does not, with the same results and the same error messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { jsKernels } from '../../js/dist/backends/js/index.js';
import { RuVectorRuntime } from '../../js/dist/index.js';

/** A runtime over js kernels wrapped to count calls; `rows: false` removes batchDistanceRows. */
async function counted({ rows }) {
  const calls = [];
  const kernels = { ...jsKernels, name: 'wasm' };
  for (const [key, fn] of Object.entries(jsKernels)) {
    if (typeof fn === 'function') kernels[key] = (...args) => (calls.push([key, args]), fn(...args));
  }
  if (!rows) delete kernels.batchDistanceRows;
  const runtime = await RuVectorRuntime.create({
    backends: [{ name: 'wasm', load: async () => async () => kernels }],
  });
  return { ops: runtime.getModules().vectorOps, calls };
}

function rowsOf(count, dim, seed) {
  let s = seed;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  return Array.from({ length: count }, () => Float32Array.from({ length: dim }, next));
}

test('bad arguments never reach the backend', async () => {
  const { ops, calls } = await counted({ rows: true });
  const v = new Float32Array([1, 2, 3]);
  assert.throws(() => ops.distance(v, new Float32Array(2), 'cosine'), { code: 'DIMENSION_MISMATCH' });
  assert.throws(() => ops.batchDistance(v, [v, new Float32Array(2)], 'cosine'), {
    code: 'DIMENSION_MISMATCH',
  });
  assert.throws(() => ops.batchDistance(v, [v], 'nope'), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => ops.quantize(v, { type: 'product' }), { code: 'UNSUPPORTED' });
  assert.throws(() => ops.dequantize(new Uint8Array(3), { type: 'int4', dimensions: 3 }), {
    code: 'DIMENSION_MISMATCH',
  });
  assert.throws(() => ops.hammingDistance(new Uint8Array(1), new Uint8Array(2)), {
    code: 'DIMENSION_MISMATCH',
  });
  assert.deepEqual(calls, []);
  assert.equal(ops.batchDistance(v, [], 'cosine').length, 0);
  assert.deepEqual(calls, [], 'an empty batch needs no backend call');
});

test('Float32Array[] batches: row path and flattening path agree, across growing and shrinking batches', async () => {
  const withRows = await counted({ rows: true });
  const flattening = await counted({ rows: false });
  for (const [count, dim] of [
    [10, 17],
    [3, 17],
    [200, 384],
    [5, 384],
    [1, 1],
  ]) {
    const [query, ...rows] = rowsOf(count + 1, dim, count * 31 + dim);
    for (const metric of ['cosine', 'euclidean', 'dot_product']) {
      const a = withRows.ops.batchDistance(query, rows, metric);
      const b = flattening.ops.batchDistance(query, rows, metric);
      assert.equal(b.length, count);
      assert.deepEqual(a, b, `${count}x${dim} ${metric}`);
      rows.forEach((row, i) =>
        assert.equal(
          b[i],
          jsKernels.distance(query, row, { cosine: 0, euclidean: 1, dot_product: 2 }[metric]),
        ),
      );
    }
  }
  assert.ok(withRows.calls.every(([k]) => k === 'batchDistanceRows'));
  assert.ok(flattening.calls.every(([k]) => k === 'batchDistance'));
  const [, flatArgs] = flattening.calls.at(-1);
  assert.ok(
    flatArgs[1] instanceof Float32Array && flatArgs[1].length === 1,
    'flattened rows passed with the exact length',
  );
});

test('the flattening path names the culprit row like the row path does', async () => {
  for (const rows of [true, false]) {
    const { ops } = await counted({ rows });
    const [query, ...vectors] = rowsOf(6, 20, 9);
    vectors[3][17] = NaN;
    assert.throws(() => ops.batchDistance(query, vectors, 'euclidean'), {
      code: 'NON_FINITE',
      message: 'batchDistance: vectors[3] contains a non-finite value at index 17',
    });
  }
});
