/**
 * The write-ahead log of a SemanticMemory on disk (docs in memory/README.md): one codec for every
 * backend, since the log is file I/O framing around the core's writes. A log file is a header and
 * records appended one after another:
 *
 *   header   magic "RUVWAL\0\0" | u32 version 1 | u32 dimensions | u64 base_seq     (24 bytes)
 *   record   u32 payload_len | u32 crc32(payload) | payload
 *   payload  u8 op (1 put, 2 delete, 3 put keeping the stored vector) | u64 seq | u32 id_len | id
 *            put: u32 text_len | text | u32 meta_len | metadata JSON | f32 x dimensions
 *            put keeping the vector: the same without the floats
 *
 * All little-endian. Every record carries its own CRC, so a tail torn by a crash (or any changed
 * byte) ends the replay there: what precedes it is applied, the rest is reported as dropped.
 */
import { crc32 } from '../backends/js/hnsw/crc32.js';
import { LITTLE_ENDIAN } from '../backends/js/hnsw/vector-store.js';

const MAGIC = [0x52, 0x55, 0x56, 0x57, 0x41, 0x4c, 0, 0]; // "RUVWAL\0\0"
const VERSION = 1;
export const WAL_HEADER_BYTES = 24;
const RECORD_HEADER_BYTES = 8;
/** A payload larger than this is corrupt, not a record (a text and 1 MiB of metadata fit well). */
const MAX_PAYLOAD = 256 << 20;

const OP_PUT = 1;
const OP_DELETE = 2;
const OP_PUT_KEEP = 3;

/** One logged change. */
export type WalRecord =
  /** `vector` null: keep the one stored for the id (the same text re-added). */
  | { op: 'put'; seq: number; id: string; text: string; metadataJson: string; vector: Float32Array | null }
  | { op: 'delete'; seq: number; id: string };

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The 24-byte header of a log whose records follow snapshot sequence `baseSeq`. */
export function encodeWalHeader(dimensions: number, baseSeq: number): Uint8Array {
  const out = new Uint8Array(WAL_HEADER_BYTES);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, dimensions, true);
  view.setBigUint64(16, BigInt(baseSeq), true);
  return out;
}

/** The header's fields, or null when `bytes` do not start with a version-1 log header. */
export function decodeWalHeader(bytes: Uint8Array): { dimensions: number; baseSeq: number } | null {
  if (bytes.length < WAL_HEADER_BYTES || MAGIC.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, WAL_HEADER_BYTES);
  if (view.getUint32(8, true) !== VERSION) return null;
  return { dimensions: view.getUint32(12, true), baseSeq: Number(view.getBigUint64(16, true)) };
}

/** Records framed for appending, back to back. */
export function encodeWalRecords(records: readonly WalRecord[]): Uint8Array {
  const parts = records.map((r) => {
    const id = encoder.encode(r.id);
    const text = r.op === 'put' ? encoder.encode(r.text) : null;
    const meta = r.op === 'put' ? encoder.encode(r.metadataJson) : null;
    const payload =
      1 +
      8 +
      4 +
      id.length +
      (r.op === 'put' ? 4 + text!.length + 4 + meta!.length + 4 * (r.vector?.length ?? 0) : 0);
    return { r, id, text, meta, payload };
  });
  let size = 0;
  for (const p of parts) size += RECORD_HEADER_BYTES + p.payload;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  for (const { r, id, text, meta, payload } of parts) {
    const start = at + RECORD_HEADER_BYTES;
    view.setUint32(at, payload, true);
    at = start;
    view.setUint8(at, r.op === 'delete' ? OP_DELETE : r.vector === null ? OP_PUT_KEEP : OP_PUT);
    // u64 as two halves (a BigInt per record costs more than the rest of its header).
    view.setUint32(at + 1, r.seq % 2 ** 32, true);
    view.setUint32(at + 5, Math.floor(r.seq / 2 ** 32), true);
    at += 9;
    const str = (b: Uint8Array): void => {
      view.setUint32(at, b.length, true);
      out.set(b, at + 4);
      at += 4 + b.length;
    };
    str(id);
    if (r.op === 'put') {
      str(text!);
      str(meta!);
      const v = r.vector ?? new Float32Array(0);
      if (LITTLE_ENDIAN) {
        out.set(new Uint8Array(v.buffer, v.byteOffset, v.byteLength), at);
        at += v.byteLength;
      } else {
        for (let i = 0; i < v.length; i++, at += 4) view.setFloat32(at, v[i]!, true);
      }
    }
    view.setUint32(start - 4, crc32(out, start, start + payload), true);
  }
  return out;
}

/** What a log holds: its valid records, and where the valid prefix ends. */
export interface DecodedWal {
  records: WalRecord[];
  /** Bytes of the header and the valid records (the file is cut back to this on open). */
  validBytes: number;
  /** Bytes after the valid prefix (a torn tail, or everything after a changed byte). */
  droppedBytes: number;
}

/** Decodes the records after the header, stopping at the first that is cut short or fails its CRC. */
export function decodeWalRecords(bytes: Uint8Array, dimensions: number): DecodedWal {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const records: WalRecord[] = [];
  let at = WAL_HEADER_BYTES;
  while (at + RECORD_HEADER_BYTES <= bytes.length) {
    const payload = view.getUint32(at, true);
    const start = at + RECORD_HEADER_BYTES;
    if (payload > MAX_PAYLOAD || start + payload > bytes.length) break;
    if (crc32(bytes, start, start + payload) !== view.getUint32(at + 4, true)) break;
    const record = decodePayload(bytes, view, start, start + payload, dimensions);
    if (record === null) break;
    records.push(record);
    at = start + payload;
  }
  return { records, validBytes: at, droppedBytes: bytes.length - at };
}

function decodePayload(
  bytes: Uint8Array,
  view: DataView,
  start: number,
  end: number,
  dimensions: number,
): WalRecord | null {
  let at = start;
  const str = (): string | null => {
    if (at + 4 > end) return null;
    const n = view.getUint32(at, true);
    if (at + 4 + n > end) return null;
    try {
      const s = decoder.decode(bytes.subarray(at + 4, at + 4 + n));
      at += 4 + n;
      return s;
    } catch {
      return null;
    }
  };
  if (end - start < 9) return null;
  const op = view.getUint8(at);
  const seq = Number(view.getBigUint64(at + 1, true));
  at += 9;
  const id = str();
  if (id === null || id === '') return null;
  if (op === OP_DELETE) return at === end ? { op: 'delete', seq, id } : null;
  if (op !== OP_PUT && op !== OP_PUT_KEEP) return null;
  const text = str();
  const metadataJson = str();
  if (text === null || metadataJson === null) return null;
  if (op === OP_PUT_KEEP) return at === end ? { op: 'put', seq, id, text, metadataJson, vector: null } : null;
  if (end - at !== 4 * dimensions) return null;
  const vector = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++, at += 4) vector[i] = view.getFloat32(at, true);
  return { op: 'put', seq, id, text, metadataJson, vector };
}
