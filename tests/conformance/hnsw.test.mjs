// HNSW conformance, one backend at a time: the same cases on native, wasm and js-fallback, every
// answer checked against a float64 brute force (never against the index itself): recall, every
// stored id findable, k > count, score vs distance, efSearch honoured, filters, deletes, replaces,
// and a seeded random sequence of operations against a Map model. Cross-backend cases (bytes
// portability, same errors everywhere, corrupt bytes) are in hnsw-cross.test.mjs.
//
// A backend without an HNSW index yet is skipped ('hnsw not available on <backend>'), unless
// RUVECTOR_REQUIRE_HNSW names it, in which case its tests fail.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { WasmHnswIndex } from '../../js/dist/index.js';
import { HNSW_CONFIG, HNSW_DIM, HNSW_K, HNSW_N, hnswData, RECALL_CASES } from './cases/hnsw.mjs';
import { dequantizeByFormat, quantizeByFormat } from './cases/quant-format.mjs';
import { unit } from './cases/recall.mjs';
import {
  bruteForce,
  loadHnswBackends,
  mean,
  mulberry32,
  recallOf,
  refDistance,
  scoreOf,
} from './hnsw-support.mjs';

const METRICS = ['cosine', 'euclidean', 'dot_product'];
const N = HNSW_N;
const DIM = HNSW_DIM;
const K = HNSW_K;
const CONFIG = HNSW_CONFIG;

const backends = await loadHnswBackends();
const DATA = hnswData();
const entriesOf = (data) => data.ids.map((id, i) => [id, data.vectors[i]]);

/** Exact top-K of every query of `data` for `metric` (float64), computed once. */
const truthCache = new Map();
function truth(data, metric) {
  const key = `${data.kind}/${metric}`;
  if (!truthCache.has(key))
    truthCache.set(
      key,
      data.queries.map((q) => bruteForce(entriesOf(data), q, K, metric)),
    );
  return truthCache.get(key);
}

/**
 * The float64 distance from a query to an int8 row as core/src/hnsw/FORMAT.md defines it: the row
 * is the scalar code (quant.h, per-vector range) of the prepared vector (unit length for cosine),
 * standing for its dequantized values; cosine is 1 - unit(q).v, not renormalized.
 */
function int8Distance(query, vector, metric) {
  const prepared = metric === 'cosine' ? unit(Float32Array.from(vector)) : vector;
  const scalar = { type: 'scalar' };
  const row = dequantizeByFormat(quantizeByFormat(prepared, scalar), scalar, vector.length);
  if (metric !== 'cosine') return refDistance(query, row, metric);
  const q = unit(Float32Array.from(query));
  return 1 - q.reduce((a, x, i) => a + x * row[i], 0);
}

/** Checks a result list: best first, scores = similarity of distances, distances = float64 reference. */
function checkResults(results, query, vectorsById, metric, what, { tolerance = 2e-5, storage } = {}) {
  for (let i = 0; i < results.length; i++) {
    const r = results[i];
    if (i > 0) assert.ok(results[i - 1].distance <= r.distance, `${what}: not best first at ${i}`);
    assert.ok(
      Math.abs(r.score - scoreOf(r.distance, metric)) <= 1e-6 * (1 + Math.abs(r.distance)),
      `${what}: score ${r.score} is not the similarity of distance ${r.distance}`,
    );
    const v = vectorsById.get(r.id);
    assert.ok(v !== undefined, `${what}: returned unknown id ${r.id}`);
    if (tolerance !== null) {
      const want = storage === 'int8' ? int8Distance(query, v, metric) : refDistance(query, v, metric);
      assert.ok(
        Math.abs(r.distance - want) <= tolerance * (1 + Math.abs(want)),
        `${what}: distance of ${r.id} is ${r.distance}, want ${want}`,
      );
    }
  }
}

for (const backend of backends) {
  describe(`hnsw on ${backend.name}`, () => {
    const { hnsw } = backend;
    /** Skips (or fails, when required) when this backend has no index; true when the test may run. */
    const ready = (t) => {
      if (backend.hnsw !== undefined) return true;
      if (backend.mustRun)
        assert.fail(`${backend.skip} (required by RUVECTOR_REQUIRE_HNSW / RUVECTOR_REQUIRE_BACKENDS)`);
      t.skip(backend.skip);
      return false;
    };

    /**
     * Serialized bytes of each (data, metric, storage) index, built once by inserts one by one
     * (deterministic; insertBatch, parallel on native, has its own test); copies come from them.
     */
    const built = new Map();
    function bytesOf(kind, metric, storage = 'float32') {
      const key = `${kind}/${metric}/${storage}`;
      if (!built.has(key)) {
        const data = DATA[kind];
        const h = hnsw.create({ ...CONFIG, distanceMetric: metric, storage });
        data.ids.forEach((id, i) => hnsw.insert(h, id, data.vectors[i]));
        built.set(key, hnsw.serialize(h));
        hnsw.free(h);
      }
      return built.get(key);
    }
    const copyOf = (kind, metric, storage) => hnsw.deserialize(bytesOf(kind, metric, storage));

    /** One row of RECALL_CASES: recall@K of a copy of the built index, every result checked. */
    function checkRecall(row) {
      const data = DATA[row.data];
      const byId = new Map(entriesOf(data));
      const what = `${row.data} ${row.metric} ${row.storage}`;
      const h = copyOf(row.data, row.metric, row.storage);
      const s = hnsw.stats(h);
      assert.equal(s.vectorCount, N);
      assert.equal(s.storage, row.storage);
      if (row.storage === 'int8')
        assert.ok(s.vectorBytes < N * DIM * 4, `int8 rows take ${s.vectorBytes} bytes`);
      const want = truth(data, row.metric);
      const recalls = data.queries.map((q, i) => {
        const got = hnsw.search(h, q, K);
        assert.equal(got.length, K);
        checkResults(got, q, byId, row.metric, `${what} query ${i}`, {
          tolerance: row.tolerance,
          storage: row.storage,
        });
        return recallOf(got, want[i]);
      });
      assert.ok(mean(recalls) >= row.minRecall, `${what}: recall@${K} ${mean(recalls)} < ${row.minRecall}`);
      hnsw.free(h);
    }

    test(`recall@${K} >= 0.9 against brute force, ${N} x ${DIM} uniform and clustered, every metric`, (t) => {
      if (!ready(t)) return;
      for (const row of RECALL_CASES.filter((r) => r.storage === 'float32')) checkRecall(row);
    });

    test('int8 storage: recall@10 >= 0.9 on clustered data; distances to the dequantized rows', (t) => {
      if (!ready(t)) return;
      for (const row of RECALL_CASES.filter((r) => r.storage === 'int8')) checkRecall(row);
    });

    test('every stored id is found by its own vector', (t) => {
      if (!ready(t)) return;
      for (const metric of METRICS) {
        const data = DATA.clustered;
        const h = copyOf('clustered', metric);
        const missing = data.ids.filter(
          (id, i) => !hnsw.search(h, data.vectors[i], K).some((r) => r.id === id),
        );
        assert.deepEqual(missing, [], `${metric}: ids not found by their own vector`);
        hnsw.free(h);
      }
    });

    // Natively this is the parallel bulk build (core/src/hnsw/hnsw_parallel.cc), which once left a
    // few nodes unreachable (walks used nodes still being linked by another thread).
    test('insertBatch builds a graph where every id is found by its own vector, with recall >= 0.9', (t) => {
      if (!ready(t)) return;
      const data = DATA.clustered;
      for (const metric of METRICS) {
        const h = hnsw.create({ ...CONFIG, distanceMetric: metric });
        hnsw.insertBatch(
          h,
          data.ids.map((id, i) => ({ id, vector: data.vectors[i] })),
        );
        assert.equal(hnsw.stats(h).vectorCount, N);
        const want = truth(data, metric);
        const recall = mean(data.queries.map((q, i) => recallOf(hnsw.search(h, q, K), want[i])));
        assert.ok(recall >= 0.9, `${metric}: recall ${recall}`);
        const missing = data.ids.filter(
          (id, i) => !hnsw.search(h, data.vectors[i], K).some((r) => r.id === id),
        );
        const unreachable = missing.filter(
          (id) => hnsw.search(h, data.vectors[data.ids.indexOf(id)], 1, { filter: [id] }).length === 0,
        );
        assert.deepEqual(
          missing,
          [],
          `${metric}: ids not found by their own vector (unreachable from the entry point: ${unreachable.join(', ') || 'none'})`,
        );
        hnsw.free(h);
      }
    });

    test('k larger than the count returns every live entry, best first, exactly', (t) => {
      if (!ready(t)) return;
      const rand = mulberry32(5);
      for (const metric of METRICS) {
        const h = hnsw.create({ ...CONFIG, dimensions: 8, efSearch: 4, distanceMetric: metric });
        const entries = Array.from({ length: 30 }, (_, i) => [
          `k${i}`,
          Float32Array.from({ length: 8 }, () => rand() * 2 - 1),
        ]);
        for (const [id, v] of entries) hnsw.insert(h, id, v);
        for (const [id] of entries.slice(0, 10)) assert.equal(hnsw.delete(h, id), true);
        const live = entries.slice(10);
        const q = Float32Array.from({ length: 8 }, () => rand() * 2 - 1);
        const got = hnsw.search(h, q, 100);
        assert.deepEqual(
          got.map((r) => r.id),
          bruteForce(live, q, 100, metric).map((r) => r.id),
        );
        checkResults(got, q, new Map(live), metric, `${metric} k > count`);
        hnsw.free(h);
      }
    });

    test('efSearch is honoured: per query (ef >= count is exact) and from the config', (t) => {
      if (!ready(t)) return;
      const data = DATA.uniform;
      const want = truth(data, 'euclidean');
      const h = copyOf('uniform', 'euclidean');
      for (let i = 0; i < data.queries.length; i++) {
        const got = hnsw.search(h, data.queries[i], K, { efSearch: N });
        assert.deepEqual(
          got.map((r) => r.id),
          want[i].map((r) => r.id),
          `query ${i} with efSearch >= count`,
        );
      }
      const recallAt = (ef) =>
        mean(data.queries.map((q, i) => recallOf(hnsw.search(h, q, K, { efSearch: ef }), want[i])));
      const low = recallAt(K);
      const high = recallAt(400);
      assert.ok(low < high, `efSearch ignored? recall at ef=${K}: ${low}, at ef=400: ${high}`);
      assert.ok(low < 1, `recall at ef=${K} is already 1 on uniform ${DIM}-d data: the option seems ignored`);
      hnsw.free(h);
      // The config's efSearch: an index whose efSearch covers the count answers exactly.
      const exact = hnsw.create({ ...CONFIG, efSearch: N, distanceMetric: 'euclidean' });
      hnsw.insertBatch(
        exact,
        data.ids.slice(0, 600).map((id, i) => ({ id, vector: data.vectors[i] })),
      );
      const some = entriesOf(data).slice(0, 600);
      for (const q of data.queries.slice(0, 10)) {
        assert.deepEqual(
          hnsw.search(exact, q, K).map((r) => r.id),
          bruteForce(some, q, K, 'euclidean').map((r) => r.id),
        );
      }
      hnsw.free(exact);
    });

    test('filter at 10% selectivity (predicate, Set, array): only allowed ids, recall >= 0.9 over the allowed set', (t) => {
      if (!ready(t)) return;
      const data = DATA.clustered;
      const rand = mulberry32(77);
      const allowed = new Set(data.ids.filter(() => rand() < 0.1));
      const allowedEntries = entriesOf(data).filter(([id]) => allowed.has(id));
      const byId = new Map(entriesOf(data));
      for (const metric of METRICS) {
        const h = copyOf('clustered', metric);
        const filters = { predicate: (id) => allowed.has(id), set: allowed, array: [...allowed] };
        for (const [how, filter] of Object.entries(filters)) {
          const recalls = data.queries.map((q, i) => {
            const got = hnsw.search(h, q, K, { filter });
            for (const r of got)
              assert.ok(allowed.has(r.id), `${metric} ${how}: returned ${r.id}, which is not allowed`);
            checkResults(got, q, byId, metric, `${metric} ${how} query ${i}`);
            return recallOf(got, bruteForce(allowedEntries, q, K, metric));
          });
          assert.ok(mean(recalls) >= 0.9, `${metric} filter by ${how}: recall ${mean(recalls)}`);
        }
        const q = data.queries[0];
        assert.deepEqual(
          hnsw.search(h, q, K, { filter: filters.set, efSearch: N }).map((r) => r.id),
          bruteForce(allowedEntries, q, K, metric).map((r) => r.id),
          `${metric}: filtered exact search`,
        );
        assert.deepEqual(hnsw.search(h, q, K, { filter: [] }), []);
        assert.deepEqual(hnsw.search(h, q, K, { filter: () => false }), []);
        hnsw.free(h);
      }
    });

    test('delete 30%: deleted ids never come back, the count is true, survivors are found', (t) => {
      if (!ready(t)) return;
      const data = DATA.clustered;
      const rand = mulberry32(31);
      for (const metric of ['cosine', 'euclidean']) {
        const h = copyOf('clustered', metric);
        const deleted = new Set(data.ids.filter(() => rand() < 0.3));
        for (const id of deleted) assert.equal(hnsw.delete(h, id), true, `delete ${id}`);
        for (const id of [...deleted].slice(0, 20))
          assert.equal(hnsw.delete(h, id), false, `second delete of ${id}`);
        assert.equal(hnsw.stats(h).vectorCount, N - deleted.size);
        const survivors = entriesOf(data).filter(([id]) => !deleted.has(id));
        const recalls = data.queries.map((q) => {
          const got = hnsw.search(h, q, K);
          for (const r of got) assert.ok(!deleted.has(r.id), `${metric}: deleted ${r.id} returned`);
          return recallOf(got, bruteForce(survivors, q, K, metric));
        });
        assert.ok(mean(recalls) >= 0.9, `${metric}: recall on survivors ${mean(recalls)}`);
        for (const [id, v] of entriesOf(data)) {
          const got = hnsw.search(h, v, K);
          if (deleted.has(id))
            assert.ok(!got.some((r) => deleted.has(r.id)), `${metric}: a deleted id came back near ${id}`);
          else
            assert.ok(
              got.some((r) => r.id === id),
              `${metric}: survivor ${id} not found by its own vector`,
            );
        }
        assert.equal(hnsw.has(h, [...deleted][0]), false);
        hnsw.free(h);
      }
    });

    test('re-inserting an id replaces it: count unchanged, the new vector is found, the old one is gone', (t) => {
      if (!ready(t)) return;
      const data = DATA.uniform;
      const h = copyOf('uniform', 'cosine');
      const target = data.ids[123];
      const fresh = DATA.clustered.vectors[7];
      hnsw.insert(h, target, fresh);
      assert.equal(hnsw.stats(h).vectorCount, N);
      const got = hnsw.search(h, fresh, 1);
      assert.equal(got[0].id, target);
      assert.ok(got[0].distance < 1e-5);
      const old = hnsw.search(h, data.vectors[123], K, { efSearch: N });
      const oldAt = old.find((r) => r.id === target);
      assert.ok(oldAt === undefined || oldAt.distance > 1e-3, 'the old vector is still stored');
      hnsw.insertBatch(h, [
        { id: data.ids[5], vector: fresh },
        { id: 'brand-new', vector: data.vectors[5] },
        { id: data.ids[5], vector: data.vectors[9] },
      ]);
      assert.equal(hnsw.stats(h).vectorCount, N + 1, 'a batch with a duplicate id: the later one wins');
      const again = hnsw
        .search(h, data.vectors[9], 2, { efSearch: N })
        .map((r) => r.id)
        .sort();
      assert.deepEqual(again, [data.ids[5], data.ids[9]].sort());
      hnsw.free(h);
    });

    const afterSequence = new Map();
    test('a seeded random sequence of insert/replace/delete/search/serialize matches a Map model', (t) => {
      if (!ready(t)) return;
      const rand = mulberry32(2024);
      const dim = 8;
      const vec = () => Float32Array.from({ length: dim }, () => rand() * 2 - 1);
      for (const metric of METRICS) {
        let h = hnsw.create({
          dimensions: dim,
          m: 6,
          efConstruction: 40,
          efSearch: 16,
          distanceMetric: metric,
          seed: 99n,
        });
        const model = new Map();
        const ids = Array.from({ length: 300 }, (_, i) => `s${i}`);
        for (let step = 0; step < 1500; step++) {
          const r = rand();
          const id = ids[Math.floor(rand() * ids.length)];
          if (r < 0.5) {
            const v = vec();
            hnsw.insert(h, id, v);
            model.set(id, v);
          } else if (r < 0.55) {
            const batch = Array.from({ length: 1 + Math.floor(rand() * 20) }, () => ({
              id: ids[Math.floor(rand() * ids.length)],
              vector: vec(),
            }));
            hnsw.insertBatch(h, batch);
            for (const e of batch) model.set(e.id, e.vector);
          } else if (r < 0.8) {
            assert.equal(hnsw.delete(h, id), model.delete(id), `step ${step}: delete ${id}`);
          } else if (r < 0.97) {
            const q = vec();
            const k = 1 + Math.floor(rand() * 12);
            const got = hnsw.search(h, q, k, { efSearch: 1000 });
            assert.deepEqual(
              got.map((x) => x.id),
              bruteForce([...model], q, k, metric).map((x) => x.id),
              `step ${step}: exact search`,
            );
          } else {
            const bytes = hnsw.serialize(h);
            const h2 = hnsw.deserialize(bytes);
            assert.deepEqual(
              hnsw.serialize(h2),
              bytes,
              `step ${step}: serialize after deserialize gives the same bytes`,
            );
            hnsw.free(h);
            h = h2;
          }
          assert.equal(hnsw.stats(h).vectorCount, model.size, `step ${step}: count`);
        }
        for (const id of ids) assert.equal(hnsw.has(h, id), model.has(id), `has(${id})`);
        afterSequence.set(metric, { bytes: hnsw.serialize(h), model });
        hnsw.free(h);
      }
    });

    // A replace (remove + insert) or a prune once left nodes without in-links, unreachable from
    // the entry point (dot_product at the end of this sequence); FORMAT.md "reachability" now
    // reconnects them, the same way on every backend.
    test('every id is still reachable (and found by its own vector) after the sequence', (t) => {
      if (!ready(t)) return;
      for (const [metric, { bytes, model }] of afterSequence) {
        const h = hnsw.deserialize(bytes);
        const unreachable = [...model]
          .filter(([id, v]) => hnsw.search(h, v, 1, { filter: [id] }).length === 0)
          .map(([id]) => id);
        // With dot_product a longer vector may score higher than the id's own: only reachability.
        const notFound =
          metric === 'dot_product'
            ? []
            : [...model]
                .filter(([id, v]) => !hnsw.search(h, v, 5).some((x) => x.id === id))
                .map(([id]) => id);
        hnsw.free(h);
        assert.deepEqual({ unreachable, notFound }, { unreachable: [], notFound: [] }, metric);
      }
    });

    test('WasmHnswIndex: async batch, search options, true stats, serialize round trip, dispose', async (t) => {
      if (!ready(t)) return;
      const data = DATA.clustered;
      const index = new WasmHnswIndex({ ...CONFIG, distanceMetric: 'cosine' }, { runtime: backend.runtime });
      await index.initialize();
      const entries = data.ids.slice(0, 800).map((id, i) => ({ id, vector: data.vectors[i] }));
      const searching = Promise.all(data.queries.slice(0, 5).map((q) => index.search(q, K)));
      await Promise.all([
        index.insertBatch(entries.slice(0, 400)),
        index.insertBatch(entries.slice(400)),
        searching,
      ]);
      assert.equal(index.vectorCount, 800);
      await index.insert(data.ids[0], data.vectors[900]);
      assert.equal(await index.delete(data.ids[1]), true);
      assert.equal(index.size, 799);
      const stats = index.getStats();
      assert.equal(stats.vectorCount, 799);
      assert.equal(stats.backend, backend.runtime.getBackend());
      assert.deepEqual(
        [
          stats.dimensions,
          stats.m,
          stats.efConstruction,
          stats.efSearch,
          stats.distanceMetric,
          stats.storage,
        ],
        [DIM, 16, 100, 64, 'cosine', 'float32'],
      );
      assert.ok(stats.memoryBytes >= stats.vectorBytes && stats.vectorBytes >= 799 * DIM * 4);
      const live = entries
        .slice(2)
        .map((e) => [e.id, e.vector])
        .concat([[data.ids[0], data.vectors[900]]]);
      const q = data.queries[3];
      const exact = await index.search(q, 20, { efSearch: 1000 });
      assert.deepEqual(
        exact.map((r) => r.id),
        bruteForce(live, q, 20, 'cosine').map((r) => r.id),
      );
      const allowed = new Set(live.filter((_, i) => i % 10 === 3).map(([id]) => id));
      const allowedLive = live.filter(([id]) => allowed.has(id));
      for (const filter of [allowed, [...allowed], (id) => allowed.has(id)]) {
        const got = await index.search(q, 5, { filter, efSearch: 1000 });
        assert.deepEqual(
          got.map((r) => r.id),
          bruteForce(allowedLive, q, 5, 'cosine').map((r) => r.id),
          `class search with a ${typeof filter === 'function' ? 'predicate' : 'list'} filter`,
        );
      }
      const bytes = await index.serialize();
      const other = new WasmHnswIndex(
        { ...CONFIG, dimensions: 3, distanceMetric: 'euclidean' },
        { runtime: backend.runtime },
      );
      await other.deserialize(bytes);
      assert.deepEqual(
        { ...other.getStats(), memoryBytes: 0, vectorBytes: 0 },
        { ...stats, memoryBytes: 0, vectorBytes: 0 },
        'stats after a round trip (memory may differ: capacity)',
      );
      assert.deepEqual(
        (await other.search(q, 20, { efSearch: 1000 })).map((r) => r.id),
        exact.map((r) => r.id),
      );
      await other.dispose();
      await index.dispose();
      await assert.rejects(index.search(q, 1), { code: 'NOT_INITIALIZED' });
      assert.equal(index.vectorCount, 0);
    });
  });
}
