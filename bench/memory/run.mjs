// Issue 22's benchmark: SemanticMemory beside vectra and LanceDB doing the same job with the same
// vectors (clustered unit 384-d, bench/hnsw-js/data.mjs), each engine in its own process:
//   node bench/memory/run.mjs [--n 10000,100000] [--queries 200] [--batch 1000] [--opens 3] [--engines vectra,...] [--json out.json]
// Rows: addBatch throughput with durability on (each engine's own: see the durability line),
// open/recover time of the directory (in a new process, to the first search result: an engine
// that opens lazily pays at its first search; the median of --opens processes, as are the
// resident bytes: one open varies by 2x on a VM), search p50 and recall@10 without and with a filter
// (group = 3: 10% of the memories), bytes on disk and resident bytes added by the open store.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import { groundTruth, makeDataset } from '../hnsw-js/data.mjs';
import { ENGINES } from './engines.mjs';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '10000,100000' },
    dim: { type: 'string', default: '384' },
    queries: { type: 'string', default: '200' },
    batch: { type: 'string', default: '1000' },
    k: { type: 'string', default: '10' },
    engines: { type: 'string' },
    opens: { type: 'string', default: '3' },
    json: { type: 'string' },
  },
});
const dim = Number(values.dim);
const k = Number(values.k);
const picked = ENGINES.map((e, i) => [e, i]).filter(
  ([e]) => values.engines === undefined || values.engines.split(',').some((p) => e.name.startsWith(p)),
);
const work = mkdtempSync(join(os.tmpdir(), 'ruvector-memory-bench-'));
const results = [];
const failures = [];
const commit = (() => {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
  } catch {
    return 'unknown';
  }
})();

for (const n of values.n.split(',').map(Number)) {
  const { base, queries } = makeDataset({ data: 'clustered', n, dim, queries: Number(values.queries) });
  const nq = queries.length / dim;
  const all = groundTruth(base, queries, dim, k);
  const group = [];
  for (let i = 3; i < n; i += 10) group.push(i);
  const groupBase = new Float32Array(group.length * dim);
  group.forEach((row, j) => groupBase.set(base.subarray(row * dim, (row + 1) * dim), j * dim));
  const inGroup = groundTruth(groupBase, queries, dim, k);
  const truth = {
    all: Array.from({ length: nq }, (_, q) => Array.from(all.subarray(q * k, (q + 1) * k), (i) => `m${i}`)),
    group3: Array.from({ length: nq }, (_, q) =>
      Array.from(inGroup.subarray(q * k, (q + 1) * k), (j) => `m${group[j]}`),
    ),
  };
  const truthFile = join(work, `truth-${n}.json`);
  writeFileSync(truthFile, JSON.stringify(truth));
  for (const [engine, index] of picked) {
    const jobFile = join(work, 'job.json');
    writeFileSync(
      jobFile,
      JSON.stringify({
        n,
        dim,
        queries: nq,
        batch: Number(values.batch),
        k,
        dir: join(work, 'store'),
        truthFile,
      }),
    );
    process.stderr.write(`${engine.name}, ${n} memories...\n`);
    const phase = (name) =>
      JSON.parse(
        execFileSync(
          process.execPath,
          [
            '--expose-gc',
            new URL('./engine-run.mjs', import.meta.url).pathname,
            String(index),
            jobFile,
            name,
          ],
          {
            encoding: 'utf8',
            maxBuffer: 1 << 24,
          },
        )
          .trim()
          .split('\n')
          .pop(),
      );
    try {
      const written = phase('write');
      const reads = Array.from({ length: Math.max(1, Number(values.opens)) }, () => phase('read'));
      const median = (f) => reads.map(f).sort((a, b) => a - b)[(reads.length - 1) >> 1];
      results.push({
        ...reads[0],
        openMs: median((r) => r.openMs),
        memoryBytes: median((r) => r.memoryBytes),
        opens: reads.length,
        ...written,
      });
    } catch (error) {
      // An engine that cannot do the job at this size is reported, and the others still run.
      const reason = String(error.stderr ?? error.message)
        .trim()
        .split('\n')
        .filter(Boolean)
        .pop();
      process.stderr.write(`${engine.name} failed at ${n}: ${reason}\n`);
      failures.push(`${engine.name} at ${n.toLocaleString('en')} memories: ${reason}`);
    }
    rmSync(join(work, 'store'), { recursive: true, force: true });
  }
}
rmSync(work, { recursive: true, force: true });

const mb = (b) => (b / 1e6).toFixed(1);
const rows = [
  [
    'addBatch (memories/s, durable)',
    (r) => Math.round(r.addPerSecond).toLocaleString('en'),
    (r) => r.addPerSecond,
    'higher',
  ],
  [
    'all in the index (memories/s from the first write)',
    (r) => Math.round(r.indexedPerSecond).toLocaleString('en'),
    (r) => r.indexedPerSecond,
    'higher',
  ],
  [
    `open to first result (ms, median of ${values.opens} processes)`,
    (r) => r.openMs.toFixed(0),
    (r) => r.openMs,
    'lower',
  ],
  [
    'search p50 (ms) / recall@10',
    (r) => `${r.plain.p50Ms.toFixed(2)} / ${r.plain.recall.toFixed(3)}`,
    (r) => r.plain.p50Ms,
    'lower',
  ],
  [
    'filtered p50 (ms) / recall@10',
    (r) => `${r.filtered.p50Ms.toFixed(2)} / ${r.filtered.recall.toFixed(3)}`,
    (r) => r.filtered.p50Ms,
    'lower',
  ],
  ['bytes on disk (MB)', (r) => mb(r.diskBytes), (r) => r.diskBytes, 'lower'],
  [`resident, open store (MB, median)`, (r) => mb(r.memoryBytes), (r) => r.memoryBytes, 'lower'],
];
for (const n of [...new Set(results.map((r) => r.n))]) {
  const set = results.filter((r) => r.n === n);
  const ours = set.find((r) => r.engine === 'ruvector native');
  const rivals = set.filter((r) => !r.engine.startsWith('ruvector'));
  console.log(
    `\n${n.toLocaleString('en')} memories x ${dim}-d, ${values.queries} queries, k ${k} (commit ${commit}, ${os.cpus()[0].model}, ${os.cpus().length} cores)`,
  );
  console.log(
    `| | ${set.map((r) => `${r.engine} ${r.version}`).join(' | ')} |${ours && rivals.length ? ' native vs best rival |' : ''}`,
  );
  console.log(`|---|${set.map(() => '---').join('|')}|${ours && rivals.length ? '---|' : ''}`);
  for (const [label, show, value, better] of rows) {
    let ratio = '';
    if (ours && rivals.length) {
      const best = rivals
        .map(value)
        .reduce((a, b) => (better === 'higher' ? Math.max(a, b) : Math.min(a, b)));
      const x = better === 'higher' ? value(ours) / best : best / value(ours);
      ratio = ` ${x >= 1 ? `${x.toFixed(1)}x better` : `${(1 / x).toFixed(1)}x worse`} |`;
    }
    console.log(`| ${label} | ${set.map(show).join(' | ')} |${ratio}`);
  }
  console.log(
    `| durability | ${set.map((r) => r.durability).join(' | ')} |${ours && rivals.length ? ' |' : ''}`,
  );
}
if (values.json)
  writeFileSync(values.json, JSON.stringify({ commit, machine: os.cpus()[0].model, results }, null, 2));
