#!/usr/bin/env node
// Resident memory a model costs: RSS growth of a fresh Node process over loadModel (after GC),
// beside the weights the model says it holds (modelInfo().weightBytes), per backend and dtype.
// One child process per row, so no row inherits another's heap.
//   node bench/embed-js/memory.mjs [--model DIR] [--backends native,wasm] [--dtypes fp32,q8]
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
  await settle();
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const handle = await embeddings.loadModel(model, { dtype, threads: 1 });
  const loadMs = performance.now() - t0;
  await settle();
  const rss = process.memoryUsage().rss - before;
  console.log(JSON.stringify({ backend, dtype, loadMs, rss, weightBytes: embeddings.modelInfo(handle).weightBytes }));
  process.exit(0);
}

const rows = [];
for (const backend of values.backends.split(','))
  for (const dtype of values.dtypes.split(',')) {
    const out = execFileSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--model', model, '--child', `${backend},${dtype}`], { encoding: 'utf8' });
    rows.push(JSON.parse(out.trim().split('\n').at(-1)));
  }
const mb = (b) => (b / 1e6).toFixed(1);
console.log(`model ${model}: RSS growth of a fresh process over loadModel (after GC), node ${process.version}`);
console.log('backend  dtype  weights MB  RSS growth MB  RSS / weights  load ms');
for (const r of rows)
  console.log(`${r.backend.padEnd(7)}  ${r.dtype.padEnd(5)}  ${mb(r.weightBytes).padStart(10)}  ${mb(r.rss).padStart(13)}  ${(r.rss / r.weightBytes).toFixed(2).padStart(13)}  ${r.loadMs.toFixed(0).padStart(7)}`);
