// Deferred linking (core/src/memory/pending_rows.h, memory/README.md): a write resolves before its
// vector is linked into the HNSW graph, and every search ranks the unlinked vectors exactly beside
// the walk. Checked against a float64 brute force before, during and after the background linker
// runs; backpressure at maxPending; unlinked vectors kept by close/reopen and export/import on
// every backend (the js twin links a version 2 snapshot's pending rows as it loads it).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { SemanticMemory } from '../../js/dist/index.js';
import { bruteForce } from './cases/recall.mjs';
import { dataset } from './cases/recall.mjs';
import { requiredBackends } from './support.mjs';

const CORE_BACKENDS = ['native', 'wasm'];
const required = requiredBackends();
const N = 1200;
const DIM = 24;
const data = dataset('clustered', N, DIM, 8, 4409);
const entries = data.ids.map((id, i) => ({
  id,
  text: `text ${i}`,
  metadata: { group: i % 4 },
  vector: data.vectors[i],
}));

async function open(backend, options = {}) {
  try {
    return await SemanticMemory.open({ backend, model: null, dimensions: DIM, ...options });
  } catch (error) {
    if (error?.code === 'BACKEND_UNAVAILABLE' && !required.has(backend)) return { skip: error.message };
    throw error;
  }
}

/** Every query's top k (with and without a filter) is the brute force's, in its order. */
async function assertExact(memory, stored, what) {
  for (const [filter, allow] of [
    [undefined, () => true],
    [{ group: 2 }, (e) => e.metadata.group === 2],
  ]) {
    const pool = stored.filter(allow).map((e) => [e.id, e.vector]);
    for (const q of data.queries) {
      const hits = await memory.search(q, { k: 10, filter, efSearch: N });
      const truth = bruteForce(pool, q, 10, 'cosine');
      assert.deepEqual(
        hits.map((h) => h.id),
        truth.map((r) => r.id),
        `${what}${filter ? ', filtered' : ''}`,
      );
      hits.forEach((h, i) => assert.ok(Math.abs(h.distance - truth[i].distance) < 1e-5, what));
    }
  }
}

for (const backend of CORE_BACKENDS) {
  test(`${backend}: writes resolve before linking, are found exactly meanwhile, and are linked in the background`, async (t) => {
    const memory = await open(backend);
    if (memory.skip) return t.skip(memory.skip);
    assert.equal(memory.describe().maxPending, Math.floor((128 << 20) / (4 * DIM)));
    await memory.addBatch(entries.slice(0, 600));
    await memory.addBatch(entries.slice(600));
    assert.ok(memory.describe().pending > 0, 'a write resolved before its vectors were linked');
    assert.equal(memory.size, N);
    await assertExact(memory, entries, 'while linking');
    await memory.flush({ index: true });
    assert.equal(memory.describe().pending, 0);
    await assertExact(memory, entries, 'linked');
    // Replacing and deleting unlinked memories.
    const moved = { ...entries[5], vector: entries[900].vector, metadata: { group: 2 } };
    await memory.addBatch([moved, entries[6]]);
    await memory.delete(entries[7].id);
    const stored = entries.map((e, i) => (i === 5 ? moved : e)).filter((_, i) => i !== 7);
    await assertExact(memory, stored, 'after replace and delete');
    assert.equal(memory.size, N - 1);
    await memory.close();
  });

  test(`${backend}: past maxPending a write waits for the linker; 0 links before a write resolves`, async (t) => {
    const memory = await open(backend, { maxPending: 100 });
    if (memory.skip) return t.skip(memory.skip);
    for (let i = 0; i < 600; i += 60) {
      await memory.addBatch(entries.slice(i, i + 60));
      assert.ok(memory.describe().pending <= 100, `pending ${memory.describe().pending}`);
    }
    // A batch larger than the bound is linked before it resolves.
    await memory.addBatch(entries.slice(600, 800));
    assert.ok(memory.describe().pending <= 100);
    await assertExact(memory, entries.slice(0, 800), 'bounded');
    await memory.close();
    const linked = await open(backend, { maxPending: 0 });
    await linked.addBatch(entries.slice(0, 50));
    await linked.add(entries[50].id, entries[50].text, entries[50].metadata, { vector: entries[50].vector });
    assert.equal(linked.describe().pending, 0);
    assert.equal(linked.describe().maxPending, 0);
    await linked.close();
    await assert.rejects(open(backend, { maxPending: -1 }), {
      code: 'INVALID_ARGUMENT',
      message: /options\.maxPending must be a non-negative integer \(got -1\)/,
    });
  });

  test(`${backend}: unlinked memories survive close and reopen, export and import on every backend, and are linked after`, async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'ruv-deferred-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const memory = await open(backend, { path: dir });
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(entries);
    const pendingAtClose = memory.describe().pending;
    const bytes = await memory.export();
    await memory.close();
    assert.ok(pendingAtClose > 0, 'the test closes with unlinked memories');
    assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true), 2, 'snapshot version 2');
    const reopened = await open(backend, { path: dir });
    assert.equal(reopened.size, N);
    await assertExact(reopened, entries, 'reopened');
    await reopened.flush({ index: true });
    assert.equal(reopened.describe().pending, 0);
    await assertExact(reopened, entries, 'reopened, linked');
    await reopened.close();
    // That process wrote nothing, but its linking is kept: the next open has nothing to link.
    const again = await open(backend, { path: dir });
    assert.equal(again.describe().pending, 0, 'linking done by a reader is checkpointed at close');
    assert.equal(again.size, N);
    await again.close();
    for (const other of ['native', 'wasm', 'js']) {
      let imported;
      try {
        imported = await SemanticMemory.import(bytes, { backend: other, model: null });
      } catch (error) {
        if (error?.code === 'BACKEND_UNAVAILABLE' && !required.has(other)) continue;
        throw error;
      }
      assert.equal(imported.size, N, other);
      await assertExact(imported, entries, `imported on ${other}`);
      await imported.close();
    }
  });
}

test('js: links every vector before a write resolves (describe says so)', async (t) => {
  const memory = await open('js');
  if (memory.skip) return t.skip(memory.skip);
  await memory.addBatch(entries.slice(0, 100));
  assert.equal(memory.describe().pending, 0);
  assert.equal(memory.describe().maxPending, 0);
  await memory.flush({ index: true });
  await assert.rejects(memory.flush({ index: 1 }), { code: 'INVALID_ARGUMENT' });
  await memory.close();
});

/** Runs `body` in a child Node process with `memory` open on `backend` at `dir`; its stdout lines. */
function child(backend, dir, body) {
  const script = `
    const { SemanticMemory } = await import(${JSON.stringify(new URL('../../js/dist/index.js', import.meta.url).href)});
    const memory = await SemanticMemory.open({ backend: ${JSON.stringify(backend)}, model: null, dimensions: ${DIM}, path: ${JSON.stringify(dir)} });
    const v = (i) => Float32Array.from({ length: ${DIM} }, (_, j) => Math.sin(i * 31 + j));
    const batch = Array.from({ length: 3000 }, (_, i) => ({ id: 'c' + i, text: 't' + i, vector: v(i) }));
    ${body}
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.trim().split('\n');
}

for (const backend of CORE_BACKENDS) {
  test(`${backend}: a script that writes and ends is not held for the linking (its log keeps the rest); one that waits for it is`, async (t) => {
    const probe = await open(backend);
    if (probe.skip) return t.skip(probe.skip);
    await probe.close();
    const dir = mkdtempSync(join(tmpdir(), 'ruv-deferred-exit-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    // Not closed: the process ends when its work does, with vectors still unlinked.
    // (Unlinked at exit: had the linker held the process, it would have linked them all first.)
    const [pendingAtExit] = child(
      backend,
      dir,
      `await memory.addBatch(batch); process.on('exit', () => console.log(memory.describe().pending));`,
    );
    assert.ok(Number(pendingAtExit) > 0, `the script ended with ${pendingAtExit} unlinked`);
    const reopened = await open(backend, { path: dir });
    assert.equal(reopened.size, 3000, 'every acknowledged write is there');
    // The log's puts were replayed as batches of unlinked rows (not linked one by one first).
    assert.equal(reopened.describe().recovered.replayed, 3000);
    assert.ok(reopened.describe().pending > 0, 'replayed unlinked');
    const hits = await reopened.search(
      Float32Array.from({ length: DIM }, (_, j) => Math.sin(7 * 31 + j)),
      { k: 1 },
    );
    assert.equal(hits[0].id, 'c7');
    await reopened.close();
    // Waiting for the linker keeps the process alive until it is done.
    const lines = child(
      backend,
      dir,
      `await memory.addBatch(batch.map((e) => ({ ...e, id: 'd' + e.id }))); await memory.flush({ index: true }); console.log('linked', memory.describe().pending, memory.size);`,
    );
    assert.deepEqual(lines, ['linked 0 6000']);
  });
}
