// HNSW conformance across backends: an index serialized by each backend loads on every other one
// with the same stats, the same bytes and the same results; corrupt or hostile bytes are
// CORRUPT_DATA everywhere (never a crash, never another error); every bad argument gives the same
// code AND message everywhere; a freed handle is NOT_INITIALIZED everywhere.
//
// Backends without an HNSW index yet are left out (skipped), unless RUVECTOR_REQUIRE_HNSW names
// them, in which case the test fails.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RuVectorError, WasmHnswIndex } from '../../js/dist/index.js';
import { meanRecall } from './cases/recall.mjs';
import {
  bruteForce,
  dataset,
  loadHnswBackends,
  mulberry32,
  OFFSETS,
  withCrc,
  withFreeSlots,
} from './hnsw-support.mjs';

const backends = await loadHnswBackends();
const available = backends.filter((b) => b.hnsw !== undefined);

/** Fails for a required backend without an index; skips when fewer than `min` backends have one. */
function ready(t, min = 1) {
  const missing = backends.filter((b) => b.hnsw === undefined);
  const required = missing.filter((b) => b.mustRun);
  if (required.length > 0) assert.fail(`required but unavailable: ${required.map((b) => b.skip).join('; ')}`);
  if (available.length < min) {
    t.skip(`needs ${min} backends with an HNSW index; ${missing.map((b) => b.skip).join('; ')}`);
    return false;
  }
  if (missing.length > 0) t.diagnostic(`left out: ${missing.map((b) => b.skip).join('; ')}`);
  return true;
}

const DIM = 16;
const data = dataset('clustered', 1000, DIM, 30, 21);
const VARIANTS = [
  { label: 'cosine float32', config: { distanceMetric: 'cosine' }, n: 1000, deletes: 0 },
  {
    label: 'euclidean int8 with deletions',
    config: { distanceMetric: 'euclidean', storage: 'int8' },
    n: 700,
    deletes: 90,
  },
  {
    label: 'dot_product float32 with deletions, seed 7',
    config: { distanceMetric: 'dot_product', seed: 7 },
    n: 600,
    deletes: 60,
  },
  // Every metric in both storages (was tests/unit/js-hnsw's native <-> js check).
  {
    label: 'cosine int8 with deletions',
    config: { distanceMetric: 'cosine', storage: 'int8' },
    n: 500,
    deletes: 40,
  },
  { label: 'euclidean float32 with deletions', config: { distanceMetric: 'euclidean' }, n: 500, deletes: 40 },
  {
    label: 'dot_product int8 with deletions',
    config: { distanceMetric: 'dot_product', storage: 'int8' },
    n: 500,
    deletes: 40,
  },
  // Natively a parallel bulk build (was tests/unit/wasm-hnsw's native <-> wasm check).
  {
    label: 'cosine float32 built by insertBatch',
    config: { distanceMetric: 'cosine' },
    n: 1000,
    deletes: 0,
    batch: true,
  },
];

/** Builds one variant on `hnsw` (inserts one by one or one insertBatch, then deletes every 7th id). */
function build(hnsw, variant) {
  const h = hnsw.create({ dimensions: DIM, m: 12, efConstruction: 80, efSearch: 40, ...variant.config });
  if (variant.batch)
    hnsw.insertBatch(
      h,
      data.ids.slice(0, variant.n).map((id, i) => ({ id, vector: data.vectors[i] })),
    );
  else for (let i = 0; i < variant.n; i++) hnsw.insert(h, data.ids[i], data.vectors[i]);
  for (let i = 0; i < variant.deletes; i++) hnsw.delete(h, data.ids[i * 7]);
  return h;
}

const statsKey = (s) => [
  s.vectorCount,
  s.dimensions,
  s.m,
  s.efConstruction,
  s.efSearch,
  s.distanceMetric,
  s.storage,
];

test('an index serialized by each backend loads on every other: same stats, bytes and results', (t) => {
  if (!ready(t, 2)) return;
  for (const variant of VARIANTS) {
    for (const origin of available) {
      const h = build(origin.hnsw, variant);
      const bytes = origin.hnsw.serialize(h);
      const exact = data.queries.map((q) => origin.hnsw.search(h, q, 10, { efSearch: 1000 }));
      const approx = data.queries.map((q) => origin.hnsw.search(h, q, 10, { efSearch: 50 }));
      const stats = statsKey(origin.hnsw.stats(h));
      origin.hnsw.free(h);
      const live = data.ids
        .slice(0, variant.n)
        .map((id, i) => [id, data.vectors[i]])
        .filter((_, i) => !(i % 7 === 0 && i / 7 < variant.deletes));
      if (variant.config.storage !== 'int8') {
        data.queries.forEach((q, i) =>
          assert.deepEqual(
            exact[i].map((r) => r.id),
            bruteForce(live, q, 10, variant.config.distanceMetric).map((r) => r.id),
            `${origin.name} ${variant.label}: exact query ${i}`,
          ),
        );
      }
      for (const target of available) {
        const what = `${variant.label}: ${origin.name} -> ${target.name}`;
        const loaded = target.hnsw.deserialize(bytes);
        assert.deepEqual(statsKey(target.hnsw.stats(loaded)), stats, `${what}: stats`);
        assert.ok(
          Buffer.from(target.hnsw.serialize(loaded)).equals(Buffer.from(bytes)),
          `${what}: re-serialized bytes differ`,
        );
        data.queries.forEach((q, i) => {
          const e = target.hnsw.search(loaded, q, 10, { efSearch: 1000 });
          assert.deepEqual(
            e.map((r) => r.id),
            exact[i].map((r) => r.id),
            `${what}: exact query ${i}`,
          );
          e.forEach((r, j) =>
            assert.ok(
              Math.abs(r.distance - exact[i][j].distance) <= 1e-5 * (1 + Math.abs(r.distance)),
              `${what}: distance ${r.distance} vs ${exact[i][j].distance}`,
            ),
          );
          const a = target.hnsw.search(loaded, q, 10, { efSearch: 50 });
          assert.deepEqual(
            a.map((r) => r.id),
            approx[i].map((r) => r.id),
            `${what}: ef=50 query ${i} (same graph, same walk)`,
          );
        });
        target.hnsw.free(loaded);
      }
    }
  }
});

// The same inserts give the same graph on the backends that run the C++ core (native, wasm) when
// the rows are stored as given (cosine normalizes rows, whose last bit may differ between SIMD
// lanes and one sum). The js-fallback is compatible, not identical (core/src/hnsw/FORMAT.md
// "Backends"): its own graph from the same operations finds the brute-force neighbours as well.
test('the same inserts and deletes give the same bytes on the C++ backends, and as good a graph on js', (t) => {
  if (!ready(t, 2)) return;
  for (const variant of VARIANTS.filter((v) => !v.batch && v.config.distanceMetric !== 'cosine')) {
    const live = data.ids
      .slice(0, variant.n)
      .map((id, i) => [id, data.vectors[i]])
      .filter((_, i) => !(i % 7 === 0 && i / 7 < variant.deletes));
    const built = available.map((b) => {
      const h = build(b.hnsw, variant);
      const bytes = b.hnsw.serialize(h);
      const recall = meanRecall(
        (q) => b.hnsw.search(h, q, 10, { efSearch: 20 }).map((r) => r.id),
        live,
        data.queries,
        10,
        variant.config.distanceMetric,
      );
      b.hnsw.free(h);
      return { name: b.name, bytes, recall };
    });
    const core = built.filter((b) => b.name !== 'js');
    for (const other of core.slice(1)) {
      assert.ok(
        Buffer.from(other.bytes).equals(Buffer.from(core[0].bytes)),
        `${variant.label}: ${other.name} bytes differ from ${core[0].name}'s`,
      );
    }
    const js = built.find((b) => b.name === 'js');
    if (js !== undefined && core.length > 0) {
      t.diagnostic(`${variant.label}: recall@10 (ef 20) js ${js.recall}, ${core[0].name} ${core[0].recall}`);
      assert.ok(
        js.recall >= core[0].recall - 0.02,
        `${variant.label}: js recall ${js.recall} vs ${core[0].name} ${core[0].recall}`,
      );
    }
  }
});

test('WasmHnswIndex bytes move between backends too', async (t) => {
  if (!ready(t, 2)) return;
  const [first, ...rest] = available;
  const index = new WasmHnswIndex(
    { dimensions: DIM, m: 8, efConstruction: 40, efSearch: 20, distanceMetric: 'cosine' },
    { runtime: first.runtime },
  );
  await index.initialize();
  await index.insertBatch(data.ids.slice(0, 300).map((id, i) => ({ id, vector: data.vectors[i] })));
  const bytes = await index.serialize();
  const want = (await index.search(data.queries[0], 5, { efSearch: 300 })).map((r) => r.id);
  await index.dispose();
  for (const target of rest) {
    const other = new WasmHnswIndex(
      { dimensions: 1, m: 2, efConstruction: 1, efSearch: 1, distanceMetric: 'euclidean' },
      { runtime: target.runtime },
    );
    await other.deserialize(bytes);
    assert.equal(other.getStats().backend, target.runtime.getBackend());
    assert.equal(other.vectorCount, 300);
    assert.deepEqual(
      (await other.search(data.queries[0], 5, { efSearch: 300 })).map((r) => r.id),
      want,
    );
    await other.dispose();
  }
});

test('the model that made the vectors travels in the bytes (FORMAT.md version 2), the same on every backend', async (t) => {
  if (!ready(t, 1)) return;
  // A record as embeddings.modelInfo gives it (provenance fields), made up for 16-d vectors.
  const model = {
    modelId: 'test/model-16',
    revision: 'abc123',
    contentSha256: 'a'.repeat(64),
    dimensions: DIM,
    pooling: 'mean',
    normalize: true,
    dtype: 'fp32',
    maxTokens: 256,
    truncation: 'right',
  };
  const other = { ...model, contentSha256: 'b'.repeat(64), modelId: 'test/other-16' };
  const bytesOf = {};
  for (const backend of available) {
    const index = new WasmHnswIndex(
      { dimensions: DIM, m: 8, efConstruction: 40 },
      { runtime: backend.runtime },
    );
    await index.initialize();
    await index.insertBatch(data.ids.slice(0, 100).map((id, i) => ({ id, vector: data.vectors[i] })));
    assert.equal(index.model, null, `${backend.name}: none recorded yet`);
    const plain = await index.serialize();
    assert.equal(plain[8], 1, `${backend.name}: without a model the bytes are version 1`);
    index.setModel({ ...model, extra: 'not kept' });
    assert.deepEqual(index.model, model, backend.name);
    const annotated = await index.serialize();
    assert.equal(annotated[8], 2, `${backend.name}: with one, version 2`);
    bytesOf[backend.name] = annotated;
    // Version 2 is version 1 with the annotation after the 68-byte header (FORMAT.md).
    const note = new TextEncoder().encode(JSON.stringify({ model }));
    const len = new DataView(annotated.buffer, annotated.byteOffset + 68, 4).getUint32(0, true);
    assert.equal(len, note.length, backend.name);
    assert.deepEqual(annotated.subarray(72, 72 + len), note, backend.name);
    assert.deepEqual(
      annotated.subarray(72 + len, -4),
      plain.subarray(68, -4),
      `${backend.name}: the rest as in version 1`,
    );
    assert.deepEqual(annotated.subarray(12, 68), plain.subarray(12, 68), backend.name);
    assert.throws(() => index.setModel({ ...model, dimensions: 384 }), { code: 'DIMENSION_MISMATCH' });
    assert.throws(() => index.setModel({ modelId: 'x' }), { code: 'INVALID_ARGUMENT' });
    index.setModel(null);
    assert.deepEqual(
      await index.serialize(),
      plain,
      `${backend.name}: removing it gives the version-1 bytes`,
    );
    await index.dispose();
  }
  // A damaged annotation is refused alike everywhere.
  const sample = Object.values(bytesOf)[0];
  const messages = new Set();
  for (const damage of [(b) => (b[72] = 0xff), (b) => b.fill(0, 68, 72), (b) => (b[71] = 0x7f)]) {
    const bad = sample.slice();
    damage(bad);
    for (const backend of available) {
      const index = new WasmHnswIndex({ dimensions: 1 }, { runtime: backend.runtime });
      await assert.rejects(index.deserialize(withCrc(bad)), (e) => {
        assert.equal(e.code, 'CORRUPT_DATA', backend.name);
        messages.add(`${damage}: ${e.message}`);
        return true;
      });
    }
  }
  assert.equal(messages.size, 3, `one message per damage on every backend: ${[...messages].join(' | ')}`);
  // Each backend's bytes load everywhere with their record.
  for (const [maker, first] of Object.entries(bytesOf))
    for (const backend of available) {
      const index = new WasmHnswIndex({ dimensions: 1 }, { runtime: backend.runtime });
      await index.deserialize(first, { model });
      assert.deepEqual(index.model, model, `${maker} -> ${backend.name}`);
      assert.equal(index.vectorCount, 100);
      await assert.rejects(index.deserialize(first, { model: other }), (e) => {
        assert.equal(e.code, 'MODEL_MISMATCH', backend.name);
        assert.match(
          e.message,
          /^WasmHnswIndex\.deserialize: the index's vectors were made by test\/model-16 \(sha256 aaaaaaaaaaaa.*the model given is test\/other-16/,
        );
        return true;
      });
      assert.equal(index.vectorCount, 100, 'the index loaded before is kept');
      // Bytes that record no model load whatever the caller expects (older bytes).
      const fresh = new WasmHnswIndex({ dimensions: DIM }, { runtime: backend.runtime });
      await fresh.initialize();
      index.setModel(null);
      await fresh.deserialize(await index.serialize(), { model: other });
      assert.equal(fresh.model, null);
      await fresh.dispose();
      await index.dispose();
    }
});

test('new WasmHnswIndex({ dimensions }) takes the documented defaults on every backend', async (t) => {
  if (!ready(t, 1)) return;
  for (const backend of available) {
    const index = new WasmHnswIndex({ dimensions: DIM }, { runtime: backend.runtime });
    await index.initialize();
    const stats = index.getStats();
    const { m, efConstruction, efSearch, distanceMetric, storage } = stats;
    assert.deepEqual(
      { m, efConstruction, efSearch, distanceMetric, storage },
      { m: 16, efConstruction: 200, efSearch: 64, distanceMetric: 'cosine', storage: 'float32' },
      backend.name,
    );
    await index.insertBatch(data.ids.slice(0, 50).map((id, i) => ({ id, vector: data.vectors[i] })));
    const [hit] = await index.search(data.vectors[7], 1);
    assert.equal(hit.id, data.ids[7], backend.name);
    assert.ok(Math.abs(hit.score - 1) < 1e-5, `${backend.name}: cosine score ${hit.score}`);
    await index.dispose();
  }
});

/**
 * A small valid index: 40 entries of 4 dims, ids 'e0'.., two deleted; written with the two free
 * slots (5 and 9) that bytes from before compaction hold, so the free-slot rules get exercised.
 */
function smallBytes(hnsw) {
  const h = hnsw.create({
    dimensions: 4,
    m: 4,
    efConstruction: 16,
    efSearch: 8,
    distanceMetric: 'euclidean',
  });
  const rand = mulberry32(3);
  for (let i = 0; i < 40; i++)
    hnsw.insert(
      h,
      `e${i}`,
      Float32Array.from({ length: 4 }, () => rand() * 2 - 1),
    );
  hnsw.delete(h, 'e5');
  hnsw.delete(h, 'e9');
  const bytes = hnsw.serialize(h);
  hnsw.free(h);
  return withFreeSlots(bytes, [5, 9]);
}

/** Corrupt and hostile variants of valid bytes, each labelled. */
function corruptions(valid) {
  const out = [];
  const rand = mulberry32(404);
  for (const n of [
    0,
    1,
    8,
    40,
    67,
    75,
    76,
    100,
    valid.length >> 1,
    valid.length - 5,
    valid.length - 4,
    valid.length - 1,
  ]) {
    out.push([`truncated to ${n} bytes`, valid.slice(0, n)]);
    if (n >= 80) out.push([`truncated to ${n} bytes, CRC repaired`, withCrc(valid.slice(0, n))]);
  }
  for (let i = 0; i < 48; i++) {
    const b = valid.slice();
    const bit = Math.floor(rand() * b.length * 8);
    b[bit >> 3] ^= 1 << (bit & 7);
    out.push([`bit ${bit} flipped`, b]);
  }
  for (let i = 0; i < 12; i++) {
    const n = Math.floor(rand() * 400);
    const g = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
    out.push([`${n} random bytes`, g]);
    if (n >= 80) {
      g.set(valid.subarray(0, 12));
      out.push([`${n} random bytes behind a valid magic and version`, g.slice()]);
      out.push([`${n} random bytes behind a valid magic and version, CRC repaired`, withCrc(g)]);
    }
  }
  const u32 = (label, offset, value) => {
    const b = valid.slice();
    new DataView(b.buffer).setUint32(offset, value, true);
    out.push([`${label} (CRC repaired)`, withCrc(b)]);
  };
  const view = new DataView(valid.buffer, valid.byteOffset, valid.length);
  const slotCount = view.getUint32(OFFSETS.slotCount, true);
  u32('dimensions 0', OFFSETS.dimensions, 0);
  u32('dimensions 65537', OFFSETS.dimensions, 65537);
  u32('dimensions 5 (rows misread)', OFFSETS.dimensions, 5);
  u32('m 1', OFFSETS.m, 1);
  u32('m 129', OFFSETS.m, 129);
  u32('m 2 (link lists too long)', OFFSETS.m, 2);
  u32('efConstruction 0', OFFSETS.efConstruction, 0);
  u32('efSearch 0', OFFSETS.efSearch, 0);
  u32('metric 3', OFFSETS.metric, 3);
  u32('storage 2', OFFSETS.storage, 2);
  u32('slot_count 2^32-1', OFFSETS.slotCount, 0xffffffff);
  u32('slot_count + 1', OFFSETS.slotCount, slotCount + 1);
  u32('live_count 2^32-1', OFFSETS.liveCount, 0xffffffff);
  u32('live_count > slot_count', OFFSETS.liveCount, slotCount + 1);
  u32('live_count - 1', OFFSETS.liveCount, view.getUint32(OFFSETS.liveCount, true) - 1);
  u32('entry point out of range', OFFSETS.entryPoint, slotCount);
  u32('entry point none while not empty', OFFSETS.entryPoint, 0xffffffff);
  u32('entry point on a free slot', OFFSETS.entryPoint, 5);
  u32('max_level 31', OFFSETS.maxLevel, 31);
  // The first slot record (slot 0 is live): state, id_len, id, 4 floats, level, links.
  const first = OFFSETS.firstSlot;
  const idLen = view.getUint32(first + 1, true);
  const levelAt = first + 5 + idLen + 16;
  const byte = (label, offset, value) => {
    const b = valid.slice();
    b[offset] = value;
    out.push([`${label} (CRC repaired)`, withCrc(b)]);
  };
  byte('slot state 2', first, 2);
  byte('slot state 0 on a live record', first, 0);
  u32('id_len 0', first + 1, 0);
  u32('id_len 2^32-1', first + 1, 0xffffffff);
  u32('id_len past the end', first + 1, valid.length);
  u32('row holds NaN', first + 5 + idLen, 0x7fc00000);
  u32('row holds Infinity', first + 5 + idLen + 4, 0x7f800000);
  byte('level 32', levelAt, 32);
  byte('level 200', levelAt, 200);
  u32('link count 2^32-1', levelAt + 1, 0xffffffff);
  u32('link count 2m + 1', levelAt + 1, 9);
  u32('link to itself', levelAt + 5, 0);
  u32('link out of range', levelAt + 5, slotCount);
  u32('link to a free slot', levelAt + 5, 5);
  byte("duplicate id (slot 0's 'e0' renamed 'e1')", first + 6, '1'.charCodeAt(0));
  const extra = new Uint8Array(valid.length + 1);
  extra.set(valid.subarray(0, valid.length - 4));
  extra.set(valid.subarray(valid.length - 4), valid.length - 3);
  out.push(['a byte after the free list (CRC repaired)', withCrc(extra)]);
  u32('free_count wrong', valid.length - 16, 3); // free_count, 2 free slots, CRC
  u32('free list names a live slot', valid.length - 8, 0);
  return out;
}

test('corrupt, truncated, random and hostile bytes are CORRUPT_DATA on every backend', (t) => {
  if (!ready(t)) return;
  for (const origin of available) {
    const valid = smallBytes(origin.hnsw);
    for (const target of available) target.hnsw.free(target.hnsw.deserialize(valid)); // the baseline loads
    for (const [label, bytes] of corruptions(valid)) {
      // One verdict: the same code and the same message (the same rule, checked in the same
      // order) on every backend.
      const messages = new Set();
      for (const target of available) {
        let handle;
        try {
          handle = target.hnsw.deserialize(bytes);
        } catch (e) {
          assert.ok(
            e instanceof RuVectorError,
            `${label} on ${target.name}: threw ${e?.name}: ${e?.message}`,
          );
          assert.equal(e.code, 'CORRUPT_DATA', `${label} on ${target.name}: ${e.message}`);
          messages.add(e.message);
          assert.equal(messages.size, 1, `${label}: ${[...messages].join(' | ')}`);
          continue;
        }
        target.hnsw.free(handle);
        assert.fail(`${label} (bytes from ${origin.name}): accepted by ${target.name}`);
      }
    }
  }
});

/** Bad calls of the hnsw module; each runs on every backend. `h` is a live handle, `freed` a freed one. */
function badCalls() {
  const v4 = (...xs) => new Float32Array(xs);
  const cfg = { dimensions: 4, m: 8, efConstruction: 20, efSearch: 10, distanceMetric: 'cosine' };
  return [
    ['create: null config', (m) => m.create(null)],
    ['create: dimensions 0', (m) => m.create({ ...cfg, dimensions: 0 })],
    ['create: dimensions 65537', (m) => m.create({ ...cfg, dimensions: 65537 })],
    ['create: m 1', (m) => m.create({ ...cfg, m: 1 })],
    ['create: m 129', (m) => m.create({ ...cfg, m: 129 })],
    ['create: efConstruction 0', (m) => m.create({ ...cfg, efConstruction: 0 })],
    ['create: efSearch 1.5', (m) => m.create({ ...cfg, efSearch: 1.5 })],
    ['create: metric', (m) => m.create({ ...cfg, distanceMetric: 'manhattan' })],
    ['create: storage', (m) => m.create({ ...cfg, storage: 'int4' })],
    ['create: seed', (m) => m.create({ ...cfg, seed: -3 })],
    ['create: unknown key', (m) => m.create({ ...cfg, ef: 3 })],
    ['insert: empty id', (m, h) => m.insert(h, '', v4(1, 2, 3, 4))],
    ['insert: id not a string', (m, h) => m.insert(h, 42, v4(1, 2, 3, 4))],
    ['insert: lone surrogate', (m, h) => m.insert(h, '\udc00', v4(1, 2, 3, 4))],
    ['insert: vector is an Array', (m, h) => m.insert(h, 'a', [1, 2, 3, 4])],
    ['insert: vector too short', (m, h) => m.insert(h, 'a', v4(1, 2, 3))],
    ['insert: NaN', (m, h) => m.insert(h, 'a', v4(1, NaN, 3, 4))],
    ['insert: -Infinity', (m, h) => m.insert(h, 'a', v4(1, 2, 3, -Infinity))],
    ['insertBatch: not an array', (m, h) => m.insertBatch(h, { id: 'a' })],
    ['insertBatch: bad entry', (m, h) => m.insertBatch(h, [{ id: 'a', vector: v4(1, 2, 3, 4) }, 'b'])],
    [
      'insertBatch: bad id',
      (m, h) =>
        m.insertBatch(h, [
          { id: 'a', vector: v4(1, 2, 3, 4) },
          { id: '', vector: v4(1, 2, 3, 4) },
        ]),
    ],
    [
      'insertBatch: short vector',
      (m, h) =>
        m.insertBatch(h, [
          { id: 'a', vector: v4(1, 2, 3, 4) },
          { id: 'b', vector: v4(1) },
        ]),
    ],
    ['insertBatch: Infinity', (m, h) => m.insertBatch(h, [{ id: 'b', vector: v4(1, 2, Infinity, 4) }])],
    ['search: query too long', (m, h) => m.search(h, v4(1, 2, 3, 4, 5), 3)],
    ['search: query NaN', (m, h) => m.search(h, v4(NaN, 2, 3, 4), 3)],
    ['search: k 0', (m, h) => m.search(h, v4(1, 2, 3, 4), 0)],
    ['search: k -1', (m, h) => m.search(h, v4(1, 2, 3, 4), -1)],
    ['search: k string', (m, h) => m.search(h, v4(1, 2, 3, 4), '3')],
    ['search: options not an object', (m, h) => m.search(h, v4(1, 2, 3, 4), 3, 'fast')],
    ['search: unknown option', (m, h) => m.search(h, v4(1, 2, 3, 4), 3, { ef: 10 })],
    ['search: efSearch 0', (m, h) => m.search(h, v4(1, 2, 3, 4), 3, { efSearch: 0 })],
    ['search: efSearch NaN', (m, h) => m.search(h, v4(1, 2, 3, 4), 3, { efSearch: NaN })],
    ['search: filter a number', (m, h) => m.search(h, v4(1, 2, 3, 4), 3, { filter: 5 })],
    [
      'search: filter with a non-string',
      (m, h) => m.search(h, v4(1, 2, 3, 4), 3, { filter: new Set(['a', 1]) }),
    ],
    ['search: predicate returns a string', (m, h) => m.search(h, v4(1, 2, 3, 4), 3, { filter: () => 'yes' })],
    ['delete: id undefined', (m, h) => m.delete(h, undefined)],
    ['has: empty id', (m, h) => m.has(h, '')],
    ['deserialize: not bytes', (m) => m.deserialize('RUVHNSW')],
    ['deserialize: ArrayBuffer', (m) => m.deserialize(new ArrayBuffer(100))],
    ['deserialize: too short', (m) => m.deserialize(new Uint8Array(75))],
    ['deserialize: bad magic', (m) => m.deserialize(new Uint8Array(200).fill(7))],
    ['foreign handle', (m) => m.search({}, v4(1, 2, 3, 4), 3)],
    ['null handle', (m) => m.serialize(null)],
    ...['insert', 'search', 'delete', 'has', 'stats', 'serialize', 'insertBatch'].map((fn) => [
      `freed handle: ${fn}`,
      (m, h, freed) =>
        fn === 'search'
          ? m.search(freed, v4(1, 2, 3, 4), 1)
          : fn === 'insert'
            ? m.insert(freed, 'a', v4(1, 2, 3, 4))
            : fn === 'insertBatch'
              ? m.insertBatch(freed, [])
              : fn === 'stats' || fn === 'serialize'
                ? m[fn](freed)
                : m[fn](freed, 'a'),
    ]),
  ];
}

const EXPECTED = {
  'create: m 1': ['INVALID_ARGUMENT', 'hnsw.create: config.m must be an integer in [2, 128] (got 1)'],
  'insert: NaN': ['NON_FINITE', 'hnsw.insert: vector contains a non-finite value at index 1'],
  'search: query too long': [
    'DIMENSION_MISMATCH',
    'hnsw.search: query has 5 elements but the index has 4 dimensions',
  ],
  'search: unknown option': [
    'INVALID_ARGUMENT',
    "hnsw.search: unknown option 'ef' (allowed: efSearch, filter)",
  ],
  'freed handle: search': ['NOT_INITIALIZED', 'hnsw.search: the index was freed'],
  'deserialize: too short': [
    'CORRUPT_DATA',
    'hnsw.deserialize: data has 75 bytes, fewer than the 76 of the smallest serialized HNSW index',
  ],
};

test('every bad argument gives the same code and message on every backend; nothing reaches the index', async (t) => {
  if (!ready(t)) return;
  const answers = new Map();
  for (const b of available) {
    const h = b.hnsw.create({
      dimensions: 4,
      m: 8,
      efConstruction: 20,
      efSearch: 10,
      distanceMetric: 'cosine',
    });
    b.hnsw.insert(h, 'keep', new Float32Array([1, 0, 0, 0]));
    const freed = b.hnsw.create({
      dimensions: 4,
      m: 8,
      efConstruction: 20,
      efSearch: 10,
      distanceMetric: 'cosine',
    });
    b.hnsw.free(freed);
    const got = badCalls().map(([label, call]) => {
      try {
        call(b.hnsw, h, freed);
      } catch (e) {
        assert.ok(e instanceof RuVectorError, `${b.name} ${label}: ${e}`);
        return [label, e.code, e.message];
      }
      return [label, 'NO ERROR', ''];
    });
    assert.equal(b.hnsw.stats(h).vectorCount, 1, `${b.name}: a rejected call changed the index`);
    // The class face: async batch and search reject alike.
    const index = new WasmHnswIndex(
      { dimensions: 4, m: 8, efConstruction: 20, efSearch: 10, distanceMetric: 'cosine' },
      { runtime: b.runtime },
    );
    await index.initialize();
    for (const [label, call] of [
      [
        'class insertBatch: short vector',
        () => index.insertBatch([{ id: 'x', vector: new Float32Array(3) }]),
      ],
      [
        'class search: filter array with empty id',
        () => index.search(new Float32Array(4), 1, { filter: [''] }),
      ],
    ]) {
      const e = await call().then(
        () => null,
        (err) => err,
      );
      got.push([label, e?.code ?? 'NO ERROR', e?.message ?? '']);
    }
    await index.dispose();
    got.push([
      'class after dispose',
      ...(await index.search(new Float32Array(4), 1).then(
        () => ['NO ERROR', ''],
        (e) => [e.code, e.message],
      )),
    ]);
    b.hnsw.free(h);
    answers.set(b.name, got);
  }
  const [reference, ...others] = [...answers];
  for (const [label, code, message] of reference[1]) {
    assert.notEqual(code, 'NO ERROR', `${reference[0]}: ${label} was accepted`);
    if (EXPECTED[label]) assert.deepEqual([code, message], EXPECTED[label], label);
  }
  for (const [name, got] of others)
    assert.deepEqual(got, reference[1], `${name} differs from ${reference[0]}`);
});
