// Crash test of the durable SemanticMemory, as SQLite runs one: a child process changes a store
// on disk in a loop (puts, batches of 5, deletes; durability 'fsync', every third run 'batch') and is killed with SIGKILL
// at random points, 60 times. After each kill the store is reopened and must hold every
// acknowledged change, nothing of the one change in flight but all or none of it (a batch is
// never half there), and search must find every stored id by its own vector.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { SemanticMemory } from '../../js/dist/index.js';
import { vectorOf } from './memory-crash-child.mjs';
import { mulberry32 } from './support.mjs';

const KILLS = 60;
const child = new URL('./memory-crash-child.mjs', import.meta.url).pathname;

/** Runs the writer until it has made some changes, kills it, returns its lines. */
function runAndKill(dir, backend, seed, durability, afterMs) {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [child, dir, backend, String(seed), durability], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => {
      out += d;
      if (out.startsWith('ready') && !p.timer) p.timer = setTimeout(() => p.kill('SIGKILL'), afterMs);
    });
    p.stderr.on('data', (d) => (err += d));
    p.on('exit', (code, signal) => {
      clearTimeout(p.timer);
      if (signal !== 'SIGKILL') reject(new Error(`writer exited with ${code}: ${err}`));
      else resolve(out.split('\n').filter(Boolean));
    });
  });
}

/** What each id must hold: text (or null when absent), applying acknowledged changes in order. */
function apply(state, op) {
  for (const id of op.ids) {
    if (op.op === 'delete') state.set(id, null);
    else state.set(id, op.op === 'batch' ? `${id}:${op.text}` : op.text);
  }
}

test(`a store killed ${KILLS} times with SIGKILL keeps every acknowledged change and nothing half done`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ruvector-crash-'));
  const rand = mulberry32(97);
  // Writers alternate between the backends; the store's bytes are the same on both.
  const backends = ['native', 'wasm'];
  const state = new Map();
  let acked = 0;
  let inFlightSeen = 0;
  try {
    for (let round = 0; round < KILLS; round++) {
      const backend = backends[round % backends.length];
      // 'batch' hands writes to the OS before acknowledging them: they survive kill -9 too.
      const durability = round % 3 === 2 ? 'batch' : 'fsync';
      const lines = await runAndKill(dir, backend, 1000 + round, durability, 20 + Math.floor(rand() * 150));
      let pending = null;
      for (const line of lines.slice(1)) {
        const [kind, json] = [line.slice(0, 3), line.slice(4)];
        if (kind === 'try') pending = JSON.parse(json);
        else if (kind === 'ack') {
          apply(state, JSON.parse(json));
          acked++;
          pending = null;
        }
      }
      const memory = await SemanticMemory.open({ backend: 'native', model: null, dimensions: 8, path: dir });
      // The change in flight is all there or not at all; decide which from its first id.
      if (pending !== null) {
        const after = new Map(state);
        apply(after, pending);
        const first = pending.ids[0];
        const now = memory.get(first)?.text ?? null;
        if (now === after.get(first) && now !== (state.get(first) ?? null)) {
          apply(state, pending);
          inFlightSeen++;
        }
      }
      for (const [id, text] of state) {
        const got = memory.get(id);
        assert.equal(got?.text ?? null, text, `round ${round} (${backend}): ${id}`);
      }
      let stored = 0;
      for await (const e of memory) {
        assert.ok(
          state.has(e.id) && state.get(e.id) !== null,
          `round ${round}: ${e.id} was never acknowledged`,
        );
        const [hit] = await memory.search(vectorOf(e.text), { k: 1 });
        assert.equal(hit.id, e.id, `round ${round}: ${e.id} is findable`);
        stored++;
      }
      assert.equal(stored, [...state.values()].filter((t) => t !== null).length);
      // Closing writes a checkpoint: the next writer loads it and appends a new log after it.
      await memory.close();
    }
    assert.ok(acked > KILLS * 3, `acknowledged changes: ${acked}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(
    `# crash test: ${KILLS} kills, ${acked} acknowledged changes, in-flight change found applied ${inFlightSeen} times`,
  );
});
