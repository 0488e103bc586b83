/**
 * The small stateless rules of the learning module that every backend needs on plain JS objects:
 * the rows that pass a threshold (rowsAbove), ranking matches (the twin of
 * ruv::learn::RankMatches, which the core's PatternStore uses) and, for js-fallback only, applying
 * an adapter (the twin of learn/lora_math.cc Forward).
 * Kept tiny on purpose: the store, training and the Fisher live in the core only.
 */
import { MetricId, type VectorKernels } from '../backend.js';
import type { LoRAWeights, Pattern, PatternMatch } from './types.js';
import { PATTERN_TYPES } from './types.js';

/** (successes + 1) / (uses + 2). */
export const confidenceOf = (usageCount: number, successCount: number): number =>
  (successCount + 1) / (usageCount + 2);

/** Active unless used more than minUses times with a success rate below minSuccessRate. */
export const isActive = (
  usageCount: number,
  successCount: number,
  minUses: number,
  minSuccessRate: number,
): boolean => usageCount <= minUses || successCount >= minSuccessRate * usageCount;

/** What ranking reads of a pattern. */
export type Rankable = Pick<Pattern, 'id' | 'type' | 'active' | 'usageCount' | 'successCount'>;

/** Rows whose cosine with the query passes the threshold: indices and cosines, in row order. */
export interface RowsAbove {
  index: Uint32Array;
  dot: Float32Array;
}

/** What rowsAbove needs of a backend's kernels. */
export type RowsAboveKernels = Pick<VectorKernels, 'batchDistance' | 'dotAbove'>;

/**
 * The rows of `rows` (unit, flat count x dim) whose cosine with the unit query `q` is >= threshold:
 * the backend's dotAbove where it has one (only the rows that pass cross the boundary), else
 * batchDistance and a scan here; both give the same dots.
 */
export function rowsAbove(
  k: RowsAboveKernels,
  q: Float32Array,
  rows: Float32Array,
  count: number,
  threshold: number,
): RowsAbove {
  if (k.dotAbove !== undefined) return k.dotAbove(q, rows, count, threshold);
  const d = k.batchDistance(q, rows, count, MetricId.DotProduct);
  const index: number[] = [];
  for (let i = 0; i < count; i++) if (-d[i]! >= threshold) index.push(i);
  return { index: Uint32Array.from(index), dot: Float32Array.from(index, (i) => -d[i]!) };
}

/**
 * The active patterns of an allowed type among `above` (whose cosines passed the threshold); by
 * score = rawSimilarity x confidence descending, ties by id in bytewise UTF-8 order (compareIds),
 * as the core's std::string comparison.
 */
export function rankMatches<P extends Rankable>(
  above: RowsAbove,
  patterns: readonly P[],
  limit: number,
  typeMask: number,
): (Omit<PatternMatch, 'pattern'> & { pattern: P })[] {
  const out: (Omit<PatternMatch, 'pattern'> & { pattern: P })[] = [];
  for (let k = 0; k < above.index.length; k++) {
    const p = patterns[above.index[k]!]!;
    if (!p.active || !(typeMask & (1 << PATTERN_TYPES.indexOf(p.type)))) continue;
    const raw = above.dot[k]!;
    out.push({
      pattern: p,
      rawSimilarity: raw,
      score: Math.fround(raw * confidenceOf(p.usageCount, p.successCount)),
    });
  }
  out.sort((x, y) => (x.score !== y.score ? y.score - x.score : compareIds(x.pattern.id, y.pattern.id)));
  return out.slice(0, limit);
}

const utf8 = new TextEncoder();

/** Bytewise UTF-8 order, as the core's std::string comparison. */
export function compareIds(a: string, b: string): number {
  if (a === b) return 0;
  const x = utf8.encode(a);
  const y = utf8.encode(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
  return x.length - y.length;
}

/** f(x) = normalize(x + (alpha / rank) B (A x)) for `count` rows, in float32 steps. */
export function applyAdapterJs(w: LoRAWeights, x: Float32Array, count: number): Float32Array {
  const d = w.dimensions;
  const r = w.rank;
  const s = Math.fround(w.alpha / r);
  const out = new Float32Array(count * d);
  const h = new Float32Array(r);
  for (let row = 0; row < count; row++) {
    const xo = row * d;
    for (let k = 0; k < r; k++) {
      let acc = 0;
      for (let j = 0; j < d; j++) acc += w.a[k * d + j]! * x[xo + j]!;
      h[k] = acc;
    }
    let norm2 = 0;
    for (let i = 0; i < d; i++) {
      let acc = 0;
      for (let k = 0; k < r; k++) acc += w.b[i * r + k]! * h[k]!;
      const u = Math.fround(x[xo + i]! + s * acc);
      out[xo + i] = u;
      norm2 += u * u;
    }
    const norm = Math.sqrt(norm2);
    if (norm > 0) for (let i = 0; i < d; i++) out[xo + i] = out[xo + i]! / norm;
  }
  return out;
}
