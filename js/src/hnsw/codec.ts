/**
 * The one decoder of what the HNSW C ABI hands back (core/capi/ruv_capi_hnsw.h), used by both
 * adapters over it: the native addon passes the bytes through, the wasm adapter reads them from
 * its heap. Packed hits: uint32 count | uint32 ids_size | float32 scores[count] |
 * float32 distances[count] | uint32 id_lens[count] | UTF-8 ids back to back; stats: 11 uint64
 * (ruv_hnsw_stats_t). Little-endian, as every target is.
 */
import type { HnswBackendStats, HnswHits, MetricId } from '../backend.js';

/** Bytes of ruv_hnsw_stats_t: RUV_HNSW_STATS_COUNT (11) uint64. */
export const STATS_BYTES = 11 * 8;
/** RUV_HNSW_HITS_HEADER_BYTES: count and ids_size. */
const HITS_HEADER_BYTES = 8;

// ignoreBOM: an id may begin with U+FEFF, which a default decoder would strip.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/** Decodes bytes[at .. at+len) as UTF-8 (short ASCII by hand: cheaper than TextDecoder there). */
export function readUtf8(bytes: Uint8Array, at: number, len: number): string {
  if (len <= 16) {
    let s = '';
    let i = 0;
    for (; i < len; i++) {
      const b = bytes[at + i]!;
      if (b >= 0x80) break;
      s += String.fromCharCode(b);
    }
    if (i === len) return s;
  }
  const view = bytes.subarray(at, at + len);
  // TextDecoder refuses views of a SharedArrayBuffer (pthreads builds) or a resizable buffer.
  const buffer = view.buffer as ArrayBuffer & { resizable?: boolean };
  return decoder.decode(buffer instanceof ArrayBuffer && buffer.resizable !== true ? view : view.slice());
}

/** A copy of `count` 4-byte values at byte `at` of `bytes` (any alignment). */
function copy32<T extends Float32Array | Uint32Array>(
  make: (b: ArrayBuffer) => T,
  bytes: Uint8Array,
  at: number,
  count: number,
): T {
  return make(bytes.slice(at, at + count * 4).buffer);
}

/** The hits of packed search results; copies everything, so `bytes` may be freed afterwards. */
export function decodeHits(bytes: Uint8Array): HnswHits {
  const header = copy32((b) => new Uint32Array(b), bytes, 0, 2);
  const count = header[0]!;
  const scores = copy32((b) => new Float32Array(b), bytes, HITS_HEADER_BYTES, count);
  const distances = copy32((b) => new Float32Array(b), bytes, HITS_HEADER_BYTES + count * 4, count);
  const lens = copy32((b) => new Uint32Array(b), bytes, HITS_HEADER_BYTES + count * 8, count);
  const ids = new Array<string>(count);
  for (let i = 0, at = HITS_HEADER_BYTES + count * 12; i < count; i++) {
    const n = lens[i]!;
    ids[i] = readUtf8(bytes, at, n);
    at += n;
  }
  return { ids, scores, distances };
}

/** The stats struct, from its STATS_BYTES bytes (u64 values as numbers: exact below 2^53). */
export function decodeStats(bytes: Uint8Array): HnswBackendStats {
  const u32 = copy32((b) => new Uint32Array(b), bytes, 0, STATS_BYTES / 4);
  const u64 = (field: number): number => u32[2 * field]! + u32[2 * field + 1]! * 0x1_0000_0000;
  return {
    count: u64(0),
    slots: u64(1),
    dimensions: u64(2),
    m: u64(3),
    efConstruction: u64(4),
    efSearch: u64(5),
    maxLevel: u64(6),
    vectorBytes: u64(7),
    memoryBytes: u64(8),
    metric: u64(9) as MetricId,
    storage: u64(10) as 0 | 1,
  };
}
