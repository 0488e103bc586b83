// One engine's run of the memory benchmark, in its own process (so its memory is measured alone):
//   node engine-run.mjs <engine index> <job.json> write|read   -> one JSON line on stdout
// `write` fills a fresh directory; `read` (a new process) opens it and searches.
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { makeDataset } from '../hnsw-js/data.mjs';
import { ENGINES } from './engines.mjs';

const [engineIndex, jobFile, phase] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobFile, 'utf8'));
const engine = ENGINES[Number(engineIndex)];
const { n, dim, batch, k, dir } = job;
const { base, queries } = makeDataset({ data: 'clustered', n, dim, queries: job.queries });
const truth = JSON.parse(readFileSync(job.truthFile, 'utf8'));
const nq = queries.length / dim;

const items = () =>
  Array.from({ length: n }, (_, i) => ({
    id: `m${i}`,
    text: `memory number ${i}`,
    metadata: { group: i % 10, n: i },
    vector: base.subarray(i * dim, (i + 1) * dim),
  }));

async function searches(filter) {
  const times = [];
  let found = 0;
  for (let q = 0; q < nq; q++) {
    const v = queries.subarray(q * dim, (q + 1) * dim);
    const s = now();
    const ids = await engine.search(v, k, filter);
    times.push(now() - s);
    const want = new Set((filter === undefined ? truth.all : truth.group3)[q]);
    found += ids.filter((id) => want.has(id)).length;
  }
  return { p50Ms: median(times), recall: found / (nq * k) };
}

const now = () => performance.now();
const bytesIn = (path) => {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, f) => sum + bytesIn(join(path, f)), 0);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const version = await engine.load();
if (phase === 'write') {
  rmSync(dir, { recursive: true, force: true });
  // The memories are made before the clock starts (made per batch, all n of them each time, the
  // same JS work was timed in every engine's row).
  const all = items();
  const t = now();
  await engine.create(dir, dim);
  for (let i = 0; i < n; i += batch) await engine.addBatch(all.slice(i, i + batch));
  const addSeconds = (now() - t) / 1000;
  // An engine that indexes after acknowledging (ours links vectors into its graph in the
  // background, searching the rest exactly meanwhile) finishes here, so the read phase measures
  // the indexed store, and the time to that point is its own row.
  await engine.settle?.();
  const settledSeconds = (now() - t) / 1000;
  await engine.close();
  process.stdout.write(
    `${JSON.stringify({ addPerSecond: n / addSeconds, indexedPerSecond: n / settledSeconds, diskBytes: bytesIn(dir) })}\n`,
  );
} else {
  // A fresh process: what opening the directory costs, in time and resident memory.
  globalThis.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const t = now();
  await engine.open(dir);
  // Time to the first result: an engine that opens lazily pays the rest at its first search.
  await engine.search(queries.subarray(0, dim), k, undefined);
  const openMs = now() - t;
  const plain = await searches(undefined);
  const filtered = await searches(3);
  globalThis.gc?.();
  const memoryBytes = process.memoryUsage().rss - rssBefore;
  await engine.close();
  process.stdout.write(
    `${JSON.stringify({ engine: engine.name, version, durability: engine.durability, n, openMs, memoryBytes, plain, filtered })}\n`,
  );
}
