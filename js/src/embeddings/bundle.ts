/**
 * The single-file model bundle (`.ruvmodel`): a model folder's files in one Uint8Array, the form
 * ADR-006's `loadModel(modelData: Uint8Array)` takes. The byte layout is specified in
 * core/src/embed/model/BUNDLE.md (the C++ reader follows the same text); this file is the
 * TypeScript writer and a validating reader.
 *
 * Digests use WebCrypto (`crypto.subtle`), present in Node >= 18, Deno, Bun, browsers and
 * Workers, so this module imports nothing platform-specific.
 */
import { RuVectorError } from '../errors.js';

/** Bundle format version written by {@link encodeBundle} and the only one {@link decodeBundle} reads. */
export const BUNDLE_VERSION = 1;
/** Data of every file starts at an offset that is a multiple of this (so float data can be used in place). */
export const BUNDLE_ALIGNMENT = 64;
/** Most files one bundle may hold. */
export const BUNDLE_MAX_FILES = 4096;
/** Longest file name, in UTF-8 bytes. */
export const BUNDLE_MAX_NAME_BYTES = 256;
/** Longest `modelId` or `revision`, in UTF-8 bytes. */
export const BUNDLE_MAX_META_BYTES = 1024;

const MAGIC = 'RUVMODEL';
const FIXED_HEADER_BYTES = 32;
const SHA256_BYTES = 32;

/** Where a bundle's model came from (free text; empty strings when unknown). */
export interface BundleMeta {
  /** The model's name, e.g. `sentence-transformers/all-MiniLM-L6-v2` or a folder's name. */
  modelId: string;
  /** The revision it was taken at (a branch, tag or commit; empty when unknown). */
  revision: string;
}

/** One file of a decoded bundle. */
export interface BundleFile {
  /** Relative path with `/` separators, e.g. `onnx/model.onnx`. */
  name: string;
  /** The file's bytes: a view into the bundle's memory (not a copy). */
  data: Uint8Array;
  /** Lowercase hex SHA-256 of `data` (checked by {@link decodeBundle}). */
  sha256: string;
  /** Offset of `data` in the bundle (a multiple of {@link BUNDLE_ALIGNMENT}). */
  offset: number;
}

/** What {@link decodeBundle} returns. */
export interface DecodedBundle {
  /** The bundle's metadata. */
  meta: BundleMeta;
  /** Files in bundle order (sorted by the bytes of their UTF-8 names). */
  files: BundleFile[];
  /** Name -> bytes (views into the bundle), for loaders. */
  fileMap: Map<string, Uint8Array>;
}

function corrupt(message: string): RuVectorError {
  return new RuVectorError('CORRUPT_DATA', `model bundle: ${message}`);
}

/** 32 bytes from 64 hex digits; null for anything else. */
function fromHex(hex: string): Uint8Array | null {
  if (!/^[0-9a-f]{64}$/.test(hex)) return null;
  const out = new Uint8Array(SHA256_BYTES);
  for (let i = 0; i < SHA256_BYTES; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Lowercase hex SHA-256 of some bytes (node:crypto in Node and Bun, else WebCrypto). */
export async function sha256Hex(data: Uint8Array): Promise<string> {
  return toHex(await sha256Bytes(data));
}

interface NodeCrypto {
  createHash(algorithm: 'sha256'): { update(data: Uint8Array): { digest(): Uint8Array } };
}
let nodeCrypto: Promise<NodeCrypto | null> | undefined;

/**
 * node:crypto where there is one: WebCrypto's digest copies its input first (a model's 90 MB:
 * ~40 ms of a load), createHash reads it in place. Imported by a computed name, so browser
 * bundlers leave it alone.
 */
function nodeCryptoModule(): Promise<NodeCrypto | null> {
  if (nodeCrypto === undefined) {
    const g = globalThis as { process?: { versions?: { node?: string } } };
    const name = ['node', 'crypto'].join(':');
    nodeCrypto =
      g.process?.versions?.node === undefined
        ? Promise.resolve(null)
        : (import(/* webpackIgnore: true */ /* @vite-ignore */ name) as Promise<NodeCrypto>).catch(
            () => null,
          );
  }
  return nodeCrypto;
}

async function sha256Bytes(data: Uint8Array): Promise<Uint8Array> {
  const node = await nodeCryptoModule();
  if (node !== null) return new Uint8Array(node.createHash('sha256').update(data).digest());
  const subtle = globalThis.crypto?.subtle;
  if (subtle === undefined) {
    throw new RuVectorError(
      'UNSUPPORTED',
      'model bundle: WebCrypto (crypto.subtle) is not available in this environment',
    );
  }
  return new Uint8Array(await subtle.digest('SHA-256', data as Uint8Array<ArrayBuffer>));
}

function toHex(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

const alignUp = (n: number) => Math.ceil(n / BUNDLE_ALIGNMENT) * BUNDLE_ALIGNMENT;

/**
 * Why `name` is not a valid bundle file name, or null if it is. The rule (BUNDLE.md): 1..256
 * UTF-8 bytes; `/`-separated components, none empty, `.` or `..`; no NUL, no `\`, no `:`; not
 * starting with `/`. So a name can never escape the folder it is unpacked into, on any OS.
 */
export function bundleNameProblem(name: string): string | null {
  const bytes = new TextEncoder().encode(name);
  if (bytes.length === 0) return 'is empty';
  if (bytes.length > BUNDLE_MAX_NAME_BYTES)
    return `is ${bytes.length} bytes long (at most ${BUNDLE_MAX_NAME_BYTES})`;
  if (name.includes('\0')) return 'contains NUL';
  if (name.includes('\\')) return 'contains a backslash';
  if (name.includes(':')) return 'contains a colon';
  if (/[\uD800-\uDFFF]/u.test(name.replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/gu, '')))
    return 'is not valid Unicode';
  if (name.startsWith('/')) return 'is absolute';
  for (const part of name.split('/')) {
    if (part === '') return 'has an empty path component';
    if (part === '.' || part === '..') return `has a '${part}' component`;
  }
  return null;
}

function metaBytes(field: string, value: string): Uint8Array {
  const bytes = new TextEncoder().encode(value);
  if (bytes.length > BUNDLE_MAX_META_BYTES || value.includes('\0')) {
    throw new RuVectorError(
      'INVALID_ARGUMENT',
      `encodeBundle: meta.${field} must be at most ${BUNDLE_MAX_META_BYTES} UTF-8 bytes without NUL`,
    );
  }
  return bytes;
}

/**
 * Packs files (relative path -> bytes) into one bundle. The output depends only on the inputs:
 * files are written in the byte order of their names, padding is zero. `sha256` may give files'
 * digests (hex) already computed from the same bytes, which are then not hashed again (a model's
 * files are hashed once for its provenance; the core checks every digest when it loads).
 */
export async function encodeBundle(
  files: Map<string, Uint8Array>,
  meta?: Partial<BundleMeta>,
  sha256?: Readonly<Record<string, string>>,
): Promise<Uint8Array> {
  if (!(files instanceof Map))
    throw new RuVectorError('INVALID_ARGUMENT', 'encodeBundle: files must be a Map of name -> Uint8Array');
  for (const [name, data] of files) {
    if (!(data instanceof Uint8Array))
      throw new RuVectorError('INVALID_ARGUMENT', `encodeBundle: file ${String(name)} must be a Uint8Array`);
  }
  const sizes = new Map([...files].map(([name, data]) => [name, data.length]));
  const { bundle, slots } = await layoutBundle(sizes, meta, async (name) => {
    const known = sha256 !== undefined && Object.hasOwn(sha256, name) ? fromHex(sha256[name]!) : null;
    return known ?? sha256Bytes(files.get(name)!);
  });
  for (const [name, slot] of slots) slot.set(files.get(name)!);
  return bundle;
}

/**
 * A bundle's bytes with its header written and a zeroed slot per file (a view of the bundle
 * where that file's bytes go): encodeBundle copies the files in; the runtime's own folder loads
 * read them straight from disk into their slots (sources.ts), never holding a second copy.
 * `digest(name)` gives each file's SHA-256 for the header.
 */
export async function layoutBundle(
  sizes: Map<string, number>,
  meta: Partial<BundleMeta> | undefined,
  digest: (name: string) => Promise<Uint8Array>,
): Promise<{ bundle: Uint8Array; slots: Map<string, Uint8Array> }> {
  if (sizes.size > BUNDLE_MAX_FILES)
    throw new RuVectorError(
      'INVALID_ARGUMENT',
      `encodeBundle: ${sizes.size} files (at most ${BUNDLE_MAX_FILES})`,
    );
  const modelId = metaBytes('modelId', meta?.modelId ?? '');
  const revision = metaBytes('revision', meta?.revision ?? '');
  const encoder = new TextEncoder();
  const entries = [];
  for (const [name, size] of sizes) {
    const problem = typeof name === 'string' ? bundleNameProblem(name) : 'is not a string';
    if (problem !== null)
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        `encodeBundle: file name ${JSON.stringify(name)} ${problem}`,
      );
    entries.push({ key: name, name: encoder.encode(name), size, sha: await digest(name) });
  }
  entries.sort((a, b) => compareBytes(a.name, b.name));

  let headerSize = FIXED_HEADER_BYTES + 2 + modelId.length + 2 + revision.length;
  for (const e of entries) headerSize += 2 + e.name.length + 8 + SHA256_BYTES;
  headerSize += SHA256_BYTES;
  let total = headerSize;
  const offsets = entries.map((e) => {
    const offset = alignUp(total);
    total = offset + e.size;
    return offset;
  });

  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  out.set(encoder.encode(MAGIC), 0);
  view.setUint32(8, BUNDLE_VERSION, true);
  view.setUint32(12, entries.length, true);
  view.setUint32(16, headerSize, true);
  view.setUint32(20, 0, true);
  view.setBigUint64(24, BigInt(total), true);
  let at = FIXED_HEADER_BYTES;
  const putBytes = (bytes: Uint8Array) => {
    view.setUint16(at, bytes.length, true);
    out.set(bytes, at + 2);
    at += 2 + bytes.length;
  };
  putBytes(modelId);
  putBytes(revision);
  for (const e of entries) {
    putBytes(e.name);
    view.setBigUint64(at, BigInt(e.size), true);
    out.set(e.sha, at + 8);
    at += 8 + SHA256_BYTES;
  }
  out.set(await sha256Bytes(out.subarray(0, at)), at);
  const slots = new Map(entries.map((e, i) => [e.key, out.subarray(offsets[i]!, offsets[i]! + e.size)]));
  return { bundle: out, slots };
}

/** Reads bounded little-endian fields from the header, failing with CORRUPT_DATA past `end`. */
class HeaderReader {
  at = FIXED_HEADER_BYTES;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly view: DataView,
    private readonly end: number,
  ) {}

  need(n: number, what: string): void {
    if (this.at + n > this.end) throw corrupt(`the header ends inside ${what}`);
  }
  u16(what: string): number {
    this.need(2, what);
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }
  u64(what: string): number {
    this.need(8, what);
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw corrupt(`${what} ${v} is too large`);
    return Number(v);
  }
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const v = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return v;
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function utf8(bytes: Uint8Array, what: string): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw corrupt(`${what} is not valid UTF-8`);
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && compareBytes(a, b) === 0;
}

/**
 * Validates and unpacks a bundle. Every rule of BUNDLE.md is checked (magic, version, sizes,
 * names, order, zero padding, the header digest and every file's digest), so any changed byte is
 * reported as CORRUPT_DATA. Returned file bytes are views into `bytes`: nothing is copied.
 * `fileDigests: 'trust'` skips hashing the files' data (every other rule is checked): for a
 * bundle whose digests were just checked or computed (the runtime's own loads).
 */
export async function decodeBundle(
  bytes: Uint8Array,
  options: { fileDigests?: 'verify' | 'trust' } = {},
): Promise<DecodedBundle> {
  if (!(bytes instanceof Uint8Array))
    throw new RuVectorError('INVALID_ARGUMENT', 'decodeBundle: bytes must be a Uint8Array');
  if (bytes.length < FIXED_HEADER_BYTES)
    throw corrupt(`${bytes.length} bytes is shorter than the ${FIXED_HEADER_BYTES}-byte fixed header`);
  if (new TextDecoder('latin1').decode(bytes.subarray(0, 8)) !== MAGIC)
    throw corrupt(`bad magic (expected "${MAGIC}")`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== BUNDLE_VERSION)
    throw corrupt(`version ${version} is not supported (expected ${BUNDLE_VERSION})`);
  const count = view.getUint32(12, true);
  if (count > BUNDLE_MAX_FILES) throw corrupt(`file count ${count} exceeds ${BUNDLE_MAX_FILES}`);
  const headerSize = view.getUint32(16, true);
  if (view.getUint32(20, true) !== 0) throw corrupt('reserved field is not zero');
  const total = view.getBigUint64(24, true);
  if (total !== BigInt(bytes.length))
    throw corrupt(
      `total size field says ${total} bytes but the bundle has ${bytes.length} (truncated or extended)`,
    );
  if (headerSize < FIXED_HEADER_BYTES + 4 + SHA256_BYTES || headerSize > bytes.length) {
    throw corrupt(`header size ${headerSize} is out of range for a ${bytes.length}-byte bundle`);
  }
  const digestAt = headerSize - SHA256_BYTES;
  const expectedHeaderSha = await sha256Bytes(bytes.subarray(0, digestAt));
  if (!equalBytes(expectedHeaderSha, bytes.subarray(digestAt, headerSize)))
    throw corrupt('header SHA-256 does not match');

  const reader = new HeaderReader(bytes, view, digestAt);
  const meta = {
    modelId: utf8(reader.take(reader.u16('the modelId length'), 'modelId'), 'modelId'),
    revision: utf8(reader.take(reader.u16('the revision length'), 'revision'), 'revision'),
  };
  for (const [field, value] of Object.entries(meta)) {
    if (value.includes('\0') || new TextEncoder().encode(value).length > BUNDLE_MAX_META_BYTES)
      throw corrupt(`${field} is longer than ${BUNDLE_MAX_META_BYTES} bytes or contains NUL`);
  }
  const table: { nameBytes: Uint8Array; name: string; size: number; sha: Uint8Array }[] = [];
  for (let i = 0; i < count; i++) {
    const nameBytes = reader.take(reader.u16(`file ${i}'s name length`), `file ${i}'s name`);
    const name = utf8(nameBytes, `file ${i}'s name`);
    const problem = bundleNameProblem(name);
    if (problem !== null) throw corrupt(`file ${i}'s name ${JSON.stringify(name)} ${problem}`);
    const previous = table[i - 1];
    if (previous !== undefined && compareBytes(previous.nameBytes, nameBytes) >= 0) {
      throw corrupt(
        `file names are not in strictly increasing byte order at ${JSON.stringify(name)} (duplicate or unsorted)`,
      );
    }
    const size = reader.u64(`file ${name}'s size`);
    table.push({ nameBytes, name, size, sha: reader.take(SHA256_BYTES, `file ${name}'s SHA-256`) });
  }
  if (reader.at !== digestAt)
    throw corrupt(`${digestAt - reader.at} unexplained bytes at the end of the header`);

  const files: BundleFile[] = [];
  let cursor = headerSize;
  for (const entry of table) {
    const offset = alignUp(cursor);
    if (offset > bytes.length || entry.size > bytes.length - offset)
      throw corrupt(`file ${entry.name} (${entry.size} bytes at ${offset}) runs past the end of the bundle`);
    for (let p = cursor; p < offset; p++)
      if (bytes[p] !== 0) throw corrupt(`padding byte at ${p} is not zero`);
    const data = bytes.subarray(offset, offset + entry.size);
    if (options.fileDigests !== 'trust' && !equalBytes(await sha256Bytes(data), entry.sha))
      throw corrupt(`file ${entry.name}'s SHA-256 does not match its data`);
    files.push({ name: entry.name, data, sha256: toHex(entry.sha), offset });
    cursor = offset + entry.size;
  }
  if (cursor !== bytes.length) throw corrupt(`${bytes.length - cursor} bytes follow the last file`);
  return { meta, files, fileMap: new Map(files.map((f) => [f.name, f.data])) };
}
