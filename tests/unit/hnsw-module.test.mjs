// The public HNSW layer (hnsw-module.ts, WasmHnswIndex) over a brute-force MOCK backend: argument
// checks and their messages, handles, conversions, the async paths and the true count. Backend
// behaviour itself (graph, recall, bytes) is the conformance suite's job, on the real backends.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { jsKernels } from '../../js/dist/backends/js/index.js';
import { RuVectorError, RuVectorRuntime, WasmHnswIndex } from '../../js/dist/index.js';

const HEADER = 76;

/** Brute-force HnswBackendIndex: exact search, a JSON body behind a FORMAT.md-like header. */
class MockIndex {
  constructor(params, calls, entries = new Map()) {
    this.params = params;
    this.calls = calls;
    this.entries = entries;
    this.freed = false;
  }
  #live() {
    if (this.freed) throw new RuVectorError('NOT_INITIALIZED', 'mock: freed');
  }
  #dist(a, b) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    let l2 = 0;
    for (let i = 0; i < a.length; i++) {
      dot += a[i] * b[i];
      na += a[i] * a[i];
      nb += b[i] * b[i];
      l2 += (a[i] - b[i]) ** 2;
    }
    if (this.params.metric === 0) return na === 0 || nb === 0 ? 1 : 1 - dot / Math.sqrt(na * nb);
    return this.params.metric === 1 ? Math.sqrt(l2) : -dot;
  }
  insert(id, vector) {
    this.#live();
    this.calls.push(['insert', id]);
    this.entries.set(id, Float32Array.from(vector));
  }
  insertBatch(ids, flat) {
    this.#live();
    this.calls.push(['insertBatch', ids.length]);
    const d = this.params.dimensions;
    ids.forEach((id, i) => this.entries.set(id, flat.slice(i * d, (i + 1) * d)));
  }
  search(query, k, ef, filter) {
    this.#live();
    this.calls.push(['search', k, ef, filter?.kind]);
    const allow =
      filter === undefined
        ? () => true
        : filter.kind === 'ids'
          ? (
              (s) => (id) =>
                s.has(id)
            )(new Set(filter.ids))
          : filter.allow;
    const hits = [];
    for (const [id, v] of this.entries) if (allow(id)) hits.push([this.#dist(query, v), id]);
    hits.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1));
    const top = hits.slice(0, k);
    const score = (d) => (this.params.metric === 0 ? 1 - d : -d);
    return {
      ids: top.map((h) => h[1]),
      distances: Float32Array.from(top, (h) => h[0]),
      scores: Float32Array.from(top, (h) => score(h[0])),
    };
  }
  remove(id) {
    this.#live();
    return this.entries.delete(id);
  }
  contains(id) {
    this.#live();
    return this.entries.has(id);
  }
  annotation() {
    this.#live();
    return this.note ?? '';
  }
  setAnnotation(text) {
    this.#live();
    this.note = text;
  }
  serialize() {
    this.#live();
    const body = new TextEncoder().encode(
      JSON.stringify({
        params: { ...this.params, seed: String(this.params.seed) },
        entries: [...this.entries].map(([id, v]) => [id, [...v]]),
      }),
    );
    const out = new Uint8Array(HEADER + body.length);
    out.set([0x52, 0x55, 0x56, 0x48, 0x4e, 0x53, 0x57, 0x00]);
    const view = new DataView(out.buffer);
    view.setUint32(8, 1, true);
    view.setUint32(12, this.params.dimensions, true);
    view.setUint32(28, this.params.metric, true);
    view.setUint32(32, this.params.storage, true);
    out.set(body, HEADER);
    return out;
  }
  stats() {
    this.#live();
    const { dimensions, m, efConstruction, efSearch, metric, storage } = this.params;
    const n = this.entries.size;
    return {
      count: n,
      slots: n,
      dimensions,
      m,
      efConstruction,
      efSearch,
      maxLevel: 0,
      vectorBytes: n * dimensions * 4,
      memoryBytes: n * dimensions * 4 + 100,
      metric,
      storage,
    };
  }
  free() {
    this.freed = true;
  }
}

/** Mock HnswKernels; `async` adds insertBatchAsync/searchAsync (recorded in `calls`). */
function mockHnsw({ async = false } = {}) {
  const calls = [];
  const withAsync = (index) => {
    if (!async) return index;
    index.insertBatchAsync = async (ids, flat) => {
      calls.push(['insertBatchAsync', ids.length]);
      await new Promise((r) => setTimeout(r, 5));
      index.insertBatch(ids, flat);
    };
    index.searchAsync = async (...args) => {
      calls.push(['searchAsync']);
      await new Promise((r) => setTimeout(r, 1));
      return index.search(...args);
    };
    return index;
  };
  const kernels = {
    create: (params) => withAsync(new MockIndex(params, calls)),
    deserialize: (bytes) => {
      try {
        const { params, entries } = JSON.parse(new TextDecoder().decode(bytes.subarray(HEADER)));
        return withAsync(
          new MockIndex(
            { ...params, seed: BigInt(params.seed) },
            calls,
            new Map(entries.map(([id, v]) => [id, Float32Array.from(v)])),
          ),
        );
      } catch (e) {
        throw new RuVectorError('CORRUPT_DATA', `mock: ${e.message}`);
      }
    },
  };
  return { kernels, calls };
}

async function runtimeWith(hnsw) {
  return RuVectorRuntime.create({
    backends: [{ name: 'js-fallback', load: async () => async () => ({ ...jsKernels, hnsw }) }],
  });
}

const config = { dimensions: 3, m: 8, efConstruction: 20, efSearch: 10, distanceMetric: 'euclidean' };
const v = (...xs) => new Float32Array(xs);
const error = (code, message) => ({ name: 'RuVectorError', code, message });

describe('hnsw module over a mock backend', async () => {
  const { kernels, calls } = mockHnsw();
  const runtime = await runtimeWith(kernels);
  const { hnsw } = runtime.getModules();

  test('a backend without an index keeps the UNSUPPORTED stand-in', async () => {
    const bare = await RuVectorRuntime.create({
      backends: [
        { name: 'wasm', load: async () => async () => ({ ...jsKernels, name: 'wasm', hnsw: undefined }) },
      ],
    });
    assert.throws(
      () => bare.getModules().hnsw.create(config),
      error('UNSUPPORTED', 'hnsw.create is not available on the wasm backend (it has no HNSW index yet)'),
    );
    await assert.rejects(new WasmHnswIndex(config, { runtime: bare }).initialize(), { code: 'UNSUPPORTED' });
  });

  test('create checks every config field against the core ranges', () => {
    const bad = [
      [null, 'config must be an HnswConfig object (got null)'],
      [{ ...config, dimensions: 0 }, 'config.dimensions must be an integer in [1, 65536] (got 0)'],
      [{ ...config, dimensions: 65537 }, 'config.dimensions must be an integer in [1, 65536] (got 65537)'],
      [{ ...config, dimensions: '3' }, "config.dimensions must be an integer in [1, 65536] (got '3')"],
      [{ ...config, m: 1 }, 'config.m must be an integer in [2, 128] (got 1)'],
      [{ ...config, m: 129 }, 'config.m must be an integer in [2, 128] (got 129)'],
      [{ ...config, m: 2.5 }, 'config.m must be an integer in [2, 128] (got 2.5)'],
      [
        { ...config, efConstruction: 0 },
        'config.efConstruction must be an integer in [1, 4294967295] (got 0)',
      ],
      [{ ...config, efSearch: null }, 'config.efSearch must be an integer in [1, 4294967295] (got null)'],
      [
        { ...config, distanceMetric: null },
        "unknown config.distanceMetric null (expected one of 'cosine', 'euclidean', 'dot_product')",
      ],
      [
        { ...config, distanceMetric: 'l1' },
        "unknown config.distanceMetric 'l1' (expected one of 'cosine', 'euclidean', 'dot_product')",
      ],
      [{ ...config, storage: 'int4' }, "unknown config.storage 'int4' (expected one of 'float32', 'int8')"],
      [
        { ...config, seed: -1 },
        'config.seed must be an integer in [0, 2^64 - 1] (a safe integer number or a bigint; got -1)',
      ],
      [
        { ...config, seed: 1n << 64n },
        'config.seed must be an integer in [0, 2^64 - 1] (a safe integer number or a bigint; got 18446744073709551616n)',
      ],
      [
        { ...config, metric: 'cosine' },
        "unknown config key 'metric' (allowed: dimensions, m, efConstruction, efSearch, distanceMetric, storage, seed)",
      ],
    ];
    for (const [c, message] of bad)
      assert.throws(() => hnsw.create(c), error('INVALID_ARGUMENT', `hnsw.create: ${message}`), message);
    assert.throws(
      () => new WasmHnswIndex({ ...config, m: 1 }),
      error('INVALID_ARGUMENT', 'WasmHnswIndex: config.m must be an integer in [2, 128] (got 1)'),
    );
    hnsw.free(hnsw.create({ ...config, storage: 'int8', seed: 7n }));
    hnsw.free(hnsw.create({ ...config, seed: 0 }));
  });

  test('insert, search, delete: results best first with score and distance', () => {
    const h = hnsw.create(config);
    hnsw.insert(h, 'a', v(0, 0, 0));
    hnsw.insert(h, 'b', v(3, 4, 0));
    hnsw.insert(h, 'c', v(1, 0, 0));
    const hits = hnsw.search(h, v(0, 0, 0), 10);
    assert.deepEqual(
      hits.map((r) => r.id),
      ['a', 'c', 'b'],
    );
    assert.deepEqual(hits[2], { id: 'b', score: -5, distance: 5 });
    hnsw.insert(h, 'b', v(0, 0, 0.5)); // replace
    assert.equal(hnsw.stats(h).vectorCount, 3);
    assert.deepEqual(
      hnsw.search(h, v(0, 0, 0), 2).map((r) => r.id),
      ['a', 'b'],
    );
    assert.equal(hnsw.delete(h, 'a'), true);
    assert.equal(hnsw.delete(h, 'a'), false);
    assert.equal(hnsw.has(h, 'b'), true);
    assert.equal(hnsw.has(h, 'a'), false);
    const s = hnsw.stats(h);
    assert.deepEqual(
      { ...s },
      {
        vectorCount: 2,
        dimensions: 3,
        m: 8,
        efConstruction: 20,
        efSearch: 10,
        backend: 'js-fallback',
        distanceMetric: 'euclidean',
        storage: 'float32',
        vectorBytes: 24,
        memoryBytes: 124,
      },
    );
    hnsw.free(h);
  });

  test('every argument is checked with one message', () => {
    const h = hnsw.create(config);
    hnsw.insert(h, 'x', v(1, 2, 3));
    const cases = [
      [
        () => hnsw.insert(h, '', v(1, 2, 3)),
        'INVALID_ARGUMENT',
        "hnsw.insert: id must be a non-empty string (got '')",
      ],
      [
        () => hnsw.insert(h, 7, v(1, 2, 3)),
        'INVALID_ARGUMENT',
        'hnsw.insert: id must be a non-empty string (got 7)',
      ],
      [
        () => hnsw.insert(h, 'a\ud800b', v(1, 2, 3)),
        'INVALID_ARGUMENT',
        'hnsw.insert: id is not well-formed UTF-16 (lone surrogate at index 1)',
      ],
      [
        () => hnsw.insert(h, 'a', [1, 2, 3]),
        'INVALID_ARGUMENT',
        'hnsw.insert: vector must be a Float32Array (got Array)',
      ],
      [
        () => hnsw.insert(h, 'a', v(1, 2)),
        'DIMENSION_MISMATCH',
        'hnsw.insert: vector has 2 elements but the index has 3 dimensions',
      ],
      [
        () => hnsw.insert(h, 'a', v(1, NaN, 2)),
        'NON_FINITE',
        'hnsw.insert: vector contains a non-finite value at index 1',
      ],
      [
        () => hnsw.search(h, v(1, 2, Infinity), 1),
        'NON_FINITE',
        'hnsw.search: query contains a non-finite value at index 2',
      ],
      [
        () => hnsw.search(h, v(1, 2, 3), 0),
        'INVALID_ARGUMENT',
        'hnsw.search: k must be a positive integer (got 0)',
      ],
      [
        () => hnsw.search(h, v(1, 2, 3), 1.5),
        'INVALID_ARGUMENT',
        'hnsw.search: k must be a positive integer (got 1.5)',
      ],
      [
        () => hnsw.search(h, v(1, 2, 3), 1, { ef: 5 }),
        'INVALID_ARGUMENT',
        "hnsw.search: unknown option 'ef' (allowed: efSearch, filter)",
      ],
      [
        () => hnsw.search(h, v(1, 2, 3), 1, { efSearch: 0 }),
        'INVALID_ARGUMENT',
        'hnsw.search: options.efSearch must be a positive integer (got 0)',
      ],
      [
        () => hnsw.search(h, v(1, 2, 3), 1, 5),
        'INVALID_ARGUMENT',
        'hnsw.search: options must be an HnswSearchOptions object (got number)',
      ],
      [
        () => hnsw.search(h, v(1, 2, 3), 1, { filter: 'x' }),
        'INVALID_ARGUMENT',
        'hnsw.search: options.filter must be a function, a Set of ids or an array of ids (got string)',
      ],
      [
        () => hnsw.search(h, v(1, 2, 3), 1, { filter: ['x', 3] }),
        'INVALID_ARGUMENT',
        'hnsw.search: options.filter[1] must be a non-empty string (got 3)',
      ],
      [
        () => hnsw.search(h, v(1, 2, 3), 1, { filter: () => 1 }),
        'INVALID_ARGUMENT',
        "hnsw.search: options.filter returned 1 for id 'x' (expected a boolean)",
      ],
      [
        () => hnsw.insertBatch(h, 'x'),
        'INVALID_ARGUMENT',
        'hnsw.insertBatch: entries must be an array of { id, vector } (got string)',
      ],
      [
        () => hnsw.insertBatch(h, [{ id: 'p', vector: v(1, 2, 3) }, null]),
        'INVALID_ARGUMENT',
        'hnsw.insertBatch: entries[1] must be an object { id, vector } (got null)',
      ],
      [
        () =>
          hnsw.insertBatch(h, [
            { id: 'p', vector: v(1, 2, 3) },
            { id: 'q', vector: v(1) },
          ]),
        'DIMENSION_MISMATCH',
        'hnsw.insertBatch: entries[1].vector has 1 elements but the index has 3 dimensions',
      ],
      [
        () => hnsw.delete(h, null),
        'INVALID_ARGUMENT',
        'hnsw.delete: id must be a non-empty string (got null)',
      ],
      [
        () => hnsw.deserialize([1, 2]),
        'INVALID_ARGUMENT',
        'hnsw.deserialize: data must be a Uint8Array (got Array)',
      ],
      [
        () => hnsw.deserialize(new Uint8Array(10)),
        'CORRUPT_DATA',
        'hnsw.deserialize: data has 10 bytes, fewer than the 76 of the smallest serialized HNSW index',
      ],
      [
        () => hnsw.deserialize(new Uint8Array(100)),
        'CORRUPT_DATA',
        'hnsw.deserialize: data is not a serialized HNSW index (no RUVHNSW magic)',
      ],
      [
        () => hnsw.search({}, v(1, 2, 3), 1),
        'INVALID_ARGUMENT',
        'hnsw.search: handle is not an HNSW index handle of this runtime (got Object)',
      ],
      [
        () => hnsw.free(null),
        'INVALID_ARGUMENT',
        'hnsw.free: handle is not an HNSW index handle of this runtime (got null)',
      ],
    ];
    for (const [call, code, message] of cases) assert.throws(call, error(code, message), message);
    assert.equal(hnsw.stats(h).vectorCount, 1, 'a rejected batch inserts nothing');
    const bytes = hnsw.serialize(h);
    bytes[8] = 3;
    assert.throws(
      () => hnsw.deserialize(bytes),
      error(
        'CORRUPT_DATA',
        'hnsw.deserialize: serialized HNSW format version 3 is not supported (this build reads versions 1 and 2)',
      ),
    );
    bytes[8] = 1;
    bytes[HEADER] ^= 0xff;
    assert.throws(
      () => hnsw.deserialize(bytes),
      (e) =>
        e.code === 'CORRUPT_DATA' &&
        e.message.startsWith('hnsw.deserialize: data is not a valid serialized HNSW index (mock: ') &&
        e.cause?.code === 'CORRUPT_DATA',
    );
    hnsw.free(h);
  });

  test('filters: ids from a Set or an array reach the backend as an id list (an empty one never does); a predicate is guarded', () => {
    const h = hnsw.create(config);
    for (let i = 0; i < 10; i++) hnsw.insert(h, `id${i}`, v(i, 0, 0));
    calls.length = 0;
    assert.deepEqual(
      hnsw.search(h, v(0, 0, 0), 3, { filter: new Set(['id5', 'id7', 'nope']) }).map((r) => r.id),
      ['id5', 'id7'],
    );
    assert.deepEqual(
      hnsw.search(h, v(0, 0, 0), 3, { filter: ['id9'], efSearch: 40 }).map((r) => r.id),
      ['id9'],
    );
    assert.deepEqual(
      hnsw.search(h, v(0, 0, 0), 2, { filter: (id) => id >= 'id4' }).map((r) => r.id),
      ['id4', 'id5'],
    );
    assert.deepEqual(hnsw.search(h, v(0, 0, 0), 2, { filter: [] }), []);
    assert.deepEqual(
      calls,
      [
        ['search', 3, 0, 'ids'],
        ['search', 3, 40, 'ids'],
        ['search', 2, 0, 'predicate'],
      ],
      'an empty id list answers [] without a backend call',
    );
    const boom = new Error('boom');
    assert.throws(
      () =>
        hnsw.search(h, v(0, 0, 0), 2, {
          filter: () => {
            throw boom;
          },
        }),
      (e) => e === boom,
    );
    hnsw.search(h, v(0, 0, 0), Number.MAX_SAFE_INTEGER, { efSearch: Number.MAX_SAFE_INTEGER });
    assert.deepEqual(
      calls.at(-1),
      ['search', 0xffffffff, 0xffffffff, undefined],
      'k and ef are clamped to u32',
    );
    hnsw.free(h);
  });

  test('freed handles answer NOT_INITIALIZED; free twice is harmless; handles are per runtime', async () => {
    const h = hnsw.create(config);
    hnsw.free(h);
    hnsw.free(h);
    for (const call of [
      () => hnsw.insert(h, 'a', v(1, 2, 3)),
      () => hnsw.search(h, v(1, 2, 3), 1),
      () => hnsw.serialize(h),
      () => hnsw.stats(h),
      () => hnsw.delete(h, 'a'),
    ]) {
      assert.throws(call, { code: 'NOT_INITIALIZED', message: /: the index was freed$/ });
    }
    const other = await runtimeWith(mockHnsw().kernels);
    const h2 = hnsw.create(config);
    assert.throws(() => other.getModules().hnsw.stats(h2), { code: 'INVALID_ARGUMENT' });
    hnsw.free(h2);
  });

  test('serialize / deserialize round trip keeps metric and storage', () => {
    const h = hnsw.create({ ...config, distanceMetric: 'dot_product', storage: 'int8' });
    hnsw.insert(h, 'a', v(1, 2, 3));
    const h2 = hnsw.deserialize(hnsw.serialize(h));
    assert.equal(hnsw.stats(h2).distanceMetric, 'dot_product');
    assert.equal(hnsw.stats(h2).storage, 'int8');
    assert.deepEqual(hnsw.search(h2, v(1, 0, 0), 1), [{ id: 'a', score: 1, distance: -1 }]);
    hnsw.free(h);
    hnsw.free(h2);
  });
});

describe('WasmHnswIndex over a mock backend', () => {
  test('uses the async backend paths when offered, the true count, and waits before freeing', async () => {
    const { kernels, calls } = mockHnsw({ async: true });
    const runtime = await runtimeWith(kernels);
    const index = new WasmHnswIndex(config, { runtime });
    assert.equal(index.vectorCount, 0);
    await assert.rejects(
      index.search(v(1, 2, 3), 1),
      error(
        'NOT_INITIALIZED',
        'WasmHnswIndex.search: the index is not initialized (call initialize() or deserialize())',
      ),
    );
    await index.initialize();
    await assert.rejects(index.initialize(), { code: 'INVALID_ARGUMENT' });
    await index.insertBatch([
      { id: 'a', vector: v(1, 0, 0) },
      { id: 'b', vector: v(0, 1, 0) },
      { id: 'a', vector: v(0, 0, 1), meta: 1 },
    ]);
    assert.equal(index.vectorCount, 2);
    assert.equal(index.size, 2);
    await index.insert('b', v(5, 5, 5));
    assert.equal(index.vectorCount, 2, 'replacing keeps the count');
    assert.deepEqual(
      (await index.search(v(0, 0, 1), 5)).map((r) => r.id),
      ['a', 'b'],
    );
    await index.search(v(0, 0, 1), 5, { filter: () => true });
    // Both searches are far below a worker hop's worth of work: they run on the JS thread.
    assert.deepEqual(
      calls.filter((c) => c[0] !== 'search').map((c) => c[0]),
      ['insertBatchAsync', 'insertBatch', 'insert'],
    );
    assert.equal(await index.delete('a'), true);
    assert.equal(index.getStats().vectorCount, 1);
    assert.equal(index.has('b'), true);
    const pending = index.insertBatch([{ id: 'c', vector: v(1, 1, 1) }]);
    const bytes = await index.serialize();
    await index.dispose(); // waits for the pending batch
    await pending;
    assert.equal(index.vectorCount, 0);
    assert.throws(() => index.getStats(), { code: 'NOT_INITIALIZED' });
    await index.deserialize(bytes);
    assert.equal(index.vectorCount, 2, 'serialize took its turn after the batch called before it');
    await index.free();
    await index.free();
  });

  test('a search worth more than ~1 ms of work goes to searchAsync; a pending async batch forces it too', async () => {
    const { kernels, calls } = mockHnsw({ async: true });
    const runtime = await runtimeWith(kernels);
    const big = { ...config, dimensions: 256, m: 32 };
    const index = new WasmHnswIndex(big, { runtime });
    await index.initialize();
    const n = 1100; // 1100 candidates x 2m x 256-d = 18 M multiply-adds > 2^24
    const row = (i) => Float32Array.from({ length: 256 }, (_, j) => Math.sin(i * 7 + j));
    await index.insertBatch(Array.from({ length: n }, (_, i) => ({ id: `r${i}`, vector: row(i) })));
    calls.length = 0;
    await index.search(row(3), 5); // ef 10: small
    assert.deepEqual(
      calls.map((c) => c[0]),
      ['search'],
    );
    calls.length = 0;
    const hits = await index.search(row(3), 5, { efSearch: n });
    assert.deepEqual(
      calls.map((c) => c[0]),
      ['searchAsync', 'search'],
    );
    assert.equal(hits[0].id, 'r3');
    calls.length = 0;
    const pending = index.insertBatch([{ id: 'x', vector: row(9) }]);
    await index.search(row(3), 5); // small, but a batch is in flight on a worker
    await pending;
    // The batch's checks yield to the event loop, so the search may reach the backend first.
    assert.deepEqual(
      calls
        .map((c) => c[0])
        .slice(0, 2)
        .sort(),
      ['insertBatchAsync', 'searchAsync'],
    );
    await index.dispose();
  });

  test('without insertBatchAsync, a batch is inserted in chunks with yields in between', async () => {
    const { kernels, calls } = mockHnsw();
    const runtime = await runtimeWith(kernels);
    const index = new WasmHnswIndex({ ...config, distanceMetric: 'cosine' }, { runtime });
    await index.initialize();
    const entries = Array.from({ length: 3000 }, (_, i) => ({ id: `v${i}`, vector: v(i, 1, 2) }));
    await index.insertBatch(entries);
    const chunks = calls.filter((c) => c[0] === 'insertBatch');
    assert.ok(chunks.length > 1, 'inserted in several chunks');
    assert.equal(
      chunks.reduce((n, c) => n + c[1], 0),
      3000,
    );
    assert.equal(index.vectorCount, 3000);
    const stats = index.getStats();
    assert.equal(stats.distanceMetric, 'cosine');
    assert.equal(stats.backend, 'js-fallback');
    await index.dispose();
  });
});
