// Cost of crossing each binding: an empty call, quantize of a 384-d vector, and a batch distance
// of 1 query against 10,000 x 384 (wasm: copied in, and heap-resident zero-copy).
// Run after scripts/build.sh:  node bench/boundary.mjs
import os from 'node:os';
import { load as loadNative } from '../js/dist/backends/native/index.js';
import { load as loadWasm } from '../js/dist/backends/wasm/index.js';

const DIM = 384;
const ROWS = 10_000;

/** ns per call: best of `rounds` timed rounds of `iters` calls, after a warm-up round (the best
 * round is the least disturbed by other processes on a shared machine). */
function measure(fn, iters, rounds = 7) {
  for (let i = 0; i < iters; i++) fn();
  const samples = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < iters; i++) fn();
    samples.push(Number(process.hrtime.bigint() - t0) / iters);
  }
  samples.sort((a, b) => a - b);
  return samples[0];
}

function fmt(ns) {
  return ns < 1e3 ? `${ns.toFixed(1)} ns` : ns < 1e6 ? `${(ns / 1e3).toFixed(2)} us` : `${(ns / 1e6).toFixed(2)} ms`;
}

let seed = 42;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const vec = Float32Array.from({ length: DIM }, rand);
const flat = Float32Array.from({ length: ROWS * DIM }, rand);
const scalar = { type: 0, hasRange: false, min: 0, max: 0 };

const native = await loadNative({});
const wasm = await loadWasm({});
const rows = [];
const row = (op, backend, ns) => rows.push({ op, backend, ns });

row('Float32Array.slice (memcpy 384 f32)', 'js', measure(() => vec.slice(), 1e6));
for (const k of [native, wasm]) {
  row('noop', k.name, measure(() => k.noop(), 2e6));
  row('quantize scalar 384-d', k.name, measure(() => k.quantize(vec, scalar), 5e5));
  row('quantize int4 384-d', k.name, measure(() => k.quantize(vec, { ...scalar, type: 1 }), 5e5));
  row('distance cosine 384-d', k.name, measure(() => k.distance(vec, vec, 0), 5e5));
  row(`batchDistance 1 x ${ROWS}x${DIM} cosine`, k.name + (k.name === 'wasm' ? ' (copy)' : ''),
    measure(() => k.batchDistance(vec, flat, ROWS, 0), 100));
}
const resident = wasm.allocateFloat32(ROWS * DIM);
resident.view().set(flat);
const view = resident.view();
row(`batchDistance 1 x ${ROWS}x${DIM} cosine`, 'wasm (heap-resident)', measure(() => wasm.batchDistance(vec, view, ROWS, 0), 100));
resident.free();

console.log(`ruvector boundary costs  node ${process.version}  ${os.cpus()[0]?.model ?? ''}`);
console.log(`native SIMD target: ${native.simdTarget}   wasm SIMD target: ${wasm.simdTarget}\n`);
for (const { op, backend, ns } of rows) console.log(`${op.padEnd(40)} ${backend.padEnd(22)} ${fmt(ns).padStart(10)}`);
