/**
 * The plain-JS baseline of the benchmark: what a developer would write by hand, a simple loop
 * over Float32Array with no validation. Every ruvector backend is compared against it.
 */

export function plainCosineDistance(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 1 : 1 - dot / Math.sqrt(na * nb);
}

export function plainBatchCosine(query: Float32Array, flat: Float32Array): Float32Array {
  const dim = query.length;
  const count = flat.length / dim;
  const out = new Float32Array(count);
  let nq = 0;
  for (let i = 0; i < dim; i++) nq += query[i]! * query[i]!;
  for (let r = 0; r < count; r++) {
    let dot = 0;
    let nv = 0;
    const base = r * dim;
    for (let i = 0; i < dim; i++) {
      const v = flat[base + i]!;
      dot += query[i]! * v;
      nv += v * v;
    }
    out[r] = nq === 0 || nv === 0 ? 1 : 1 - dot / Math.sqrt(nq * nv);
  }
  return out;
}

export function plainNormalize(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  const out = new Float32Array(v.length);
  if (n === 0) return out;
  const inv = 1 / Math.sqrt(n);
  for (let i = 0; i < v.length; i++) out[i] = v[i]! * inv;
  return out;
}

/** 8-bit affine quantization with the range stored in front (same layout as the product's). */
export function plainQuantizeScalar(v: Float32Array): Uint8Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < v.length; i++) {
    if (v[i]! < min) min = v[i]!;
    if (v[i]! > max) max = v[i]!;
  }
  const out = new Uint8Array(8 + v.length);
  new DataView(out.buffer).setFloat32(0, min, true);
  new DataView(out.buffer).setFloat32(4, max, true);
  const scale = max > min ? 255 / (max - min) : 0;
  for (let i = 0; i < v.length; i++) out[8 + i] = Math.round((v[i]! - min) * scale);
  return out;
}

export function plainDequantizeScalar(q: Uint8Array): Float32Array {
  const view = new DataView(q.buffer, q.byteOffset, q.byteLength);
  const min = view.getFloat32(0, true);
  const step = (view.getFloat32(4, true) - min) / 255;
  const out = new Float32Array(q.length - 8);
  for (let i = 0; i < out.length; i++) out[i] = min + q[8 + i]! * step;
  return out;
}
