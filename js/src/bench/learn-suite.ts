/**
 * Learning rows of `ruvector bench` (issue 14's bars), per backend, in one run:
 * - matchPatterns over 10,000 patterns (384-d, threshold 0.75) through the ADR call (an array of
 *   Pattern objects) and through the PatternStore's fast path, each beside the same backend's
 *   batchDistance over the same rows (the ratio is the bar: <= 1.2x, and <= 0.5x for the store's
 *   int8 scan);
 * - trainLoRA: 1,000 trajectories, rank 8, 10 epochs, 384-d (bar: < 1 s native, wasm <= 2x
 *   native);
 * - the crossover between the store's scan and an HNSW index over the same rows (k = 5).
 */
import type { BackendName } from '../backend.js';
import type { HnswModule } from '../hnsw/types.js';
import type { LearningModule } from '../learning/module.js';
import type { Trajectory } from '../learning/types.js';
import type { VectorOps } from '../vector-ops/types.js';
import { measure, measureInterleaved, randomVectors, seededRandom } from './measure.js';

export interface LearnBenchTarget {
  backend: BackendName;
  vectorOps: VectorOps;
  learning: LearningModule;
  hnsw: HnswModule;
}

export interface LearnBenchOptions {
  /** Time budget per row in milliseconds (default 300). */
  budgetMs?: number;
  /** Patterns (default 10,000). */
  patterns?: number;
  /** Dimensions (default 384). */
  dimensions?: number;
  /** Training trajectories (default 1,000). */
  trajectories?: number;
  /** Store sizes of the scan vs HNSW crossover (default 1k, 4k, 20k). */
  crossover?: number[];
}

export interface LearnBenchRow {
  operation: string;
  backend: BackendName;
  medianUs?: number;
  /** medianUs / this backend's batchDistance over the same rows. */
  vsBatchDistance?: number;
  adrTargetUs?: number;
  note?: string;
}

function unitRows(n: number, dim: number, seed: number): Float32Array[] {
  const flat = randomVectors(n, dim, seed);
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const r = flat.subarray(i * dim, (i + 1) * dim);
    let s = 0;
    for (const x of r) s += x * x;
    const inv = 1 / Math.sqrt(s);
    for (let j = 0; j < dim; j++) r[j] = r[j]! * inv;
    rows.push(r);
  }
  return rows;
}

/** A hidden-rotation task (as the tests' one): 1,000 positive trajectories. */
function trainingSet(n: number, dim: number): Trajectory[] {
  const rand = seededRandom(99);
  const k = 16;
  const perm = Array.from({ length: k }, (_, i) => i).sort(() => rand() - 0.5);
  const out: Trajectory[] = [];
  for (let i = 0; i < n; i++) {
    const query = new Float32Array(dim).map(() => 0.02 * (rand() * 2 - 1));
    const target = new Float32Array(dim).map(() => 0.02 * (rand() * 2 - 1));
    for (let r = 0; r < k; r++) {
      const z = rand() * 2 - 1;
      query[r] = query[r]! + z;
      target[perm[r]!] = target[perm[r]!]! + (r % 2 ? z : -z);
    }
    out.push({ query, target, verdict: 'positive' });
  }
  return out;
}

export async function runLearnBench(
  targets: LearnBenchTarget[],
  options: LearnBenchOptions = {},
): Promise<LearnBenchRow[]> {
  const budgetMs = options.budgetMs ?? 300;
  const n = options.patterns ?? 10_000;
  const dim = options.dimensions ?? 384;
  const rows = unitRows(n, dim, 7);
  const flat = new Float32Array(n * dim);
  rows.forEach((r, i) => flat.set(r, i * dim));
  // A query near pattern 17, so a few patterns pass 0.75.
  const query = rows[17]!.map((x, i) => x + (0.3 * (((i * 7919) % 13) / 13 - 0.5)) / Math.sqrt(dim));
  const out: LearnBenchRow[] = [];
  const trajectories = trainingSet(options.trajectories ?? 1000, dim);
  const trainMs = new Map<BackendName, number>();

  for (const t of targets) {
    const patterns = rows.map((r, i) => t.learning.createPattern(r, { i }, { id: `p${i}` }));
    // In turns: both read 15 MB per call, so their ratio is only stable when timed together.
    const [base, adr] = measureInterleaved(
      [
        () => t.vectorOps.batchDistance(query, flat, 'dot_product'),
        () => t.learning.matchPatterns(query, patterns, 0.75),
      ],
      budgetMs,
    ) as [number, number];
    out.push({
      operation: `batchDistance dot_product 1 x ${n}x${dim} (same rows)`,
      backend: t.backend,
      medianUs: base,
      vsBatchDistance: 1,
    });
    out.push({
      operation: `matchPatterns ${n} x ${dim} Pattern[] (ADR call)`,
      backend: t.backend,
      medianUs: adr,
      vsBatchDistance: adr / base,
      adrTargetUs: 20_000,
    });
    for (const [label, hnswAbove] of [
      ['exact: int8 scan + f32 rescore', Infinity],
      ['default: HNSW from 4096 patterns', undefined],
    ] as const) {
      try {
        const store = t.learning.createPatternStore({
          dimensions: dim,
          ...(hnswAbove === undefined ? {} : { hnswAbove }),
        });
        for (const p of patterns) store.add(p);
        const fast = measure(() => store.match(query, 0.75), budgetMs).medianUs;
        out.push({
          operation: `PatternStore.match ${n} x ${dim} (${label})`,
          backend: t.backend,
          medianUs: fast,
          vsBatchDistance: fast / base,
          adrTargetUs: 20_000,
          ...(store.stats().indexed ? { note: 'through the HNSW index' } : {}),
        });
        store.free();
      } catch (e) {
        out.push({
          operation: `PatternStore.match ${n} x ${dim}`,
          backend: t.backend,
          note: (e as Error).message,
        });
      }
    }
    try {
      const samples: number[] = [];
      for (let i = 0; i < 3; i++) {
        const t0 = performance.now();
        await t.learning.trainLoRA(trajectories, { rank: 8, epochs: 10 });
        samples.push((performance.now() - t0) * 1000);
      }
      samples.sort((a, b) => a - b);
      trainMs.set(t.backend, samples[1]!);
      out.push({
        operation: `trainLoRA ${trajectories.length} traj, rank 8, 10 epochs, ${dim}-d`,
        backend: t.backend,
        medianUs: samples[1]!,
        note: t.backend === 'native' ? 'bar: < 1 s' : 'bar: <= 2x native',
      });
    } catch (e) {
      out.push({ operation: 'trainLoRA', backend: t.backend, note: (e as Error).message });
    }
  }
  const native = trainMs.get('native');
  const wasm = trainMs.get('wasm');
  if (native !== undefined && wasm !== undefined) {
    out.push({
      operation: 'trainLoRA wasm / native',
      backend: 'wasm',
      note: `${(wasm / native).toFixed(2)}x`,
    });
  }

  // Scan vs HNSW (k = 5, efSearch 64) over the same unit rows, per store size.
  for (const t of targets) {
    if (t.backend === 'js-fallback') continue;
    for (const size of options.crossover ?? [1000, 4000, 20_000]) {
      const data = size === n ? rows : unitRows(size, dim, 11);
      const store = t.learning.createPatternStore({ dimensions: dim, hnswAbove: Infinity });
      data.forEach((r, i) => store.add(t.learning.createPattern(r, null, { id: `p${i}` })));
      const index = t.hnsw.create({
        dimensions: dim,
        m: 16,
        efConstruction: 100,
        efSearch: 64,
        distanceMetric: 'cosine',
      });
      await t.hnsw.insertBatchAsync(
        index,
        data.map((vector, i) => ({ id: `p${i}`, vector })),
      );
      const q = data[3]!;
      const scan = measure(() => store.match(q, 0.75), budgetMs).medianUs;
      const graph = measure(() => t.hnsw.search(index, q, 5), budgetMs).medianUs;
      out.push({
        operation: `crossover at ${size} patterns: store scan / HNSW k=5`,
        backend: t.backend,
        note: `${(scan / 1000).toFixed(3)} ms / ${(graph / 1000).toFixed(3)} ms = ${(scan / graph).toFixed(2)}x`,
      });
      store.free();
      t.hnsw.free(index);
    }
  }
  return out;
}

function fmt(us: number): string {
  return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(1)} us`;
}

export function formatLearnTable(rows: LearnBenchRow[]): string {
  const header = ['learning', 'backend', 'median', 'vs batchDistance', 'ADR target', 'note'];
  const lines = rows.map((r) => [
    r.operation,
    r.backend,
    r.medianUs === undefined ? '-' : fmt(r.medianUs),
    r.vsBatchDistance === undefined ? '-' : `${r.vsBatchDistance.toFixed(2)}x`,
    r.adrTargetUs === undefined ? '-' : `< ${fmt(r.adrTargetUs)}`,
    r.note ?? '',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 2 || i === 5 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(line)].join('\n');
}
