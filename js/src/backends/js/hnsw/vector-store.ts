/**
 * Rows of the HNSW index (core/src/hnsw/vector_store.cc): float32 prepared vectors, or int8
 * scalar codes with a per-vector range, one fixed-stride row per slot in one growable typed array,
 * and the ordering distance between a prepared query and a row.
 *
 * Sums run in float64 and each distance is rounded to float32 once: the C++ sums in float32 SIMD
 * lanes, so distances agree within float rounding (FORMAT.md promises identical bytes for an
 * identical state, not identical graphs).
 */
import { MetricId, QuantTypeId, type QuantParams } from '../../../backend.js';
import { RuVectorError } from '../../../errors.js';
import { int8Unstorable, squaredLength } from '../../../hnsw/storable.js';
import { quantize } from '../quant.js';

const f32 = Math.fround;
/** simd::SafeSquaredNorm bounds: FLT_MIN / FLT_EPSILON (2^-103) and FLT_MAX. */
const TINY = 2 ** -103;
const FLT_MAX = 3.4028234663852886e38;
const SCALAR: QuantParams = { type: QuantTypeId.Scalar, hasRange: false, min: 0, max: 0 };
/** Whether typed arrays are little-endian here (then rows are copied as bytes). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * A vector in the form rows are compared with: v[off .. off + dim). `sum` and `norm2` are used by
 * int8 rows only. Instances are reused scratch, never allocated per distance.
 */
export class Query {
  v: Float32Array;
  off = 0;
  sum = 0;
  norm2 = 0;
  constructor(dim: number) {
    this.v = new Float32Array(dim);
  }
}

export class VectorStore {
  readonly dim: number;
  readonly metric: MetricId;
  readonly int8: boolean;
  /** Serialized row size: dim x f32, or [f32 min][f32 max][dim x u8]. */
  readonly rowBytes: number;
  capacity = 0;
  /** float32 storage: capacity x dim prepared values. */
  rows = new Float32Array(0);
  /** int8 storage: capacity x rowBytes serialized rows, plus decoded min and step per slot. */
  codes = new Uint8Array(0);
  lo = new Float32Array(0);
  step = new Float32Array(0);
  /** int8 + euclidean: |dequantized row|^2 per slot. */
  aux = new Float32Array(0);

  constructor(dim: number, metric: MetricId, storage: 0 | 1) {
    this.dim = dim;
    this.metric = metric;
    this.int8 = storage === 1;
    this.rowBytes = this.int8 ? 8 + dim : 4 * dim;
  }

  /** Grows to `slots` rows, keeping the existing ones. */
  reserve(slots: number): void {
    if (slots <= this.capacity) return;
    if (this.int8) {
      const codes = new Uint8Array(slots * this.rowBytes);
      codes.set(this.codes);
      this.codes = codes;
      this.lo = grow(this.lo, slots);
      this.step = grow(this.step, slots);
      if (this.metric === MetricId.Euclidean) this.aux = grow(this.aux, slots);
    } else {
      this.rows = grow(this.rows, slots * this.dim);
    }
    this.capacity = slots;
  }

  /** Bytes holding vectors (codes in int8 storage). */
  bytes(): number {
    return (
      this.rows.byteLength +
      this.codes.byteLength +
      this.lo.byteLength +
      this.step.byteLength +
      this.aux.byteLength
    );
  }

  /**
   * Writes `v` in prepared form into q (cosine: ruv::Normalize, replicated operation by operation:
   * float32 sum of squares, 1.0f / sqrtf(sum), one float32 multiply per element; the sum itself
   * is rounded from float64 here, SIMD lanes there, so a last bit may differ).
   */
  prepareInto(v: Float32Array, vOff: number, q: Query): void {
    const dim = this.dim;
    const out = q.v;
    q.off = 0;
    if (this.metric === MetricId.Cosine) {
      let sum = 0;
      for (let i = 0; i < dim; i++) sum += v[vOff + i]! * v[vOff + i]!;
      const sumF = f32(sum);
      if (sumF > TINY && sumF <= FLT_MAX) {
        const inv = f32(1 / f32(Math.sqrt(sumF)));
        for (let i = 0; i < dim; i++) out[i] = v[vOff + i]! * inv;
      } else {
        // reference::Normalize: double norm, zero stays zero.
        const norm = Math.sqrt(sum);
        for (let i = 0; i < dim; i++) out[i] = norm === 0 ? 0 : v[vOff + i]! / norm;
      }
    } else {
      out.set(v.subarray(vOff, vOff + dim));
    }
    if (this.int8) {
      let sum = 0;
      let norm2 = 0;
      for (let i = 0; i < dim; i++) {
        sum += out[i]!;
        norm2 += out[i]! * out[i]!;
      }
      q.sum = f32(sum);
      q.norm2 = f32(norm2);
    }
  }

  /**
   * int8 codes of a prepared vector. Throws INVALID_ARGUMENT (VectorStore::CheckStorable's
   * messages) when float32 cannot hold its value range or its squared length: the codes, or the
   * distances over them, would not be what the vector is.
   */
  encode(prepared: Float32Array): Uint8Array {
    const why = int8Unstorable(prepared, 0, this.dim);
    if (why !== null) throw new RuVectorError('INVALID_ARGUMENT', `hnsw: ${why}`);
    return quantize(prepared, SCALAR);
  }

  /** A loaded row's squared length is one an insert could have stored (vector_store.cc twin). */
  private rowLengthIsValid(squared: number): boolean {
    if (!(squared <= FLT_MAX)) return false;
    if (this.metric !== MetricId.Cosine || squared === 0) return true;
    return Math.abs(squared - 1) <= (this.int8 ? 0.25 : 1e-3);
  }

  /** Stores a row: the prepared vector (float32) or its codes from `encode` (int8). */
  set(slot: number, prepared: Float32Array, codes: Uint8Array | null): void {
    if (!this.int8) {
      this.rows.set(prepared.subarray(0, this.dim), slot * this.dim);
      return;
    }
    this.codes.set(codes!, slot * this.rowBytes);
    this.updateDecoded(slot);
  }

  /**
   * Keeps the decoded range of an int8 row (and |v|^2 for euclidean). With `measure` (loading),
   * or for euclidean, returns the dequantized squared length (float64 sum); else 0 (an insert
   * into a cosine or dot-product index does not pay for the sum).
   */
  private updateDecoded(slot: number, measure = false): number {
    const base = slot * this.rowBytes;
    const view = new DataView(this.codes.buffer, this.codes.byteOffset + base, 8);
    const lo = view.getFloat32(0, true);
    const step = f32(f32(view.getFloat32(4, true) - lo) / 255);
    this.lo[slot] = lo;
    this.step[slot] = step;
    if (!measure && this.metric !== MetricId.Euclidean) return 0;
    let norm2 = 0;
    for (let i = 0; i < this.dim; i++) {
      const x = f32(lo + f32(this.codes[base + 8 + i]! * step));
      norm2 += x * x;
    }
    if (this.metric === MetricId.Euclidean) this.aux[slot] = norm2;
    return norm2;
  }

  /** Query over the row of `slot` (decoded into q.v for int8 rows; a view for float32 rows). */
  rowQuery(slot: number, q: Query): Query {
    if (!this.int8) {
      q.v = this.rows;
      q.off = slot * this.dim;
      return q;
    }
    const base = slot * this.rowBytes + 8;
    const lo = this.lo[slot]!;
    const step = this.step[slot]!;
    const out = q.v;
    let sum = 0;
    let norm2 = 0;
    for (let i = 0; i < this.dim; i++) {
      const x = f32(lo + f32(this.codes[base + i]! * step));
      out[i] = x;
      sum += x;
      norm2 += x * x;
    }
    q.off = 0;
    q.sum = f32(sum);
    q.norm2 = f32(norm2);
    return q;
  }

  /** Ordering distance (cosine 1 - q.r, euclidean |q - r|^2, dot -(q.r)); NaN becomes +Infinity. */
  distance(q: Query, slot: number): number {
    let d: number;
    if (!this.int8) {
      if (this.metric === MetricId.Euclidean) {
        d = squaredL2(q.v, q.off, this.rows, slot * this.dim, this.dim);
      } else {
        const dot = dotF32(q.v, q.off, this.rows, slot * this.dim, this.dim);
        d = this.metric === MetricId.Cosine ? 1 - dot : -dot;
      }
    } else {
      const acc = dotU8(q.v, q.off, this.codes, slot * this.rowBytes + 8, this.dim);
      const dot = this.lo[slot]! * q.sum + this.step[slot]! * acc;
      if (this.metric === MetricId.Cosine) d = 1 - dot;
      else if (this.metric === MetricId.Euclidean) d = Math.max(0, q.norm2 - 2 * dot + this.aux[slot]!);
      else d = -dot;
    }
    d = f32(d);
    return d !== d ? Infinity : d;
  }

  /** Metric distance reported for an ordering distance. */
  metricDistance(od: number): number {
    return this.metric === MetricId.Euclidean ? f32(Math.sqrt(od)) : od;
  }

  /** Similarity reported for an ordering distance: cos, -L2 or a.b. */
  score(od: number): number {
    if (this.metric === MetricId.Cosine) return f32(1 - od);
    if (this.metric === MetricId.Euclidean) return -f32(Math.sqrt(od));
    return -od;
  }

  /** Copies the serialized row of `slot` into out[off ..). */
  writeRow(slot: number, out: Uint8Array, off: number): void {
    if (this.int8) {
      out.set(this.codes.subarray(slot * this.rowBytes, (slot + 1) * this.rowBytes), off);
    } else if (LITTLE_ENDIAN) {
      const start = this.rows.byteOffset + slot * this.rowBytes;
      out.set(new Uint8Array(this.rows.buffer, start, this.rowBytes), off);
    } else {
      const view = new DataView(out.buffer, out.byteOffset + off, this.rowBytes);
      for (let i = 0; i < this.dim; i++) view.setFloat32(4 * i, this.rows[slot * this.dim + i]!, true);
    }
  }

  /** Loads a serialized row from bytes[off ..); false when it is not valid (non-finite / range). */
  loadRow(slot: number, bytes: Uint8Array, off: number): boolean {
    const view = new DataView(bytes.buffer, bytes.byteOffset + off, this.rowBytes);
    if (this.int8) {
      const lo = view.getFloat32(0, true);
      const hi = view.getFloat32(4, true);
      if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(lo <= hi)) return false;
      if (!Number.isFinite(f32(hi - lo))) return false;
      this.codes.set(bytes.subarray(off, off + this.rowBytes), slot * this.rowBytes);
      return this.rowLengthIsValid(this.updateDecoded(slot, true));
    }
    const base = slot * this.dim;
    for (let i = 0; i < this.dim; i++) {
      const x = view.getFloat32(4 * i, true);
      if (!Number.isFinite(x)) return false;
      this.rows[base + i] = x;
    }
    return this.rowLengthIsValid(squaredLength(this.rows, base, this.dim));
  }
}

function grow(a: Float32Array, length: number): Float32Array<ArrayBuffer> {
  const out = new Float32Array(length);
  out.set(a);
  return out;
}

// Hot loops: four independent float64 accumulators (more instruction-level parallelism than one;
// the graph walk spends most of its time here).

function dotF32(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[ao + i]! * b[bo + i]!;
    s1 += a[ao + i + 1]! * b[bo + i + 1]!;
    s2 += a[ao + i + 2]! * b[bo + i + 2]!;
    s3 += a[ao + i + 3]! * b[bo + i + 3]!;
  }
  for (; i < n; i++) s0 += a[ao + i]! * b[bo + i]!;
  return s0 + s1 + (s2 + s3);
}

function squaredL2(a: Float32Array, ao: number, b: Float32Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const x0 = a[ao + i]! - b[bo + i]!;
    const x1 = a[ao + i + 1]! - b[bo + i + 1]!;
    const x2 = a[ao + i + 2]! - b[bo + i + 2]!;
    const x3 = a[ao + i + 3]! - b[bo + i + 3]!;
    s0 += x0 * x0;
    s1 += x1 * x1;
    s2 += x2 * x2;
    s3 += x3 * x3;
  }
  for (; i < n; i++) {
    const x = a[ao + i]! - b[bo + i]!;
    s0 += x * x;
  }
  return s0 + s1 + (s2 + s3);
}

function dotU8(a: Float32Array, ao: number, c: Uint8Array, co: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < n; i += 4) {
    s0 += a[ao + i]! * c[co + i]!;
    s1 += a[ao + i + 1]! * c[co + i + 1]!;
    s2 += a[ao + i + 2]! * c[co + i + 2]!;
    s3 += a[ao + i + 3]! * c[co + i + 3]!;
  }
  for (; i < n; i++) s0 += a[ao + i]! * c[co + i]!;
  return s0 + s1 + (s2 + s3);
}
