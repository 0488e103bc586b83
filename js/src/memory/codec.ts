/**
 * The one decoder of a memory record as the C ABI hands it back (core/capi/ruv_capi_memory.h,
 * ruv_memory_get): uint32 text_len | uint32 metadata_len | text | metadata (compact JSON),
 * little-endian. Used by both adapters over the core: the native addon passes the bytes through,
 * the wasm adapter reads them from its heap. Hits are hnsw/codec.ts's.
 */
import type { MemoryBackendRecord, MemoryVerifyCounts } from '../backend.js';
import { RuVectorError } from '../errors.js';
import { readUtf8 } from '../hnsw/codec.js';

/** Decodes one record; copies, so `bytes` may be freed afterwards. */
export function decodeRecord(bytes: Uint8Array): MemoryBackendRecord {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) throw new RuVectorError('CORRUPT_DATA', 'memory: a record shorter than its header');
  const textLen = view.getUint32(0, true);
  const metaLen = view.getUint32(4, true);
  if (8 + textLen + metaLen !== bytes.length)
    throw new RuVectorError('CORRUPT_DATA', 'memory: a record whose lengths do not add up');
  return { text: readUtf8(bytes, 8, textLen), metadataJson: readUtf8(bytes, 8 + textLen, metaLen) };
}

/** The records of ruv_memory_get_many: per id, u32 found, then the record when found. */
export function decodeRecords(bytes: Uint8Array, count: number): (MemoryBackendRecord | undefined)[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: (MemoryBackendRecord | undefined)[] = [];
  let at = 0;
  const u32 = (): number => {
    if (at + 4 > bytes.length) throw new RuVectorError('CORRUPT_DATA', 'memory: records cut short');
    at += 4;
    return view.getUint32(at - 4, true);
  };
  for (let i = 0; i < count; i++) {
    if (u32() === 0) {
      out.push(undefined);
      continue;
    }
    const textLen = u32();
    const metaLen = u32();
    if (at + textLen + metaLen > bytes.length)
      throw new RuVectorError('CORRUPT_DATA', 'memory: records cut short');
    out.push({ text: readUtf8(bytes, at, textLen), metadataJson: readUtf8(bytes, at + textLen, metaLen) });
    at += textLen + metaLen;
  }
  if (at !== bytes.length) throw new RuVectorError('CORRUPT_DATA', 'memory: records of another count');
  return out;
}

/** ruv_memory_verify's counts (RUV_MEMORY_VERIFY_COUNT, in its order) and ids. */
export function decodeVerify(counts: ArrayLike<number>, ids: string[]): MemoryVerifyCounts {
  const [checked, unreachable, orphans, lost, restored, unlogged] = Array.from(counts).map(Number);
  return {
    checked: checked!,
    unreachable: unreachable!,
    orphans: orphans!,
    lost: lost!,
    restored: restored!,
    unlogged: unlogged!,
    ids,
  };
}

/** Number of values ruv_memory_verify writes (RUV_MEMORY_VERIFY_COUNT). */
export const MEMORY_VERIFY_COUNT = 6;

/** A copy of little-endian float64s (the fused scores of a hybrid search), at any alignment. */
export function float64s(bytes: Uint8Array): Float64Array {
  return new Float64Array(bytes.slice().buffer, 0, bytes.length >>> 3);
}
