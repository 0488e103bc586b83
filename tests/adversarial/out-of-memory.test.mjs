// Running out of wasm heap (issue 15, defect 1): an insert that cannot get memory is a typed
// OUT_OF_MEMORY, stores nothing, and the index and the runtime keep working. Before, the
// Emscripten build had no exception handling: std::bad_alloc escaped as a bare number, skipping
// the C ABI's guard and the index's lock release, and the next call spun forever.
// Only the wasm heap has a limit a test can reach (2 GiB); natively the core's fault-injection
// test (core/src/hnsw/hnsw_out_of_memory_test.cc) fails each allocation in turn instead.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RuVectorError, WasmHnswIndex } from '../../js/dist/index.js';
import { backends } from './support.mjs';

const wasm = backends.find((b) => b.name === 'wasm');
const dim = 16384; // 64 KiB rows: the heap runs out after a few thousand
const config = { dimensions: dim, m: 4, efConstruction: 8, efSearch: 8, distanceMetric: 'euclidean' };
const row = (i) => {
  const v = new Float32Array(dim);
  v[0] = i;
  v[1 + (i % 7)] = 1;
  return v;
};

async function fill(index, step) {
  for (let n = 0; ; n += step) {
    try {
      if (step === 1) await index.insert(`k${n}`, row(n));
      else {
        await index.insertBatch(
          Array.from({ length: step }, (_, i) => ({ id: `k${n + i}`, vector: row(n + i) })),
        );
      }
    } catch (error) {
      return { stored: n, error };
    }
  }
}

async function assertStillWorks(index, stored, label) {
  assert.equal(index.vectorCount, stored, `${label}: the failed call stored nothing`);
  assert.equal(await index.has(`k${stored}`), false, label);
  for (const i of [0, 1, stored >> 1, stored - 1]) {
    const [hit] = await index.search(row(i), 1, { efSearch: 64 });
    assert.equal(hit?.id, `k${i}`, `${label}: k${i} is still found by its own vector`);
    assert.equal(hit.distance, 0, label);
  }
  assert.equal(await index.delete('k0'), true, `${label}: deletes still work`);
  assert.equal(index.vectorCount, stored - 1, label);
}

test(
  'wasm: an insert past the heap limit is OUT_OF_MEMORY and the index keeps working',
  { skip: !wasm, timeout: 120_000 },
  async () => {
    for (const step of [1, 500]) {
      const label = step === 1 ? 'insert' : 'insertBatch';
      const index = new WasmHnswIndex(config, { runtime: wasm.runtime });
      await index.initialize();
      const { stored, error } = await fill(index, step);
      assert.ok(error instanceof RuVectorError, `${label}: a typed error, not ${String(error)}`);
      assert.equal(error.code, 'OUT_OF_MEMORY', `${label}: ${error.message}`);
      assert.ok(stored > 1000, `${label}: ${stored} rows fit before the limit`);
      await assertStillWorks(index, stored, label);
      // The runtime too: another index works while this one holds the heap, and its memory is
      // reusable once it is gone.
      const small = new WasmHnswIndex({ ...config, dimensions: 4 }, { runtime: wasm.runtime });
      await small.initialize();
      await small.insert('a', Float32Array.of(1, 2, 3, 4));
      assert.equal((await small.search(Float32Array.of(1, 2, 3, 4), 1))[0]?.id, 'a', label);
      await small.dispose();
      await index.dispose();
      const again = new WasmHnswIndex(config, { runtime: wasm.runtime });
      await again.initialize();
      await again.insertBatch(Array.from({ length: 1000 }, (_, i) => ({ id: `r${i}`, vector: row(i) })));
      assert.equal(again.vectorCount, 1000, `${label}: the freed heap is used again`);
      await again.dispose();
    }
  },
);
