#!/usr/bin/env node
// Embedding speed, ours beside onnxruntime-node and onnxruntime-web, on the same onnx/model.onnx
// and the same token ids (from our tokenizer), in one run. See README.md.
//   node bench/embed-js/run.mjs [--model DIR] [--iterations 20] [--warmup 2] [--backends native,wasm]
//                               [--cases '1 x 16,32 x 16,32 x 10..16,1 x 128' | lengths] [--json out.json]
//   node bench/embed-js/plot.mjs out.json   (after --cases lengths: latency against sequence length)
import { execFileSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { loadEngines } from './engines.mjs';
import { CASES, LENGTH_CASES, makeInputs } from './inputs.mjs';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    iterations: { type: 'string', default: '20' },
    warmup: { type: 'string', default: '2' },
    backends: { type: 'string', default: 'native,wasm' },
    cases: { type: 'string' },
    json: { type: 'string' },
  },
});
const modelDir = values.model ?? process.env.RUVECTOR_BENCH_MODEL ?? join(REPO, 'build/models/minilm');
const onnxPath = join(modelDir, 'onnx/model.onnx');
if (!existsSync(onnxPath)) {
  console.error(`no ${onnxPath}: generate the MiniLM-shaped model with\n  /usr/bin/python3 tools/models/make_bert_model.py --preset minilm --out build/models/minilm\n(or bash scripts/make-test-models.sh), or pass --model DIR`);
  process.exit(2);
}
const iterations = Number(values.iterations);
const warmup = Number(values.warmup);
const KNOWN = [...CASES, ...LENGTH_CASES.filter((c) => !CASES.some((k) => k.name === c.name))];
const cases =
  values.cases === 'lengths'
    ? LENGTH_CASES
    : values.cases === undefined
      ? CASES
      : values.cases.split(',').map((n) => KNOWN.find((c) => c.name === n.trim()) ?? fail(`unknown case '${n}'`));
function fail(message) {
  throw new Error(message);
}

const MAX_SAMPLES_PER_BLOCK = 200;
const percentile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];

/** max |a - b| over two lists of equally long arrays. */
function maxAbsDiff(a, b) {
  let m = 0;
  a.forEach((x, i) => {
    if (x.length !== b[i].length) throw new Error(`length ${x.length} vs ${b[i].length}`);
    for (let j = 0; j < x.length; j++) m = Math.max(m, Math.abs(x[j] - b[i][j]));
  });
  return m;
}

/** The sentence embedding of a reference hidden state, in float64: mean or CLS, then L2. */
function pool(hidden, d, pooling, normalize) {
  const n = hidden.length / d;
  const out = new Float64Array(d);
  for (let t = 0; t < (pooling === 'cls' ? 1 : n); t++) for (let j = 0; j < d; j++) out[j] += hidden[t * d + j];
  const scale = pooling === 'cls' ? 1 : n;
  let norm = 0;
  for (let j = 0; j < d; j++) norm += (out[j] / scale) ** 2;
  const div = normalize ? Math.sqrt(norm) * scale : scale;
  return out.map((v) => v / div);
}

const loadBefore = os.loadavg();
const started = performance.now();
const { ours, ort, skipped, engines } = await loadEngines(modelDir, onnxPath, values.backends.split(','));
const info = ours[0].info;
const tokenize = ours[0].tokenize;
const rows = [];
for (const [ci, c] of cases.entries()) {
  const inputs = makeInputs(tokenize, c.lengths, 1000 + ci);
  const prepared = engines.map((e) => ({ engine: e, ...e.prepare(inputs) }));
  // Accuracy first (untimed): onnxruntime-node at 1 thread is the reference.
  const refEngine = prepared.find((p) => p.engine.name === 'onnxruntime-node 1 thread');
  const ref = (await refEngine.check()).hidden;
  const refEmbeddings = ref.map((h) => pool(h, info.dimensions, info.pooling, info.normalize));
  const accuracy = new Map();
  for (const p of prepared) {
    if (p.check === undefined || p === refEngine) continue;
    const out = await p.check();
    accuracy.set(p.engine.name, out.hidden !== undefined ? { of: 'hidden', diff: maxAbsDiff(out.hidden, ref) } : { of: 'embedding', diff: maxAbsDiff(out.embeddings, refEmbeddings) });
  }
  // Blocks: each engine runs its calls back to back (after its own warm-up, since the engine
  // before it evicted the caches), in two passes, the second in reverse engine order, so load
  // drift on the shared machine does not fall on one end of the list. Each block runs at least
  // half the iterations and at least ~0.3 s, so the cheap cases get more samples.
  const times = prepared.map(() => []);
  const order = [...prepared.keys()];
  for (const pass of [order, [...order].reverse()]) {
    for (const k of pass) {
      const p = prepared[k];
      for (let i = 0; i < warmup; i++) await p.run();
      const start = performance.now();
      for (let i = 0; i < MAX_SAMPLES_PER_BLOCK && (i < Math.ceil(iterations / 2) || performance.now() - start < 300); i++) {
        const t0 = process.hrtime.bigint();
        const r = p.run();
        if (r instanceof Promise) await r;
        times[k].push(Number(process.hrtime.bigint() - t0) / 1e6);
      }
    }
  }
  const tokens = c.lengths.reduce((a, b) => a + b, 0);
  for (const [k, p] of prepared.entries()) {
    const sorted = times[k].sort((a, b) => a - b);
    rows.push({ case: c.name, tokens, engine: p.engine.name, family: p.engine.family, backend: p.engine.backend, samples: sorted.length, medianMs: percentile(sorted, 0.5), p90Ms: percentile(sorted, 0.9), accuracy: accuracy.get(p.engine.name) ?? null });
  }
}
const elapsedS = (performance.now() - started) / 1000;

// Issue 12's bars, for ours' embed rows (tokenization included): native vs onnxruntime-node 1
// thread <= 0.8x (and at default threads vs its default threads); wasm vs onnxruntime-web <= 0.5x (and the ADR's < 10 ms / < 100 ms in wasm).
function bar(row, ratioNode, ratioNodeDefault, ratioWeb) {
  // q8: >= 1.7x our fp32 at the same threads (the row without q8 in its name).
  if (row.family === 'ours' && row.engine.includes(' q8')) {
    const fp32 = rows.find((r) => r.case === row.case && r.engine === row.engine.replace(' q8', ''));
    const speedup = fp32 === undefined ? NaN : fp32.medianMs / row.medianMs;
    const q8bar = `q8 ${speedup.toFixed(2)}x our fp32, >=1.7x: ${speedup >= 1.7 ? 'met' : 'not met'}`;
    const adr = row.backend !== 'wasm' ? null : row.case.startsWith('1 x 16') ? 10 : row.case.startsWith('32') ? 100 : null;
    return adr === null ? q8bar : `${q8bar}; ADR <${adr} ms: ${row.medianMs < adr ? 'met' : 'not met'}`;
  }
  if (row.family === 'ours' && /^ours native embed, \d+ threads$/.test(row.engine))
    return `<=0.8x node-dflt: ${ratioNodeDefault <= 0.8 ? 'met' : 'not met'}`;
  // wasm on the pthreads build's threads: onnxruntime-web gains nothing from numThreads in Node
  // (measured: BENCHMARKS.md), so its 1-thread row is the rival; and the ADR's numbers.
  if (row.family === 'ours' && /^ours wasm embed, \d+ threads$/.test(row.engine)) {
    const adr = row.case.startsWith('1 x 16') ? 10 : row.case.startsWith('32') ? 100 : null;
    return `<=0.5x web: ${ratioWeb <= 0.5 ? 'met' : 'not met'}${adr === null ? '' : `; ADR <${adr} ms: ${row.medianMs < adr ? 'met' : 'not met'}`}`;
  }
  if (row.family !== 'ours' || !row.engine.endsWith(' embed') && !row.engine.endsWith('embedAsync')) return '';
  if (row.backend === 'native') return `<=0.8x node-1t: ${ratioNode <= 0.8 ? 'met' : 'not met'}`;
  const adr = row.case.startsWith('1 x 16') ? 10 : row.case.startsWith('32') ? 100 : null;
  return `<=0.5x web: ${ratioWeb <= 0.5 ? 'met' : 'not met'}${adr === null ? '' : `; ADR <${adr} ms: ${row.medianMs < adr ? 'met' : 'not met'}`}`;
}

const ms = (x) => x.toFixed(x < 1 ? 3 : 2);
const ortMedian = (c, name) => rows.find((r) => r.case === c && r.engine === name)?.medianMs;
const header = ['case', 'engine', 'median ms', 'p90 ms', 'n', 'ours/node-1t', 'ours/node-dflt', 'ours/web', 'max |diff| vs node-1t', 'issue-12 bar'];
const table = rows.map((r) => {
  const ours = r.family === 'ours';
  const ratio = (name) => (ours ? r.medianMs / ortMedian(r.case, name) : undefined);
  const [n1, nd, w] = ['onnxruntime-node 1 thread', 'onnxruntime-node default threads', 'onnxruntime-web wasm 1 thread'].map(ratio);
  const fmtRatio = (x) => (x === undefined ? '-' : `${x.toFixed(2)}x`);
  const acc = r.engine === 'onnxruntime-node 1 thread' ? 'reference' : r.accuracy === null ? '-' : `${r.accuracy.diff.toExponential(1)} (${r.accuracy.of})`;
  return [r.case, r.engine, ms(r.medianMs), ms(r.p90Ms), String(r.samples), fmtRatio(n1), fmtRatio(nd), fmtRatio(w), acc, bar(r, n1, nd, w)];
});
const widths = header.map((h, i) => Math.max(h.length, ...table.map((l) => l[i].length)));
const fmt = (cells) => cells.map((s, i) => (i < 2 || i >= 8 ? s.padEnd(widths[i]) : s.padStart(widths[i]))).join('  ').trimEnd();

let commit = 'unknown';
try {
  commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO, encoding: 'utf8' }).trim();
} catch {
  // Not a git checkout: the figures stand, the commit is unknown.
}
const loadAfter = os.loadavg();
const env = {
  date: new Date().toISOString(),
  commit,
  node: process.version,
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.cpus().length,
  loadAverage: { before: loadBefore.map((x) => +x.toFixed(2)), after: loadAfter.map((x) => +x.toFixed(2)) },
  simd: Object.fromEntries(ours.map((o) => [o.info.backend, o.simd])),
  versions: ort.versions,
  model: { dir: modelDir, id: info.modelId, dimensions: info.dimensions, layers: info.layers, heads: info.heads, pooling: info.pooling, normalize: info.normalize, weights: info.weights },
  loadMs: { ...Object.fromEntries(ours.map((o) => [`ours ${o.info.backend}`, +o.loadMs.toFixed(0)])), ...Object.fromEntries(Object.entries(ort.loadMs).map(([k, v]) => [k, +v.toFixed(0)])) },
  iterations,
  warmup,
  elapsedS: +elapsedS.toFixed(1),
};
const lines = [
  `embeddings: ours beside onnxruntime  commit ${env.commit}  node ${env.node}  ${env.cpu} x${env.cores}`,
  `model ${modelDir} (${info.layers} layers, ${info.dimensions}-d, ${info.heads} heads, ${info.pooling} pooling${info.normalize ? ', normalized' : ''}); everyone runs onnx/model.onnx`,
  `ours: ${ours.map((o) => `${o.info.backend} (${o.simd})`).join(', ')}; onnxruntime-node ${env.versions['onnxruntime-node']}, onnxruntime-web ${env.versions['onnxruntime-web']} (wasm, SIMD, 1 thread)`,
  `load ms: ${Object.entries(env.loadMs).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ...skipped.map((s) => `skipped ${s}`),
  `per engine and case: 2 blocks (engine order reversed in the second), each ${warmup} warm-up + >= ${Math.ceil(iterations / 2)} timed calls and >= 0.3 s; load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before, ${loadAfter.map((x) => x.toFixed(2)).join(' ')} after; ${env.elapsedS} s`,
  'ORT: pre-built padded int64 feeds (width = longest text), forward pass only; ours embed: text in, tokenize + packed forward + pooling out; ours hiddenStates: ids in, like ORT',
  '',
  fmt(header),
  widths.map((w) => '-'.repeat(w)).join('  '),
  ...table.map(fmt),
];
console.log(lines.join('\n'));
if (values.json !== undefined) writeFileSync(values.json, `${JSON.stringify({ env, rows }, null, 2)}\n`);
