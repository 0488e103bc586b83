// MemoryPool (ADR-006): reuse per length, zeroing on release, limits, stats, misuse.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MemoryPool } from '../../js/dist/index.js';

const invalid = (pattern) => ({ name: 'RuVectorError', code: 'INVALID_ARGUMENT', message: pattern });

test('acquire gives a zero-filled array of the length, new when the pool is empty', () => {
  const pool = new MemoryPool();
  const a = pool.acquire(384);
  assert.ok(a instanceof Float32Array);
  assert.equal(a.length, 384);
  assert.ok(a.every((x) => x === 0));
  assert.notEqual(pool.acquire(384), a);
  assert.equal(pool.acquire(0).length, 0);
});

test('a released array is zeroed and handed out again for the same length only', () => {
  const pool = new MemoryPool();
  const a = pool.acquire(4);
  a.set([1, 2, 3, 4]);
  pool.release(a);
  assert.deepEqual([...a], [0, 0, 0, 0], 'zeroed on release');
  assert.notEqual(pool.acquire(5), a);
  const again = pool.acquire(4);
  assert.equal(again, a);
  assert.ok(again.every((x) => x === 0));
  assert.notEqual(pool.acquire(4), a, 'taken out of the pool');
});

test('getStats counts arrays and bytes per length; clear empties the pool', () => {
  const pool = new MemoryPool();
  for (let i = 0; i < 3; i++) pool.release(new Float32Array(10));
  pool.release(new Float32Array(384));
  assert.deepEqual(pool.getStats(), {
    totalArrays: 4,
    totalBytes: 3 * 40 + 384 * 4,
    pools: { 10: 3, 384: 1 },
  });
  pool.acquire(384);
  assert.deepEqual(pool.getStats(), { totalArrays: 3, totalBytes: 120, pools: { 10: 3 } });
  pool.clear();
  assert.deepEqual(pool.getStats(), { totalArrays: 0, totalBytes: 0, pools: {} });
});

test('maxPoolSize bounds the arrays kept per length', () => {
  const pool = new MemoryPool({ maxPoolSize: 2 });
  assert.equal(pool.maxPoolSize, 2);
  const arrays = [1, 2, 3].map(() => new Float32Array(8).fill(7));
  arrays.forEach((a) => pool.release(a));
  assert.deepEqual(pool.getStats().pools, { 8: 2 });
  assert.ok(
    arrays[2].every((x) => x === 0),
    'zeroed even when not kept',
  );
  assert.equal(new MemoryPool().maxPoolSize, 100, 'ADR default');
  const none = new MemoryPool({ maxPoolSize: 0 });
  none.release(new Float32Array(3));
  assert.equal(none.getStats().totalArrays, 0);
});

test('views into larger buffers are zeroed but not kept', () => {
  const pool = new MemoryPool();
  const buffer = new Float32Array(16).fill(1);
  const view = buffer.subarray(4, 8);
  pool.release(view);
  assert.deepEqual([...buffer.subarray(4, 8)], [0, 0, 0, 0]);
  assert.equal(pool.getStats().totalArrays, 0);
});

test('misuse is INVALID_ARGUMENT: double release, wrong types, bad lengths and options', () => {
  const pool = new MemoryPool();
  const a = pool.acquire(3);
  pool.release(a);
  assert.throws(() => pool.release(a), invalid('MemoryPool.release: this array was already released'));
  assert.equal(pool.getStats().totalArrays, 1);
  pool.release(pool.acquire(3)); // back out and in again is fine
  assert.throws(
    () => pool.release(new Float64Array(3)),
    invalid('MemoryPool.release: array must be a Float32Array (got Float64Array)'),
  );
  for (const bad of [-1, 1.5, NaN, '3']) {
    assert.throws(
      () => pool.acquire(bad),
      invalid(`MemoryPool.acquire: length must be a non-negative integer (got ${String(bad)})`),
    );
  }
  assert.throws(
    () => new MemoryPool({ maxPoolSize: -1 }),
    invalid('MemoryPool: maxPoolSize must be a non-negative integer (got -1)'),
  );
  assert.throws(
    () => new MemoryPool({ size: 3 }),
    invalid("MemoryPool: unknown option 'size' (allowed: maxPoolSize)"),
  );
});
