/**
 * Argument checks of the `hnsw` module: the ONE place that checks HNSW arguments (config, ids,
 * vectors, k, options, bytes), so every backend answers the same bad input with the same code and
 * the same message; backends only compute (backend.ts). Ranges follow the core's
 * ValidateHnswConfig (core/src/hnsw/hnsw_index.cc); the serialized format is
 * core/src/hnsw/FORMAT.md.
 */
import type { HnswFilterSpec, HnswParams } from '../backend.js';
import {
  fail,
  isPlainObject,
  quoteList,
  readFields,
  rejectUnknownKeys,
  show as showValue,
  typeName,
} from '../check.js';
import { DISTANCE_METRICS, metricIdOf } from '../vector-ops/checks.js';
import type { DistanceMetric } from '../vector-ops/types.js';
import type { HnswConfig, HnswStorage } from './types.js';

/** Storage names accepted by `config.storage`, in the order messages list them. */
export const HNSW_STORAGES: readonly HnswStorage[] = Object.freeze(['float32', 'int8']);

/** Default level-generator seed of the core ("RUVECTOR"). */
export const DEFAULT_HNSW_SEED = 0x5255564543544f52n;

/**
 * What a missing {@link HnswConfig} field means (the core's ruv::HnswConfig defaults): hnswlib's
 * usual m 16 and efConstruction 200, efSearch 64 (recall@10 >= 0.95 on 384-d embeddings in the
 * benchmarks), and cosine, the metric sentence embeddings are made for.
 */
export const HNSW_DEFAULTS = Object.freeze({
  m: 16,
  efConstruction: 200,
  efSearch: 64,
  distanceMetric: 'cosine' as DistanceMetric,
});

const CONFIG_KEYS: readonly string[] = [
  'dimensions',
  'm',
  'efConstruction',
  'efSearch',
  'distanceMetric',
  'storage',
  'seed',
];
const SEARCH_OPTION_KEYS: readonly string[] = ['efSearch', 'filter'];
const U32_MAX = 0xffffffff;
const U64_MAX = (1n << 64n) - 1n;

/** Smallest valid serialized index: the header, free_count and the CRC. */
const MIN_SERIALIZED_BYTES = 76;
const MAGIC = [0x52, 0x55, 0x56, 0x48, 0x4e, 0x53, 0x57, 0x00];
/** Versions this build reads (FORMAT.md: 2 is 1 with an annotation, the model's provenance). */
const FORMAT_VERSIONS = [1, 2];

/** HNSW messages cut long strings (ids) and mark bigints (seeds) as such. */
const show = (value: unknown): string => showValue(value, { maxString: 40, bigintSuffix: true });

function integerIn(fn: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be an integer in [${min}, ${max}] (got ${show(value)})`);
  }
  return value;
}

/** A checked config in public terms (defaults filled in) and in C ABI terms. */
export interface CheckedHnswConfig {
  config: Required<Omit<HnswConfig, 'seed'>> & { seed: bigint };
  params: HnswParams;
}

/**
 * Checks an {@link HnswConfig} as the core's ValidateHnswConfig does, plus types and unknown keys;
 * throws INVALID_ARGUMENT naming the first bad field. `fn` prefixes the message.
 */
export function checkHnswConfig(fn: string, given: unknown): CheckedHnswConfig {
  if (!isPlainObject(given)) {
    throw fail('INVALID_ARGUMENT', fn, `config must be an HnswConfig object (got ${typeName(given)})`);
  }
  rejectUnknownKeys(fn, given, CONFIG_KEYS, 'config key');
  const config = readFields(fn, given, CONFIG_KEYS, 'config');
  // Only a missing field takes its default: an explicit null is a wrong value, as elsewhere.
  const or = (key: keyof typeof HNSW_DEFAULTS): unknown =>
    config[key] === undefined ? HNSW_DEFAULTS[key] : config[key];
  const dimensions = integerIn(fn, 'config.dimensions', config['dimensions'], 1, 65536);
  const m = integerIn(fn, 'config.m', or('m'), 2, 128);
  const efConstruction = integerIn(fn, 'config.efConstruction', or('efConstruction'), 1, U32_MAX);
  const efSearch = integerIn(fn, 'config.efSearch', or('efSearch'), 1, U32_MAX);
  const distanceMetric = or('distanceMetric');
  if (!DISTANCE_METRICS.includes(distanceMetric as DistanceMetric)) {
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `unknown config.distanceMetric ${show(distanceMetric)} (expected one of ${quoteList(DISTANCE_METRICS)})`,
    );
  }
  const storage = config['storage'] === undefined ? 'float32' : config['storage'];
  if (!HNSW_STORAGES.includes(storage as HnswStorage)) {
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `unknown config.storage ${show(storage)} (expected one of ${quoteList(HNSW_STORAGES)})`,
    );
  }
  const rawSeed = config['seed'];
  let seed = DEFAULT_HNSW_SEED;
  if (rawSeed !== undefined) {
    const ok =
      (typeof rawSeed === 'number' && Number.isSafeInteger(rawSeed) && rawSeed >= 0) ||
      (typeof rawSeed === 'bigint' && rawSeed >= 0n && rawSeed <= U64_MAX);
    if (!ok) {
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `config.seed must be an integer in [0, 2^64 - 1] (a safe integer number or a bigint; got ${show(rawSeed)})`,
      );
    }
    seed = BigInt(rawSeed as number | bigint);
  }
  const metric = distanceMetric as DistanceMetric;
  return {
    config: {
      dimensions,
      m,
      efConstruction,
      efSearch,
      distanceMetric: metric,
      storage: storage as HnswStorage,
      seed,
    },
    params: {
      dimensions,
      m,
      efConstruction,
      efSearch,
      metric: metricIdOf(metric),
      storage: storage === 'int8' ? 1 : 0,
      seed,
    },
  };
}

/** Index of the first lone surrogate of `s`, or -1 (such ids have no UTF-8 form). */
function loneSurrogate(s: string): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    }
    return i;
  }
  return -1;
}

export function idArg(fn: string, name: string, id: unknown): string {
  if (typeof id !== 'string' || id === '') {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a non-empty string (got ${show(id)})`);
  }
  const bad = loneSurrogate(id);
  if (bad >= 0)
    throw fail('INVALID_ARGUMENT', fn, `${name} is not well-formed UTF-16 (lone surrogate at index ${bad})`);
  return id;
}

export function vectorArg(fn: string, name: string, v: unknown, dimensions: number): Float32Array {
  if (!(v instanceof Float32Array)) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a Float32Array (got ${typeName(v)})`);
  }
  if (v.length !== dimensions) {
    throw fail(
      'DIMENSION_MISMATCH',
      fn,
      `${name} has ${v.length} elements but the index has ${dimensions} dimensions`,
    );
  }
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i]!))
      throw fail('NON_FINITE', fn, `${name} contains a non-finite value at index ${i}`);
  }
  return v;
}

export function kArg(fn: string, k: unknown): number {
  if (typeof k !== 'number' || !Number.isSafeInteger(k) || k <= 0) {
    throw fail('INVALID_ARGUMENT', fn, `k must be a positive integer (got ${show(k)})`);
  }
  return Math.min(k, U32_MAX); // k >= count already returns every live entry
}

/** A checked search: `ef` in C ABI terms (0 = the config's), the filter, and its error slot. */
export interface CheckedSearch {
  ef: number;
  filter: HnswFilterSpec | undefined;
  /** Throws what the predicate threw (or its bad return value) during the last search. */
  rethrow(): void;
}

function filterIds(fn: string, filter: Iterable<unknown>): string[] {
  const ids: string[] = [];
  let i = 0;
  for (const id of filter) {
    if (typeof id !== 'string' || id === '') {
      throw fail('INVALID_ARGUMENT', fn, `options.filter[${i}] must be a non-empty string (got ${show(id)})`);
    }
    ids.push(id);
    i++;
  }
  return ids;
}

export function searchOptionsArg(fn: string, options: unknown): CheckedSearch {
  const none: CheckedSearch = { ef: 0, filter: undefined, rethrow: () => undefined };
  if (options === undefined) return none;
  if (!isPlainObject(options)) {
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `options must be an HnswSearchOptions object (got ${typeName(options)})`,
    );
  }
  rejectUnknownKeys(fn, options, SEARCH_OPTION_KEYS, 'option');
  const efSearch = options['efSearch'];
  let ef = 0;
  if (efSearch !== undefined) {
    if (typeof efSearch !== 'number' || !Number.isSafeInteger(efSearch) || efSearch <= 0) {
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `options.efSearch must be a positive integer (got ${show(efSearch)})`,
      );
    }
    ef = Math.min(efSearch, U32_MAX); // ef >= count is already an exact scan
  }
  const filter = options['filter'];
  if (filter === undefined) return { ...none, ef };
  if (typeof filter === 'function') {
    const predicate = filter as (id: string) => unknown;
    let failed = false;
    let error: unknown;
    const allow = (id: string): boolean => {
      if (failed) return false;
      try {
        const verdict = predicate(id);
        if (typeof verdict === 'boolean') return verdict;
        error = fail(
          'INVALID_ARGUMENT',
          fn,
          `options.filter returned ${show(verdict)} for id ${show(id)} (expected a boolean)`,
        );
      } catch (e) {
        error = e;
      }
      failed = true;
      return false;
    };
    return {
      ef,
      filter: { kind: 'predicate', allow },
      rethrow: () => {
        if (failed) throw error;
      },
    };
  }
  if (filter instanceof Set || Array.isArray(filter)) {
    return {
      ef,
      filter: { kind: 'ids', ids: filterIds(fn, filter as Iterable<unknown>) },
      rethrow: none.rethrow,
    };
  }
  throw fail(
    'INVALID_ARGUMENT',
    fn,
    `options.filter must be a function, a Set of ids or an array of ids (got ${typeName(filter)})`,
  );
}

/** The `data` of deserialize: a Uint8Array (its bytes are checked by checkHeader and the backend). */
export function serializedArg(fn: string, data: unknown): Uint8Array {
  if (!(data instanceof Uint8Array)) {
    throw fail('INVALID_ARGUMENT', fn, `data must be a Uint8Array (got ${typeName(data)})`);
  }
  return data;
}

/**
 * Checks the parts of the header that say what the bytes are (size, magic, version) with messages
 * of its own, so the commonest mistakes read alike on every backend; the backend checks the rest.
 */
export function checkHeader(fn: string, data: Uint8Array): void {
  if (data.length < MIN_SERIALIZED_BYTES) {
    throw fail(
      'CORRUPT_DATA',
      fn,
      `data has ${data.length} bytes, fewer than the ${MIN_SERIALIZED_BYTES} of the smallest serialized HNSW index`,
    );
  }
  for (let i = 0; i < MAGIC.length; i++) {
    if (data[i] !== MAGIC[i])
      throw fail('CORRUPT_DATA', fn, 'data is not a serialized HNSW index (no RUVHNSW magic)');
  }
  const version = new DataView(data.buffer, data.byteOffset, MIN_SERIALIZED_BYTES).getUint32(8, true);
  if (!FORMAT_VERSIONS.includes(version)) {
    throw fail(
      'CORRUPT_DATA',
      fn,
      `serialized HNSW format version ${version} is not supported (this build reads versions ${FORMAT_VERSIONS.join(' and ')})`,
    );
  }
}
