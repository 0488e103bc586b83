// The native backend's HNSW adapter (js/src/backends/native -> bindings/node/hnsw_binding.cc ->
// core/capi/ruv_capi_hnsw.h): recall against brute force, serialization round trip, filters,
// errors mapped to RuVectorError codes, and async work that leaves the event loop running.
// Skipped when the addon is not built (scripts/build-native.sh). The cross-backend suite is
// tests/conformance/hnsw*.test.mjs.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

import { bruteForceIds } from '../conformance/cases/recall.mjs';

const addonPath = fileURLToPath(new URL('../../js/dist/native/ruvector_native.node', import.meta.url));
const built = existsSync(addonPath);
const skip = built ? false : 'native addon not built (scripts/build-native.sh)';

const COSINE = 0;
const EUCLIDEAN = 1;

async function kernels() {
  const { load } = await import('../../js/dist/backends/native/index.js');
  return (await load({ nativePath: addonPath })).hnsw;
}

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

function randomFlat(n, dim, seed) {
  const rnd = lcg(seed);
  return Float32Array.from({ length: n * dim }, rnd);
}

const ids = (n, prefix = 'v') => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

/** Ids of the k rows of flat nearest to q (cosine), among rows where allow(i). */
function bruteForce(flat, dim, q, k, allow = () => true) {
  const entries = [];
  for (let i = 0; i * dim < flat.length; i++)
    if (allow(i)) entries.push([`v${i}`, flat.subarray(i * dim, (i + 1) * dim)]);
  return bruteForceIds(entries, q, k, 'cosine', { ties: 'order' });
}

const params = (dimensions, metric = COSINE) => ({
  dimensions,
  m: 16,
  efConstruction: 200,
  efSearch: 64,
  metric,
  storage: 0,
  seed: 42n,
});

function recall(index, flat, dim, queries, k, filter, allow) {
  let hit = 0;
  let total = 0;
  for (let qi = 0; qi < queries.length / dim; qi++) {
    const q = queries.subarray(qi * dim, (qi + 1) * dim);
    const truth = bruteForce(flat, dim, q, k, allow);
    const got = new Set(index.search(q, k, 100, filter).ids);
    hit += truth.filter((id) => got.has(id)).length;
    total += truth.length;
  }
  return hit / total;
}

test('native HNSW: recall@10 against brute force, serialize round trip', { skip }, async () => {
  const hnsw = await kernels();
  const dim = 64;
  const flat = randomFlat(2000, dim, 1);
  const queries = randomFlat(50, dim, 2);
  const index = hnsw.create(params(dim));
  index.insertBatch(ids(2000), flat);
  const r = recall(index, flat, dim, queries, 10);
  assert.ok(r >= 0.9, `recall@10 ${r}`);

  const stats = index.stats();
  assert.equal(stats.count, 2000);
  assert.equal(stats.dimensions, dim);
  assert.equal(stats.m, 16);
  assert.equal(stats.efConstruction, 200);
  assert.equal(stats.efSearch, 64);

  const bytes = index.serialize();
  const copy = hnsw.deserialize(bytes);
  assert.deepEqual(copy.serialize(), bytes);
  for (let qi = 0; qi < 50; qi++) {
    const q = queries.subarray(qi * dim, (qi + 1) * dim);
    const a = index.search(q, 10, 0);
    const b = copy.search(q, 10, 0);
    assert.deepEqual(b.ids, a.ids);
    assert.deepEqual(b.scores, a.scores);
    assert.deepEqual(b.distances, a.distances);
  }
  const asyncHits = await copy.searchAsync(queries.subarray(0, dim), 10, 0);
  assert.deepEqual(asyncHits, copy.search(queries.subarray(0, dim), 10, 0));
  index.free();
  copy.free();
});

test('native HNSW: id and predicate filters, sync and async', { skip }, async () => {
  const hnsw = await kernels();
  const dim = 16;
  const flat = randomFlat(1000, dim, 3);
  const queries = randomFlat(20, dim, 4);
  const index = hnsw.create(params(dim));
  index.insertBatch(ids(1000), flat);
  const allowIds = ids(1000).filter((_, i) => i % 5 === 0);
  const byIds = { kind: 'ids', ids: allowIds };
  assert.ok(recall(index, flat, dim, queries, 10, byIds, (i) => i % 5 === 0) >= 0.9);
  const even = { kind: 'predicate', allow: (id) => Number(id.slice(1)) % 2 === 0 };
  assert.ok(recall(index, flat, dim, queries, 10, even, (i) => i % 2 === 0) >= 0.9);

  const q = queries.subarray(0, dim);
  assert.deepEqual(await index.searchAsync(q, 10, 100, byIds), index.search(q, 10, 100, byIds));
  // A predicate in searchAsync runs synchronously on this thread (documented fallback).
  assert.deepEqual(await index.searchAsync(q, 10, 100, even), index.search(q, 10, 100, even));

  // A throwing predicate's exception is the search's exception.
  const boom = new Error('boom');
  assert.throws(
    () =>
      index.search(q, 5, 0, {
        kind: 'predicate',
        allow: () => {
          throw boom;
        },
      }),
    (e) => e === boom,
  );
  // Calling into the index from its own predicate is refused (it would deadlock a writer).
  assert.throws(() => index.search(q, 5, 0, { kind: 'predicate', allow: () => index.contains('v1') }), {
    name: 'RuVectorError',
    code: 'INVALID_ARGUMENT',
  });
  assert.ok(index.contains('v1'));
  index.free();
});

test('native HNSW: insert, remove, contains, errors as RuVectorError', { skip }, async () => {
  const hnsw = await kernels();
  const index = hnsw.create(params(4, EUCLIDEAN));
  index.insert('a', new Float32Array([1, 0, 0, 0]));
  index.insert('b', new Float32Array([0, 1, 0, 0]));
  assert.deepEqual(index.search(new Float32Array([1, 0, 0, 0]), 1, 0).ids, ['a']);
  assert.equal(index.search(new Float32Array([1, 0, 0, 0]), 1, 0).distances[0], 0);
  assert.ok(index.contains('a'));
  assert.equal(index.remove('a'), true);
  assert.equal(index.remove('a'), false);
  assert.ok(!index.contains('a'));
  assert.deepEqual(index.search(new Float32Array([1, 0, 0, 0]), 5, 0).ids, ['b']);

  const code = (c) => ({ name: 'RuVectorError', code: c });
  assert.throws(() => index.insert('x', new Float32Array([1, NaN, 0, 0])), code('NON_FINITE'));
  assert.throws(() => index.insert('x', new Float32Array(3)), code('DIMENSION_MISMATCH'));
  assert.throws(() => index.search(new Float32Array(5), 1, 0), code('DIMENSION_MISMATCH'));
  assert.throws(
    () => index.insertBatch(['x', 'y'], new Float32Array([1, 1, 1, 1, NaN, 0, 0, 0])),
    code('NON_FINITE'),
  );
  assert.ok(!index.contains('x'), 'a failed batch inserts nothing');
  await assert.rejects(index.insertBatchAsync(['x'], new Float32Array([NaN, 0, 0, 0])), code('NON_FINITE'));
  await assert.rejects(index.searchAsync(new Float32Array(3), 1, 0), code('DIMENSION_MISMATCH'));
  assert.throws(() => hnsw.deserialize(new Uint8Array([1, 2, 3])), code('CORRUPT_DATA'));
  assert.throws(() => hnsw.create({ ...params(4), m: 1 }), code('INVALID_ARGUMENT'));

  index.free();
  index.free(); // idempotent
  assert.throws(() => index.contains('b'), code('NOT_INITIALIZED'));
  assert.throws(() => index.search(new Float32Array(4), 1, 0), code('NOT_INITIALIZED'));
  await assert.rejects(index.searchAsync(new Float32Array(4), 1, 0), code('NOT_INITIALIZED'));
});

test('native HNSW: insertBatchAsync keeps the event loop running', { skip }, async () => {
  const hnsw = await kernels();
  const dim = 64;
  const n = 20000;
  const flat = randomFlat(n, dim, 5);
  const index = hnsw.create(params(dim));
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const pending = index.insertBatchAsync(ids(n), flat);
  // Synchronous calls are refused while the build runs, rather than blocking the loop on its lock,
  // except the lookups (contains, stats), which wait for one step of the build at most.
  try {
    assert.throws(() => index.search(flat.subarray(0, dim), 1, 0), {
      name: 'RuVectorError',
      code: 'INVALID_ARGUMENT',
    });
    assert.equal(typeof index.contains('v0'), 'boolean');
    assert.ok(index.stats().count <= n);
  } catch (e) {
    clearInterval(timer);
    throw e;
  }
  // A second async batch queues behind the first, in call order.
  const second = index.insertBatchAsync(['late'], flat.subarray(0, dim));
  await pending;
  await second;
  clearInterval(timer);
  assert.ok(ticks > 0, `event loop ticks during the build: ${ticks}`);
  assert.equal(index.stats().count, n + 1);
  const hits = await index.searchAsync(flat.subarray(dim, 2 * dim), 1, 100);
  assert.equal(hits.ids[0], 'v1');
  // free() during async work releases the index once the work settles.
  const last = index.insertBatchAsync(['x'], flat.subarray(0, dim));
  index.free();
  await last;
});
