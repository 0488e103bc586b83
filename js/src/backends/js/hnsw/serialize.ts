/**
 * The serialized form of an index, versions 1 and 2 (FORMAT.md, core/src/hnsw/hnsw_serialize.cc):
 * little-endian, CRC-32 closed. Loading checks every count against the bytes that remain before
 * allocating and every link, level, id and row before the index is used; every failure is a
 * RuVectorError('CORRUPT_DATA'), in the same order of checks as the core.
 */
import type { HnswParams, MetricId } from '../../../backend.js';
import { RuVectorError } from '../../../errors.js';
import { crc32 } from './crc32.js';
import { Graph, NONE } from './graph.js';
import { MAX_LEVEL } from './level-generator.js';
import { validateParams } from './params.js';
import { buildHolders, buildTree } from './reachability.js';

const MAGIC = [0x52, 0x55, 0x56, 0x48, 0x4e, 0x53, 0x57, 0x00];
const VERSION = 1;
/** Version 1 with an annotation after the header; written only when the index has one. */
const VERSION_ANNOTATED = 2;
/** Most bytes of an annotation (kMaxAnnotation). */
export const MAX_ANNOTATION = 1 << 20;
/** magic + version + 6 config u32 + seed + rng state + 4 counts. */
const HEADER_BYTES = 8 + 4 + 6 * 4 + 8 + 8 + 4 * 4;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function corrupt(what: string): RuVectorError {
  return new RuVectorError('CORRUPT_DATA', `hnsw: corrupt index: ${what}`);
}

/**
 * Free slots are not written: the live slots are numbered 0..live-1 in ascending order (links and
 * the entry point renumbered alike), as the core does, so the bytes hold no hole that would cost a
 * row and a link list on load.
 */
export function serializeGraph(g: Graph): Uint8Array {
  const p = g.params;
  const rowBytes = g.vectors.rowBytes;
  const idBytes: (Uint8Array | null)[] = new Array(g.slotCount).fill(null);
  let renumber: Uint32Array | null = null;
  if (g.free.length > 0) {
    renumber = new Uint32Array(g.slotCount).fill(NONE);
    let next = 0;
    for (let slot = 0; slot < g.slotCount; slot++) if (g.live[slot] !== 0) renumber[slot] = next++;
  }
  const annotation = encoder.encode(g.annotation);
  let size = HEADER_BYTES + 4 + 4 + (annotation.length > 0 ? 4 + annotation.length : 0);
  for (let slot = 0; slot < g.slotCount; slot++) {
    if (g.live[slot] === 0) continue;
    const id = encoder.encode(g.ids[slot]!);
    idBytes[slot] = id;
    size += 1 + 4 + id.length + rowBytes + 1;
    for (let l = 0; l <= g.levels[slot]!; l++) size += 4 + 4 * g.linkArray(slot, l)[g.linkOffset(slot, l)]!;
  }
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  let o = 8;
  const u32 = (v: number): void => {
    view.setUint32(o, v, true);
    o += 4;
  };
  u32(annotation.length > 0 ? VERSION_ANNOTATED : VERSION);
  u32(p.dimensions);
  u32(p.m);
  u32(p.efConstruction);
  u32(p.efSearch);
  u32(p.metric);
  u32(p.storage);
  view.setBigUint64(o, p.seed, true);
  view.setBigUint64(o + 8, g.rng.state, true);
  o += 16;
  u32(g.liveCount); // slots
  u32(g.liveCount);
  u32(g.entry === NONE || renumber === null ? g.entry : renumber[g.entry]!);
  u32(g.maxLevel);
  if (annotation.length > 0) {
    u32(annotation.length);
    out.set(annotation, o);
    o += annotation.length;
  }
  for (let slot = 0; slot < g.slotCount; slot++) {
    if (g.live[slot] === 0) continue;
    out[o++] = 1;
    const id = idBytes[slot]!;
    u32(id.length);
    out.set(id, o);
    o += id.length;
    g.vectors.writeRow(slot, out, o);
    o += rowBytes;
    const level = g.levels[slot]!;
    out[o++] = level;
    for (let l = 0; l <= level; l++) {
      const ll = g.linkArray(slot, l);
      const off = g.linkOffset(slot, l);
      const count = ll[off]!;
      u32(count);
      for (let i = 1; i <= count; i++) u32(renumber === null ? ll[off + i]! : renumber[ll[off + i]!]!);
    }
  }
  u32(0); // free list
  u32(crc32(out, 0, o));
  return out;
}

/** Bounds-checked little-endian cursor over bytes[pos .. end). */
class Reader {
  private readonly view: DataView;
  pos: number;
  constructor(
    readonly bytes: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }
  remaining(): number {
    return this.end - this.pos;
  }
  /** Next u8, or -1 past the end. */
  u8(): number {
    return this.pos < this.end ? this.bytes[this.pos++]! : -1;
  }
  /** Next u32, or -1 past the end. */
  u32(): number {
    if (this.remaining() < 4) return -1;
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  u64(): bigint {
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
}

export function deserializeGraph(bytes: Uint8Array): Graph {
  const size = bytes.length;
  if (size < HEADER_BYTES + 8) throw corrupt('too short');
  for (let i = 0; i < 8; i++) if (bytes[i] !== MAGIC[i]) throw corrupt('bad magic');
  const tail = new DataView(bytes.buffer, bytes.byteOffset + size - 4, 4);
  if (crc32(bytes, 0, size - 4) !== tail.getUint32(0, true)) throw corrupt('checksum mismatch');

  const r = new Reader(bytes, 8, size - 4); // after the magic, before the checksum
  // The header fits: size >= HEADER_BYTES + 8.
  const version = r.u32();
  const dimensions = r.u32();
  const m = r.u32();
  const efConstruction = r.u32();
  const efSearch = r.u32();
  const metric = r.u32();
  const storage = r.u32();
  const seed = r.u64();
  const rngState = r.u64();
  const slotCount = r.u32();
  const liveCount = r.u32();
  const entry = r.u32();
  const maxLevel = r.u32();
  if (version !== VERSION && version !== VERSION_ANNOTATED) throw corrupt('unsupported version');
  let annotation = '';
  if (version === VERSION_ANNOTATED) {
    const len = r.u32();
    if (len <= 0 || len > MAX_ANNOTATION || len > r.remaining()) throw corrupt('bad annotation');
    try {
      annotation = decoder.decode(bytes.subarray(r.pos, r.pos + len));
    } catch {
      throw corrupt('annotation is not UTF-8');
    }
    r.pos += len;
  }
  if (metric > 2 || storage > 1) throw corrupt('unknown metric or storage');
  const params: HnswParams = {
    dimensions,
    m,
    efConstruction,
    efSearch,
    metric: metric as MetricId,
    storage: storage as 0 | 1,
    seed,
  };
  if (validateParams(params) !== null) throw corrupt('invalid config');

  const g = new Graph(params);
  const rowBytes = g.vectors.rowBytes;
  // Smallest encodings: a free slot is 1 byte + 4 in the free list; a live one has a 1-byte id,
  // its row, its level and its level-0 count.
  if (liveCount > slotCount) throw corrupt('more live entries than slots');
  const minLive = 1 + 4 + 1 + rowBytes + 1 + 4;
  if (liveCount * minLive + (slotCount - liveCount) * 5 + 4 > r.remaining())
    throw corrupt('counts exceed the data');

  g.rng.state = rngState;
  g.annotation = annotation;
  // Free slots (bytes written before they were compacted away) are dropped: live slots take the
  // numbers 0..live-1 in ascending order, so a hole costs only these 4 bytes while loading.
  const renumber = new Uint32Array(slotCount).fill(NONE);
  g.reserve(liveCount);
  // A node of level L has L upper lists of m + 1 words whatever they hold, and pays 4 bytes per
  // level: levels may cost at most 4 bytes of lists per byte given, plus one full tower.
  const levelBudget = size + MAX_LEVEL * (m + 1);
  let levelWords = 0;
  let seenLive = 0;
  let topLevel = 0;
  for (let at = 0; at < slotCount; at++) {
    const state = r.u8();
    if (state < 0) throw corrupt('truncated slot');
    if (state === 0) continue;
    if (state !== 1) throw corrupt('bad slot state');
    if (++seenLive > liveCount) throw corrupt('live count mismatch');
    const slot = seenLive - 1;
    renumber[at] = slot;
    const idLen = r.u32();
    if (idLen <= 0 || idLen > r.remaining()) throw corrupt('bad id');
    let id: string;
    try {
      // The JS binding writes UTF-8 ids; other bytes could not round-trip through a string.
      id = decoder.decode(bytes.subarray(r.pos, r.pos + idLen));
    } catch {
      throw corrupt('id is not UTF-8');
    }
    r.pos += idLen;
    if (rowBytes > r.remaining() || !g.vectors.loadRow(slot, bytes, r.pos)) throw corrupt('bad row');
    r.pos += rowBytes;
    const level = r.u8();
    if (level < 0 || level > MAX_LEVEL) throw corrupt('bad level');
    levelWords += level * (m + 1);
    if (levelWords > levelBudget) throw corrupt('levels exceed what the data holds');
    if (g.idMap.has(id)) throw corrupt('duplicate id');
    g.ids[slot] = id;
    g.idMap.set(id, slot);
    g.live[slot] = 1;
    g.levels[slot] = level;
    if (level > topLevel) topLevel = level;
    if (level > 0) g.upper[slot] = new Uint32Array(level * (m + 1));
    for (let l = 0; l <= level; l++) {
      const count = r.u32();
      if (count < 0 || count > g.maxLinks(l)) throw corrupt('bad link count');
      if (count * 4 > r.remaining()) throw corrupt('truncated links');
      const ll = g.linkArray(slot, l);
      const off = g.linkOffset(slot, l);
      ll[off] = count;
      for (let i = 1; i <= count; i++) ll[off + i] = r.u32(); // as written; checked and renumbered below
    }
  }
  if (seenLive !== liveCount) throw corrupt('live count mismatch');
  g.liveCount = liveCount;
  g.slotCount = liveCount;

  checkLinks(g, renumber);

  if (liveCount === 0) {
    if (entry !== NONE || maxLevel !== 0) throw corrupt('entry point of an empty index');
  } else if (
    entry >= slotCount ||
    renumber[entry] === NONE ||
    g.levels[renumber[entry]!] !== maxLevel ||
    maxLevel !== topLevel
  ) {
    throw corrupt('bad entry point');
  }
  g.entry = liveCount === 0 ? NONE : renumber[entry]!;
  g.maxLevel = maxLevel;

  const freeCount = r.u32();
  if (freeCount < 0 || freeCount !== slotCount - liveCount) throw corrupt('free list size mismatch');
  const listed = new Uint8Array(slotCount);
  for (let i = 0; i < freeCount; i++) {
    const slot = r.u32();
    if (slot < 0) throw corrupt('truncated free list');
    if (slot >= slotCount || renumber[slot] !== NONE || listed[slot] !== 0) throw corrupt('bad free list');
    listed[slot] = 1;
  }
  if (r.remaining() !== 0) throw corrupt('trailing bytes');
  // Derived state, as the core rebuilds it: nothing is relinked.
  buildHolders(g);
  buildTree(g);
  return g;
}

/**
 * Links go to another live slot that exists at that level, without repeats in one list; they are
 * rewritten from the numbers in the bytes to the loaded slots (`renumber`).
 */
function checkLinks(g: Graph, renumber: Uint32Array): void {
  const seen = new Uint32Array(g.slotCount);
  let stamp = 0;
  for (let slot = 0; slot < g.slotCount; slot++) {
    for (let l = 0; l <= g.levels[slot]!; l++) {
      const ll = g.linkArray(slot, l);
      const off = g.linkOffset(slot, l);
      const count = ll[off]!;
      stamp++;
      for (let i = 1; i <= count; i++) {
        const written = ll[off + i]!;
        const t = written < renumber.length ? renumber[written]! : NONE;
        if (t === NONE || t === slot || g.levels[t]! < l) throw corrupt('bad link');
        ll[off + i] = t;
      }
      for (let i = 1; i <= count; i++) {
        const t = ll[off + i]!;
        if (seen[t] === stamp) throw corrupt('repeated link');
        seen[t] = stamp;
      }
    }
  }
}
