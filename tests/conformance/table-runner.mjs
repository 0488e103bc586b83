// Runs one row of a case table (cases/*.mjs) on one backend's vectorOps: computes the arguments
// and the reference, calls the operation, and checks the result by the row's rule. Beyond the
// row's own check, every call must leave its typed-array inputs untouched and return a fresh
// result of the operation's type.
import { assertClose } from './cases/data.mjs';

const RESULT_TYPES = {
  distance: 'number',
  quantizedDistance: 'number',
  hammingDistance: 'number',
  batchDistance: Float32Array,
  normalize: Float32Array,
  dequantize: Float32Array,
  quantize: Uint8Array,
};

const isArrayLike = (x) => Array.isArray(x) || ArrayBuffer.isView(x);

function snapshot(args) {
  return args.map((a) =>
    ArrayBuffer.isView(a)
      ? a.slice()
      : Array.isArray(a)
        ? a.map((r) => (ArrayBuffer.isView(r) ? r.slice() : r))
        : a,
  );
}

function sameElements(got, want) {
  if (got.length !== want.length) return `lengths ${got.length} vs ${want.length}`;
  for (let i = 0; i < got.length; i++)
    if (!Object.is(got[i], want[i])) return `index ${i}: ${got[i]} vs ${want[i]}`;
  return null;
}

/** Runs case `c` on `ops`; `ref` is the js-fallback's vectorOps (for cases checked against it). */
export function runCase(assert, c, { ops, ref }) {
  const args = typeof c.args === 'function' ? c.args(ops) : c.args;
  let want = typeof c.want === 'function' ? c.want({ ops, args, ref }) : c.want;
  let tol = c.tol ?? {};
  if (want !== null && typeof want === 'object' && 'value' in want && 'scale' in want) {
    tol = { ...tol, scale: want.scale };
    want = want.value;
  }
  const before = snapshot(args);
  const result = ops[c.op](...args);
  const type = RESULT_TYPES[c.op];
  if (type === 'number') assert.equal(typeof result, 'number', `${c.label}: result is not a number`);
  else if (type !== undefined) assert.ok(result instanceof type, `${c.label}: result is not a ${type.name}`);
  args.forEach((a, i) => assert.ok(a !== result, `${c.label}: the result is argument ${i} itself`));
  snapshot(args).forEach((a, i) => {
    const b = before[i];
    if (ArrayBuffer.isView(b))
      assert.equal(sameElements(a, b), null, `${c.label}: argument ${i} was changed`);
  });
  const got = c.derive ? c.derive(result) : result;
  switch (c.check) {
    case 'exact':
      if (isArrayLike(want)) assert.equal(sameElements(got, want), null, `${c.label}: differs`);
      else assert.ok(Object.is(got, want), `${c.label}: got ${got}, want ${want}`);
      return;
    case 'close':
      assertClose(assert, got, want, tol, c.label);
      return;
    case 'each': {
      assert.equal(got.length, want.length, `${c.label}: length`);
      const scales = Array.isArray(tol.scale) ? tol.scale : null;
      for (let i = 0; i < want.length; i++) {
        assertClose(
          assert,
          got[i],
          want[i],
          { ...tol, scale: scales ? scales[i] : tol.scale },
          `${c.label} [${i}]`,
        );
      }
      return;
    }
    default:
      throw new Error(`${c.label}: unknown check '${c.check}'`);
  }
}
