/** ruv::ValidateHnswConfig: the same bounds and messages as the core. */
import type { HnswParams } from '../../../backend.js';

function isU32(x: number): boolean {
  return Number.isInteger(x) && x >= 0 && x <= 0xffffffff;
}

/** The reason `p` is not a valid config, or null when it is. */
export function validateParams(p: HnswParams): string | null {
  if (!isU32(p.dimensions) || p.dimensions < 1 || p.dimensions > 65536)
    return 'hnsw: dimensions must be in [1, 65536]';
  if (!isU32(p.m) || p.m < 2 || p.m > 128) return 'hnsw: m must be in [2, 128]';
  if (!isU32(p.efConstruction) || !isU32(p.efSearch) || p.efConstruction < 1 || p.efSearch < 1) {
    return 'hnsw: ef_construction and ef_search must be >= 1';
  }
  if (p.metric !== 0 && p.metric !== 1 && p.metric !== 2) return 'hnsw: unknown distance metric';
  if (p.storage !== 0 && p.storage !== 1) return 'hnsw: unknown storage';
  if (typeof p.seed !== 'bigint' || p.seed < 0n || p.seed > 0xffffffffffffffffn)
    return 'hnsw: seed must be a u64 bigint';
  return null;
}
