// The learning benchmark rows (js/src/bench/learn-suite.ts), scaled down: figures are not judged
// here (speed is never asserted in tests), only that every row is there with its ratio to the same
// backend's batchDistance, and that js-fallback says what it lacks.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { formatLearnTable, runLearnBench } from '../../js/dist/bench/learn-suite.js';
import { RuVectorRuntime } from '../../js/dist/index.js';

test('runLearnBench reports match, store, training and crossover rows per backend', async () => {
  const targets = [];
  for (const backend of ['native', 'wasm', 'js']) {
    const rt = await RuVectorRuntime.create({ backend });
    targets.push({ backend: rt.getBackend(), ...rt.getModules() });
  }
  const rows = await runLearnBench(targets, {
    budgetMs: 5,
    patterns: 300,
    dimensions: 16,
    trajectories: 40,
    crossover: [300],
  });
  for (const t of targets) {
    const mine = rows.filter((r) => r.backend === t.backend);
    const adr = mine.find((r) => r.operation.startsWith('matchPatterns'));
    assert.ok(adr.medianUs > 0 && adr.vsBatchDistance > 0, `${t.backend} matchPatterns`);
    const store = mine.find((r) => r.operation.startsWith('PatternStore.match'));
    const train = mine.find((r) => r.operation.startsWith('trainLoRA'));
    assert.ok(store.medianUs > 0 && store.vsBatchDistance > 0, `${t.backend} store`);
    if (t.backend === 'js-fallback') {
      assert.match(train.note, /needs the C\+\+ core/);
    } else {
      assert.ok(train.medianUs > 0);
      assert.ok(mine.some((r) => /crossover at 300 patterns/.test(r.operation)));
    }
  }
  assert.ok(rows.some((r) => r.operation === 'trainLoRA wasm / native'));
  assert.match(formatLearnTable(rows), /vs batchDistance/);
});
