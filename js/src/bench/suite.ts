/**
 * ADR-006 benchmark suite for the modules that exist: each operation on every available
 * backend, beside a plain-JS baseline, with the ADR's target. Later modules add their rows here.
 */
import type { BackendName } from '../backend.js';
import type { VectorBuffer, VectorOps } from '../vector-ops/types.js';
import { measure, randomVectors, type Measurement } from './measure.js';
import {
  plainBatchCosine,
  plainCosineDistance,
  plainDequantizeScalar,
  plainNormalize,
  plainQuantizeScalar,
} from './plain-js.js';

/** One backend under test. */
export interface BenchTarget {
  backend: BackendName;
  simdTarget: string;
  vectorOps: VectorOps;
  /** Memory the backend reads in place (RuVectorRuntime.createVectorBuffer). */
  createVectorBuffer?: (length: number) => VectorBuffer;
  /** An empty call across the backend's boundary, when the backend has one. */
  noop?: () => void;
}

/** One line of the result table. */
export interface BenchRow {
  operation: string;
  /** A backend name, or 'plain-js' for the hand-written baseline. */
  backend: BackendName | 'plain-js';
  measurement: Measurement;
  /** ADR-006 target for this operation, in microseconds (if the ADR sets one). */
  adrTargetUs?: number;
  /** plain-JS median / this median: how many times faster than the baseline. */
  speedupVsPlainJs?: number;
}

/** Options of {@link runVectorOpsBench}. */
export interface BenchOptions {
  /** Time budget per row in milliseconds (default 300). */
  budgetMs?: number;
  /** Rows in the batchDistance database (default 10,000). */
  batchRows?: number;
  /** Dimensions of every vector (default 384, MiniLM's). */
  dimensions?: number;
}

interface Case {
  operation: string;
  adrTargetUs?: number;
  plain?: () => unknown;
  /** Compare with the plain-JS baseline of this earlier operation (same work, other input form). */
  baselineOf?: string;
  run: (ops: VectorOps, target: BenchTarget) => () => unknown;
}

export function runVectorOpsBench(targets: BenchTarget[], options: BenchOptions = {}): BenchRow[] {
  const budgetMs = options.budgetMs ?? 300;
  const dim = options.dimensions ?? 384;
  const rows = options.batchRows ?? 10_000;
  const a = randomVectors(1, dim, 1);
  const b = randomVectors(1, dim, 2);
  const flat = randomVectors(rows, dim, 3);
  const rowViews = Array.from({ length: rows }, (_, i) => flat.subarray(i * dim, (i + 1) * dim));
  const scalar = { type: 'scalar' as const };
  const codes = plainQuantizeScalar(a);

  const cases: Case[] = [
    {
      operation: `distance cosine ${dim}-d`,
      plain: () => plainCosineDistance(a, b),
      run: (ops) => () => ops.distance(a, b, 'cosine'),
    },
    {
      operation: `normalize ${dim}-d`,
      plain: () => plainNormalize(a),
      run: (ops) => () => ops.normalize(a),
    },
    {
      operation: `quantize scalar ${dim}-d`,
      adrTargetUs: 1000,
      plain: () => plainQuantizeScalar(a),
      run: (ops) => () => ops.quantize(a, scalar),
    },
    {
      operation: `dequantize scalar ${dim}-d`,
      plain: () => plainDequantizeScalar(codes),
      run: (ops) => () => ops.dequantize(codes, scalar),
    },
    {
      operation: `quantize binary ${dim}-d`,
      run: (ops) => () => ops.quantize(a, { type: 'binary' }),
    },
    {
      operation: `batchDistance cosine 1 x ${rows}x${dim} flat`,
      plain: () => plainBatchCosine(a, flat),
      run: (ops) => () => ops.batchDistance(a, flat, 'cosine'),
    },
    {
      operation: `batchDistance cosine 1 x ${rows}x${dim} VectorBuffer`,
      baselineOf: `batchDistance cosine 1 x ${rows}x${dim} flat`,
      run: (ops, target) => {
        if (!target.createVectorBuffer) return () => ops.batchDistance(a, flat, 'cosine');
        const buffer = target.createVectorBuffer(flat.length);
        buffer.view().set(flat);
        return () => ops.batchDistance(a, buffer.view(), 'cosine');
      },
    },
    {
      operation: `batchDistance cosine 1 x ${rows}x${dim} Float32Array[]`,
      baselineOf: `batchDistance cosine 1 x ${rows}x${dim} flat`,
      run: (ops) => () => ops.batchDistance(a, rowViews, 'cosine'),
    },
  ];

  const result: BenchRow[] = [];
  const plainMedians = new Map<string, number>();
  for (const c of cases) {
    let plainMedian = c.baselineOf === undefined ? undefined : plainMedians.get(c.baselineOf);
    if (c.plain) {
      const m = measure(c.plain, budgetMs);
      plainMedian = m.medianUs;
      plainMedians.set(c.operation, plainMedian);
      result.push({
        operation: c.operation,
        backend: 'plain-js',
        measurement: m,
        adrTargetUs: c.adrTargetUs,
        speedupVsPlainJs: 1,
      });
    }
    for (const t of targets) {
      const m = measure(c.run(t.vectorOps, t), budgetMs);
      result.push({
        operation: c.operation,
        backend: t.backend,
        measurement: m,
        adrTargetUs: c.adrTargetUs,
        speedupVsPlainJs: plainMedian === undefined ? undefined : plainMedian / m.medianUs,
      });
    }
  }
  const copyTarget = new Float32Array(flat.length);
  result.push({
    operation: `reference: copy ${((flat.length * 4) / 1e6).toFixed(1)} MB (TypedArray.set)`,
    backend: 'plain-js',
    measurement: measure(() => copyTarget.set(flat), budgetMs),
  });
  for (const t of targets) {
    if (t.noop)
      result.push({
        operation: 'empty call across the boundary',
        backend: t.backend,
        measurement: measure(t.noop, budgetMs),
      });
  }
  return result;
}

function formatUs(us: number): string {
  if (us >= 1000) return `${(us / 1000).toFixed(2)} ms`;
  if (us >= 10) return `${us.toFixed(1)} us`;
  return `${us.toFixed(3)} us`;
}

/** Renders rows as a fixed-width text table. */
export function formatBenchTable(rows: BenchRow[]): string {
  const header = ['operation', 'backend', 'median', 'p99', 'ops/s', 'ADR target', 'vs plain JS'];
  const lines = rows.map((r) => [
    r.operation,
    r.backend,
    formatUs(r.measurement.medianUs),
    formatUs(r.measurement.p99Us),
    Math.round(r.measurement.opsPerSecond).toLocaleString('en-US'),
    r.adrTargetUs === undefined ? '-' : `< ${formatUs(r.adrTargetUs)}`,
    r.speedupVsPlainJs === undefined ? '-' : `${r.speedupVsPlainJs.toFixed(2)}x`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}
