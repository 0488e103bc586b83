// One engine's run of the memory benchmark, in its own process (so its memory is measured alone):
//   node engine-run.mjs <engine index> <job.json>   -> one JSON line on stdout
import { readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

import { makeDataset } from '../hnsw-js/data.mjs';
import { ENGINES } from './engines.mjs';

const [engineIndex, jobFile] = process.argv.slice(2);
const job = JSON.parse(readFileSync(jobFile, 'utf8'));
const engine = ENGINES[Number(engineIndex)];
const { n, dim, batch, k, dir } = job;
const { base, queries } = makeDataset({ data: 'clustered', n, dim, queries: job.queries });
const truth = JSON.parse(readFileSync(job.truthFile, 'utf8'));
const nq = queries.length / dim;

const items = Array.from({ length: n }, (_, i) => ({
  id: `m${i}`,
  text: `memory number ${i}`,
  metadata: { group: i % 10, n: i },
  vector: base.subarray(i * dim, (i + 1) * dim),
}));

const bytesIn = (path) => {
  const s = statSync(path);
  if (!s.isDirectory()) return s.size;
  return readdirSync(path).reduce((sum, f) => sum + bytesIn(join(path, f)), 0);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => performance.now();

const version = await engine.load();
rmSync(dir, { recursive: true, force: true });
let t = now();
await engine.create(dir, dim);
for (let i = 0; i < n; i += batch) await engine.addBatch(items.slice(i, i + batch));
const addSeconds = (now() - t) / 1000;
await engine.close();
const diskBytes = bytesIn(dir);

globalThis.gc?.();
const rssBefore = process.memoryUsage().rss;
t = now();
await engine.open(dir);
const openMs = now() - t;

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
const plain = await searches(undefined);
const filtered = await searches(3);
globalThis.gc?.();
const memoryBytes = process.memoryUsage().rss - rssBefore;
await engine.close();
rmSync(dir, { recursive: true, force: true });
process.stdout.write(
  `${JSON.stringify({ engine: engine.name, version, durability: engine.durability, n, addPerSecond: n / addSeconds, openMs, diskBytes, memoryBytes, plain, filtered })}\n`,
);
