/**
 * The js-fallback twin of core/src/memory/memory_snapshot.cc: the snapshot format of
 * core/src/memory/FORMAT.md, written and checked as the core does (the CRC before anything is
 * parsed; every length against what is left; records naming exactly the index's entries), with
 * the same CORRUPT_DATA messages. Snapshots load on every backend whichever wrote them: this twin
 * writes version 1 only (it links every vector at once) and links the pending rows of a version 2
 * snapshot as it loads them.
 */
import type { HnswBackendIndex } from '../../../backend.js';
import { RuVectorError } from '../../../errors.js';
import { crc32 } from '../hnsw/crc32.js';
import { jsHnswKernels } from '../hnsw/index.js';

const MAGIC = [0x52, 0x55, 0x56, 0x4d, 0x45, 0x4d, 0, 0]; // "RUVMEM\0\0"
const VERSION = 1;
/** With pending rows (written by native and wasm, whose writes may defer linking; read here). */
const VERSION_WITH_PENDING = 2;
const MIN_BYTES = 8 + 4 + 4 + 8 + 8 + 4;
/** Most bytes of the caller's header (kMaxSnapshotHeader). */
export const MAX_SNAPSHOT_HEADER = 1 << 20;

const encoder = new TextEncoder();
const strict = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
/** The header is opaque bytes to the format (the caller checks what it holds). */
const lenient = new TextDecoder('utf-8', { ignoreBOM: true });

/** One record as the snapshot holds it. */
export interface SnapshotRecord {
  id: string;
  text: string;
  metadataJson: string;
}

const corrupt = (what: string): RuVectorError =>
  new RuVectorError('CORRUPT_DATA', `memory snapshot: ${what}`);

/** The snapshot bytes of an index and its records (in the store's order). */
export function writeSnapshot(header: string, index: Uint8Array, records: SnapshotRecord[]): Uint8Array {
  const headerBytes = encoder.encode(header);
  if (headerBytes.length > MAX_SNAPSHOT_HEADER)
    throw new RuVectorError(
      'INVALID_ARGUMENT',
      `the snapshot header is longer than ${MAX_SNAPSHOT_HEADER} bytes`,
    );
  const parts = records.map((r) => [r.id, r.text, r.metadataJson].map((s) => encoder.encode(s)));
  let size = 8 + 4 + 4 + headerBytes.length + 8 + index.length + 8 + 4;
  for (const p of parts) for (const b of p) size += 4 + b.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  let at = 0;
  const bytes = (b: Uint8Array | number[]): void => {
    out.set(b, at);
    at += b.length;
  };
  const u32 = (v: number): void => {
    view.setUint32(at, v, true);
    at += 4;
  };
  const u64 = (v: number): void => {
    view.setBigUint64(at, BigInt(v), true);
    at += 8;
  };
  bytes(MAGIC);
  u32(VERSION);
  u32(headerBytes.length);
  bytes(headerBytes);
  u64(index.length);
  bytes(index);
  u64(records.length);
  for (const p of parts) {
    for (const b of p) {
      u32(b.length);
      bytes(b);
    }
  }
  u32(crc32(out, 0, at));
  return out;
}

/** A bounds-checked little-endian reader: every read returns null instead of running past the end. */
class Reader {
  #at: number;
  readonly #end: number;
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  constructor(bytes: Uint8Array, start: number, end: number) {
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#at = start;
    this.#end = end;
  }
  get remaining(): number {
    return this.#end - this.#at;
  }
  u32(): number | null {
    if (this.remaining < 4) return null;
    const v = this.#view.getUint32(this.#at, true);
    this.#at += 4;
    return v;
  }
  u64(): number | null {
    if (this.remaining < 8) return null;
    const v = this.#view.getBigUint64(this.#at, true);
    this.#at += 8;
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
  }
  take(n: number): Uint8Array | null {
    if (n > this.remaining) return null;
    const out = this.#bytes.subarray(this.#at, this.#at + n);
    this.#at += n;
    return out;
  }
  string(): Uint8Array | null {
    const n = this.u32();
    return n === null ? null : this.take(n);
  }
}

/** A loaded snapshot: the index, its records in order, the header. */
export interface LoadedSnapshot {
  index: HnswBackendIndex;
  records: SnapshotRecord[];
  header: string;
}

/**
 * Reads snapshot bytes (untrusted). `checkMetadata` parses and bounds one record's metadata as
 * the store does (throwing INVALID_ARGUMENT with the store's message).
 */
export function readSnapshot(bytes: Uint8Array, checkMetadata: (json: string) => void): LoadedSnapshot {
  const size = bytes.length;
  if (size < MIN_BYTES) throw corrupt('shorter than the smallest snapshot');
  if (MAGIC.some((b, i) => bytes[i] !== b)) throw corrupt('bad magic (not a memory snapshot)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, size);
  if (crc32(bytes, 0, size - 4) !== view.getUint32(size - 4, true))
    throw corrupt('checksum mismatch (the bytes were changed or cut)');
  const r = new Reader(bytes, 8, size - 4);
  const version = r.u32();
  if (version === null) throw corrupt('truncated');
  if (version !== VERSION && version !== VERSION_WITH_PENDING)
    throw corrupt(`unsupported version ${version}`);
  const headerBytes = r.string();
  if (headerBytes === null) throw corrupt('truncated header');
  if (headerBytes.length > MAX_SNAPSHOT_HEADER) throw corrupt('header too long');
  const pending = version === VERSION_WITH_PENDING ? readPending(r) : null;
  const indexLen = r.u64();
  const indexBytes = indexLen === null ? null : r.take(indexLen);
  if (indexBytes === null) throw corrupt('truncated index');
  let index: HnswBackendIndex;
  try {
    index = jsHnswKernels.deserialize(indexBytes);
  } catch (e) {
    throw corrupt(`index: ${(e as Error).message}`);
  }
  try {
    const count = r.u64();
    if (count === null) throw corrupt('truncated record count');
    const linked = index.count?.() ?? index.stats().count;
    if (count !== linked + (pending?.ids.length ?? 0))
      throw corrupt(
        pending === null
          ? "the record count differs from the index's entry count"
          : "the record count differs from the index's and pending entries",
      );
    if (pending !== null) linkPending(index, pending);
    if (count > r.remaining / 12) throw corrupt('more records than bytes hold');
    const records: SnapshotRecord[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < count; i++) {
      const id = r.string();
      const text = r.string();
      const meta = r.string();
      if (id === null || text === null || meta === null) throw corrupt(`truncated record ${i}`);
      const decoded = [id, text, meta].map((b) => {
        try {
          return strict.decode(b);
        } catch {
          return null;
        }
      });
      if (decoded[1] === null) throw corrupt(`record ${i}: text is not valid UTF-8`);
      const idText = decoded[0];
      if (idText === null || idText === '' || !index.contains(idText))
        throw corrupt(`record ${i}: its id is not in the index`);
      if (seen.has(idText)) throw corrupt(`record ${i}: a duplicate id`);
      seen.add(idText);
      if (decoded[2] === null) throw corrupt(`record ${i}: metadata is not valid JSON`);
      try {
        checkMetadata(decoded[2]);
      } catch (e) {
        throw corrupt(`record ${i}: ${(e as Error).message}`);
      }
      records.push({ id: idText, text: decoded[1], metadataJson: decoded[2] });
    }
    if (r.remaining !== 0) throw corrupt('bytes after the last record');
    return { index, records, header: lenient.decode(headerBytes) };
  } catch (e) {
    index.free();
    throw e;
  }
}

/** The pending section of a version 2 snapshot: rows not yet linked into the graph. */
interface PendingSection {
  dimensions: number;
  ids: Uint8Array[];
  rows: Float32Array[];
}

function readPending(r: Reader): PendingSection {
  const count = r.u64();
  const dimensions = r.u32();
  if (count === null || dimensions === null) throw corrupt('truncated pending rows');
  if (dimensions < 1 || dimensions > 65536) throw corrupt('pending rows of impossible dimensions');
  if (count === 0 || count > r.remaining / (4 + 4 * dimensions))
    throw corrupt('more pending rows than bytes hold');
  const ids: Uint8Array[] = [];
  const rows: Float32Array[] = [];
  for (let i = 0; i < count; i++) {
    const id = r.string();
    const row = id === null ? null : r.take(4 * dimensions);
    if (id === null || row === null) throw corrupt(`truncated pending row ${i}`);
    ids.push(id);
    // A copy: the bytes are little-endian floats at any alignment.
    const v = new Float32Array(dimensions);
    const view = new DataView(row.buffer, row.byteOffset, row.byteLength);
    for (let j = 0; j < dimensions; j++) v[j] = view.getFloat32(4 * j, true);
    rows.push(v);
  }
  return { dimensions, ids, rows };
}

/** Links the pending rows into the loaded index, checked as the core checks them. */
function linkPending(index: HnswBackendIndex, pending: PendingSection): void {
  if (pending.dimensions !== index.stats().dimensions)
    throw corrupt("pending rows of other dimensions than the index's");
  pending.ids.forEach((bytes, i) => {
    let id: string;
    try {
      id = strict.decode(bytes);
    } catch {
      throw corrupt(`pending row ${i}: hnsw: id is not UTF-8`);
    }
    if (id === '') throw corrupt(`pending row ${i}: hnsw: empty id`);
    if (index.contains(id))
      throw corrupt(`pending row ${i}: its id is in the index, twice, or has no record`);
    try {
      index.insert(id, pending.rows[i]!);
    } catch (e) {
      throw corrupt(`pending row ${i}: ${(e as Error).message}`);
    }
  });
}
