// HNSW benchmark: ruvector-runtime (native, wasm, js) beside hnswlib-node and usearch, same data,
// one run. Run bench/hnsw-js/setup.sh once, then for example:
//   node bench/hnsw-js/run.mjs --data uniform --n 10000 --dim 384 --queries 500 \
//        --m 16 --efc 100 --ef 50,200 --k 10 --threads 2 --json out.json
// Options: --rounds N timed passes per ef (best p50 kept), --builds N timed builds (fastest kept),
// --engines usearch,ruvector (name prefixes).
import { writeFileSync } from 'node:fs';
import os from 'node:os';

import { loadData, log, options } from './cli.mjs';
import { allEngines, benchEngine, environment } from './measure.mjs';

const opts = options({ data: 'uniform', n: '10000', ef: '50' });
const env = environment();
const loadStart = os.loadavg();
log(`${env.cpu}, ${env.cores} cores, node ${env.node}, commit ${env.commit}, load ${loadStart.map((x) => x.toFixed(2)).join(' ')}`);
const ds = loadData(opts, log);

const results = [];
for (const engine of allEngines(opts.engines)) {
  const r = await benchEngine(engine, ds, opts, opts.efs, { rounds: opts.rounds, builds: opts.builds, log });
  if (r.warning) log(`${r.engine}: WARNING ${r.warning}`);
  results.push(r);
}
const loadEnd = os.loadavg();

// One table, every engine and ef; unavailable engines are listed under it, never given numbers.
const parallel = opts.threads > 1;
const header = ['engine', 'data', 'ef', 'build s', ...(parallel ? [`build ${opts.threads}t s`] : []), 'p50 µs', 'p99 µs', 'QPS', `recall@${opts.k}`];
const lines = [];
for (const r of results.filter((x) => x.available)) {
  for (const row of r.rows) {
    const par = r.buildSecondsParallel == null ? 'n/a' : r.buildSecondsParallel.toFixed(2);
    lines.push([r.engine, opts.data, String(row.ef), r.buildSeconds.toFixed(2), ...(parallel ? [par] : []),
      row.p50.toFixed(1), row.p99.toFixed(1), row.qps.toFixed(0), row.recall.toFixed(4)]);
  }
}
const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
const fmt = (cells) => `| ${cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
console.log(`\n${opts.data} ${opts.n}x${opts.dim}, ${opts.queries} queries, M=${opts.m} efC=${opts.efc} k=${opts.k}; ` +
  `best of ${opts.rounds} timed passes, fastest of ${opts.builds} builds; load ${loadStart[0].toFixed(2)} -> ${loadEnd[0].toFixed(2)} on ${env.cores} cores`);
console.log(fmt(header));
console.log(`|${widths.map((w, i) => (i < 2 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`);
for (const l of lines) console.log(fmt(l));
for (const r of results.filter((x) => !x.available)) console.log(`${r.engine}: unavailable (${r.reason})`);

if (opts.json) {
  writeFileSync(opts.json, `${JSON.stringify({ env, load: { start: loadStart, end: loadEnd }, params: { ...opts, json: undefined }, results }, null, 2)}\n`);
  log(`wrote ${opts.json}`);
}
