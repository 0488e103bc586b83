// Calls issued while a WasmHnswIndex.insertBatch runs take their turn after it, on every backend
// (issue 15, defect 6: natively they were refused with "insertBatchAsync is still running").
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { WasmHnswIndex } from '../../js/dist/index.js';
import { backends } from './support.mjs';

const dim = 32;
const vec = (i) => Float32Array.from({ length: dim }, (_, j) => Math.sin(i * 7.1 + j * 1.3));

test('writes, serialize and predicate searches during an insertBatch wait their turn', async () => {
  for (const b of backends) {
    const index = new WasmHnswIndex(
      { dimensions: dim, m: 8, efConstruction: 40, efSearch: 40, distanceMetric: 'euclidean' },
      { runtime: b.runtime },
    );
    await index.initialize();
    const entries = Array.from({ length: 3000 }, (_, i) => ({ id: `e${i}`, vector: vec(i) }));
    const batch = index.insertBatch(entries); // not awaited: everything below is issued meanwhile
    const inserts = Array.from({ length: 50 }, (_, i) => index.insert(`x${i}`, vec(10_000 + i)));
    const deletes = Array.from({ length: 20 }, (_, i) => index.delete(`e${i}`));
    const filtered = index.search(vec(5), 5, { filter: (id) => id.startsWith('e') });
    const bytes = index.serialize();
    const second = index.insertBatch([{ id: 'late', vector: vec(20_000) }]);
    await batch;
    await Promise.all(inserts);
    const deleted = await Promise.all(deletes);
    assert.ok(deleted.every(Boolean), `${b.name}: every delete found the batch's entry`);
    const hits = await filtered;
    assert.equal(hits.length, 5, `${b.name}: the predicate search ran after the batch`);
    assert.ok(
      hits.every((h) => h.id.startsWith('e')),
      b.name,
    );
    await second;
    assert.equal(index.vectorCount, 3000 + 50 - 20 + 1, `${b.name}: the count`);
    const loaded = new WasmHnswIndex(
      { dimensions: dim, m: 8, efConstruction: 40, efSearch: 40, distanceMetric: 'euclidean' },
      { runtime: b.runtime },
    );
    await loaded.deserialize(await bytes);
    assert.ok(loaded.has('e2999'), `${b.name}: serialize came after the batch`);
    await loaded.dispose();
    await index.dispose();
  }
});

test('has() and getStats() answer while an insertBatch runs, on every backend', async () => {
  for (const b of backends) {
    const index = new WasmHnswIndex(
      { dimensions: dim, m: 8, efConstruction: 60, efSearch: 40, distanceMetric: 'euclidean' },
      { runtime: b.runtime },
    );
    await index.initialize();
    await index.insert('before', vec(-1));
    const n = 20_000;
    const entries = Array.from({ length: n }, (_, i) => ({ id: `e${i}`, vector: vec(i) }));
    let settled = false;
    const batch = index.insertBatch(entries).finally(() => (settled = true));
    // Natively the batch runs on worker threads: has() and getStats() wait for one insert of it
    // at most (before: INVALID_ARGUMENT "insertBatchAsync is still running"). On wasm and js
    // they answer between its chunks.
    let answered = 0;
    let last = 0;
    while (!settled) {
      assert.equal(index.has('before'), true, b.name);
      assert.equal(index.has('never'), false, b.name);
      const { vectorCount } = index.getStats();
      assert.ok(vectorCount >= last && vectorCount <= n + 1, `${b.name}: count ${vectorCount}`);
      last = vectorCount;
      answered += 1;
      await new Promise((resolve) => setImmediate(resolve));
    }
    await batch;
    assert.ok(answered >= 2, `${b.name}: ${answered} answers while the batch ran`);
    assert.equal(index.getStats().vectorCount, n + 1, b.name);
    assert.equal(index.has(`e${n - 1}`), true, b.name);
    await index.dispose();
  }
});
