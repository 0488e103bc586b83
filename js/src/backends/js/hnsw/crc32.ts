/**
 * CRC-32/IEEE (reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF): zlib's crc32(),
 * the checksum that closes a serialized HNSW index (core/src/common/crc32.h). Slicing-by-8 over
 * tables built at module load. Check value: crc32("123456789") = 0xCBF43926.
 */
const TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[i] = c >>> 0;
}
/**
 * Slicing-by-8 tables: T[k][b] is the CRC of byte b followed by k zero bytes, so eight bytes are
 * folded per step with eight lookups (3-4x the bytewise loop; a 384-d log record is 1.6 KB).
 */
const SLICES = Array.from({ length: 8 }, () => new Uint32Array(256));
SLICES[0]!.set(TABLE);
for (let k = 1; k < 8; k++) {
  for (let i = 0; i < 256; i++) {
    const prev = SLICES[k - 1]![i]!;
    SLICES[k]![i] = (prev >>> 8) ^ TABLE[prev & 0xff]!;
  }
}
const [T0, T1, T2, T3, T4, T5, T6, T7] = SLICES as [
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
  Uint32Array,
];

/** CRC-32 of bytes[start .. end) (default: the whole array), as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  let i = start;
  for (; i + 8 <= end; i += 8) {
    const lo = (c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24))) >>> 0;
    c =
      T7[lo & 0xff]! ^
      T6[(lo >>> 8) & 0xff]! ^
      T5[(lo >>> 16) & 0xff]! ^
      T4[lo >>> 24]! ^
      T3[bytes[i + 4]!]! ^
      T2[bytes[i + 5]!]! ^
      T1[bytes[i + 6]!]! ^
      T0[bytes[i + 7]!]!;
  }
  for (; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The bytewise definition (the reference crc32 is tested against). */
export function crc32Bytewise(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
