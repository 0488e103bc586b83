// Command-line options and data loading shared by run.mjs and curve.mjs.
import { parseArgs } from 'node:util';

import { CLUSTER_SIGMA, cachedGroundTruth, makeDataset } from './data.mjs';

const intList = (s) => s.split(',').map((x) => {
  const v = Number(x);
  if (!Number.isSafeInteger(v) || v <= 0) throw new Error(`expected positive integers, got '${s}'`);
  return v;
});

/** Parses argv against `defaults` (string values as on the command line). */
export function options(defaults) {
  const { values } = parseArgs({
    options: {
      data: { type: 'string', default: defaults.data },
      n: { type: 'string', default: defaults.n },
      dim: { type: 'string', default: '384' },
      sigma: { type: 'string', default: String(CLUSTER_SIGMA) },
      queries: { type: 'string', default: '500' },
      m: { type: 'string', default: '16' },
      efc: { type: 'string', default: '100' },
      ef: { type: 'string', default: defaults.ef },
      k: { type: 'string', default: '10' },
      threads: { type: 'string', default: defaults.threads ?? '1' },
      rounds: { type: 'string', default: '3' },
      builds: { type: 'string', default: '1' },
      engines: { type: 'string' },
      json: { type: 'string' },
      svg: { type: 'string' },
      png: { type: 'string' },
    },
  });
  const one = (name) => intList(values[name])[0];
  return {
    data: values.data,
    n: one('n'),
    dim: one('dim'),
    sigma: Number(values.sigma),
    queries: one('queries'),
    m: one('m'),
    efc: one('efc'),
    efs: intList(values.ef),
    k: one('k'),
    threads: one('threads'),
    rounds: one('rounds'),
    builds: one('builds'),
    engines: values.engines ? values.engines.split(',') : null,
    json: values.json ?? null,
    svg: values.svg ?? null,
    png: values.png ?? null,
  };
}

/** Base vectors, queries and their exact top-k (cached in .cache/), with the time it took. */
export function loadData(opts, log) {
  const t0 = process.hrtime.bigint();
  const params = { data: opts.data, n: opts.n, dim: opts.dim, queries: opts.queries, k: opts.k, sigma: opts.sigma };
  if (!(opts.sigma > 0)) throw new Error(`--sigma must be a positive number (got ${opts.sigma})`);
  const ds = makeDataset(params);
  ds.truth = cachedGroundTruth(params, ds.base, ds.queries);
  log(`data: ${opts.data} ${opts.n} x ${opts.dim}, ${opts.queries} queries, truth top-${opts.k} ready in ${(Number(process.hrtime.bigint() - t0) / 1e9).toFixed(1)} s`);
  return ds;
}

/** Progress goes to stderr so stdout holds the table alone. */
export const log = (line) => process.stderr.write(`  ${line}\n`);
