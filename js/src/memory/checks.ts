/**
 * Argument checks of the semantic memory (memory/semantic-memory.ts), worded as the other modules
 * word them (check.ts). What only the core can judge (a filter's operators and operands, metadata
 * depth and size) is judged there, with the same words on every backend.
 */
import { fail, isPlainObject, readFields, rejectUnknownKeys, show, typeName } from '../check.js';
import { idArg } from '../hnsw/checks.js';
import type { MemoryInput, MemoryMetadata, MemorySearchOptions } from './types.js';

const U32_MAX = 0xffffffff;
const OPEN_KEYS = [
  'model',
  'modelOptions',
  'dtype',
  'dimensions',
  'backend',
  'runtime',
  'index',
  'path',
  'durability',
  'maxPending',
];
const SEARCH_KEYS = ['k', 'filter', 'minScore', 'efSearch', 'hybrid'];
const INPUT_KEYS = ['id', 'text', 'metadata', 'vector'];

/** The options bag of open, read once (unknown keys rejected). */
export function openOptionsArg(fn: string, options: unknown): Record<string, unknown> {
  if (options === undefined) return {};
  if (!isPlainObject(options))
    throw fail('INVALID_ARGUMENT', fn, `options must be an object (got ${typeName(options)})`);
  rejectUnknownKeys(fn, options, OPEN_KEYS, 'option');
  return readFields(fn, options, OPEN_KEYS, 'options');
}

export function positiveInteger(
  fn: string,
  name: string,
  value: unknown,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0 || value > max)
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a positive integer (got ${show(value)})`);
  return value;
}

export function nonNegativeInteger(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a non-negative integer (got ${show(value)})`);
  return value;
}

/** flush's options: `{ index?: boolean }`; whether to wait for linking. */
export function flushIndexArg(fn: string, options: unknown): boolean {
  if (options === undefined) return false;
  if (!isPlainObject(options))
    throw fail('INVALID_ARGUMENT', fn, `options must be an object (got ${typeName(options)})`);
  rejectUnknownKeys(fn, options, ['index'], 'option');
  const index = (options as Record<string, unknown>)['index'];
  if (index !== undefined && typeof index !== 'boolean')
    throw fail('INVALID_ARGUMENT', fn, `options.index must be a boolean (got ${show(index)})`);
  return index === true;
}

/** A non-empty, well-formed string (ids and texts). */
export const textArg = (fn: string, name: string, value: unknown): string => idArg(fn, name, value);

/** The core's bounds on metadata (core/src/memory/record_store.h), checked here first so that a batch is refused whole. */
export const METADATA_MAX_DEPTH = 32;
export const METADATA_MAX_BYTES = 1 << 20;

const utf8 = new TextEncoder();

/**
 * Metadata as the compact JSON text the core takes. Only a plain object of JSON values passes:
 * JSON.stringify would silently turn NaN into null and drop undefined, functions and symbols.
 */
export function metadataJson(fn: string, name: string, metadata: unknown): string {
  if (metadata === undefined) return '{}';
  if (!isJsonObject(metadata))
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a plain JSON object (got ${typeName(metadata)})`);
  checkJson(fn, name, name, metadata, 1);
  const json = JSON.stringify(metadata);
  // UTF-8 is at most 3 bytes per UTF-16 unit: encode only when the bound could be passed.
  if (json.length * 3 > METADATA_MAX_BYTES && utf8.encode(json).length > METADATA_MAX_BYTES)
    throw fail('INVALID_ARGUMENT', fn, `${name} is longer than ${METADATA_MAX_BYTES} bytes of JSON`);
  return json;
}

const isJsonObject = (v: unknown): v is Record<string, unknown> =>
  isPlainObject(v) && [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null);

/**
 * Throws for the first value JSON cannot hold as it is, or nested past METADATA_MAX_DEPTH arrays
 * and objects (`level`: how many enclose `value`, itself included when it is one).
 */
function checkJson(fn: string, name: string, path: string, value: unknown, level: number): void {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value))
      throw fail('INVALID_ARGUMENT', fn, `${path} is ${value}, which JSON cannot hold`);
    return;
  }
  const array = Array.isArray(value);
  if (!array && !isJsonObject(value))
    throw fail('INVALID_ARGUMENT', fn, `${path} is a ${typeName(value)}, which is not a JSON value`);
  if (level > METADATA_MAX_DEPTH)
    throw fail('INVALID_ARGUMENT', fn, `${name} nests deeper than ${METADATA_MAX_DEPTH} levels`);
  if (array) value.forEach((v: unknown, i) => checkJson(fn, name, `${path}[${i}]`, v, level + 1));
  else for (const [k, v] of Object.entries(value)) checkJson(fn, name, `${path}.${k}`, v, level + 1);
}

/** A checked memory to add: id, text, metadata JSON and the vector when one is given. */
export interface CheckedInput {
  id: string;
  text: string;
  metadataJson: string;
  vector: Float32Array | undefined;
}

export function inputArg(fn: string, name: string, input: unknown): CheckedInput {
  if (!isPlainObject(input))
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `${name} must be an object { id, text, metadata?, vector? } (got ${typeName(input)})`,
    );
  rejectUnknownKeys(fn, input, INPUT_KEYS, `${name} key`);
  const f = readFields(fn, input, INPUT_KEYS, name) as Partial<MemoryInput>;
  return checkedInput(fn, name, f.id, f.text, f.metadata, f.vector);
}

export function checkedInput(
  fn: string,
  prefix: string,
  id: unknown,
  text: unknown,
  metadata: unknown,
  vector: unknown,
): CheckedInput {
  const at = (field: string): string => (prefix === '' ? field : `${prefix}.${field}`);
  if (vector !== undefined && !(vector instanceof Float32Array))
    throw fail('INVALID_ARGUMENT', fn, `${at('vector')} must be a Float32Array (got ${typeName(vector)})`);
  return {
    id: textArg(fn, at('id'), id),
    text: textArg(fn, at('text'), text),
    metadataJson: metadataJson(fn, at('metadata'), metadata as MemoryMetadata | undefined),
    vector,
  };
}

/** A checked search: k, ef in C ABI terms (0: the index's), the filter JSON ('' for none), minScore. */
export interface CheckedMemorySearch {
  k: number;
  ef: number;
  filterJson: string;
  minScore: number;
  /** false: vectors only; true: fuse with keywords of the text query; a string: these keywords. */
  hybrid: boolean | string;
}

export function memorySearchArg(fn: string, options: unknown): CheckedMemorySearch {
  const out: CheckedMemorySearch = { k: 10, ef: 0, filterJson: '', minScore: -Infinity, hybrid: false };
  if (options === undefined) return out;
  if (!isPlainObject(options))
    throw fail('INVALID_ARGUMENT', fn, `options must be an object (got ${typeName(options)})`);
  rejectUnknownKeys(fn, options, SEARCH_KEYS, 'option');
  const o = readFields(fn, options, SEARCH_KEYS, 'options') as MemorySearchOptions & Record<string, unknown>;
  if (o.k !== undefined) out.k = positiveInteger(fn, 'options.k', o.k, U32_MAX);
  if (o.efSearch !== undefined) out.ef = positiveInteger(fn, 'options.efSearch', o.efSearch, U32_MAX);
  if (o.minScore !== undefined) {
    if (typeof o.minScore !== 'number' || Number.isNaN(o.minScore))
      throw fail('INVALID_ARGUMENT', fn, `options.minScore must be a number (got ${show(o.minScore)})`);
    out.minScore = o.minScore;
  }
  const hybrid = o['hybrid'];
  if (hybrid !== undefined) {
    if (typeof hybrid !== 'boolean' && typeof hybrid !== 'string')
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `options.hybrid must be a boolean or the keywords as a string (got ${typeName(hybrid)})`,
      );
    out.hybrid = typeof hybrid === 'string' ? textArg(fn, 'options.hybrid', hybrid) : hybrid;
  }
  if (o.filter !== undefined) {
    if (typeof o.filter === 'function')
      throw fail(
        'UNSUPPORTED',
        fn,
        'options.filter as a function is not supported by SemanticMemory yet (give a filter object, evaluated in the core)',
      );
    if (!isPlainObject(o.filter))
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `options.filter must be a filter object (got ${typeName(o.filter)})`,
      );
    // The core judges the operators and bounds; here only what JSON text cannot carry.
    checkJson(fn, 'options.filter', 'options.filter', o.filter, 1);
    out.filterJson = JSON.stringify(o.filter);
  }
  return out;
}
