/**
 * The pattern store of js-fallback: the same PatternStoreBackend contract and the same bytes as
 * the core's ruv_patterns (records, match results and the serialized store, learning/codec.ts),
 * over a growing Float32Array block and the shared ranking rule (rank.ts), so a store moves
 * between all three backends. Kept small: a dense block, an id map, a brute-force scan.
 */
import type { AdapterParams, PatternStoreBackend } from '../backend.js';
import { RuVectorError } from '../errors.js';
import { encodeMatches, encodePattern, readStore, writeStore, type StoredPattern } from './codec.js';
import { isActive, rankMatches, rowsAbove, type RowsAboveKernels } from './rank.js';
import type { ActivityPolicy, LoRAWeights } from './types.js';
import { PATTERN_TYPES } from './types.js';

/** What the js store needs from its backend. */
export interface JsStoreKernels extends RowsAboveKernels {
  normalize(v: Float32Array): Float32Array;
  /** f(q) for one row. */
  adapt(adapter: LoRAWeights, q: Float32Array): Float32Array;
}

export function createJsPatternStore(
  k: JsStoreKernels,
  dimensions: number,
  policy: Readonly<ActivityPolicy>,
  stored: readonly StoredPattern[] = [],
): PatternStoreBackend {
  const dim = dimensions;
  let rows = new Float32Array(Math.max(16, stored.length) * dim);
  const infos: StoredPattern[] = [];
  const slotOf = new Map<string, number>();
  let freed = false;
  const live = (): void => {
    if (freed) throw new RuVectorError('NOT_INITIALIZED', 'PatternStore: the store was freed');
  };
  const put = (p: StoredPattern): void => {
    let slot = slotOf.get(p.id);
    if (slot === undefined) {
      slot = infos.length;
      if ((slot + 1) * dim > rows.length) {
        const grown = new Float32Array(rows.length * 2);
        grown.set(rows);
        rows = grown;
      }
      infos.push(p);
      slotOf.set(p.id, slot);
    }
    infos[slot] = p;
    rows.set(p.embedding, slot * dim);
  };
  for (const p of stored) put(p);

  const store: PatternStoreBackend = {
    add(id, type, metadata, usage, success, v) {
      live();
      const embedding = k.normalize(v);
      put({
        id,
        type: PATTERN_TYPES[type]!,
        metadata,
        usageCount: usage,
        successCount: success,
        active: isActive(usage, success, policy.minUses, policy.minSuccessRate),
        embedding,
      });
    },
    remove(id) {
      live();
      const slot = slotOf.get(id);
      if (slot === undefined) return false;
      const last = infos.length - 1;
      slotOf.delete(id);
      if (slot !== last) {
        infos[slot] = infos[last]!;
        rows.copyWithin(slot * dim, last * dim, (last + 1) * dim);
        slotOf.set(infos[slot]!.id, slot);
      }
      infos.pop();
      return true;
    },
    recordOutcome(id, success) {
      live();
      const p = infos[slotOf.get(id)!]!;
      p.usageCount += 1;
      if (success) p.successCount += 1;
      p.active = isActive(p.usageCount, p.successCount, policy.minUses, policy.minSuccessRate);
    },
    has(id) {
      live();
      return slotOf.has(id);
    },
    get(id) {
      live();
      const slot = slotOf.get(id);
      return slot === undefined ? new Uint8Array(0) : encodePattern(infos[slot]!, dim);
    },
    at(index) {
      live();
      return encodePattern(infos[index]!, dim);
    },
    size() {
      live();
      return infos.length;
    },
    // js-fallback always scans exactly (what the core's HNSW path approximates).
    setHnswMin() {
      live();
    },
    info() {
      live();
      let active = 0;
      for (const p of infos) active += p.active ? 1 : 0;
      return Uint32Array.of(infos.length, 0, 0, active);
    },
    match(q, threshold, limit, typeMask, adapter: AdapterParams | null) {
      live();
      if (infos.length === 0) return encodeMatches([], dim);
      const query = adapter === null ? k.normalize(q) : k.adapt(adapter as LoRAWeights, q);
      const above = rowsAbove(k, query, rows.subarray(0, infos.length * dim), infos.length, threshold);
      return encodeMatches(rankMatches(above, infos, limit, typeMask), dim);
    },
    serialize() {
      live();
      return writeStore(dim, policy, infos);
    },
    free() {
      freed = true;
    },
  };
  return store;
}

/** A js store from serialized bytes (checked as the core checks them: CORRUPT_DATA). */
export function loadJsPatternStore(k: JsStoreKernels, bytes: Uint8Array): PatternStoreBackend {
  const { dimensions, policy, patterns } = readStore(bytes);
  return createJsPatternStore(k, dimensions, policy, patterns);
}
