/**
 * Argument-check helpers shared by every module (vector-ops/, hnsw/, embeddings/, learning/) and
 * the runtime, so that a message about a bad value is worded one way everywhere.
 */
import { RuVectorError, type RuVectorErrorCode } from './errors.js';

/** `'a', 'b', 'c'`: allowed names as messages list them. */
export const quoteList = (items: readonly string[]): string => items.map((s) => `'${s}'`).join(', ');

/** A RuVectorError whose message starts with the function that raised it: `fn: message`. */
export function fail(code: RuVectorErrorCode, fn: string, message: string, cause?: unknown): RuVectorError {
  return new RuVectorError(code, `${fn}: ${message}`, cause === undefined ? undefined : { cause });
}

/** Short, stable description of a value's type for messages: 'Array', 'Float64Array', 'null'. */
export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object' || typeof value === 'function') {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor;
    return typeof ctor?.name === 'string' && ctor.name !== '' ? ctor.name : 'object';
  }
  return typeof value;
}

/**
 * A value as it appears in a message: strings quoted (cut after `maxString` characters),
 * bigints as `5n` when `bigintSuffix`, other primitives as written, anything else by its type.
 */
export function show(value: unknown, { maxString = Infinity, bigintSuffix = false } = {}): string {
  if (typeof value === 'string')
    return `'${value.length > maxString ? `${value.slice(0, maxString)}...` : value}'`;
  if (typeof value === 'bigint') return bigintSuffix ? `${value}n` : String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined) return String(value);
  if (typeof value === 'symbol') return value.toString();
  return typeName(value);
}

/** True for an object that is not null and not an array (a config or options bag). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Throws INVALID_ARGUMENT for the first key of `bag` not in `allowed`. */
export function rejectUnknownKeys(
  fn: string,
  bag: Record<string, unknown>,
  allowed: readonly string[],
  what: string,
): void {
  for (const key of Object.keys(bag)) {
    if (!allowed.includes(key))
      throw fail('INVALID_ARGUMENT', fn, `unknown ${what} '${key}' (allowed: ${allowed.join(', ')})`);
  }
}

/**
 * The fields `keys` of an options bag, each read once into a plain object: a getter that throws
 * becomes INVALID_ARGUMENT naming the field (not the caller's raw error), and a getter cannot
 * give one value to the check and another to the use. `what` names the bag (`config`).
 */
export function readFields(
  fn: string,
  bag: Record<string, unknown>,
  keys: readonly string[],
  what: string,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of keys) {
    try {
      out[key] = bag[key];
    } catch (e) {
      const reason = e instanceof Error ? e.message : String(e);
      throw fail('INVALID_ARGUMENT', fn, `${what}.${key} could not be read (its getter threw: ${reason})`, e);
    }
  }
  return out;
}

/**
 * A backend's INVALID_ARGUMENT for a call the public checks let through (a rule only the core can
 * judge, such as what int8 codes can hold) as one message on every backend: `fn: ` and the core's
 * own words, without the C function (`ruv_hnsw_insert: `) or module (`hnsw: `) prefix the bindings
 * and the js twin differ in. Other errors pass through unchanged.
 */
export function asPublicError(fn: string, e: unknown): unknown {
  if (!(e instanceof RuVectorError) || e.code !== 'INVALID_ARGUMENT') return e;
  return fail('INVALID_ARGUMENT', fn, e.message.replace(/^(?:ruv_[a-z0-9_]+: )?(?:[a-z]+: )?/, ''), e);
}
