/**
 * Stand-ins for modules a runtime does not have (not written yet, or missing from a backend). A
 * missing module never makes results up: every call throws UNSUPPORTED naming itself.
 */
import { RuVectorError } from './errors.js';

/** An object of the given shape whose every function throws UNSUPPORTED with `message(name)`. */
export function standIn<T extends object>(
  functions: ReadonlyArray<keyof T & string>,
  message: (name: string) => string,
): T {
  const out: Record<string, () => never> = {};
  for (const name of functions) {
    out[name] = () => {
      throw new RuVectorError('UNSUPPORTED', message(name));
    };
  }
  return Object.freeze(out) as unknown as T;
}

/** A module that this version does not have: every function throws UNSUPPORTED naming itself. */
export function notImplementedYet<T extends object>(
  module: string,
  planned: string,
  functions: ReadonlyArray<keyof T & string>,
): T {
  return standIn<T>(
    functions,
    (name) => `${module}.${name} is not implemented yet in ruvector-runtime 0.1 (planned: ${planned})`,
  );
}
