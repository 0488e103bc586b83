// The HNSW benchmark rows (js/src/bench/hnsw-suite.ts) and their CLI wiring, scaled down. Speed is
// never judged here; what is checked can fail: the figures agree with each other (inserts/s is
// n over the build time, p99 >= p50), the memory holds at least the raw vectors, recall is
// measured against a real brute force (a broken index or recall count shows), and a backend
// without an index says why.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { test } from 'node:test';

import { jsKernels } from '../../js/dist/backends/js/index.js';
import { formatHnswTable, runHnswBench } from '../../js/dist/bench/hnsw-suite.js';
import { RuVectorRuntime } from '../../js/dist/index.js';

const cli = new URL('../../js/dist/cli.js', import.meta.url).pathname;

test('runHnswBench reports build, latency, QPS, recall and memory; a backend without an index is unavailable', async () => {
  const js = await RuVectorRuntime.create({ backend: 'js' });
  const bare = await RuVectorRuntime.create({
    backends: [
      { name: 'wasm', load: async () => async () => ({ ...jsKernels, name: 'wasm', hnsw: undefined }) },
    ],
  });
  const target = (rt) => ({
    backend: rt.getBackend(),
    simdTarget: rt.describe().simdTarget,
    ...rt.getModules(),
  });
  const options = { n: 400, dimensions: 16, queries: 30 };
  const rows = await runHnswBench([target(js), target(bare)], options);
  assert.equal(rows.length, 2);
  const unavailable = rows.find((r) => r.backend === 'wasm');
  assert.equal(
    unavailable.unavailable,
    'hnsw.create is not available on the wasm backend (it has no HNSW index yet)',
  );
  const row = rows.find((r) => r.backend === 'js-fallback');
  for (const key of ['buildMs', 'insertsPerSecond', 'searchP50Us', 'searchP99Us', 'qps', 'memoryBytes'])
    assert.ok(row[key] > 0, key);
  assert.ok(row.searchP99Us >= row.searchP50Us);
  assert.ok(
    Math.abs((row.insertsPerSecond * row.buildMs) / 1000 - options.n) < 1e-6 * options.n,
    `${row.insertsPerSecond} inserts/s over ${row.buildMs} ms is not ${options.n} inserts`,
  );
  assert.ok(
    row.memoryBytes >= options.n * options.dimensions * 4,
    `${row.memoryBytes} B cannot hold ${options.n} x ${options.dimensions} float32`,
  );
  assert.ok(row.recall >= 0.9 && row.recall <= 1, `recall ${row.recall} on 400 x 16`);
  const table = formatHnswTable(rows, options);
  assert.match(table, /400 x 16 unit vectors/);
  assert.match(table, /wasm\s+unavailable: hnsw\.create is not available/);
});

test('ruvector bench --suite hnsw runs the HNSW rows only (scaled down with --hnsw-n)', () => {
  const out = JSON.parse(
    execFileSync(
      process.execPath,
      [
        cli,
        'bench',
        '--suite',
        'hnsw',
        '--backend',
        'js',
        '--hnsw-n',
        '200',
        '--hnsw-queries',
        '10',
        '--json',
      ],
      { encoding: 'utf8' },
    ),
  );
  assert.deepEqual(out.rows, []);
  assert.equal(out.hnswRows.length, 1);
  assert.equal(out.hnswRows[0].backend, 'js-fallback');
  assert.deepEqual(out.hnswOptions, { n: 200, queries: 10 });
  assert.throws(
    () => execFileSync(process.execPath, [cli, 'bench', '--suite', 'graph'], { stdio: 'pipe' }),
    (e) => e.status === 2 && /unknown suite 'graph'/.test(String(e.stderr)),
  );
});

test('ruvector bench prints each wasm module size, raw and gzipped, against the 1 MB budget', () => {
  const out = execFileSync(
    process.execPath,
    [cli, 'bench', '--suite', 'vector-ops', '--backend', 'js', '--budget-ms', '1', '--rows', '16'],
    { encoding: 'utf8' },
  );
  const wasm = readFileSync(new URL('../../js/dist/wasm/ruvector_wasm.wasm', import.meta.url));
  const gz = gzipSync(wasm, { level: 9 }).length;
  assert.match(
    out,
    new RegExp(
      `wasm module ruvector_wasm\\.wasm: ${wasm.length} bytes, ${gz} gzipped \\(budget 1048576 gzipped: within\\)`,
    ),
  );
  assert.ok(gz <= 1024 * 1024, `${gz} bytes gzipped`);
});
