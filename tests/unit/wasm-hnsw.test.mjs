// The wasm backend's HNSW adapter (js/src/backends/wasm/hnsw.ts) over the C ABI of
// core/capi/ruv_capi_hnsw.h, driven directly through its HnswKernels: recall against brute force,
// serialize round trips (native bytes: conformance/hnsw-cross), id and predicate filters (a throwing
// predicate, re-entry from a predicate), UTF-8 ids, the u64 seed crossing as a BigInt, memory
// growth during a big batch, zero-copy rows, and NOT_INITIALIZED after free.
import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';

import { load as loadWasm } from '../../js/dist/backends/wasm/locate.js';
import { RuVectorError } from '../../js/dist/index.js';
import { bruteForceIds } from '../conformance/cases/recall.mjs';
import { mulberry32, randomVector } from '../conformance/support.mjs';

const COSINE = 0;
const EUCLIDEAN = 1;
const DEFAULT_SEED = 0x5255564543544f52n;

const params = (dimensions, overrides = {}) => ({
  dimensions,
  m: 16,
  efConstruction: 200,
  efSearch: 50,
  metric: COSINE,
  storage: 0,
  seed: DEFAULT_SEED,
  ...overrides,
});

/** count x dim random rows, flat, and their ids 'v0', 'v1', ... */
function dataset(count, dim, seed) {
  const rand = mulberry32(seed);
  const flat = new Float32Array(count * dim);
  for (let i = 0; i < count; i++) flat.set(randomVector(rand, dim), i * dim);
  const ids = Array.from({ length: count }, (_, i) => `v${i}`);
  return { ids, flat };
}

/** Ids of the k rows nearest to q by cosine distance, computed in float64. */
function bruteForceCosine(flat, dim, q, k) {
  const entries = [];
  for (let i = 0; i * dim < flat.length; i++) entries.push([`v${i}`, flat.subarray(i * dim, (i + 1) * dim)]);
  return bruteForceIds(entries, q, k, 'cosine', { ties: 'order' });
}

function throwsCode(fn, code, pattern) {
  assert.throws(fn, (e) => {
    assert.ok(e instanceof RuVectorError, `not a RuVectorError: ${e}`);
    assert.equal(e.code, code, e.message);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

let kernels;
let hnsw;
before(async () => {
  kernels = await loadWasm({});
  hnsw = kernels.hnsw;
  assert.ok(hnsw, 'the wasm backend offers hnsw');
});

describe('wasm hnsw', () => {
  const dim = 64;
  const { ids, flat } = dataset(2000, dim, 7);
  const queries = dataset(50, dim, 99).flat;
  let index;

  test('recall@10 against brute force is at least 0.9 (2000 x 64, cosine)', () => {
    index = hnsw.create(params(dim));
    index.insertBatch(ids, flat);
    assert.equal(index.stats().count, 2000);
    let found = 0;
    for (let qi = 0; qi < 50; qi++) {
      const q = queries.subarray(qi * dim, (qi + 1) * dim);
      const hits = index.search(q, 10, 0);
      assert.equal(hits.ids.length, 10);
      assert.equal(hits.scores.length, 10);
      for (let i = 1; i < 10; i++) assert.ok(hits.distances[i - 1] <= hits.distances[i], 'best first');
      for (let i = 0; i < 10; i++)
        assert.ok(Math.abs(hits.scores[i] - (1 - hits.distances[i])) < 1e-5, 'cosine score = 1 - distance');
      const truth = new Set(bruteForceCosine(flat, dim, q, 10));
      found += hits.ids.filter((id) => truth.has(id)).length;
    }
    const recall = found / 500;
    assert.ok(recall >= 0.9, `recall@10 ${recall}`);
  });

  test('insert one by one gives the same bytes as insertBatch (levels drawn in entry order)', () => {
    const one = hnsw.create(params(dim));
    for (let i = 0; i < 300; i++) one.insert(ids[i], flat.subarray(i * dim, (i + 1) * dim));
    const batch = hnsw.create(params(dim));
    batch.insertBatch(ids.slice(0, 300), flat.subarray(0, 300 * dim));
    assert.deepEqual(one.serialize(), batch.serialize());
    one.free();
    batch.free();
  });

  test('serialize -> deserialize gives the same bytes and the same hits', () => {
    const bytes = index.serialize();
    assert.deepEqual([...bytes.subarray(0, 8)], [0x52, 0x55, 0x56, 0x48, 0x4e, 0x53, 0x57, 0x00]);
    const copy = hnsw.deserialize(bytes);
    assert.deepEqual(copy.serialize(), bytes);
    for (let qi = 0; qi < 10; qi++) {
      const q = queries.subarray(qi * dim, (qi + 1) * dim);
      assert.deepEqual(copy.search(q, 10, 80), index.search(q, 10, 80));
    }
    // vectorBytes / memoryBytes count capacity, which a loaded index sizes exactly.
    const { vectorBytes: _v1, memoryBytes: _m1, ...loaded } = copy.stats();
    const { vectorBytes: _v2, memoryBytes: _m2, ...built } = index.stats();
    assert.deepEqual(loaded, built);
    copy.free();
  });

  test('corrupt bytes throw CORRUPT_DATA and leave the backend usable', () => {
    const bytes = index.serialize();
    bytes[bytes.length - 1] ^= 0xff; // crc
    throwsCode(() => hnsw.deserialize(bytes), 'CORRUPT_DATA');
    throwsCode(() => hnsw.deserialize(new Uint8Array(3)), 'CORRUPT_DATA');
    assert.equal(index.search(queries.subarray(0, dim), 3, 0).ids.length, 3);
  });

  test('a predicate filter returns only allowed ids, and k of them', () => {
    const q = queries.subarray(0, dim);
    const seen = [];
    const hits = index.search(q, 10, 0, {
      kind: 'predicate',
      allow: (id) => {
        seen.push(id);
        return Number(id.slice(1)) % 7 === 0;
      },
    });
    assert.equal(hits.ids.length, 10);
    for (const id of hits.ids) assert.equal(Number(id.slice(1)) % 7, 0, id);
    assert.ok(seen.length >= 10 && seen.every((id) => /^v\d+$/.test(id)), 'the predicate sees the ids');
    // The answer is read by truthiness, as on native and js.
    assert.equal(index.search(q, 10, 0, { kind: 'predicate', allow: () => 1 }).ids.length, 10);
    assert.equal(index.search(q, 10, 0, { kind: 'predicate', allow: () => '' }).ids.length, 0);
  });

  test('an id filter returns only listed ids; an empty list returns nothing but still checks the query', () => {
    const q = queries.subarray(dim, 2 * dim);
    const allowed = ['v3', 'v17', 'v1999', 'missing', 'v500'];
    const hits = index.search(q, 10, 0, { kind: 'ids', ids: allowed });
    assert.deepEqual([...hits.ids].sort(), ['v17', 'v1999', 'v3', 'v500']);
    assert.equal(index.search(q, 10, 0, { kind: 'ids', ids: [] }).ids.length, 0);
    const nan = q.slice();
    nan[3] = NaN;
    throwsCode(() => index.search(nan, 10, 0, { kind: 'ids', ids: [] }), 'NON_FINITE');
    throwsCode(() => index.search(nan, 10, 0), 'NON_FINITE');
  });

  test('a predicate that throws surfaces as the search error, and the index stays usable', () => {
    const q = queries.subarray(0, dim);
    const boom = new Error('predicate failed');
    let calls = 0;
    assert.throws(
      () =>
        index.search(q, 10, 0, {
          kind: 'predicate',
          allow: () => {
            calls++;
            throw boom;
          },
        }),
      (e) => e === boom,
    );
    assert.equal(calls, 1, 'not called again after it threw');
    // The core released its lock: a write and a plain search work.
    index.insert('after-throw', q);
    assert.equal(index.search(q, 1, 0).ids[0], 'after-throw');
    assert.ok(index.remove('after-throw'));
  });

  test('a predicate may call the vector kernels and use other indexes, but not its own', () => {
    const q = queries.subarray(0, dim);
    const other = hnsw.create(params(dim));
    other.insertBatch(ids.slice(0, 200), flat.subarray(0, 200 * dim));
    for (const reenter of [
      () => index.contains('v1'), // the index being searched: nothing at all
      () => index.insert('x', q),
      () => index.free(),
    ]) {
      assert.throws(
        () => index.search(q, 5, 0, { kind: 'predicate', allow: () => (reenter(), true) }),
        (e) => e instanceof RuVectorError && e.code === 'INVALID_ARGUMENT',
      );
    }
    assert.ok(index.contains('v1'), 'the index was not freed');
    assert.equal(index.contains('x'), false);
    // Calls on another index (searches and writes too) and the vector kernels work, and leave the
    // outer search's query, allow-list (scratch arena) and walk (core scratch) untouched, even
    // when they grow their own arena.
    const big = new Float32Array(20000 * dim).fill(0.5);
    const plain = index.search(q, 10, 0, { kind: 'ids', ids: ids.slice(0, 1000) });
    let calls = 0;
    const hits = index.search(q, 10, 0, {
      kind: 'predicate',
      allow: (id) => {
        assert.ok(other.contains('v1') && other.stats().count === 200);
        assert.equal(other.search(q, 2, 0).ids.length, 2);
        other.insert('x', q);
        assert.ok(other.remove('x'));
        assert.ok(kernels.distance(q, q, 0) < 1e-6);
        if (calls++ < 3) kernels.batchDistance(q, big, 20000, 0);
        return Number(id.slice(1)) < 1000;
      },
    });
    assert.deepEqual(hits, plain);
    other.free();
  });

  test('ids are UTF-8 both ways (accents, CJK, emoji, long ids)', () => {
    const small = hnsw.create(params(4, { metric: EUCLIDEAN }));
    const names = ['é', '日本語', 'a\u{1F600}b', 'x'.repeat(300), `ünï-${'ç'.repeat(40)}`];
    const rows = new Float32Array(names.length * 4);
    names.forEach((_, i) => rows.set([i, 0, 0, 0], i * 4));
    small.insertBatch(names, rows);
    small.insert('ß', new Float32Array([10, 0, 0, 0]));
    for (const name of [...names, 'ß']) assert.ok(small.contains(name), name);
    const hits = small.search(new Float32Array([0, 0, 0, 0]), 10, 0);
    assert.deepEqual(hits.ids, [...names, 'ß']);
    assert.deepEqual(small.search(new Float32Array(4), 10, 0, { kind: 'ids', ids: ['日本語', 'ß'] }).ids, [
      '日本語',
      'ß',
    ]);
    const got = [];
    small.search(new Float32Array(4), 10, 0, { kind: 'predicate', allow: (id) => (got.push(id), true) });
    assert.deepEqual(new Set(got), new Set([...names, 'ß']));
    const copy = hnsw.deserialize(small.serialize());
    assert.deepEqual(copy.search(new Float32Array(4), 10, 0).ids, hits.ids);
    assert.ok(small.remove('日本語'));
    assert.equal(small.remove('日本語'), false);
    copy.free();
    small.free();
  });

  test('the u64 seed crosses whole (BigInt), up to 2^64 - 1', () => {
    for (const seed of [0n, 1n, DEFAULT_SEED, 0x8000000000000001n, 0xffffffffffffffffn]) {
      const empty = hnsw.create(params(8, { seed }));
      const bytes = empty.serialize();
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      assert.equal(view.getBigUint64(36, true), seed, 'seed field');
      assert.equal(view.getBigUint64(44, true), seed, 'rng field of an empty index');
      empty.free();
    }
  });

  test('bad config and data-dependent failures keep their codes', () => {
    throwsCode(() => hnsw.create(params(0)), 'INVALID_ARGUMENT');
    throwsCode(() => hnsw.create(params(8, { m: 1 })), 'INVALID_ARGUMENT');
    const small = hnsw.create(params(3));
    throwsCode(() => small.insert('bad', new Float32Array([1, NaN, 0])), 'NON_FINITE');
    throwsCode(
      () => small.insertBatch(['a', 'b'], new Float32Array([1, 1, 1, 1, Infinity, 1])),
      'NON_FINITE',
    );
    assert.equal(small.stats().count, 0, 'nothing of a failed batch was inserted');
    small.free();
  });

  test('free is idempotent; later calls throw NOT_INITIALIZED', () => {
    const doomed = hnsw.create(params(4));
    doomed.insert('a', new Float32Array([1, 2, 3, 4]));
    doomed.free();
    doomed.free();
    const q = new Float32Array(4);
    for (const call of [
      () => doomed.insert('b', q),
      () => doomed.insertBatch(['b'], q),
      () => doomed.search(q, 1, 0),
      () => doomed.remove('a'),
      () => doomed.contains('a'),
      () => doomed.serialize(),
      () => doomed.stats(),
    ]) {
      throwsCode(call, 'NOT_INITIALIZED');
    }
  });

  test('memory growth during a big insertBatch (20000 x 384) keeps every later call working', () => {
    const big = dataset(20000, 384, 3);
    const heapBefore = index.stats().memoryBytes;
    const heapBytes = () => {
      const probe = kernels.allocateFloat32(1);
      const bytes = probe.view().buffer.byteLength;
      probe.free();
      return bytes;
    };
    const grownFrom = heapBytes();
    const large = hnsw.create(params(384, { efConstruction: 40, m: 8 }));
    large.insertBatch(big.ids, big.flat);
    assert.ok(heapBytes() > grownFrom, 'wasm memory grew during the batch');
    const s = large.stats();
    assert.equal(s.count, 20000);
    assert.ok(s.vectorBytes >= 20000 * 384 * 4);
    const q = big.flat.subarray(123 * 384, 124 * 384);
    assert.equal(large.search(q, 1, 0).ids[0], 'v123');
    // The older index and the vector kernels still work over the grown memory.
    assert.equal(index.stats().memoryBytes, heapBefore);
    assert.equal(index.search(queries.subarray(0, dim), 10, 0).ids.length, 10);
    assert.equal(kernels.batchDistance(q, big.flat.subarray(0, 384 * 3), 3, 0).length, 3);
    large.free();
  });

  test('insertBatch reads rows already on the wasm heap in place (VectorBuffer)', () => {
    const small = hnsw.create(params(dim));
    const buffer = kernels.allocateFloat32(100 * dim);
    buffer.view().set(flat.subarray(0, 100 * dim));
    small.insertBatch(ids.slice(0, 100), buffer.view());
    const reference = hnsw.create(params(dim));
    reference.insertBatch(ids.slice(0, 100), flat.subarray(0, 100 * dim));
    assert.deepEqual(small.serialize(), reference.serialize());
    buffer.free();
    small.free();
    reference.free();
  });
  // Native <-> wasm bytes: tests/conformance/hnsw-cross.test.mjs, for every backend pair.
});
