/**
 * The js-fallback twin of core/src/memory/bm25.{h,cc}: the same tokenizer rule, BM25 formula
 * (k1 1.2, b 0.75, Lucene's idf), summation order (query terms sorted by UTF-8 bytes), tie
 * order (id by UTF-8 bytes) and reciprocal rank fusion (k 60), so rankings agree with the core's.
 */
import { compareUtf8 } from './metadata-filter.js';

const K1 = 1.2;
const B = 0.75;
const RRF_K = 60;

function isWordChar(cp: number): boolean {
  if (cp < 0x80)
    return (cp >= 0x30 && cp <= 0x39) || (cp >= 0x61 && cp <= 0x7a) || (cp >= 0x41 && cp <= 0x5a);
  if (cp < 0xc0 || cp === 0xd7 || cp === 0xf7 || cp === 0xfffd) return false;
  if (cp >= 0x2000 && cp <= 0x206f) return false;
  if (cp >= 0x3000 && cp <= 0x303f) return false;
  return true;
}

function lower(cp: number): number {
  if (cp >= 0x41 && cp <= 0x5a) return cp + 0x20;
  if (cp >= 0xc0 && cp <= 0xde && cp !== 0xd7) return cp + 0x20;
  return cp;
}

/** The tokens of `text` (a lone surrogate, as invalid UTF-8 in the core, ends a token). */
export function bm25Tokens(text: string): string[] {
  const tokens: string[] = [];
  let current = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0)!;
    const lone = cp >= 0xd800 && cp <= 0xdfff;
    if (!lone && isWordChar(cp)) current += String.fromCodePoint(lower(cp));
    else if (current !== '') {
      tokens.push(current);
      current = '';
    }
  }
  if (current !== '') tokens.push(current);
  return tokens;
}

interface Doc {
  tf: Map<string, number>;
  length: number;
}

const byScoreThenId = (a: { id: string; score: number }, b: { id: string; score: number }): number =>
  a.score !== b.score ? b.score - a.score : compareUtf8(a.id, b.id);

export class Bm25Index {
  readonly #docs = new Map<string, Doc>();
  readonly #postings = new Map<string, Map<string, number>>();
  #totalLength = 0;

  put(id: string, text: string): void {
    this.erase(id);
    const doc: Doc = { tf: new Map(), length: 0 };
    for (const t of bm25Tokens(text)) {
      doc.tf.set(t, (doc.tf.get(t) ?? 0) + 1);
      doc.length++;
    }
    for (const [term, n] of doc.tf) {
      let p = this.#postings.get(term);
      if (p === undefined) this.#postings.set(term, (p = new Map()));
      p.set(id, n);
    }
    this.#totalLength += doc.length;
    this.#docs.set(id, doc);
  }

  erase(id: string): void {
    const doc = this.#docs.get(id);
    if (doc === undefined) return;
    for (const term of doc.tf.keys()) {
      const p = this.#postings.get(term)!;
      p.delete(id);
      if (p.size === 0) this.#postings.delete(term);
    }
    this.#totalLength -= doc.length;
    this.#docs.delete(id);
  }

  /** Documents holding a query term that pass `allow`, best first, at most `limit`. */
  search(query: string, limit: number, allow: (id: string) => boolean): { id: string; score: number }[] {
    const terms = [...new Set(bm25Tokens(query))].sort(compareUtf8);
    const n = this.#docs.size;
    const avg = n === 0 ? 1 : this.#totalLength / n;
    const scores = new Map<string, number>();
    for (const term of terms) {
      const p = this.#postings.get(term);
      if (p === undefined) continue;
      const df = p.size;
      const idf = Math.log(1 + (n - df + 0.5) / (df + 0.5));
      for (const [id, tf] of p) {
        const len = this.#docs.get(id)!.length;
        scores.set(
          id,
          (scores.get(id) ?? 0) + (idf * (tf * (K1 + 1))) / (tf + K1 * (1 - B + (B * len) / avg)),
        );
      }
    }
    const all = [...scores].map(([id, score]) => ({ id, score })).sort(byScoreThenId);
    const out: { id: string; score: number }[] = [];
    for (const h of all) {
      if (out.length >= limit) break;
      if (allow(h.id)) out.push(h);
    }
    return out;
  }
}

/** Reciprocal rank fusion: each id's sum of 1 / (60 + rank), best first, at most k. */
export function fuseRankings(rankings: string[][], k: number): { id: string; score: number }[] {
  const fused = new Map<string, number>();
  for (const ranking of rankings) {
    ranking.forEach((id, r) => fused.set(id, (fused.get(id) ?? 0) + 1 / (RRF_K + r + 1)));
  }
  return [...fused]
    .map(([id, score]) => ({ id, score }))
    .sort(byScoreThenId)
    .slice(0, k);
}
