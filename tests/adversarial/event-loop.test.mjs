// The event loop keeps turning during the calls the adversarial probe found blocking it (issue 15,
// defect 9: at 50k x 128 natively a selective predicate search blocked it 63-77 ms, a 10-id filter
// 40 ms, serialize/deserialize 150-180 ms, the setup of an insertBatch 94 ms). A 1 ms interval runs
// during each call of WasmHnswIndex; the p99 of the loop's busy time between its ticks must stay
// under 10 ms. And the paths that moved work off the JS thread give the answers the JS-thread
// paths give, on every backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { WasmHnswIndex } from '../../js/dist/index.js';
import { backends } from './support.mjs';

const row = (i, dim) => Float32Array.from({ length: dim }, (_, j) => Math.sin(i * 0.37 + j * 1.3 + (i % 7)));

test('searchAsync with a predicate over a large index: the answers of the walk, on every backend', async () => {
  const n = 6000; // above the 4096 entries where the predicate is asked about every id in chunks
  const dim = 16;
  for (const b of backends) {
    const { hnsw } = b;
    const h = hnsw.create({
      dimensions: dim,
      m: 8,
      efConstruction: 40,
      efSearch: 40,
      distanceMetric: 'cosine',
    });
    hnsw.insertBatch(
      h,
      Array.from({ length: n }, (_, i) => ({ id: `r${i}`, vector: row(i, dim) })),
    );
    for (let i = 0; i < n; i += 9) hnsw.delete(h, `r${i}`);
    for (const [label, allow] of [
      ['1 in 500', (id) => Number(id.slice(1)) % 500 === 1],
      ['1 in 60', (id) => Number(id.slice(1)) % 60 === 1],
      ['every other', (id) => Number(id.slice(1)) % 2 === 0],
      ['none', () => false],
    ]) {
      for (let qi = 0; qi < 5; qi++) {
        const q = row(n + qi, dim);
        const walked = hnsw.search(h, q, 10, { filter: allow });
        const scanned = await hnsw.searchAsync(h, q, 10, { filter: allow });
        // The scan hands the allowed ids to the search: a selective predicate's ids are ranked
        // exactly, so the walk (which expands the whole graph for them) must agree with it.
        assert.deepEqual(
          scanned.map((r) => r.id),
          walked.map((r) => r.id),
          `${b.name} ${label} query ${qi}`,
        );
        for (const r of scanned) assert.ok(allow(r.id), `${b.name} ${label}: ${r.id} passes`);
      }
    }
    // The predicate's rules hold on the scan too: its exception comes out, a non-boolean verdict
    // is refused, and it must not call into its own index.
    const q = row(1, dim);
    const boom = new Error('boom');
    await assert.rejects(
      hnsw.searchAsync(h, q, 5, {
        filter: (id) => {
          if (id === 'r4000') throw boom;
          return id === 'r3';
        },
      }),
      (e) => e === boom,
      b.name,
    );
    await assert.rejects(
      hnsw.searchAsync(h, q, 5, { filter: (id) => (id === 'r2000' ? 1 : false) }),
      {
        code: 'INVALID_ARGUMENT',
        message: "hnsw.searchAsync: options.filter returned 1 for id 'r2000' (expected a boolean)",
      },
      b.name,
    );
    await assert.rejects(
      hnsw.searchAsync(h, q, 5, { filter: (id) => id === 'r3000' && hnsw.has(h, id) }),
      { code: 'INVALID_ARGUMENT', message: 'hnsw.has: a filter predicate must not call into its own index' },
      b.name,
    );
    hnsw.free(h);
  }
});

/**
 * While `call` runs, a 1 ms interval ticks; per tick, the loop's busy time since the last tick
 * (performance.eventLoopUtilization's active time: JS and native code run on the loop's thread)
 * less the garbage collector's pauses in it, and the wall-clock gap. A call that blocks the loop
 * makes busy stretches; a busy machine (the call's own worker threads on every core, another
 * process) only delays the wake-ups, which count as idle, and a major GC of the suite's heap
 * (5-13 ms in CI, during a deserialize of 50k ids) is V8's pause, reported apart: the bar is on
 * busy time without GC, the gaps and GC are reported beside it. p99 and worst, ms.
 */
async function lagDuring(call) {
  const ticks = [];
  const gcs = [];
  const observer = new PerformanceObserver((list) => gcs.push(...list.getEntries()));
  observer.observe({ entryTypes: ['gc'] });
  let last = performance.now();
  let elu = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.now();
    const since = performance.eventLoopUtilization(elu);
    elu = performance.eventLoopUtilization();
    ticks.push({ from: last, to: now, active: since.active });
    last = now;
  }, 1);
  try {
    await call();
    await new Promise((resolve) => setTimeout(resolve, 3));
  } finally {
    clearInterval(timer);
    gcs.push(...observer.takeRecords());
    observer.disconnect();
  }
  const overlap = (a0, a1, b0, b1) => Math.max(0, Math.min(a1, b1) - Math.max(a0, b0));
  const gcIn = (t) =>
    gcs.reduce((sum, g) => sum + overlap(t.from, t.to, g.startTime, g.startTime + g.duration), 0);
  const busy = ticks.map((t) => Math.max(0, t.active - gcIn(t)));
  const gaps = ticks.map((t) => t.to - t.from);
  const p99 = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length * 0.99)] ?? 0;
  return {
    p99: p99(busy),
    worst: busy.at(-1) ?? 0,
    gapP99: p99(gaps),
    gapWorst: gaps.at(-1) ?? 0,
    gc: gcs.reduce((sum, g) => sum + g.duration, 0),
    samples: ticks.length,
  };
}

// The blocks the probe found were 40-180 ms; the work the calls leave on the loop on purpose (a
// filter predicate's chunks of ids, the last steps of a deserialize) is 2.5-4.7 ms busy here, so
// a 5 ms bar failed on noise in CI. 10 ms keeps 4x below the smallest defect.
const BUSY_BAR_MS = 10;

test(
  '50k x 128 natively: no call stops the event loop (p99 busy time between 1 ms ticks under 10 ms)',
  { timeout: 120_000 },
  async (t) => {
    const native = backends.find((b) => b.name === 'native');
    if (native === undefined) return t.skip('no native backend here');
    const n = 50_000;
    const dim = 128;
    const config = { dimensions: dim, m: 16, efConstruction: 64, efSearch: 50, distanceMetric: 'cosine' };
    const entries = Array.from({ length: n }, (_, i) => ({ id: `r${i}`, vector: row(i, dim) }));
    const q = row(n + 1, dim);
    let index = null;
    let bytes;
    const copy = new WasmHnswIndex(config, { runtime: native.runtime });
    const calls = [
      // A fresh index each try: inserting the same ids again would replace every entry.
      [
        'insertBatch of 50k',
        async () => {
          await index?.dispose();
          index = new WasmHnswIndex(config, { runtime: native.runtime });
          await index.initialize();
          await index.insertBatch(entries);
        },
      ],
      ['a predicate passing 1 in 1000', () => index.search(q, 10, { filter: (id) => id.endsWith('000') })],
      ['a 10-id filter', () => index.search(q, 10, { filter: entries.slice(0, 10).map((e) => e.id) })],
      ['efSearch 4000', () => index.search(q, 10, { efSearch: 4000 })],
      ['serialize', async () => (bytes = await index.serialize())],
      ['deserialize', () => copy.deserialize(bytes)],
    ];
    const report = [];
    for (const [label, call] of calls) {
      // A stall the code causes shows every time; one a busy machine causes (a GC, another
      // process) rarely twice: up to three tries.
      let lag;
      for (let attempt = 0; attempt < 3 && (lag === undefined || lag.p99 >= BUSY_BAR_MS); attempt++) {
        lag = await lagDuring(call);
        report.push(
          `${label}: busy p99 ${lag.p99.toFixed(1)} ms, worst ${lag.worst.toFixed(1)} ms; ` +
            `gaps p99 ${lag.gapP99.toFixed(1)} ms, worst ${lag.gapWorst.toFixed(1)} ms; ` +
            `GC ${lag.gc.toFixed(1)} ms (${lag.samples} ticks)`,
        );
      }
      assert.ok(lag.p99 < BUSY_BAR_MS, `${label}: p99 busy ${lag.p99.toFixed(1)} ms\n${report.join('\n')}`);
    }
    t.diagnostic(report.join('; '));
    assert.equal(copy.vectorCount, n);
    await index.dispose();
    await copy.dispose();
  },
);
