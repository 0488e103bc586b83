// The pure-TS HNSW twin (js/src/backends/js/hnsw) against core/src/hnsw/FORMAT.md: pinned level
// generator and CRC, recall against brute force, removal and re-insert semantics, slot reuse,
// byte-exact serialization (including indexes serialized by the C++ core: tests/fixtures/hnsw), and
// CORRUPT_DATA for every malformed input.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { jsKernels } from '../../js/dist/backends/js/index.js';
import { crc32, crc32Bytewise } from '../../js/dist/backends/js/hnsw/crc32.js';
import { Graph } from '../../js/dist/backends/js/hnsw/graph.js';
import { removeSlot } from '../../js/dist/backends/js/hnsw/remove.js';
import { serializeGraph } from '../../js/dist/backends/js/hnsw/serialize.js';
import { LevelGenerator } from '../../js/dist/backends/js/hnsw/level-generator.js';
import { bruteForceIds, meanRecall, METRIC_OF_CODE } from '../conformance/cases/recall.mjs';
import { withFreeSlots } from '../conformance/hnsw-support.mjs';

const hnsw = jsKernels.hnsw;
const COSINE = 0;
const EUCLIDEAN = 1;
const DOT = 2;

function lcg(seed) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
}

/** n x dim uniform in [-1, 1). */
function randomData(n, dim, seed) {
  const rnd = lcg(seed);
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, rnd));
}

/** n x dim around `centers` random centers (Box-Muller noise of `sigma`). */
function clusteredData(n, dim, seed, centers = 20, sigma = 0.1) {
  const rnd = lcg(seed);
  const gauss = () => Math.sqrt(-2 * Math.log((rnd() + 1) / 2 + 1e-12)) * Math.cos(Math.PI * (rnd() + 1));
  const cs = Array.from({ length: centers }, () => Float32Array.from({ length: dim }, rnd));
  return Array.from({ length: n }, (_, i) => Float32Array.from(cs[i % centers], (x) => x + sigma * gauss()));
}

/** Ids of the k nearest entries of `entries` ([id, vector] pairs) by brute force; ties by slot. */
function bruteForce(metric, entries, q, k) {
  return bruteForceIds(entries, q, k, METRIC_OF_CODE[metric], { ties: 'order' });
}

function params(over = {}) {
  return {
    dimensions: 32,
    m: 16,
    efConstruction: 200,
    efSearch: 50,
    metric: COSINE,
    storage: 0,
    seed: 42n,
    ...over,
  };
}

function build(p, entries) {
  const index = hnsw.create(params(p));
  for (const [id, v] of entries) index.insert(id, v);
  return index;
}

function named(vectors, prefix = 'id') {
  return vectors.map((v, i) => [`${prefix}${i}`, v]);
}

/** Mean recall@k of `index` over `queries` against brute force on `entries`. */
function recall(index, metric, entries, queries, k = 10, ef = 0) {
  return meanRecall((q) => index.search(q, k, ef).ids, entries, queries, k, METRIC_OF_CODE[metric]);
}

function assertCode(fn, code, reason) {
  assert.throws(fn, (e) => {
    assert.equal(e.name, 'RuVectorError', `${e}`);
    assert.equal(e.code, code, `${e.message}`);
    if (reason) assert.match(e.message, reason);
    return true;
  });
}

/**
 * Indexes serialized by the C++ core and the core's search answers (tests/fixtures/hnsw, made by
 * tools/hnsw-fixtures/make-cpp-indexes.mjs, which says how): 40 inserts of lcg(dataSeed) vectors,
 * every 7th removed; dimensions 4, m 4, efConstruction 16, efSearch 8, seed 99. Euclidean float32,
 * dot int8 and cosine float32.
 */
const CPP_FIXTURES = JSON.parse(
  readFileSync(new URL('../fixtures/hnsw/cpp-indexes.json', import.meta.url), 'utf8'),
).fixtures;

/** Field offsets of a valid serialized index (FORMAT.md "Serialized format, version 1"). */
function parse(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u32 = (o) => view.getUint32(o, true);
  const dim = u32(12);
  const rowBytes = u32(32) === 0 ? 4 * dim : 8 + dim;
  const slotCount = u32(52);
  const slots = [];
  let o = 68;
  for (let s = 0; s < slotCount; s++) {
    const rec = { off: o, state: bytes[o] };
    o++;
    if (rec.state === 1) {
      rec.idLen = u32(o);
      rec.idOff = o + 4;
      rec.id = new TextDecoder().decode(bytes.subarray(rec.idOff, rec.idOff + rec.idLen));
      rec.rowOff = rec.idOff + rec.idLen;
      rec.levelOff = rec.rowOff + rowBytes;
      rec.level = bytes[rec.levelOff];
      o = rec.levelOff + 1;
      rec.links = [];
      for (let l = 0; l <= rec.level; l++) {
        const count = u32(o);
        rec.links.push({ countOff: o, ids: Array.from({ length: count }, (_, i) => u32(o + 4 + 4 * i)) });
        o += 4 + 4 * count;
      }
    }
    slots.push(rec);
  }
  const freeCount = u32(o);
  const free = Array.from({ length: freeCount }, (_, i) => u32(o + 4 + 4 * i));
  return { view, slots, freeCountOff: o, free, crcOff: o + 4 + 4 * freeCount };
}

/** Rewrites the trailing CRC so that a change reaches the inner loading rules. */
function repairCrc(bytes) {
  new DataView(bytes.buffer, bytes.byteOffset).setUint32(
    bytes.length - 4,
    crc32(bytes, 0, bytes.length - 4),
    true,
  );
  return bytes;
}

/** A small index with free slots, several levels and links, in the given metric and storage. */
function smallIndex(metric = EUCLIDEAN, storage = 0) {
  const index = build(
    { dimensions: 4, m: 4, efConstruction: 16, efSearch: 8, metric, storage, seed: 7n },
    named(randomData(40, 4, 3)),
  );
  for (let i = 0; i < 40; i += 9) index.remove(`id${i}`);
  return index;
}

/** smallIndex's bytes with its five free slots (0, 9, 18, 27, 36), as writers before compaction wrote them. */
function smallBytesWithFreeSlots(metric = EUCLIDEAN, storage = 0) {
  const holes = [0, 9, 18, 27, 36];
  return withFreeSlots(smallIndex(metric, storage).serialize(), holes);
}

test('level generator: splitmix64 pinned value and level distribution', () => {
  const g = new LevelGenerator(0n);
  assert.equal(g.next(), 0xe220a8397b1dcdafn);
  assert.equal(g.state, 0x9e3779b97f4a7c15n);
  const levels = new LevelGenerator(1n);
  const counts = new Array(32).fill(0);
  for (let i = 0; i < 20000; i++) counts[levels.drawLevel(16)]++;
  // P(level >= 1) = 1/16.
  assert.ok(Math.abs(counts[0] / 20000 - 15 / 16) < 0.01, `${counts[0]}`);
});

test('crc32: slicing-by-8 equals the bytewise definition at every length and offset', () => {
  const bytes = new Uint8Array(300);
  let x = 12345;
  for (let i = 0; i < bytes.length; i++) bytes[i] = (x = (x * 1103515245 + 12345) >>> 0) >>> 24;
  for (let start = 0; start < 9; start++) {
    for (let end = start; end <= bytes.length; end++) {
      assert.equal(crc32(bytes, start, end), crc32Bytewise(bytes, start, end), `${start}..${end}`);
    }
  }
  assert.equal(crc32Bytewise(new TextEncoder().encode('123456789')), 0xcbf43926);
});

test('crc32: check value of "123456789"', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
});

test('indexes serialized by the C++ core load, re-serialize identically and search the same', () => {
  for (const fx of CPP_FIXTURES) {
    const bytes = Uint8Array.from(Buffer.from(fx.base64, 'base64'));
    const index = hnsw.deserialize(bytes);
    // The twin writes the core's bytes back exactly (34 live slots, no free ones), and the same
    // index with free slots, as writers before compaction left them, loads to the same bytes.
    assert.equal(parse(bytes).slots.length, 34, `metric ${fx.metric}`);
    assert.deepEqual(index.serialize(), bytes, `metric ${fx.metric}`);
    const holes = [0, 9, 18, 27, 36];
    const legacy = withFreeSlots(bytes, holes);
    assert.equal(parse(legacy).slots.length, 39, `metric ${fx.metric}`);
    assert.deepEqual(hnsw.deserialize(legacy).serialize(), bytes, `metric ${fx.metric}`);
    // The same inserts and removes in JS (tools: 40 x 4, remove every 7th; queries follow the data).
    const rnd = lcg(fx.dataSeed);
    const data = Array.from({ length: 40 }, () => Float32Array.from({ length: 4 }, rnd));
    const queries = Array.from({ length: 3 }, () => Float32Array.from({ length: 4 }, rnd));
    queries.forEach((q, i) =>
      assert.deepEqual(index.search(q, 5, 6).ids, fx.top5[i], `metric ${fx.metric} query ${i}`),
    );
    const mine = build(
      {
        dimensions: 4,
        m: 4,
        efConstruction: 16,
        efSearch: 8,
        metric: fx.metric,
        storage: fx.storage,
        seed: 99n,
      },
      named(data),
    );
    for (let i = 0; i < 40; i += 7) mine.remove(`id${i}`);
    // Compatible, not identical (FORMAT.md "Backends"): the same inserts and removes in JS build
    // JS's own graph; its bytes round-trip, and its exact answers (ef >= live count) are the
    // core's and, for float32 rows, brute force's.
    const mineBytes = mine.serialize();
    assert.deepEqual(hnsw.deserialize(mineBytes).serialize(), mineBytes, `metric ${fx.metric}`);
    const live = named(data).filter((_, i) => i % 7 !== 0);
    queries.forEach((q, i) => {
      const exact = mine.search(q, 5, 40).ids;
      assert.deepEqual(index.search(q, 5, 40).ids, exact, `metric ${fx.metric} query ${i}`);
      if (fx.storage === 0)
        assert.deepEqual(exact, bruteForce(fx.metric, live, q, 5), `metric ${fx.metric} query ${i}`);
    });
  }
});

test('recall@10 >= 0.9 against brute force (2000 x 32, random and clustered)', () => {
  const cases = [
    ['random cosine', randomData(2000, 32, 1), COSINE, 0],
    ['clustered cosine', clusteredData(2000, 32, 2), COSINE, 0],
    ['random euclidean', randomData(2000, 32, 3), EUCLIDEAN, 0],
    ['random dot', randomData(2000, 32, 4), DOT, 0],
    ['clustered euclidean int8', clusteredData(2000, 32, 5), EUCLIDEAN, 1],
  ];
  for (const [name, data, metric, storage] of cases) {
    const entries = named(data);
    const index = build({ metric, storage }, entries);
    const queries = randomData(100, 32, 99);
    const r = recall(index, metric, entries, queries);
    assert.ok(r >= (storage === 1 ? 0.95 : 0.9), `${name}: recall ${r}`);
  }
});

test('every id finds itself; k > count returns all live; reported distance and score', () => {
  const entries = named(randomData(2000, 32, 6));
  const index = build({ metric: EUCLIDEAN }, entries);
  let found = 0;
  for (const [id, v] of entries) if (index.search(v, 1, 0).ids[0] === id) found++;
  assert.equal(found, entries.length);

  const small = build({ metric: EUCLIDEAN, dimensions: 2 }, [
    ['a', new Float32Array([0, 0])],
    ['b', new Float32Array([3, 4])],
  ]);
  const hits = small.search(new Float32Array([0, 0]), 10, 0);
  assert.deepEqual(hits.ids, ['a', 'b']);
  assert.deepEqual(Array.from(hits.distances), [0, 5]);
  assert.deepEqual(Array.from(hits.scores), [-0, -5]);
  const cos = build({ metric: COSINE, dimensions: 2 }, [
    ['x', new Float32Array([2, 0])],
    ['y', new Float32Array([0, 1])],
  ]);
  const c = cos.search(new Float32Array([1, 0]), 2, 0);
  assert.deepEqual(c.ids, ['x', 'y']);
  assert.deepEqual(Array.from(c.distances), [0, 1]);
  assert.deepEqual(Array.from(c.scores), [1, 0]);
  const dot = build({ metric: DOT, dimensions: 2 }, [
    ['p', new Float32Array([2, 0])],
    ['q', new Float32Array([1, 0])],
  ]);
  const d = dot.search(new Float32Array([1, 1]), 2, 0);
  assert.deepEqual(d.ids, ['p', 'q']);
  assert.deepEqual(Array.from(d.distances), [-2, -1]);
  assert.deepEqual(Array.from(d.scores), [2, 1]);
  assert.deepEqual(small.search(new Float32Array([0, 0]), 0, 0).ids, []);
});

test('exact scan when ef >= live count: brute-force order, ties by slot', () => {
  const entries = named(randomData(300, 8, 7));
  entries.push(['dup', entries[5][1]]); // exact tie with id5, a later slot
  const index = build({ dimensions: 8, metric: EUCLIDEAN }, entries);
  const q = entries[5][1];
  const hits = index.search(q, 20, 1000);
  assert.deepEqual(hits.ids, bruteForce(EUCLIDEAN, entries, q, 20));
  assert.deepEqual(hits.ids.slice(0, 2), ['id5', 'dup']);
});

test('remove 30%: removed ids never return; recall within 0.02 of a fresh build', () => {
  const data = clusteredData(2000, 32, 8);
  const entries = named(data);
  const index = build({ metric: EUCLIDEAN }, entries);
  const rnd = lcg(9);
  const removed = new Set();
  while (removed.size < 600) removed.add(`id${Math.floor(((rnd() + 1) / 2) * 2000)}`);
  for (const id of removed) assert.equal(index.remove(id), true);
  for (const id of removed) assert.equal(index.contains(id), false);
  assert.equal(index.remove([...removed][0]), false);
  assert.equal(index.stats().count, 1400);
  assert.equal(index.stats().slots, 2000);
  const survivors = entries.filter(([id]) => !removed.has(id));
  const queries = randomData(100, 32, 10);
  for (const q of queries) for (const id of index.search(q, 10, 0).ids) assert.ok(!removed.has(id), id);
  // No link points to a free slot after the repair.
  const p = parse(index.serialize());
  for (const rec of p.slots)
    for (const l of rec.links ?? []) for (const t of l.ids) assert.equal(p.slots[t].state, 1);
  const fresh = build({ metric: EUCLIDEAN }, survivors);
  const rRemoved = recall(index, EUCLIDEAN, survivors, queries);
  const rFresh = recall(fresh, EUCLIDEAN, survivors, queries);
  assert.ok(rRemoved >= rFresh - 0.02, `after removal ${rRemoved}, fresh ${rFresh}`);
});

/** Ids of live slots that a breadth-first walk over level-0 links from the entry point misses. */
function unreachable(bytes) {
  const p = parse(bytes);
  const entry = p.view.getUint32(60, true);
  const seen = new Set();
  const queue = entry === 0xffffffff ? [] : [entry];
  for (const s of queue) seen.add(s);
  for (let i = 0; i < queue.length; i++) {
    for (const t of p.slots[queue[i]].links[0].ids) {
      if (!seen.has(t)) {
        seen.add(t);
        queue.push(t);
      }
    }
  }
  return p.slots.filter((rec, s) => rec.state === 1 && !seen.has(s)).map((rec) => rec.id);
}

test('every live node stays reachable from the entry point through inserts, replaces and removes', () => {
  // Unit rows for every metric (as in the core's test), then rows scaled by a seeded length in
  // [0.2, 5) for dot product and euclidean: with dot product, closed groups of three or more
  // nodes used to lose their last in-link from outside (the sweep of FORMAT.md relinks them).
  const cases = [];
  for (const metric of [COSINE, EUCLIDEAN, DOT])
    for (const seed of [11, 12, 13]) cases.push([metric, seed, false]);
  for (const metric of [DOT, EUCLIDEAN])
    for (const seed of [21, 22, 23, 24]) cases.push([metric, seed, true]);
  for (const [metric, seed, scaled] of cases) {
    {
      const lengths = lcg(seed * 97);
      const checkEvery = scaled ? 10 : 50;
      const pool = clusteredData(2000, 16, seed, 12, 0.08).map((v) => {
        const n = Math.hypot(...v) / (scaled ? 2.6 + 2.4 * lengths() : 1);
        return v.map((x) => x / n);
      });
      const index = hnsw.create(params({ dimensions: 16, m: 8, efConstruction: 64, metric, seed: 7n }));
      const rnd = lcg(seed * 31);
      const pick = (n) => Math.floor(((rnd() + 1) / 2) * n);
      const model = new Map();
      for (let i = 0; i < 300; i++) {
        const v = pool[pick(2000)];
        index.insert(`id-${i}`, v);
        model.set(`id-${i}`, v);
      }
      for (let step = 0; step < 4000; step++) {
        const id = `id-${pick(500)}`;
        if (pick(4) === 0) {
          index.remove(id);
          model.delete(id);
        } else {
          const v = pool[pick(2000)];
          index.insert(id, v); // a replace when the id is present
          model.set(id, v);
        }
        if (step % checkEvery === 0 || step === 3999) {
          assert.deepEqual(
            unreachable(index.serialize()),
            [],
            `metric ${metric} seed ${seed} scaled ${scaled} step ${step}`,
          );
        }
      }
      // Dot product: a longer vector may outscore a node's own; reachability is what counts there.
      if (metric !== DOT && !scaled) {
        const missing = [...model]
          .filter(([id, v]) => !index.search(v, 10, 100).ids.includes(id))
          .map(([id]) => id);
        assert.deepEqual(missing, [], `metric ${metric} seed ${seed}: not found by their own vector`);
      }
    }
  }
});

test('inserts and removals repair locally: work per removal and sweeps do not grow with the index', () => {
  // Issue 15, defect 8 on js-fallback: removal scanned every slot for the lists holding the
  // removed node, and a breadth-first walk of the whole graph followed almost every insert and
  // removal, so builds and updates grew quadratic (m 2: 255 then 1303 us per insert).
  const dim = 16;
  const rows = clusteredData(4000, dim, 77, 40, 0.05);
  for (const [m, efConstruction] of [
    [2, 1],
    [4, 1],
    [16, 64],
  ]) {
    const g = new Graph(params({ dimensions: dim, m, efConstruction, metric: EUCLIDEAN }));
    const insert = (id, v) => {
      g.vectors.prepareInto(v, 0, g.query);
      const old = g.idMap.get(id);
      if (old !== undefined) removeSlot(g, old);
      g.insertPrepared(id, null);
    };
    const perRemoval = [];
    const sweeps = [];
    for (const size of [1000, 4000]) {
      const s0 = g.sweeps;
      for (let i = g.liveCount; i < size; i++) insert(`r${i}`, rows[i]);
      sweeps.push(g.sweeps - s0);
      const w0 = g.removalWork;
      for (let i = 0; i < 100; i++) removeSlot(g, g.idMap.get(`r${size - 1 - 3 * i}`));
      perRemoval.push((g.removalWork - w0) / 100);
      for (let i = 0; i < 100; i++) insert(`r${size - 1 - 3 * i}`, rows[size - 1 - 3 * i]);
      assert.deepEqual(unreachable(serializeGraph(g)), [], `m ${m}: every node reachable at ${size}`);
    }
    // A removal reads the lists that hold the node: about its in-degree (the scan read them all).
    assert.ok(perRemoval[1] <= 1.5 * perRemoval[0] + 2, `m ${m}: lists per removal ${perRemoval}`);
    assert.ok(perRemoval[1] < 4 * m + 8, `m ${m}: lists per removal ${perRemoval}`);
    // Sweeps (whole-graph walks) stay rare: a few per thousand inserts, not one per insert.
    assert.ok(sweeps[1] <= 60, `m ${m}: sweeps in 3000 inserts: ${sweeps[1]}`);
  }
});

test('re-insert replaces; free slots are reused last-freed first', () => {
  const index = build(
    { dimensions: 2, metric: EUCLIDEAN },
    ['a', 'b', 'c', 'd', 'e'].map((id, i) => [id, new Float32Array([i, 0])]),
  );
  index.remove('b'); // slot 1
  index.remove('d'); // slot 3
  let p = parse(index.serialize());
  // Saving drops the free slots: the bytes hold the live ones, renumbered in order.
  assert.deepEqual(
    p.slots.map((s) => s.id),
    ['a', 'c', 'e'],
  );
  assert.deepEqual(p.free, []);
  index.insert('x', new Float32Array([10, 0])); // takes slot 3
  index.insert('y', new Float32Array([11, 0])); // takes slot 1
  index.insert('z', new Float32Array([12, 0])); // a new slot 5
  p = parse(index.serialize());
  assert.deepEqual(
    p.slots.map((s) => s.id),
    ['a', 'y', 'c', 'x', 'e', 'z'],
  );
  assert.deepEqual(p.free, []);
  // Re-insert: removes the old entry (its slot goes on the free stack), then takes that top slot.
  index.insert('c', new Float32Array([100, 0]));
  assert.equal(index.stats().count, 6);
  assert.deepEqual(index.search(new Float32Array([100, 0]), 1, 0).ids, ['c']);
  assert.deepEqual(index.search(new Float32Array([2, 0]), 1, 0).ids, ['a']);
  p = parse(index.serialize());
  assert.equal(p.slots[2].id, 'c');
});

test('insertBatch: same bytes as inserts one by one; a later duplicate wins; validated first', () => {
  const data = randomData(300, 8, 11);
  const ids = data.map((_, i) => `k${i % 250}`); // the last 50 repeat earlier ids
  const flat = new Float32Array(300 * 8);
  data.forEach((v, i) => flat.set(v, i * 8));
  const batch = hnsw.create(params({ dimensions: 8 }));
  batch.insertBatch(ids, flat);
  const serial = hnsw.create(params({ dimensions: 8 }));
  ids.forEach((id, i) => serial.insert(id, data[i]));
  assert.deepEqual(batch.serialize(), serial.serialize());
  assert.equal(batch.stats().count, 250);
  assert.deepEqual(batch.search(data[299], 1, 0).ids, ['k49']);

  const bad = flat.slice();
  bad[300 * 8 - 1] = NaN;
  const untouched = hnsw.create(params({ dimensions: 8 }));
  assertCode(() => untouched.insertBatch(ids, bad), 'NON_FINITE');
  assert.equal(untouched.stats().count, 0);
  assertCode(() => untouched.insertBatch(['a', ''], flat.subarray(0, 16)), 'INVALID_ARGUMENT');
  assert.equal(untouched.stats().count, 0);
});

test('filters: allow-lists and predicates during the walk', () => {
  const entries = named(clusteredData(2000, 32, 12));
  const index = build({ metric: COSINE }, entries);
  const allowed = entries.filter((_, i) => i % 20 === 3);
  const allowedIds = new Set(allowed.map(([id]) => id));
  const queries = randomData(30, 32, 13);
  let hits = 0;
  for (const q of queries) {
    const r = index.search(q, 10, 0, { kind: 'ids', ids: [...allowedIds, 'unknown'] });
    assert.equal(r.ids.length, 10);
    for (const id of r.ids) assert.ok(allowedIds.has(id), id);
    const truth = new Set(bruteForce(COSINE, allowed, q, 10));
    hits += r.ids.filter((id) => truth.has(id)).length;
    const asked = [];
    const p = index.search(q, 10, 0, {
      kind: 'predicate',
      allow: (id) => (asked.push(id), allowedIds.has(id)),
    });
    assert.deepEqual(p.ids, r.ids);
    assert.ok(asked.length > 0 && asked.every((id) => index.contains(id)));
  }
  assert.ok(hits / 300 >= 0.9, `filtered recall ${hits / 300}`);
  // A predicate must not re-enter its index; its exceptions reach the caller; truthy counts.
  const reenter = { kind: 'predicate', allow: () => index.search(queries[0], 1, 0) };
  assertCode(() => index.search(queries[0], 10, 0, reenter), 'INVALID_ARGUMENT', /must not call into/);
  assert.throws(
    () =>
      index.search(queries[0], 10, 0, {
        kind: 'predicate',
        allow: () => {
          throw new Error('boom');
        },
      }),
    /boom/,
  );
  assert.equal(index.search(queries[0], 10, 0, { kind: 'predicate', allow: () => 1 }).ids.length, 10);
  assert.equal(index.stats().count, 2000);
  assert.deepEqual(index.search(queries[0], 10, 0, { kind: 'ids', ids: [] }).ids, []);
});

test('serialize -> deserialize: identical bytes and identical results in every metric and storage', () => {
  for (const metric of [COSINE, EUCLIDEAN, DOT]) {
    for (const storage of [0, 1]) {
      const entries = named(randomData(500, 16, 14 + metric));
      const index = build({ dimensions: 16, metric, storage }, entries);
      for (let i = 0; i < 500; i += 11) index.remove(`id${i}`);
      const bytes = index.serialize();
      const copy = hnsw.deserialize(bytes);
      assert.deepEqual(copy.serialize(), bytes);
      // Capacity (vectorBytes, memoryBytes) is rebuilt on load, free slots are dropped, the
      // counters travel.
      const counters = ({ vectorBytes, memoryBytes, slots: _slots, ...rest }) => (
        assert.ok(vectorBytes > 0 && memoryBytes > 0),
        rest
      );
      assert.deepEqual(counters(copy.stats()), counters(index.stats()));
      assert.equal(copy.stats().slots, index.stats().count);
      for (const q of randomData(20, 16, 15))
        assert.deepEqual(copy.search(q, 10, 20), index.search(q, 10, 20));
      // Copies go on the same way: the level generator state travels with the bytes.
      const twin = hnsw.deserialize(bytes);
      copy.insert('new', entries[1][1]);
      twin.insert('new', entries[1][1]);
      assert.deepEqual(copy.serialize(), twin.serialize());
    }
  }
  // Without removals nothing is compacted: the original and its copy go on the same way.
  const whole = build({ dimensions: 8 }, named(randomData(200, 8, 17)));
  const whole2 = hnsw.deserialize(whole.serialize());
  for (const [i, v] of randomData(20, 8, 18).entries()) {
    whole.insert(`more${i}`, v);
    whole2.insert(`more${i}`, v);
  }
  assert.deepEqual(whole2.serialize(), whole.serialize());
  // The smallest live record (1-byte id, no links) passes the size rule: 11 + row bytes a record.
  const one = hnsw.create(params({ dimensions: 2 }));
  one.insert('a', new Float32Array([1, 0]));
  const oneBytes = one.serialize();
  assert.equal(oneBytes.length, 76 + 1 + 4 + 1 + 8 + 1 + 4);
  assert.deepEqual(hnsw.deserialize(oneBytes).serialize(), oneBytes);
  const empty = hnsw.create(params()).serialize();
  assert.equal(empty.length, 76);
  assert.deepEqual(hnsw.deserialize(empty).serialize(), empty);
});

test('every truncation and every bit flip is CORRUPT_DATA', () => {
  for (const [metric, storage] of [
    [EUCLIDEAN, 0],
    [COSINE, 1],
  ]) {
    const bytes = smallIndex(metric, storage).serialize();
    for (let n = 0; n < bytes.length; n++)
      assertCode(() => hnsw.deserialize(bytes.subarray(0, n)), 'CORRUPT_DATA');
    const rnd = lcg(16);
    for (let i = 0; i < 300; i++) {
      const bit = Math.floor(((rnd() + 1) / 2) * bytes.length * 8);
      const flipped = bytes.slice();
      flipped[bit >> 3] ^= 1 << (bit & 7);
      assertCode(() => hnsw.deserialize(flipped), 'CORRUPT_DATA');
      // With the CRC repaired the flip reaches the inner rules: rejected, or (a float bit, the
      // rng state, ef_search...) a valid index that round-trips and stays usable.
      repairCrc(flipped);
      let loaded;
      try {
        loaded = hnsw.deserialize(flipped);
      } catch (e) {
        assert.equal(e.code, 'CORRUPT_DATA', `${e}`);
        continue;
      }
      assert.deepEqual(loaded.serialize(), flipped);
      const dim = loaded.stats().dimensions;
      loaded.search(new Float32Array(dim).fill(0.5), 5, 0);
      loaded.remove('id1');
      loaded.insert('fresh', new Float32Array(dim).fill(0.25));
    }
  }
});

test('each loading rule is enforced (CRC repaired)', () => {
  const base = smallBytesWithFreeSlots();
  const p = parse(base);
  const live = p.slots.filter((s) => s.state === 1);
  const [a, b] = live;
  const withLinks = live.find((s) => s.links[0].ids.length >= 2);
  const upper = live.find((s) => s.level >= 1);
  const cases = [
    ['version', (x, v) => v.setUint32(8, 3, true), /unsupported version/],
    ['metric', (x, v) => v.setUint32(28, 3, true), /unknown metric or storage/],
    ['storage', (x, v) => v.setUint32(32, 2, true), /unknown metric or storage/],
    ['m', (x, v) => v.setUint32(16, 1, true), /invalid config/],
    ['dimensions', (x, v) => v.setUint32(12, 0, true), /invalid config/],
    ['ef_search', (x, v) => v.setUint32(24, 0, true), /invalid config/],
    [
      'live > slots',
      (x, v) => v.setUint32(56, v.getUint32(52, true) + 1, true),
      /more live entries than slots/,
    ],
    ['huge slot count', (x, v) => v.setUint32(52, 0xfffffff0, true), /counts exceed the data/],
    [
      'huge live count',
      (x, v) => (v.setUint32(52, 0x10000000, true), v.setUint32(56, 0x10000000, true)),
      /counts exceed the data/,
    ],
    ['slot state', (x) => (x[a.off] = 2), /bad slot state/],
    ['empty id', (x, v) => v.setUint32(a.idOff - 4, 0, true), /bad id/],
    ['id past the end', (x, v) => v.setUint32(a.idOff - 4, 0x7fffffff, true), /bad id/],
    ['row NaN', (x, v) => v.setFloat32(a.rowOff, NaN, true), /bad row/],
    ['row Inf', (x, v) => v.setFloat32(a.rowOff + 4, -Infinity, true), /bad row/],
    ['level', (x) => (x[a.levelOff] = 32), /bad level|link/],
    [
      'duplicate id',
      (x) => x.set(x.subarray(a.idOff, a.idOff + a.idLen), b.idOff),
      /duplicate id/,
      a.idLen === b.idLen,
    ],
    ['id not UTF-8', (x) => (x[a.idOff] = 0xff), /not UTF-8/],
    ['link count', (x, v) => v.setUint32(a.links[0].countOff, 9, true), /bad link count/],
    [
      'self link',
      (x, v) => v.setUint32(withLinks.links[0].countOff + 4, p.slots.indexOf(withLinks), true),
      /bad link/,
    ],
    [
      'link to a free slot',
      (x, v) => v.setUint32(withLinks.links[0].countOff + 4, p.free[0], true),
      /bad link/,
    ],
    ['link past the slots', (x, v) => v.setUint32(withLinks.links[0].countOff + 4, 1000, true), /bad link/],
    [
      'repeated link',
      (x, v) => v.setUint32(withLinks.links[0].countOff + 8, withLinks.links[0].ids[0], true),
      /repeated link/,
    ],
    [
      'link to a lower node',
      (x, v) =>
        v.setUint32(
          upper.links[1].countOff + 4,
          live.find((s) => s.level === 0 && s !== upper)
            ? p.slots.indexOf(live.find((s) => s.level === 0 && s !== upper))
            : 0,
          true,
        ),
      /bad link/,
      upper?.links[1].ids.length > 0,
    ],
    ['entry point', (x, v) => v.setUint32(60, p.free[0], true), /bad entry point/],
    ['max level', (x, v) => v.setUint32(64, v.getUint32(64, true) + 1, true), /bad entry point/],
    [
      'free count',
      (x, v) => v.setUint32(p.freeCountOff, p.free.length - 1, true),
      /free list size mismatch|trailing/,
    ],
    ['free entry live', (x, v) => v.setUint32(p.freeCountOff + 4, p.slots.indexOf(a), true), /bad free list/],
    [
      'free entry twice',
      (x, v) => v.setUint32(p.freeCountOff + 8, p.free[0], true),
      /bad free list/,
      p.free.length >= 2,
    ],
  ];
  for (const [name, mutate, reason, applicable = true] of cases) {
    if (!applicable) continue;
    const bytes = base.slice();
    mutate(bytes, new DataView(bytes.buffer));
    assertCode(() => hnsw.deserialize(repairCrc(bytes)), 'CORRUPT_DATA', reason);
    assert.ok(name);
  }
  // Trailing bytes between the free list and the CRC; a bad magic; a bad CRC.
  const longer = new Uint8Array(base.length + 4);
  longer.set(base.subarray(0, base.length - 4));
  assertCode(() => hnsw.deserialize(repairCrc(longer)), 'CORRUPT_DATA', /trailing bytes/);
  const magic = base.slice();
  magic[0] = 0x41;
  assertCode(() => hnsw.deserialize(repairCrc(magic)), 'CORRUPT_DATA', /bad magic/);
  const crc = base.slice();
  crc[crc.length - 1] ^= 1;
  assertCode(() => hnsw.deserialize(crc), 'CORRUPT_DATA', /checksum mismatch/);
  // int8 rows: min > max.
  const q = smallIndex(EUCLIDEAN, 1).serialize();
  const qa = parse(q).slots.find((s) => s.state === 1);
  const qv = new DataView(q.buffer);
  qv.setFloat32(qa.rowOff, qv.getFloat32(qa.rowOff + 4, true) + 1, true);
  assertCode(() => hnsw.deserialize(repairCrc(q)), 'CORRUPT_DATA', /bad row/);
  // An empty index with an entry point.
  const empty = hnsw.create(params()).serialize();
  new DataView(empty.buffer).setUint32(60, 0, true);
  assertCode(() => hnsw.deserialize(repairCrc(empty)), 'CORRUPT_DATA', /entry point of an empty index/);
});

test('errors: NON_FINITE vectors and queries, INVALID_ARGUMENT configs, NOT_INITIALIZED after free', () => {
  assertCode(() => hnsw.create(params({ m: 1 })), 'INVALID_ARGUMENT', /m must be/);
  assertCode(() => hnsw.create(params({ dimensions: 0 })), 'INVALID_ARGUMENT');
  const index = hnsw.create(params({ dimensions: 3 }));
  assertCode(() => index.insert('a', new Float32Array([1, NaN, 0])), 'NON_FINITE', /NaN or Inf/);
  assertCode(() => index.insert('a', new Float32Array([1, Infinity, 0])), 'NON_FINITE');
  assert.equal(index.contains('a'), false);
  index.insert('a', new Float32Array([1, 2, 3]));
  assertCode(() => index.search(new Float32Array([NaN, 0, 0]), 1, 0), 'NON_FINITE');
  // A zero vector is stored (as zero) under cosine.
  index.insert('zero', new Float32Array(3));
  assert.equal(index.search(new Float32Array([0, 0, 0]), 2, 0).ids.length, 2);
  // int8 with a range that overflows float32: refused before anything changes.
  const q = hnsw.create(params({ dimensions: 2, metric: EUCLIDEAN, storage: 1 }));
  assertCode(() => q.insert('big', new Float32Array([-3e38, 3e38])), 'INVALID_ARGUMENT');
  assert.equal(q.stats().count, 0);
  assertCode(() => hnsw.deserialize(new Uint8Array(10)), 'CORRUPT_DATA', /too short/);

  index.free();
  index.free();
  const calls = [
    () => index.insert('b', new Float32Array(3)),
    () => index.insertBatch(['b'], new Float32Array(3)),
    () => index.search(new Float32Array(3), 1, 0),
    () => index.remove('a'),
    () => index.contains('a'),
    () => index.serialize(),
    () => index.stats(),
  ];
  for (const call of calls) assertCode(call, 'NOT_INITIALIZED');
});

test('stats: counts and sizes', () => {
  const index = smallIndex(EUCLIDEAN, 1);
  const s = index.stats();
  assert.equal(s.count, 35);
  assert.equal(index.count(), 35, 'the cheap count (searchAsync asks it per predicate search)');
  assert.equal(s.slots, 40);
  assert.equal(s.dimensions, 4);
  assert.equal(s.m, 4);
  assert.equal(s.efConstruction, 16);
  assert.equal(s.efSearch, 8);
  assert.ok(s.vectorBytes >= 40 * 12 && s.memoryBytes > s.vectorBytes);
  assert.equal(s.maxLevel, parse(index.serialize()).view.getUint32(64, true));
});

/** The native backend's HNSW, or the reason it cannot be used here. */

// Native <-> js bytes (load, re-serialize, same results; same inserts, same bytes) are checked for
// every backend pair in tests/conformance/hnsw-cross.test.mjs.
