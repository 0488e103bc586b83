// quant.h's code format, written out here from its comment alone, so the conformance tests check
// every backend (the js-fallback too) against the format rather than against one of them:
//   levels = 255 (scalar) or 15 (int4); scale = levels / (max - min) (0 when max == min or when it
//   overflows float32); code = clamp(round_half_even((x - min) * scale), 0, levels);
//   value = min + code * ((max - min) / levels); every operation rounded to float32.
//   Layout: [f32 min][f32 max] in front when the range is per vector, then one byte per element
//   (scalar), one nibble per element, low first (int4), or one bit per element, set when x > 0,
//   bit i % 8 of byte i / 8 (binary, which reads back as +1 / -1).
const f = Math.fround;

const levelsOf = (type) => (type === 'int4' ? 15 : 255);

/** round half to even of t >= 0, by the fraction (not by Math.round's rule). */
function roundHalfEven(t) {
  const low = Math.floor(t);
  const frac = t - low;
  if (frac > 0.5) return low + 1;
  if (frac < 0.5) return low;
  return low % 2 === 0 ? low : low + 1;
}

/** The bytes quantize must write for v (a Float32Array of finite values) under config. */
export function quantizeByFormat(v, config) {
  const n = v.length;
  if (config.type === 'binary') {
    const out = new Uint8Array(Math.ceil(n / 8));
    v.forEach((x, i) => {
      if (x > 0) out[Math.floor(i / 8)] += 2 ** (i % 8);
    });
    return out;
  }
  const perVector = config.min === undefined;
  let min = perVector ? v.reduce((m, x) => (x < m ? x : m), Infinity) : f(config.min);
  let max = perVector ? v.reduce((m, x) => (x > m ? x : m), -Infinity) : f(config.max);
  const head = perVector ? 8 : 0;
  const out = new Uint8Array(head + (config.type === 'int4' ? Math.ceil(n / 2) : n));
  if (perVector) {
    const view = new DataView(out.buffer);
    view.setFloat32(0, min, true);
    view.setFloat32(4, max, true);
  }
  const levels = levelsOf(config.type);
  let scale = max === min ? 0 : f(levels / f(max - min));
  if (!Number.isFinite(scale)) scale = 0;
  v.forEach((x, i) => {
    const t = f(f(x - min) * scale);
    const code = Number.isNaN(t) || t <= 0 ? 0 : t >= levels ? levels : roundHalfEven(t);
    if (config.type === 'int4') out[head + Math.floor(i / 2)] += i % 2 === 0 ? code : code * 16;
    else out[head + i] = code;
  });
  return out;
}

/** The float32 values the bytes of a dim-element code vector stand for, as a Float32Array. */
export function dequantizeByFormat(bytes, config, dim) {
  const out = new Float32Array(dim);
  if (config.type === 'binary') {
    for (let i = 0; i < dim; i++) out[i] = Math.floor(bytes[Math.floor(i / 8)] / 2 ** (i % 8)) % 2 ? 1 : -1;
    return out;
  }
  let min = config.min;
  let max = config.max;
  let head = 0;
  if (min === undefined) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    min = view.getFloat32(0, true);
    max = view.getFloat32(4, true);
    head = 8;
  }
  min = f(min);
  const step = f(f(f(max) - min) / levelsOf(config.type));
  for (let i = 0; i < dim; i++) {
    const code =
      config.type === 'int4'
        ? Math.floor(bytes[head + Math.floor(i / 2)] / (i % 2 ? 16 : 1)) % 16
        : bytes[head + i];
    out[i] = f(min + f(code * step));
  }
  return out;
}
