// Shared pieces of the backend conformance suite: seeded random data, float64 reference
// formulas (independent of every backend), tolerances, and loading one runtime per backend.
import { RuVectorRuntime } from '../../js/dist/index.js';

export {
  assertClose,
  METRICS,
  mulberry32,
  popcount8,
  randomVector,
  rangeOf,
  referenceDistance,
  SIZES,
} from './cases/data.mjs';

/** Backends the suite runs on, as RuVectorRuntime.create({ backend }) names them. */
export const BACKENDS = ['native', 'wasm', 'js'];

/** Backends that must load (CI sets RUVECTOR_REQUIRE_BACKENDS=native,wasm,js). */
export function requiredBackends() {
  const list = (process.env.RUVECTOR_REQUIRE_BACKENDS ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of list) {
    if (!BACKENDS.includes(name))
      throw new Error(`RUVECTOR_REQUIRE_BACKENDS names an unknown backend '${name}'`);
  }
  return new Set(list);
}

/** One runtime per backend: { name, runtime, ops } when it loaded, { name, error } when not. */
export async function loadBackends() {
  const out = new Map();
  for (const name of BACKENDS) {
    try {
      const runtime = await RuVectorRuntime.create({ backend: name });
      out.set(name, { name, runtime, ops: runtime.getModules().vectorOps });
    } catch (error) {
      out.set(name, { name, error });
    }
  }
  return out;
}

/** Runs fn and returns the error it throws (failing when it returns). */
export function thrown(assert, fn, what) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  assert.fail(`${what}: expected an error, but the call returned`);
}
