// Measurement shared by run.mjs and curve.mjs: load the engines, build each once, then time
// every query on its own for each ef. Engines run one after another on the same data.
import { execFileSync } from 'node:child_process';
import os from 'node:os';

import { recallOf } from './data.mjs';
import { engines as hnswlibEngines } from './engines/hnswlib.mjs';
import { engines as ruvectorEngines } from './engines/ruvector.mjs';
import { engines as usearchEngines } from './engines/usearch.mjs';

/** Every engine, ours first; `only` keeps those whose name starts with one of its prefixes. */
export function allEngines(only = null) {
  const list = [...ruvectorEngines(), ...hnswlibEngines(), ...usearchEngines()];
  return only === null ? list : list.filter((e) => only.some((p) => e.name.startsWith(p)));
}

/** What a reader needs to repeat or weigh a run: machine, load, versions, commit. */
export function environment() {
  let commit = 'unknown';
  try {
    commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: new URL('.', import.meta.url), encoding: 'utf8' }).trim();
  } catch {
    // Not a git checkout (e.g. a copied folder): the figures stand, the commit is unknown.
  }
  return {
    date: new Date().toISOString(),
    node: process.version,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    cores: os.cpus().length,
    commit,
  };
}

/** Nearest-rank percentile of an ascending array. */
function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * One untimed pass (warm-up; its results give the recall, which does not depend on timing), then
 * `rounds` timed passes over all queries, each query timed on its own. The round with the lowest
 * p50 is kept: on a shared machine it is the one least disturbed by other processes.
 */
async function timeQueries(index, prepared, truth, k, rounds) {
  let recall = 0;
  for (let qi = 0; qi < prepared.length; qi++) {
    let raw = index.search(prepared[qi], k);
    if (raw instanceof Promise) raw = await raw;
    recall += recallOf(index.ids(raw), truth, qi, k);
  }
  let best = null;
  const ns = new Float64Array(prepared.length);
  for (let r = 0; r < rounds; r++) {
    for (let qi = 0; qi < prepared.length; qi++) {
      const t0 = process.hrtime.bigint();
      const raw = index.search(prepared[qi], k);
      if (raw instanceof Promise) await raw;
      ns[qi] = Number(process.hrtime.bigint() - t0);
    }
    const sorted = Float64Array.from(ns).sort();
    const mean = sorted.reduce((a, b) => a + b, 0) / sorted.length;
    const round = { p50: percentile(sorted, 50) / 1e3, p99: percentile(sorted, 99) / 1e3, qps: 1e9 / mean };
    if (best === null || round.p50 < best.p50) best = round;
  }
  return { ...best, recall: recall / prepared.length };
}

/** The fastest of `times` builds; the other indexes are freed as soon as they lose. */
async function fastestBuild(engine, base, cfg, times) {
  let best = null;
  for (let t = 0; t < times; t++) {
    const b = await engine.build(base, cfg);
    if (best === null || b.seconds < best.seconds) {
      if (best !== null) await best.index.free();
      best = b;
    } else {
      await b.index.free();
    }
  }
  return best;
}

/**
 * Builds `engine`'s index over `ds.base` and measures every ef in `efs`. Never throws for an
 * engine that cannot run: the result says `available: false` with the reason instead.
 * `builds` builds are timed and the fastest kept (its index is searched; seeds are fixed, so the
 * graphs agree apart from thread scheduling). `log` receives progress lines (build times as they come) so long runs show life.
 */
export async function benchEngine(engine, ds, params, efs, { rounds = 3, builds = 1, log = () => {} } = {}) {
  const { n, dim, m, efc, k, threads } = params;
  const result = { engine: engine.name, version: null, available: true, loadBefore: os.loadavg()[0] };
  try {
    await engine.open();
  } catch (err) {
    return { ...result, available: false, reason: err?.code ? `${err.code}: ${err.message}` : String(err?.message ?? err) };
  }
  result.version = engine.version;
  const cfg = { n, dim, m, efConstruction: efc, efSearch: efs[0] };
  const { index, seconds: buildSeconds } = await fastestBuild(engine, ds.base, { ...cfg, threads: 1 }, builds);
  result.buildSeconds = buildSeconds;
  log(`${engine.name}: built ${n} x ${dim} in ${buildSeconds.toFixed(2)} s (1 thread, fastest of ${builds})`);
  const prepared = Array.from({ length: ds.queries.length / dim }, (_, i) => index.prepare(ds.queries.subarray(i * dim, (i + 1) * dim)));
  result.rows = [];
  for (const ef of efs) {
    await index.setEf(ef);
    const row = { ef, ...(await timeQueries(index, prepared, ds.truth, k, rounds)) };
    result.rows.push(row);
    log(`${engine.name}: ef=${ef} p50 ${row.p50.toFixed(1)} us, recall@${k} ${row.recall.toFixed(4)}`);
  }
  await index.free();
  // An ef that changes nothing below full recall usually means the engine ignored it.
  const recalls = result.rows.map((r) => r.recall);
  if (new Set(efs).size > 1 && Math.max(...recalls) < 0.999 && recalls.every((r) => r === recalls[0])) {
    result.warning = 'recall did not change with ef: is ef honoured by this engine?';
  }
  if (threads > 1) {
    if (engine.canBuildWith(threads)) {
      const par = await fastestBuild(engine, ds.base, { ...cfg, threads }, builds);
      await par.index.free();
      result.buildSecondsParallel = par.seconds;
      log(`${engine.name}: built in ${par.seconds.toFixed(2)} s (${threads} threads, fastest of ${builds})`);
    } else {
      result.buildSecondsParallel = null;
    }
  }
  result.loadAfter = os.loadavg()[0];
  return result;
}
