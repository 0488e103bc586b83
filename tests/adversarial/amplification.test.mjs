// Untrusted bytes never cost more memory than they pay for (issue 15, defect 2). The probe's
// blobs: 50,076 bytes declaring 10,000 free 65536-d slots at m 128 (2.6 GB natively, a bare
// number thrown on wasm, 2.6 GB of memoryBytes on js) and nodes at level 31 without links
// (~130 bytes of link lists per byte). The bound is FORMAT.md's "What loading costs"
// (core/src/hnsw/load_bound.h): memoryBytes after deserialize <= loadBound(config, size, live).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { crc32, withFreeSlots } from '../conformance/hnsw-support.mjs';
import { backends } from './support.mjs';

/** FORMAT.md "What loading costs", as load_bound.h writes it. */
function loadBound({ dimensions, m, storage }, size, live) {
  const row = storage === 'int8' ? 8 + dimensions : 4 * dimensions;
  const stride = storage === 'int8' ? Math.ceil(row / 8) * 8 : Math.ceil(row / 64) * 64;
  const h0 = Math.max(4 * m, 32); // level-0 holder list (core/src/hnsw/holder_caps.h)
  const hu = Math.max(2 * m, 32); // holder list of each upper level
  const upperLevels = Math.floor(size / (m + 1)) + 32;
  return (
    Math.max(live, 16) * (stride + 4 * (2 * m + 1) + 4 * (h0 + 1) + 200) +
    7 * size +
    upperLevels * 4 * (m + hu + 2)
  );
}

/** An index of `live` entries of `dim` zeros at `level` without links, built field by field. */
function towersBlob(dim, m, live, level) {
  const out = [];
  const u32 = (v) => out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  out.push(...new TextEncoder().encode('RUVHNSW\0'));
  for (const v of [1, dim, m, 16, 16, 1, 0]) u32(v); // version, config: euclidean, float32
  out.push(...new Array(16).fill(0)); // seed, rng
  for (const v of [live, live, 0, level]) u32(v);
  for (let i = 0; i < live; i++) {
    const id = new TextEncoder().encode(`n${i}`);
    out.push(1);
    u32(id.length);
    out.push(...id, ...new Array(4 * dim).fill(0), level);
    for (let l = 0; l <= level; l++) u32(0);
  }
  u32(0); // free list
  const bytes = Uint8Array.from([...out, 0, 0, 0, 0]);
  new DataView(bytes.buffer).setUint32(bytes.length - 4, crc32(bytes.subarray(0, bytes.length - 4)), true);
  return bytes;
}

function emptyIndexBytes(b, config) {
  const h = b.hnsw.create(config);
  const bytes = b.hnsw.serialize(h);
  b.hnsw.free(h);
  return bytes;
}

test('declared free slots cost nothing: they are dropped on load', () => {
  const config = { dimensions: 65536, m: 128, efConstruction: 16, efSearch: 16, distanceMetric: 'euclidean' };
  const holes = Array.from({ length: 10_000 }, (_, i) => i);
  const bytes = withFreeSlots(emptyIndexBytes(backends[0], config), holes);
  assert.equal(bytes.length, 50_076);
  for (const b of backends) {
    const rssBefore = process.memoryUsage().rss;
    for (let round = 0; round < 5; round++) {
      const h = b.hnsw.deserialize(bytes);
      const s = b.hnsw.stats(h);
      assert.equal(s.vectorCount, 0, b.name);
      assert.ok(
        s.memoryBytes <= loadBound({ ...config, storage: 'float32' }, bytes.length, 0),
        `${b.name}: ${s.memoryBytes} bytes held for ${bytes.length} given`,
      );
      // Still a working index.
      b.hnsw.insert(h, 'x', new Float32Array(65536).fill(1));
      assert.deepEqual(
        b.hnsw.search(h, new Float32Array(65536).fill(1), 1).map((r) => r.id),
        ['x'],
      );
      b.hnsw.free(h);
    }
    const grown = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    assert.ok(grown < 200, `${b.name}: RSS grew ${grown.toFixed(0)} MB loading 5 x 50 KB`);
  }
});

test('free slots among live entries are dropped and every entry stays findable', () => {
  const config = { dimensions: 4, m: 4, efConstruction: 16, efSearch: 16, distanceMetric: 'cosine' };
  const { hnsw } = backends[0];
  const h = hnsw.create(config);
  for (let i = 0; i < 50; i++) hnsw.insert(h, `v${i}`, Float32Array.from([1, i, i % 3, 1]));
  const compact = hnsw.serialize(h);
  hnsw.free(h);
  // 50 live entries with 2,000 free slots around them, as writers before compaction left them.
  const holes = Array.from({ length: 2050 }, (_, i) => i).filter((i) => i % 41 !== 0 || i / 41 >= 50);
  const bytes = withFreeSlots(compact, holes);
  for (const b of backends) {
    const loaded = b.hnsw.deserialize(bytes);
    const s = b.hnsw.stats(loaded);
    assert.equal(s.vectorCount, 50, b.name);
    assert.ok(s.memoryBytes <= loadBound({ ...config, storage: 'float32' }, bytes.length, 50), b.name);
    for (let i = 0; i < 50; i++) {
      const [hit] = b.hnsw.search(loaded, Float32Array.from([1, i, i % 3, 1]), 1, { efSearch: 100 });
      assert.equal(hit?.id, `v${i}`, `${b.name}: v${i}`);
    }
    // Saved again, the bytes are the compact ones every backend writes.
    assert.deepEqual(b.hnsw.serialize(loaded), compact, b.name);
    b.hnsw.free(loaded);
  }
});

test('levels without links are refused past what the bytes pay for, the same way everywhere', () => {
  // One full tower (a lone node at level 31) is a real index; 200 of them are not.
  const one = towersBlob(1, 128, 1, 31);
  const many = towersBlob(1, 128, 200, 31);
  for (const b of backends) {
    const h = b.hnsw.deserialize(one);
    assert.ok(b.hnsw.stats(h).memoryBytes <= loadBound({ dimensions: 1, m: 128 }, one.length, 1), b.name);
    b.hnsw.free(h);
    assert.throws(
      () => b.hnsw.deserialize(many),
      (e) =>
        e.code === 'CORRUPT_DATA' &&
        e.message ===
          'hnsw.deserialize: data is not a valid serialized HNSW index (hnsw: corrupt index: levels exceed what the data holds)',
      b.name,
    );
  }
});

test('real indexes stay within the bound at every m, storage and metric', () => {
  for (const m of [2, 16, 128]) {
    for (const storage of ['float32', 'int8']) {
      for (const distanceMetric of ['cosine', 'euclidean', 'dot_product']) {
        const config = { dimensions: 8, m, efConstruction: 32, efSearch: 16, distanceMetric, storage };
        const { hnsw } = backends[0];
        const h = hnsw.create(config);
        for (let i = 0; i < 300; i++)
          hnsw.insert(
            h,
            `r${i}`,
            Float32Array.from({ length: 8 }, (_, k) => Math.sin(i * 7 + k * 3)),
          );
        for (let i = 0; i < 300; i += 5) hnsw.delete(h, `r${i}`);
        const bytes = hnsw.serialize(h);
        hnsw.free(h);
        for (const b of backends) {
          const loaded = b.hnsw.deserialize(bytes);
          const s = b.hnsw.stats(loaded);
          assert.ok(
            s.memoryBytes <= loadBound(config, bytes.length, s.vectorCount),
            `${b.name} m ${m} ${storage} ${distanceMetric}: ${s.memoryBytes} > bound`,
          );
          b.hnsw.free(loaded);
        }
      }
    }
  }
});
