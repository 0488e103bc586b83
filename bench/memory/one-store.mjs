// One engine, one store, one phase at a time, for comparing two builds of ruvector on the same
// store minutes apart (the A/B figures of BENCHMARKS.md), where run.mjs compares engines:
//   node bench/memory/one-store.mjs write <n> <dir> [backend]   -> memories/s of addBatch (1000 a batch)
//   node bench/memory/one-store.mjs open <dir> [backend]        -> ms of SemanticMemory.open, this process
// The memories are run.mjs's (clustered 384-d, metadata { group, n }), made before the clock starts.
import { makeDataset } from '../hnsw-js/data.mjs';

const lib = await import('../../js/dist/index.js');
const [phase, ...args] = process.argv.slice(2);
const dim = 384;

if (phase === 'write') {
  const [n, dir, backend = 'native'] = [Number(args[0]), args[1], args[2]];
  const { base } = makeDataset({ data: 'clustered', n, dim, queries: 1 });
  const items = Array.from({ length: n }, (_, i) => ({
    id: `m${i}`,
    text: `memory number ${i}`,
    metadata: { group: i % 10, n: i },
    vector: base.subarray(i * dim, (i + 1) * dim),
  }));
  const runtime = await lib.RuVectorRuntime.create({ backend });
  const memory = await lib.SemanticMemory.open({ runtime, model: null, dimensions: dim, path: dir });
  const t = performance.now();
  for (let i = 0; i < n; i += 1000) await memory.addBatch(items.slice(i, i + 1000));
  console.log(`addBatch: ${Math.round(n / ((performance.now() - t) / 1000))} memories/s (${backend})`);
  await memory.close();
} else if (phase === 'open') {
  const [dir, backend = 'native'] = args;
  const runtime = await lib.RuVectorRuntime.create({ backend });
  const t = performance.now();
  const memory = await lib.SemanticMemory.open({ runtime, model: null, path: dir });
  console.log(`open: ${(performance.now() - t).toFixed(1)} ms, ${memory.size} memories (${backend})`);
  await memory.close();
} else {
  console.error('usage: one-store.mjs write <n> <dir> [backend] | open <dir> [backend]');
  process.exit(2);
}
