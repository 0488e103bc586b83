// Recall/QPS curves: every engine over an ef sweep on clustered data (issue 3: 100k x 384), with
// the QPS each reaches at recall@10 = 0.95, written as JSON, SVG and (when a converter exists) PNG.
//   node bench/hnsw-js/curve.mjs                      # clustered 100k x 384, ef 16..256
//   node bench/hnsw-js/curve.mjs --n 20000 --rounds 1 # quicker
// Outputs default to bench/hnsw-js/results/curve-<data>-<n>.{json,svg,png}.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';

import { loadData, log, options } from './cli.mjs';
import { allEngines, benchEngine, environment } from './measure.mjs';
import { curveSpec, writePlot } from './plot.mjs';

const TARGET = 0.95;

/**
 * QPS at recall `target`, interpolated linearly in (recall, log QPS) between the two ef points
 * around it; null when the sweep never reaches it (and never extrapolated beyond its ends).
 */
export function qpsAtRecall(rows, target) {
  const pts = [...rows].sort((a, b) => a.ef - b.ef);
  if (pts.length > 0 && pts[0].recall >= target) return { qps: pts[0].qps, note: `already at ef=${pts[0].ef}` };
  for (let i = 1; i < pts.length; i++) {
    const [a, b] = [pts[i - 1], pts[i]];
    if (a.recall < target && b.recall >= target) {
      const t = (target - a.recall) / (b.recall - a.recall);
      return { qps: 10 ** (Math.log10(a.qps) + t * (Math.log10(b.qps) - Math.log10(a.qps))), note: `ef ${a.ef}..${b.ef}` };
    }
  }
  return null;
}

const opts = options({ data: 'clustered', n: '100000', ef: '16,24,32,48,64,96,128,192,256' });
const env = environment();
const loadStart = os.loadavg();
log(`${env.cpu}, ${env.cores} cores, node ${env.node}, commit ${env.commit}, load ${loadStart.map((v) => v.toFixed(2)).join(' ')}`);
const ds = loadData(opts, log);

const results = [];
for (const engine of allEngines(opts.engines)) {
  const t0 = process.hrtime.bigint();
  const r = await benchEngine(engine, ds, opts, opts.efs, { rounds: opts.rounds, builds: opts.builds, log });
  if (r.available) {
    r.atTarget = qpsAtRecall(r.rows, TARGET);
    log(`${engine.name}: done in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(0)} s`);
  }
  if (r.warning) log(`${r.engine}: WARNING ${r.warning}`);
  results.push(r);
}
const loadEnd = os.loadavg();

const base = new URL(`./results/curve-${opts.data}-${opts.n}`, import.meta.url).pathname;
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const json = opts.json ?? `${base}.json`;
const svg = opts.svg ?? `${base}.svg`;
const png = opts.png ?? `${base}.png`;
writeFileSync(json, `${JSON.stringify({ env, load: { start: loadStart, end: loadEnd }, params: { ...opts, json: undefined, svg: undefined, png: undefined }, results }, null, 2)}\n`);

const available = results.filter((r) => r.available);
const converter = writePlot(svg, png, curveSpec(JSON.parse(readFileSync(json, 'utf8'))));

console.log(`\n${opts.data} ${opts.n}x${opts.dim}, ${opts.queries} queries, M=${opts.m} efC=${opts.efc} k=${opts.k}; load ${loadStart[0].toFixed(2)} -> ${loadEnd[0].toFixed(2)} on ${env.cores} cores`);
for (const r of available) {
  const at = r.atTarget ? `${r.atTarget.qps.toFixed(0)} QPS at recall ${TARGET} (${r.atTarget.note})` : `recall ${TARGET} not reached`;
  console.log(`${r.engine.padEnd(16)} build ${r.buildSeconds.toFixed(1)} s; ${at}`);
  console.log(`  ef:     ${r.rows.map((x) => String(x.ef).padStart(7)).join('')}`);
  console.log(`  recall: ${r.rows.map((x) => x.recall.toFixed(4).padStart(7)).join('')}`);
  console.log(`  QPS:    ${r.rows.map((x) => x.qps.toFixed(0).padStart(7)).join('')}`);
}
for (const r of results.filter((x) => !x.available)) console.log(`${r.engine}: unavailable (${r.reason})`);
console.log(`wrote ${json}, ${svg}${converter ? `, ${png} (${converter})` : ' (no working SVG->PNG converter: apt-get install librsvg2-bin)'}`);
