/**
 * What crosses the C ABI for learning (core/capi/ruv_capi_learn.h), encoded and decoded in one
 * place for both bindings: the 64-byte training config, the 16-byte report, pattern records and
 * match results. Also the serialized adapter and Fisher (core/src/learn/FORMAT.md), written here
 * for every backend: the same bytes the core reads and writes.
 */
import type { PackedTrajectoryArrays } from '../backend.js';
import { RuVectorError } from '../errors.js';
import { crc32 } from '../backends/js/hnsw/crc32.js';
import type { FisherMatrix, LoRAWeights, TrainReport, Trajectory } from './types.js';
import { PATTERN_TYPES, type PatternType } from './types.js';

/** A LoRAConfig with every default filled in and checked (learning/checks.ts). */
export interface ResolvedLoRAConfig {
  rank: number;
  alpha: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  weightDecay: number;
  temperature: number;
  negativeMargin: number;
  negativeWeight: number;
  validationSplit: number;
  patience: number;
  minTrajectories: number;
  seed: number;
  ewcLambda: number;
}

export const CONFIG_BYTES = 64;
export const REPORT_BYTES = 16;

/** ruv_lora_config_t. */
export function encodeConfig(c: ResolvedLoRAConfig): Uint8Array {
  const bytes = new Uint8Array(CONFIG_BYTES);
  const v = new DataView(bytes.buffer);
  v.setUint32(0, c.rank, true);
  v.setFloat32(4, c.alpha, true);
  v.setUint32(8, c.epochs, true);
  v.setUint32(12, c.batchSize, true);
  v.setFloat32(16, c.learningRate, true);
  v.setFloat32(20, c.weightDecay, true);
  v.setFloat32(24, c.temperature, true);
  v.setFloat32(28, c.negativeMargin, true);
  v.setFloat32(32, c.negativeWeight, true);
  v.setFloat32(36, c.validationSplit, true);
  v.setUint32(40, c.patience, true);
  v.setUint32(44, c.minTrajectories, true);
  v.setBigUint64(48, BigInt(c.seed), true);
  v.setFloat32(56, c.ewcLambda, true);
  return bytes;
}

/** ruv_lora_report_t. */
export function decodeReport(bytes: Uint8Array): TrainReport {
  const v = new DataView(bytes.buffer, bytes.byteOffset, REPORT_BYTES);
  return {
    epochsRun: v.getUint32(0, true),
    done: v.getUint32(4, true) !== 0,
    trainLoss: v.getFloat32(8, true),
    bestValidationLoss: v.getFloat32(12, true),
  };
}

/** A pattern record as the C ABI packs it (before its metadata is parsed). */
export interface PatternRecord {
  type: PatternType;
  usageCount: number;
  successCount: number;
  active: boolean;
  id: string;
  metadataJson: string;
  embedding: Float32Array;
}

const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

function readRecord(bytes: Uint8Array, v: DataView, at: number, dim: number): [PatternRecord, number] {
  const type = PATTERN_TYPES[v.getUint32(at, true)];
  if (type === undefined) throw new RuVectorError('INTERNAL', 'learning: unknown pattern type from the core');
  const idLen = v.getUint32(at + 16, true);
  const metaLen = v.getUint32(at + 20, true);
  const embAt = at + 24;
  const idAt = embAt + dim * 4;
  const embedding = new Float32Array(dim);
  new Uint8Array(embedding.buffer).set(bytes.subarray(embAt, idAt));
  const record: PatternRecord = {
    type,
    usageCount: v.getUint32(at + 4, true),
    successCount: v.getUint32(at + 8, true),
    active: v.getUint32(at + 12, true) !== 0,
    id: decoder.decode(bytes.subarray(idAt, idAt + idLen)),
    metadataJson: decoder.decode(bytes.subarray(idAt + idLen, idAt + idLen + metaLen)),
    embedding,
  };
  return [record, idAt + idLen + metaLen];
}

/** ruv_patterns_get / _at: `uint32 dim | record`, or no bytes when there is no such pattern. */
export function decodePattern(bytes: Uint8Array): PatternRecord | undefined {
  if (bytes.length === 0) return undefined;
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return readRecord(bytes, v, 4, v.getUint32(0, true))[0];
}

/** ruv_patterns_match: `uint32 count | uint32 dim | count x (score | raw | record)`. */
export function decodeMatches(
  bytes: Uint8Array,
): { score: number; rawSimilarity: number; record: PatternRecord }[] {
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = v.getUint32(0, true);
  const dim = v.getUint32(4, true);
  const out = [];
  let at = 8;
  for (let i = 0; i < count; i++) {
    const score = v.getFloat32(at, true);
    const rawSimilarity = v.getFloat32(at + 4, true);
    const [record, next] = readRecord(bytes, v, at + 8, dim);
    out.push({ score, rawSimilarity, record });
    at = next;
  }
  return out;
}

const VERDICT_CODES = { positive: 0, negative: 1, neutral: 2 } as const;

/** Trajectories as the C ABI takes them: four parallel arrays (backend.ts's one layout). */
export function packTrajectories(trajectories: readonly Trajectory[], dim: number): PackedTrajectoryArrays {
  const n = trajectories.length;
  const out: PackedTrajectoryArrays = {
    queries: new Float32Array(n * dim),
    targets: new Float32Array(n * dim),
    verdicts: new Uint8Array(n),
    rewards: new Float32Array(n),
  };
  trajectories.forEach((t, i) => {
    out.queries.set(t.query, i * dim);
    out.targets.set(t.target, i * dim);
    out.verdicts[i] = VERDICT_CODES[t.verdict];
    out.rewards[i] = t.reward ?? 1;
  });
  return out;
}

/** An adapter over `params` (A then B), with `a` and `b` as views. */
export function makeWeights(
  dimensions: number,
  rank: number,
  alpha: number,
  params: Float32Array,
  training?: TrainReport,
): LoRAWeights {
  const half = rank * dimensions;
  const weights: LoRAWeights = {
    dimensions,
    rank,
    alpha,
    params,
    a: params.subarray(0, half),
    b: params.subarray(half, 2 * half),
    ...(training === undefined ? {} : { training }),
  };
  return Object.freeze(weights);
}

// ---- serialized adapters and Fishers (core/src/learn/FORMAT.md) --------------------------------
const LORA_MAGIC = 'RUVLORA\0';
const FISHER_MAGIC = 'RUVFISH\0';
const VERSION = 1;
const MAX_DIMENSIONS = 65536;
const MAX_RANK = 1024;

function corrupt(kind: string, what: string): RuVectorError {
  return new RuVectorError('CORRUPT_DATA', `learning: corrupt ${kind}: ${what}`);
}

function writeBlob(magic: string, payload: number, fill: (v: DataView, at: number) => void): Uint8Array {
  const bytes = new Uint8Array(12 + payload + 4);
  const v = new DataView(bytes.buffer);
  for (let i = 0; i < 8; i++) bytes[i] = magic.charCodeAt(i);
  v.setUint32(8, VERSION, true);
  fill(v, 12);
  v.setUint32(bytes.length - 4, crc32(bytes, 0, bytes.length - 4), true);
  return bytes;
}

function writeAdapter(v: DataView, at: number, w: LoRAWeights): number {
  v.setUint32(at, w.dimensions, true);
  v.setUint32(at + 4, w.rank, true);
  v.setFloat32(at + 8, w.alpha, true);
  new Uint8Array(v.buffer, at + 12, w.params.length * 4).set(
    new Uint8Array(w.params.buffer, w.params.byteOffset, w.params.length * 4),
  );
  return at + 12 + w.params.length * 4;
}

function openBlob(bytes: Uint8Array, magic: string, kind: string): DataView {
  if (!(bytes instanceof Uint8Array)) {
    throw new RuVectorError('INVALID_ARGUMENT', `learning: a serialized ${kind} is a Uint8Array`);
  }
  if (bytes.length < 16) throw corrupt(kind, 'too short');
  for (let i = 0; i < 8; i++) {
    if (bytes[i] !== magic.charCodeAt(i)) throw corrupt(kind, 'wrong magic (not this kind of blob)');
  }
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = v.getUint32(8, true);
  if (version !== VERSION) throw corrupt(kind, `unsupported version ${version}`);
  if (crc32(bytes, 0, bytes.length - 4) !== v.getUint32(bytes.length - 4, true)) {
    throw corrupt(kind, 'checksum mismatch');
  }
  return v;
}

/** Reads an adapter at `at`; returns it and where it ends. */
function readAdapter(v: DataView, at: number, end: number, kind: string): [LoRAWeights, number] {
  if (end - at < 12) throw corrupt(kind, 'truncated adapter header');
  const dimensions = v.getUint32(at, true);
  const rank = v.getUint32(at + 4, true);
  const alpha = v.getFloat32(at + 8, true);
  if (dimensions < 1 || dimensions > MAX_DIMENSIONS || rank < 1 || rank > Math.min(MAX_RANK, dimensions)) {
    throw corrupt(kind, 'adapter shape out of range');
  }
  if (!Number.isFinite(alpha) || alpha <= 0) throw corrupt(kind, 'adapter shape out of range');
  const n = 2 * rank * dimensions;
  if (end - at - 12 < n * 4) throw corrupt(kind, 'truncated adapter parameters');
  const params = new Float32Array(n);
  new Uint8Array(params.buffer).set(new Uint8Array(v.buffer, v.byteOffset + at + 12, n * 4));
  for (const p of params) if (!Number.isFinite(p)) throw corrupt(kind, 'non-finite adapter parameter');
  return [makeWeights(dimensions, rank, alpha, params), at + 12 + n * 4];
}

export function serializeAdapter(w: LoRAWeights): Uint8Array {
  return writeBlob(LORA_MAGIC, 12 + w.params.length * 4, (v, at) => writeAdapter(v, at, w));
}

export function deserializeAdapter(bytes: Uint8Array): LoRAWeights {
  const v = openBlob(bytes, LORA_MAGIC, 'adapter');
  const [w, end] = readAdapter(v, 12, bytes.length - 4, 'adapter');
  if (end !== bytes.length - 4) throw corrupt('adapter', 'trailing bytes');
  return w;
}

export function serializeFisher(f: FisherMatrix): Uint8Array {
  return writeBlob(FISHER_MAGIC, 12 + f.anchor.params.length * 8, (v, at) => {
    const end = writeAdapter(v, at, f.anchor);
    new Uint8Array(v.buffer, end, f.values.length * 4).set(
      new Uint8Array(f.values.buffer, f.values.byteOffset, f.values.length * 4),
    );
  });
}

export function deserializeFisher(bytes: Uint8Array): FisherMatrix {
  const v = openBlob(bytes, FISHER_MAGIC, 'fisher');
  const [anchor, at] = readAdapter(v, 12, bytes.length - 4, 'fisher');
  const n = anchor.params.length;
  if (bytes.length - 4 - at !== n * 4) throw corrupt('fisher', 'values do not match the adapter');
  const values = new Float32Array(n);
  new Uint8Array(values.buffer).set(bytes.subarray(at, at + n * 4));
  for (const x of values)
    if (!Number.isFinite(x) || x < 0) throw corrupt('fisher', 'a value is negative or not finite');
  return Object.freeze({ values, anchor });
}

// ---- the core's pattern bytes written and read in TypeScript (js-fallback's store) -------------

/** A pattern as a store keeps it: metadata as UTF-8 JSON bytes, embedding unit. */
export interface StoredPattern {
  id: string;
  type: PatternType;
  metadata: Uint8Array;
  usageCount: number;
  successCount: number;
  active: boolean;
  embedding: Float32Array;
}

const utf8 = new TextEncoder();
const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Growable little-endian writer. */
class Writer {
  bytes = new Uint8Array(256);
  view = new DataView(this.bytes.buffer);
  at = 0;
  private room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < this.at + n) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.bytes.subarray(0, this.at));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }
  u8(v: number): void {
    this.room(1);
    this.view.setUint8(this.at, v);
    this.at += 1;
  }
  u32(v: number): void {
    this.room(4);
    this.view.setUint32(this.at, v, true);
    this.at += 4;
  }
  f32(v: number): void {
    this.room(4);
    this.view.setFloat32(this.at, v, true);
    this.at += 4;
  }
  f64(v: number): void {
    this.room(8);
    this.view.setFloat64(this.at, v, true);
    this.at += 8;
  }
  raw(b: Uint8Array): void {
    this.room(b.length);
    this.bytes.set(b, this.at);
    this.at += b.length;
  }
  floats(v: Float32Array): void {
    this.raw(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  done(): Uint8Array {
    return this.bytes.slice(0, this.at);
  }
}

function writeRecord(w: Writer, p: StoredPattern): void {
  const id = utf8.encode(p.id);
  w.u32(PATTERN_TYPES.indexOf(p.type));
  w.u32(p.usageCount);
  w.u32(p.successCount);
  w.u32(p.active ? 1 : 0);
  w.u32(id.length);
  w.u32(p.metadata.length);
  w.floats(p.embedding);
  w.raw(id);
  w.raw(p.metadata);
}

/** As ruv_patterns_get: `uint32 dim | record`. */
export function encodePattern(p: StoredPattern, dim: number): Uint8Array {
  const w = new Writer();
  w.u32(dim);
  writeRecord(w, p);
  return w.done();
}

/** As ruv_patterns_match. */
export function encodeMatches(
  matches: readonly { pattern: StoredPattern; score: number; rawSimilarity: number }[],
  dim: number,
): Uint8Array {
  const w = new Writer();
  w.u32(matches.length);
  w.u32(dim);
  for (const m of matches) {
    w.f32(m.score);
    w.f32(m.rawSimilarity);
    writeRecord(w, m.pattern);
  }
  return w.done();
}

const PATTERNS_MAGIC = 'RUVPATS\0';

/** The serialized store (core/src/learn/FORMAT.md). */
export function writeStore(
  dim: number,
  policy: { minUses: number; minSuccessRate: number },
  patterns: readonly StoredPattern[],
): Uint8Array {
  const w = new Writer();
  for (let i = 0; i < 8; i++) w.u8(PATTERNS_MAGIC.charCodeAt(i));
  w.u32(VERSION);
  w.u32(dim);
  w.u32(policy.minUses);
  w.f64(policy.minSuccessRate);
  w.u32(patterns.length);
  for (const p of patterns) {
    const id = utf8.encode(p.id);
    w.u8(PATTERN_TYPES.indexOf(p.type));
    w.u32(p.usageCount);
    w.u32(p.successCount);
    w.u32(id.length);
    w.raw(id);
    w.u32(p.metadata.length);
    w.raw(p.metadata);
    w.floats(p.embedding);
  }
  const body = w.done();
  const out = new Uint8Array(body.length + 4);
  out.set(body);
  new DataView(out.buffer).setUint32(body.length, crc32(body), true);
  return out;
}

/** Reads a serialized store with the core's rules (FORMAT.md); CORRUPT_DATA otherwise. */
export function readStore(bytes: Uint8Array): {
  dimensions: number;
  policy: { minUses: number; minSuccessRate: number };
  patterns: StoredPattern[];
} {
  const kind = 'pattern store';
  const v = openBlob(bytes, PATTERNS_MAGIC, kind);
  const end = bytes.length - 4;
  let at = 12;
  const need = (n: number, what: string): void => {
    if (end - at < n) throw corrupt(kind, what);
  };
  need(20, 'truncated header');
  const dimensions = v.getUint32(at, true);
  const minUses = v.getUint32(at + 4, true);
  const minSuccessRate = v.getFloat64(at + 8, true);
  const count = v.getUint32(at + 16, true);
  at += 20;
  if (dimensions < 1 || dimensions > MAX_DIMENSIONS || !(minSuccessRate >= 0 && minSuccessRate <= 1)) {
    throw corrupt(kind, 'dimensions or policy out of range');
  }
  if (count > Math.floor((end - at) / (17 + 4 * dimensions)))
    throw corrupt(kind, 'count larger than the bytes hold');
  const patterns: StoredPattern[] = [];
  const seen = new Set<string>();
  const text = (max: number, what: string): [Uint8Array, string] => {
    need(4, what);
    const len = v.getUint32(at, true);
    at += 4;
    if (len > max) throw corrupt(kind, what);
    need(len, what);
    const raw = bytes.slice(at, at + len);
    at += len;
    try {
      return [raw, strictUtf8.decode(raw)];
    } catch {
      throw corrupt(kind, what);
    }
  };
  for (let i = 0; i < count; i++) {
    need(9, 'truncated pattern');
    const typeCode = v.getUint8(at);
    const usageCount = v.getUint32(at + 1, true);
    const successCount = v.getUint32(at + 5, true);
    at += 9;
    const type = PATTERN_TYPES[typeCode];
    if (type === undefined) throw corrupt(kind, 'unknown pattern type');
    const [, id] = text(4096, 'bad pattern id');
    if (id === '') throw corrupt(kind, 'bad pattern id');
    const [metadata] = text(end - at, 'bad pattern metadata');
    need(4 * dimensions, 'truncated embedding');
    const embedding = new Float32Array(dimensions);
    new Uint8Array(embedding.buffer).set(bytes.subarray(at, at + 4 * dimensions));
    at += 4 * dimensions;
    if (seen.has(id)) throw corrupt(kind, 'duplicate pattern id');
    seen.add(id);
    let norm2 = 0;
    for (const x of embedding) {
      if (!Number.isFinite(x)) throw corrupt(kind, 'non-finite embedding');
      norm2 += x * x;
    }
    if (!(Math.abs(norm2 - 1) <= 1e-3)) throw corrupt(kind, 'embedding is not unit length');
    if (successCount > usageCount) throw corrupt(kind, 'successCount cannot exceed usageCount');
    const active = usageCount <= minUses || successCount >= minSuccessRate * usageCount;
    patterns.push({ id, type, metadata, usageCount, successCount, active, embedding });
  }
  if (at !== end) throw corrupt(kind, 'trailing bytes');
  return { dimensions, policy: { minUses, minSuccessRate }, patterns };
}
