/**
 * Argument checks of the `learning` module: the one place that checks its arguments, so every
 * backend answers the same bad input with the same code and message. Numeric ranges the core
 * owns (rank, rates, the Fisher) are checked by the core, whose messages are the same on native
 * and wasm; here: types, shapes, finiteness and unknown keys.
 */
import { fail, isPlainObject, rejectUnknownKeys, show, typeName } from '../check.js';
import { idArg, vectorArg } from '../hnsw/checks.js';
import type { ResolvedLoRAConfig } from './codec.js';
import {
  PATTERN_TYPES,
  type ActivityPolicy,
  type FisherMatrix,
  type JsonValue,
  type LoRAConfig,
  type LoRAWeights,
  type MatchOptions,
  type PatternType,
  type Trajectory,
} from './types.js';

export { idArg, vectorArg };

export const DEFAULT_POLICY: Readonly<ActivityPolicy> = Object.freeze({ minUses: 10, minSuccessRate: 0.3 });
const U32_MAX = 0xffffffff;

export function integerArg(fn: string, name: string, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be an integer in [${min}, ${max}] (got ${show(value)})`);
  }
  return value;
}

export function numberArg(fn: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a finite number (got ${show(value)})`);
  }
  return value;
}

/** A Float32Array of finite values, of `dimensions` elements when given. */
export function embeddingArg(fn: string, name: string, v: unknown, dimensions?: number): Float32Array {
  if (!(v instanceof Float32Array)) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a Float32Array (got ${typeName(v)})`);
  }
  if (v.length === 0) throw fail('INVALID_ARGUMENT', fn, `${name} is empty`);
  return vectorArg(fn, name, v, dimensions ?? v.length);
}

export function patternTypeArg(fn: string, value: unknown): PatternType {
  if (!PATTERN_TYPES.includes(value as PatternType)) {
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `type must be one of ${PATTERN_TYPES.join(', ')} (got ${show(value)})`,
    );
  }
  return value as PatternType;
}

export function policyArg(fn: string, minUses: unknown, minSuccessRate: unknown): ActivityPolicy {
  const uses =
    minUses === undefined ? DEFAULT_POLICY.minUses : integerArg(fn, 'minUses', minUses, 0, U32_MAX);
  const rate =
    minSuccessRate === undefined
      ? DEFAULT_POLICY.minSuccessRate
      : numberArg(fn, 'minSuccessRate', minSuccessRate);
  if (rate < 0 || rate > 1)
    throw fail('INVALID_ARGUMENT', fn, `minSuccessRate must be in [0, 1] (got ${rate})`);
  return { minUses: uses, minSuccessRate: rate };
}

/** Metadata as the JSON text the store keeps. */
export function metadataJson(fn: string, metadata: unknown): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(metadata === undefined ? null : metadata);
  } catch (error) {
    throw fail('INVALID_ARGUMENT', fn, `metadata must be JSON-serializable (${String(error)})`, error);
  }
  if (text === undefined) throw fail('INVALID_ARGUMENT', fn, 'metadata must be JSON-serializable');
  return text;
}

export function parseMetadata(text: string): JsonValue {
  return JSON.parse(text) as JsonValue;
}

export interface CheckedMatch {
  limit: number;
  typeMask: number;
  adapter: LoRAWeights | null;
}

export function matchOptionsArg(fn: string, options: unknown, dimensions: number): CheckedMatch {
  if (options === undefined) return { limit: 5, typeMask: 0xf, adapter: null };
  if (!isPlainObject(options)) {
    throw fail('INVALID_ARGUMENT', fn, `options must be an object (got ${typeName(options)})`);
  }
  rejectUnknownKeys(fn, options, ['limit', 'types', 'adapter'], 'option');
  const o = options as MatchOptions;
  const limit = o.limit === undefined ? 5 : integerArg(fn, 'options.limit', o.limit, 0, U32_MAX);
  let typeMask = 0xf;
  if (o.types !== undefined) {
    if (!Array.isArray(o.types))
      throw fail('INVALID_ARGUMENT', fn, 'options.types must be an array of pattern types');
    typeMask = 0;
    for (const t of o.types) typeMask |= 1 << PATTERN_TYPES.indexOf(patternTypeArg(fn, t));
  }
  const adapter = o.adapter === undefined ? null : weightsArg(fn, 'options.adapter', o.adapter);
  if (adapter !== null && adapter.dimensions !== dimensions) {
    throw fail(
      'DIMENSION_MISMATCH',
      fn,
      `the adapter has ${adapter.dimensions} dimensions but the query has ${dimensions}`,
    );
  }
  return { limit, typeMask, adapter };
}

export function thresholdArg(fn: string, threshold: unknown): number {
  const t = numberArg(fn, 'threshold', threshold);
  if (t < -1 || t > 1) throw fail('INVALID_ARGUMENT', fn, `threshold must be in [-1, 1] (got ${t})`);
  return t;
}

export function weightsArg(fn: string, name: string, w: unknown): LoRAWeights {
  const v = w as LoRAWeights;
  if (
    !isPlainObject(w) ||
    !(v.params instanceof Float32Array) ||
    typeof v.dimensions !== 'number' ||
    typeof v.rank !== 'number' ||
    typeof v.alpha !== 'number'
  ) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be LoRAWeights (from trainLoRA or deserializeAdapter)`);
  }
  if (
    !Number.isInteger(v.dimensions) ||
    !Number.isInteger(v.rank) ||
    v.rank < 1 ||
    v.dimensions < 1 ||
    v.params.length !== 2 * v.rank * v.dimensions ||
    !(v.alpha > 0)
  ) {
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `${name} has an inconsistent shape (params must hold 2 x rank x dimensions)`,
    );
  }
  return v;
}

export function fisherArg(fn: string, name: string, f: unknown): FisherMatrix {
  if (!isPlainObject(f) || !((f as unknown as FisherMatrix).values instanceof Float32Array)) {
    throw fail('INVALID_ARGUMENT', fn, `${name} must be a FisherMatrix (from computeFisher)`);
  }
  const fisher = f as unknown as FisherMatrix;
  const anchor = weightsArg(fn, `${name}.anchor`, fisher.anchor);
  if (fisher.values.length !== anchor.params.length) {
    throw fail(
      'DIMENSION_MISMATCH',
      fn,
      `${name} has ${fisher.values.length} values for ${anchor.params.length} parameters`,
    );
  }
  return fisher;
}

const VERDICTS = ['positive', 'negative', 'neutral'];

/** Trajectories of one dimension; returns it. */
export function trajectoriesArg(fn: string, trajectories: unknown): number {
  if (!Array.isArray(trajectories)) {
    throw fail('INVALID_ARGUMENT', fn, `trajectories must be an array (got ${typeName(trajectories)})`);
  }
  if (trajectories.length === 0) throw fail('INVALID_ARGUMENT', fn, 'trajectories is empty');
  let dim = 0;
  trajectories.forEach((t: unknown, i) => {
    if (!isPlainObject(t)) throw fail('INVALID_ARGUMENT', fn, `trajectories[${i}] must be an object`);
    rejectUnknownKeys(fn, t, ['id', 'query', 'target', 'verdict', 'reward'], `key of trajectories[${i}]`);
    const tr = t as unknown as Trajectory;
    const q = embeddingArg(fn, `trajectories[${i}].query`, tr.query, dim === 0 ? undefined : dim);
    dim = q.length;
    embeddingArg(fn, `trajectories[${i}].target`, tr.target, dim);
    if (!VERDICTS.includes(tr.verdict)) {
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `trajectories[${i}].verdict must be positive, negative or neutral (got ${show(tr.verdict)})`,
      );
    }
    if (
      tr.reward !== undefined &&
      !(typeof tr.reward === 'number' && Number.isFinite(tr.reward) && tr.reward > 0)
    ) {
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `trajectories[${i}].reward must be a finite number > 0 (got ${show(tr.reward)})`,
      );
    }
  });
  return dim;
}

const CONFIG_KEYS = [
  'rank',
  'alpha',
  'epochs',
  'batchSize',
  'learningRate',
  'weightDecay',
  'temperature',
  'negatives',
  'validationSplit',
  'patience',
  'minTrajectories',
  'seed',
  'ewc',
  'initial',
  'onEpoch',
];

/** A LoRAConfig with defaults; the core checks the ranges (same message on native and wasm). */
export function loraConfigArg(fn: string, config: unknown): ResolvedLoRAConfig & { raw: LoRAConfig } {
  if (config === undefined) config = {};
  if (!isPlainObject(config))
    throw fail('INVALID_ARGUMENT', fn, `config must be an object (got ${typeName(config)})`);
  rejectUnknownKeys(fn, config, CONFIG_KEYS, 'config key');
  const c = config as LoRAConfig;
  const int = (name: keyof LoRAConfig, dflt: number) =>
    c[name] === undefined ? dflt : integerArg(fn, `config.${name}`, c[name], 0, U32_MAX);
  const num = (name: keyof LoRAConfig, dflt: number) =>
    c[name] === undefined ? dflt : numberArg(fn, `config.${name}`, c[name]);
  const rank = int('rank', 8);
  let negativeMargin = 0.1;
  let negativeWeight = 1;
  if (c.negatives !== undefined) {
    if (!isPlainObject(c.negatives))
      throw fail('INVALID_ARGUMENT', fn, 'config.negatives must be { margin?, weight? }');
    rejectUnknownKeys(fn, c.negatives, ['margin', 'weight'], 'key of config.negatives');
    if (c.negatives.margin !== undefined)
      negativeMargin = numberArg(fn, 'config.negatives.margin', c.negatives.margin);
    if (c.negatives.weight !== undefined)
      negativeWeight = numberArg(fn, 'config.negatives.weight', c.negatives.weight);
  }
  let ewcLambda = 0;
  if (c.ewc !== undefined) {
    if (!isPlainObject(c.ewc)) throw fail('INVALID_ARGUMENT', fn, 'config.ewc must be { fisher, lambda }');
    rejectUnknownKeys(fn, c.ewc, ['fisher', 'lambda'], 'key of config.ewc');
    fisherArg(fn, 'config.ewc.fisher', c.ewc.fisher);
    ewcLambda = numberArg(fn, 'config.ewc.lambda', c.ewc.lambda);
  }
  if (c.initial !== undefined) weightsArg(fn, 'config.initial', c.initial);
  if (c.onEpoch !== undefined && typeof c.onEpoch !== 'function') {
    throw fail('INVALID_ARGUMENT', fn, 'config.onEpoch must be a function');
  }
  return {
    rank,
    alpha: num('alpha', rank),
    epochs: int('epochs', 10),
    batchSize: int('batchSize', 32),
    learningRate: num('learningRate', 5e-3),
    weightDecay: num('weightDecay', 0),
    temperature: num('temperature', 0.05),
    negativeMargin,
    negativeWeight,
    validationSplit: num('validationSplit', 0),
    patience: int('patience', 3),
    minTrajectories: int('minTrajectories', 8),
    seed: c.seed === undefined ? 42 : integerArg(fn, 'config.seed', c.seed, 0, Number.MAX_SAFE_INTEGER),
    ewcLambda,
    raw: c,
  };
}
