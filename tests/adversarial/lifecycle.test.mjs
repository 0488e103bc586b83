// Creating and disposing indexes in a loop holds memory steady on every backend (the adversarial
// probe's create/dispose loop, issue 15): a dispose that frees nothing would grow the process by
// the size of one index per round (here ~0.5 MB of rows, ~50 MB over the loop).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { WasmHnswIndex } from '../../js/dist/index.js';
import { backends } from './support.mjs';

const dim = 128;
const rows = 1000;
const rounds = 100;
const flat = Float32Array.from({ length: rows * dim }, (_, i) => Math.sin(i * 0.37));
const entries = Array.from({ length: rows }, (_, i) => ({
  id: `r${i}`,
  vector: flat.subarray(i * dim, (i + 1) * dim),
}));
const config = { dimensions: dim, m: 8, efConstruction: 20, efSearch: 20, distanceMetric: 'cosine' };

async function round(runtime) {
  const index = new WasmHnswIndex(config, { runtime });
  await index.initialize();
  await index.insertBatch(entries);
  const [hit] = await index.search(entries[7].vector, 1);
  assert.equal(hit?.id, 'r7');
  const copy = new WasmHnswIndex(config, { runtime });
  await copy.deserialize(await index.serialize());
  assert.equal(copy.vectorCount, rows);
  await copy.dispose();
  await index.dispose();
}

test('create, fill, copy and dispose in a loop: memory stays flat', { timeout: 300_000 }, async () => {
  for (const b of backends) {
    for (let i = 0; i < 40; i++) await round(b.runtime); // warm: heaps, pools and the worker threads' malloc arenas reach their size
    const before = process.memoryUsage().rss;
    for (let i = 0; i < rounds; i++) await round(b.runtime);
    const grown = (process.memoryUsage().rss - before) / 2 ** 20;
    assert.ok(grown < 25, `${b.name}: RSS grew ${grown.toFixed(1)} MB over ${rounds} rounds`);
  }
});
