/**
 * CRC-32/IEEE (reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF): zlib's crc32(),
 * the checksum that closes a serialized HNSW index (core/src/hnsw/crc32.h). Table-driven, one
 * table built at module load. Check value: crc32("123456789") = 0xCBF43926.
 */
const TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  TABLE[i] = c >>> 0;
}

/** CRC-32 of bytes[start .. end) (default: the whole array), as an unsigned 32-bit number. */
export function crc32(bytes: Uint8Array, start = 0, end = bytes.length): number {
  let c = 0xffffffff;
  for (let i = start; i < end; i++) c = TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
