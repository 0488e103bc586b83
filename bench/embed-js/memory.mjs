#!/usr/bin/env node
// Resident memory a model costs: RSS growth of a fresh Node process over loadModel (after GC),
// beside the weights the model says it holds (modelInfo().weightBytes), per backend and dtype.
// One child process per row, so no row inherits another's heap.
//   node bench/embed-js/memory.mjs [--model DIR] [--backends native,wasm] [--dtypes fp32,q8]
//     [--weights auto|onnx|safetensors|onnx-quantized]  (loadModel's `weights`: which file)
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const { values } = parseArgs({
  options: {
    model: { type: 'string' },
    backends: { type: 'string', default: 'native,wasm' },
    dtypes: { type: 'string', default: 'fp32,q8' },
    weights: { type: 'string', default: 'auto' },
    child: { type: 'string' },
  },
});
const model = values.model ?? process.env.RUVECTOR_BENCH_MODEL ?? join(REPO, 'build/models/minilm');

if (values.child !== undefined) {
  const [backend, dtype] = values.child.split(',');
  const { RuVectorRuntime } = await import(new URL('../../js/dist/index.js', import.meta.url).href);
  const runtime = await RuVectorRuntime.create({ backend });
  const { embeddings } = runtime.getModules();
  const settle = async () => {
    for (let i = 0; i < 3; i++) {
      globalThis.gc();
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  // wasm: the heap's resident bytes, the largest anonymous mapping of the process (Linux).
  const wasmHeap = async () => {
    if (backend !== 'wasm') return null;
    const { readFileSync } = await import('node:fs');
    let anonymous = false;
    let heap = 0;
    for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
      if (/^[0-9a-f]+-[0-9a-f]+ /.test(line)) anonymous = line.trim().split(/\s+/).length === 5;
      else if (anonymous && line.startsWith('Rss:')) heap = Math.max(heap, Number(line.split(/\s+/)[1]) * 1024);
    }
    return heap;
  };
  await settle();
  const heapBefore = await wasmHeap();
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const handle = await embeddings.loadModel(model, { dtype, threads: 1, weights: values.weights });
  const loadMs = performance.now() - t0;
  await settle();
  const rss = process.memoryUsage().rss - before;
  const { weightBytes, weightBytesInFile } = embeddings.modelInfo(handle);
  const heap = await wasmHeap();
  const heapGrowth = heap === null ? null : heap - heapBefore;
  console.log(JSON.stringify({ backend, dtype, loadMs, rss, heap, heapGrowth, weightBytes, weightBytesInFile }));
  process.exit(0);
}

const rows = [];
for (const backend of values.backends.split(','))
  for (const dtype of values.dtypes.split(',')) {
    const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--model', model, '--weights', values.weights, '--child', `${backend},${dtype}`], { encoding: 'utf8' });
    rows.push(JSON.parse(out.trim().split('\n').at(-1)));
  }
const mb = (b) => (b / 1e6).toFixed(1);
console.log(`model ${model} (weights: ${values.weights}): RSS growth of a fresh process over loadModel (after GC), node ${process.version}`);
// "in file": weights packed in place of the model file's bytes (wasm hands the file to the core);
// "wasm heap": the wasm heap's resident MB (the whole heap: the model and the module's own data);
// "heap growth": what the load added to it (the model's share).
console.log(
  'backend  dtype  weights MB  in file MB  RSS growth MB  RSS / weights  wasm heap MB  heap growth MB  growth / weights  load ms',
);
const cell = (v, width) => String(v).padStart(width);
for (const r of rows)
  console.log(
    `${r.backend.padEnd(7)}  ${r.dtype.padEnd(5)}  ${cell(mb(r.weightBytes), 10)}  ${cell(mb(r.weightBytesInFile), 10)}  ` +
      `${cell(mb(r.rss), 13)}  ${cell((r.rss / r.weightBytes).toFixed(2), 13)}  ` +
      `${cell(r.heap === null ? '-' : mb(r.heap), 12)}  ${cell(r.heap === null ? '-' : mb(r.heapGrowth), 14)}  ` +
      `${cell(r.heap === null ? '-' : (r.heapGrowth / r.weightBytes).toFixed(2), 16)}  ` +
      `${cell(r.loadMs.toFixed(0), 7)}`,
  );
