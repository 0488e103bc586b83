/**
 * The two small stateless rules of the learning module that every backend needs on plain JS
 * objects: ranking matches (the twin of ruv::learn::RankMatches, which the core's PatternStore
 * uses) and, for js-fallback only, applying an adapter (the twin of learn/lora_math.cc Forward).
 * Kept tiny on purpose: the store, training and the Fisher live in the core only.
 */
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

/**
 * Active patterns of an allowed type with rawSimilarity >= threshold; by score descending, ties by
 * id in bytewise UTF-8 order (compareIds), as the core's std::string comparison.
 */
export function rankMatches<P extends Rankable>(
  similarity: Float32Array,
  patterns: readonly P[],
  threshold: number,
  limit: number,
  typeMask: number,
): (Omit<PatternMatch, 'pattern'> & { pattern: P })[] {
  const out: (Omit<PatternMatch, 'pattern'> & { pattern: P })[] = [];
  for (let i = 0; i < patterns.length; i++) {
    const raw = similarity[i]!;
    if (!(raw >= threshold)) continue; // most rows: one compare
    const p = patterns[i]!;
    if (!p.active || !(typeMask & (1 << PATTERN_TYPES.indexOf(p.type)))) continue;
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
