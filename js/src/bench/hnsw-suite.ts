/**
 * ADR-006's own HNSW benchmark, per backend: 10k seeded random 384-d unit vectors, M=16,
 * efConstruction=100, efSearch=50, cosine, k=10, 500 queries. Reports the build time (one
 * insertBatch, off the event loop where the backend can), search latency p50/p99, QPS (one query
 * at a time on the calling thread), recall@10 against a brute force, and the index's memory.
 */
import type { BackendName } from '../backend.js';
import type { HnswModule } from '../hnsw/types.js';
import type { VectorOps } from '../vector-ops/types.js';
import { percentile, randomVectors } from './measure.js';

/** One backend under test; `hnsw` throws UNSUPPORTED when the backend has no index. */
export interface HnswBenchTarget {
  backend: BackendName;
  simdTarget: string;
  hnsw: HnswModule;
  vectorOps: VectorOps;
}

/** Options of {@link runHnswBench}; defaults are the ADR's. */
export interface HnswBenchOptions {
  /** Vectors in the index (default 10,000). */
  n?: number;
  /** Dimensions (default 384). */
  dimensions?: number;
  /** Timed queries (default 500). */
  queries?: number;
  m?: number;
  efConstruction?: number;
  efSearch?: number;
  k?: number;
}

/** One line of the HNSW table: figures, or why the backend could not run it. */
export interface HnswBenchRow {
  backend: BackendName;
  /** Set when the backend has no HNSW index (the other fields are then absent). */
  unavailable?: string;
  buildMs?: number;
  /** Inserts per second during the build. */
  insertsPerSecond?: number;
  searchP50Us?: number;
  searchP99Us?: number;
  /** Queries per second, one at a time on one thread. */
  qps?: number;
  /** Mean |HNSW top-k ∩ exact top-k| / k. */
  recall?: number;
  memoryBytes?: number;
}

/** `count` rows of `dim` seeded random values, each scaled to unit length. */
function unitVectors(count: number, dim: number, seed: number): Float32Array {
  const flat = randomVectors(count, dim, seed);
  for (let r = 0; r < count; r++) {
    const row = flat.subarray(r * dim, (r + 1) * dim);
    let norm = 0;
    for (const x of row) norm += x * x;
    norm = Math.sqrt(norm);
    for (let i = 0; i < dim; i++) row[i]! /= norm;
  }
  return flat;
}

/** Indices of the k smallest values, ascending. */
function smallest(values: Float32Array, k: number): number[] {
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    if (best.length === k && values[i]! >= values[best[k - 1]!]!) continue;
    let j = best.length === k ? k - 1 : best.length;
    if (best.length < k) best.push(i);
    while (j > 0 && values[best[j - 1]!]! > values[i]!) {
      best[j] = best[j - 1]!;
      j--;
    }
    best[j] = i;
  }
  return best;
}

/** Why `hnsw` cannot run here (its UNSUPPORTED message), or undefined when it can. */
function unavailable(hnsw: HnswModule): string | undefined {
  try {
    hnsw.free(hnsw.create({ dimensions: 2, m: 2, efConstruction: 1, efSearch: 1, distanceMetric: 'cosine' }));
    return undefined;
  } catch (e) {
    return (e as Error).message;
  }
}

/**
 * Runs the benchmark on each target in turn. The exact top-k comes from the first target's
 * `vectorOps.batchDistance` (a full scan), computed once.
 */
export async function runHnswBench(
  targets: HnswBenchTarget[],
  options: HnswBenchOptions = {},
): Promise<HnswBenchRow[]> {
  const n = options.n ?? 10_000;
  const dim = options.dimensions ?? 384;
  const queryCount = options.queries ?? 500;
  const k = options.k ?? 10;
  const config = {
    dimensions: dim,
    m: options.m ?? 16,
    efConstruction: options.efConstruction ?? 100,
    efSearch: options.efSearch ?? 50,
    distanceMetric: 'cosine' as const,
  };
  const rows: HnswBenchRow[] = [];
  const usable = targets.filter((t) => {
    const reason = unavailable(t.hnsw);
    if (reason !== undefined) rows.push({ backend: t.backend, unavailable: reason });
    return reason === undefined;
  });
  if (usable.length === 0) return rows;

  const flat = unitVectors(n, dim, 384);
  const queries = unitVectors(queryCount, dim, 385);
  const entries = Array.from({ length: n }, (_, i) => ({
    id: `v${i}`,
    vector: flat.subarray(i * dim, (i + 1) * dim),
  }));
  const query = (q: number) => queries.subarray(q * dim, (q + 1) * dim);
  const exact = Array.from(
    { length: queryCount },
    (_, q) =>
      new Set(smallest(usable[0]!.vectorOps.batchDistance(query(q), flat, 'cosine'), k).map((i) => `v${i}`)),
  );

  for (const t of usable) {
    const handle = t.hnsw.create(config);
    try {
      const t0 = performance.now();
      await t.hnsw.insertBatchAsync(handle, entries);
      const buildMs = performance.now() - t0;
      for (let q = 0; q < Math.min(20, queryCount); q++) t.hnsw.search(handle, query(q), k); // warm-up
      const times: number[] = [];
      let found = 0;
      const start = performance.now();
      for (let q = 0; q < queryCount; q++) {
        const s = performance.now();
        const hits = t.hnsw.search(handle, query(q), k);
        times.push((performance.now() - s) * 1000);
        for (const h of hits) if (exact[q]!.has(h.id)) found++;
      }
      const totalMs = performance.now() - start;
      times.sort((a, b) => a - b);
      rows.push({
        backend: t.backend,
        buildMs,
        insertsPerSecond: (n / buildMs) * 1000,
        searchP50Us: percentile(times, 0.5),
        searchP99Us: percentile(times, 0.99),
        qps: (queryCount / totalMs) * 1000,
        recall: found / (queryCount * k),
        memoryBytes: t.hnsw.stats(handle).memoryBytes,
      });
    } finally {
      t.hnsw.free(handle);
    }
  }
  return rows;
}

function formatUs(us: number): string {
  if (us >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  return `${us.toFixed(1)} us`;
}

/** Renders HNSW rows as a fixed-width table; an unavailable backend gets one line saying why. */
export function formatHnswTable(rows: HnswBenchRow[], options: HnswBenchOptions = {}): string {
  const title = `HNSW: ${options.n ?? 10_000} x ${options.dimensions ?? 384} unit vectors, M=${options.m ?? 16}, efC=${options.efConstruction ?? 100}, ef=${options.efSearch ?? 50}, cosine, k=${options.k ?? 10}, ${options.queries ?? 500} queries (ADR target: search < 5 ms)`;
  const header = ['backend', 'build', 'inserts/s', 'search p50', 'search p99', 'QPS', 'recall@k', 'memory'];
  const lines = rows.map((r) =>
    r.unavailable !== undefined
      ? [r.backend, `unavailable: ${r.unavailable}`]
      : [
          r.backend,
          `${(r.buildMs! / 1000).toFixed(2)} s`,
          Math.round(r.insertsPerSecond!).toLocaleString('en-US'),
          formatUs(r.searchP50Us!),
          formatUs(r.searchP99Us!),
          Math.round(r.qps!).toLocaleString('en-US'),
          r.recall!.toFixed(3),
          `${(r.memoryBytes! / 1e6).toFixed(1)} MB`,
        ],
  );
  const full = lines.filter((l) => l.length === header.length);
  const widths = header.map((h, i) => Math.max(h.length, ...full.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells.length < header.length
      ? `${cells[0]!.padEnd(widths[0]!)}  ${cells[1]}`
      : cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [title, '', fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}
