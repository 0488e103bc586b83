/**
 * ADR-006's `learning` module (RuvBot's ADR-007): patterns, matching, LoRA adapters trained from
 * feedback, and EWC. The pattern store, training and the Fisher run in the C++ core (native and
 * wasm); on js-fallback patterns, matchPatterns over pattern arrays and applyLoRA work, and what
 * needs the core throws UNSUPPORTED (no training loop is written twice).
 */
import type {
  AdapterParams,
  BackendKernels,
  BackendName,
  LearnKernels,
  PatternStoreBackend,
} from '../backend.js';
import type { VectorBuffer } from '../vector-ops/types.js';
import { fail } from '../check.js';
import { RuVectorError } from '../errors.js';
import { bytesArg } from '../vector-ops/checks.js';
import {
  DEFAULT_POLICY,
  embeddingArg,
  fisherArg,
  idArg,
  integerArg,
  loraConfigArg,
  matchOptionsArg,
  metadataJson,
  numberArg,
  parseMetadata,
  patternTypeArg,
  policyArg,
  thresholdArg,
  trajectoriesArg,
  weightsArg,
} from './checks.js';
import {
  decodeMatches,
  decodePattern,
  decodeReport,
  deserializeAdapter,
  deserializeFisher,
  encodeConfig,
  makeWeights,
  packTrajectories,
  type PatternRecord,
  serializeAdapter,
  serializeFisher,
} from './codec.js';
import { createJsPatternStore, type JsStoreKernels, loadJsPatternStore } from './js-store.js';
import { applyAdapterJs, confidenceOf, isActive, rankMatches, rowsAbove } from './rank.js';
import {
  PATTERN_TYPES,
  type ActivityPolicy,
  type CreatePatternOptions,
  type FisherMatrix,
  type JsonValue,
  type LoRAConfig,
  type LoRAWeights,
  type MatchOptions,
  type Pattern,
  type PatternMatch,
  type Trajectory,
} from './types.js';

/** Options of createPatternStore. */
export interface PatternStoreOptions {
  dimensions: number;
  /** Default 10. */
  minUses?: number;
  /** Default 0.3. */
  minSuccessRate?: number;
  /**
   * From this many patterns on, match walks an HNSW index instead of scanning (default 4096, the
   * measured crossover's side where the index wins; the index is approximate, recall about 0.99).
   * `Infinity`: always the exact scan. js-fallback's store always scans.
   */
  hnswAbove?: number;
}

/** What a PatternStore reports about itself. */
export interface PatternStoreStats {
  size: number;
  /** Patterns that may match (active ones). */
  active: number;
  dimensions: number;
  minUses: number;
  minSuccessRate: number;
  /** The option in effect (Infinity: never an index). */
  hnswAbove: number;
  /** True while matches go through an HNSW index. */
  indexed: boolean;
  backend: BackendName;
}

/**
 * Many patterns behind one object in the core: unit embeddings in one block, counts and flags
 * beside them, matched by a SIMD scan (the fast path: nothing per pattern crosses the boundary).
 */
export interface PatternStore {
  readonly dimensions: number;
  readonly size: number;
  /** Adds a pattern (from createPattern), or replaces the one with its id. */
  add(pattern: Pattern): void;
  /** createPattern + add. */
  create(
    embedding: Float32Array,
    metadata?: JsonValue,
    options?: Omit<CreatePatternOptions, 'minUses' | 'minSuccessRate'>,
  ): Pattern;
  get(id: string): Pattern | undefined;
  has(id: string): boolean;
  /** True if it was there. */
  remove(id: string): boolean;
  /** Counts one use (and a success); returns the updated pattern (and updates `pattern` when one is given). */
  recordOutcome(pattern: Pattern | string, success: boolean): Pattern;
  match(query: Float32Array, threshold: number, options?: MatchOptions): PatternMatch[];
  /** Every pattern (a snapshot, in the store's order). */
  patterns(): Pattern[];
  stats(): PatternStoreStats;
  /** Versioned, checksummed bytes (core/src/learn/FORMAT.md); load with loadPatternStore. */
  serialize(): Uint8Array;
  /** Releases the core's memory; later calls throw. */
  free(): void;
}

/** ADR-006's learning module, with the richer calls of issue 14. */
export interface LearningModule {
  createPattern(embedding: Float32Array, metadata?: JsonValue, options?: CreatePatternOptions): Pattern;
  recordOutcome(pattern: Pattern, success: boolean): Pattern;
  matchPatterns(
    query: Float32Array,
    patterns: readonly Pattern[] | PatternStore,
    threshold: number,
    options?: MatchOptions,
  ): PatternMatch[];
  createPatternStore(options: PatternStoreOptions): PatternStore;
  loadPatternStore(bytes: Uint8Array, options?: Pick<PatternStoreOptions, 'hnswAbove'>): PatternStore;
  /** Trains an adapter (async: off the event loop natively, in yielding epochs on wasm). */
  trainLoRA(trajectories: readonly Trajectory[], config?: LoRAConfig): Promise<LoRAWeights>;
  applyLoRA(weights: LoRAWeights, input: Float32Array): Float32Array;
  applyLoRA(weights: LoRAWeights, input: readonly Float32Array[]): Float32Array[];
  /** The Fisher of a finished task (async: off the event loop natively, in yielding steps on wasm). */
  computeFisher(
    weights: LoRAWeights,
    trajectories: readonly Trajectory[],
    config?: LoRAConfig,
  ): Promise<FisherMatrix>;
  /** Online EWC: gamma * older + newer, renormalized, anchored at the newer solution (gamma default 0.9). */
  mergeFisher(older: FisherMatrix, newer: FisherMatrix, gamma?: number): FisherMatrix;
  /** theta* + (theta - theta*) / (1 + lambda F): never past the anchor. */
  applyEWC(weights: LoRAWeights, fisher: FisherMatrix, lambda: number): LoRAWeights;
  serializeAdapter(weights: LoRAWeights): Uint8Array;
  deserializeAdapter(bytes: Uint8Array): LoRAWeights;
  serializeFisher(fisher: FisherMatrix): Uint8Array;
  deserializeFisher(bytes: Uint8Array): FisherMatrix;
}

const utf8 = new TextEncoder();

function newId(): string {
  const c = (globalThis as { crypto?: { randomUUID?: () => string } }).crypto;
  if (typeof c?.randomUUID === 'function') return c.randomUUID();
  return `p-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
}

/**
 * Makes `embedding` a fixed property (neither writable nor configurable), so a pattern object
 * stands for its embedding for good: matchPatterns' block cache then checks the array's elements,
 * not every pattern object (10k cold objects cost more than the match's own scan).
 */
function fixEmbedding(p: Pattern): Pattern {
  Object.defineProperty(p, 'embedding', { writable: false, configurable: false });
  return p;
}

/** True if `p.embedding` can never be another array (fixEmbedding, or the caller froze it). */
function embeddingIsFixed(p: Pattern): boolean {
  const d = Object.getOwnPropertyDescriptor(p, 'embedding');
  return d !== undefined && d.writable === false && d.configurable === false;
}

function patternFrom(r: PatternRecord, policy: Readonly<ActivityPolicy>): Pattern {
  return fixEmbedding({
    id: r.id,
    type: r.type,
    embedding: r.embedding,
    metadata: parseMetadata(r.metadataJson),
    usageCount: r.usageCount,
    successCount: r.successCount,
    confidence: confidenceOf(r.usageCount, r.successCount),
    active: r.active,
    policy,
  });
}

/** hnswAbove as the C ABI's hnsw_min (0: never). */
function hnswAboveArg(fn: string, value: unknown): number {
  if (value === undefined) return 4096;
  if (value === Infinity) return 0;
  return integerArg(fn, 'hnswAbove', value, 1, 0xffffffff);
}

function patternArg(fn: string, p: unknown): Pattern {
  const pattern = p as Pattern;
  if (typeof p !== 'object' || p === null || !(pattern.embedding instanceof Float32Array)) {
    throw fail('INVALID_ARGUMENT', fn, 'expected a Pattern (from createPattern)');
  }
  idArg(fn, 'pattern.id', pattern.id);
  patternTypeArg(fn, pattern.type);
  integerArg(fn, 'pattern.usageCount', pattern.usageCount, 0, 0xffffffff);
  integerArg(fn, 'pattern.successCount', pattern.successCount, 0, pattern.usageCount);
  return pattern;
}

const params = (w: LoRAWeights): AdapterParams => ({
  dimensions: w.dimensions,
  rank: w.rank,
  alpha: w.alpha,
  params: w.params,
});

/** The learning module over one backend's kernels. */
export function createLearningModule(kernels: BackendKernels): LearningModule {
  const backend: BackendName = kernels.name;
  const core = (fn: string): LearnKernels => {
    if (kernels.learn === undefined) {
      throw new RuVectorError(
        'UNSUPPORTED',
        `${fn}: needs the C++ core (native or wasm backend); the ${backend} backend has patterns, PatternStore, matchPatterns and applyLoRA`,
      );
    }
    return kernels.learn;
  };

  const unit = (fn: string, v: Float32Array): Float32Array => {
    const out = kernels.normalize(v);
    let any = false;
    for (const x of out) if (x !== 0) any = true;
    if (!any) throw fail('INVALID_ARGUMENT', fn, 'a zero embedding has no direction');
    return out;
  };

  const adapt = (w: LoRAWeights, x: Float32Array, count: number): Float32Array =>
    kernels.learn !== undefined ? kernels.learn.loraApply(params(w), x, count) : applyAdapterJs(w, x, count);

  function createPattern(
    embedding: Float32Array,
    metadata?: JsonValue,
    options?: CreatePatternOptions,
  ): Pattern {
    const fn = 'createPattern';
    embeddingArg(fn, 'embedding', embedding);
    const o = options ?? {};
    const policy = Object.freeze(policyArg(fn, o.minUses, o.minSuccessRate));
    const usageCount =
      o.usageCount === undefined ? 0 : integerArg(fn, 'usageCount', o.usageCount, 0, 0xffffffff);
    const successCount =
      o.successCount === undefined ? 0 : integerArg(fn, 'successCount', o.successCount, 0, usageCount);
    const text = metadataJson(fn, metadata);
    return fixEmbedding({
      id: o.id === undefined ? newId() : idArg(fn, 'id', o.id),
      type: o.type === undefined ? 'response' : patternTypeArg(fn, o.type),
      embedding: unit(fn, embedding),
      metadata: parseMetadata(text),
      usageCount,
      successCount,
      confidence: confidenceOf(usageCount, successCount),
      active: isActive(usageCount, successCount, policy.minUses, policy.minSuccessRate),
      policy,
    });
  }

  function recordOutcome(pattern: Pattern, success: boolean): Pattern {
    const fn = 'recordOutcome';
    patternArg(fn, pattern);
    if (typeof success !== 'boolean') throw fail('INVALID_ARGUMENT', fn, 'success must be a boolean');
    pattern.usageCount += 1;
    if (success) pattern.successCount += 1;
    pattern.confidence = confidenceOf(pattern.usageCount, pattern.successCount);
    const policy = pattern.policy ?? DEFAULT_POLICY;
    pattern.active = isActive(
      pattern.usageCount,
      pattern.successCount,
      policy.minUses,
      policy.minSuccessRate,
    );
    return pattern;
  }

  function openStore(s: PatternStoreBackend, policy: Readonly<ActivityPolicy>, dims: number): PatternStore {
    const store: PatternStore = {
      dimensions: dims,
      get size() {
        return s.size();
      },
      add(pattern) {
        const fn = 'PatternStore.add';
        patternArg(fn, pattern);
        embeddingArg(fn, 'pattern.embedding', pattern.embedding, dims);
        if (pattern.embedding.every((x) => x === 0))
          throw fail('INVALID_ARGUMENT', fn, 'a zero embedding has no direction');
        s.add(
          pattern.id,
          PATTERN_TYPES.indexOf(pattern.type),
          utf8.encode(metadataJson(fn, pattern.metadata)),
          pattern.usageCount,
          pattern.successCount,
          pattern.embedding,
        );
      },
      create(embedding, metadata, options) {
        const p = createPattern(embedding, metadata, { ...options, ...policy });
        store.add(p);
        return p;
      },
      get(id) {
        const r = decodePattern(s.get(idArg('PatternStore.get', 'id', id)));
        return r === undefined ? undefined : patternFrom(r, policy);
      },
      has: (id) => s.has(idArg('PatternStore.has', 'id', id)),
      remove: (id) => s.remove(idArg('PatternStore.remove', 'id', id)),
      recordOutcome(pattern, success) {
        const fn = 'PatternStore.recordOutcome';
        const id = typeof pattern === 'string' ? idArg(fn, 'id', pattern) : patternArg(fn, pattern).id;
        if (typeof success !== 'boolean') throw fail('INVALID_ARGUMENT', fn, 'success must be a boolean');
        if (!s.has(id)) throw fail('INVALID_ARGUMENT', fn, `no pattern with id ${JSON.stringify(id)}`);
        s.recordOutcome(id, success);
        const updated = store.get(id)!;
        if (typeof pattern !== 'string') {
          pattern.usageCount = updated.usageCount;
          pattern.successCount = updated.successCount;
          pattern.confidence = updated.confidence;
          pattern.active = updated.active;
        }
        return updated;
      },
      match(query, threshold, options) {
        const fn = 'PatternStore.match';
        embeddingArg(fn, 'query', query, dims);
        const t = thresholdArg(fn, threshold);
        const o = matchOptionsArg(fn, options, query.length);
        const bytes = s.match(query, t, o.limit, o.typeMask, o.adapter === null ? null : params(o.adapter));
        return decodeMatches(bytes).map((m) => ({
          pattern: patternFrom(m.record, policy),
          score: m.score,
          rawSimilarity: m.rawSimilarity,
        }));
      },
      patterns() {
        const n = s.size();
        const out: Pattern[] = [];
        for (let i = 0; i < n; i++) out.push(patternFrom(decodePattern(s.at(i))!, policy));
        return out;
      },
      stats() {
        const [size, hnswMin, indexed, active] = s.info();
        return {
          size: size!,
          active: active!,
          dimensions: dims,
          minUses: policy.minUses,
          minSuccessRate: policy.minSuccessRate,
          hnswAbove: hnswMin === 0 || backend === 'js-fallback' ? Infinity : hnswMin!,
          indexed: indexed === 1,
          backend,
        };
      },
      serialize: () => s.serialize(),
      free: () => s.free(),
    };
    return Object.freeze(store);
  }

  /**
   * The embeddings of a pattern array as one row-major block, kept between calls (keyed by the
   * array, checked against each pattern's embedding object), in the backend's own memory where it
   * has some (the wasm heap): passing 10k Float32Arrays per call would cost more than the match.
   * Embeddings are immutable after createPattern; a block is freed with its array. When every
   * pattern's embedding property is fixed (as createPattern makes it) the check compares the
   * array's elements only, else each pattern's embedding.
   */
  const rowsCache = new WeakMap<
    readonly Pattern[],
    {
      /** The elements (fixed embeddings) or their embeddings, as the block was built. */
      keys: readonly unknown[];
      fixed: boolean;
      buffer?: VectorBuffer;
      flat?: Float32Array;
    }
  >();
  const release =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<VectorBuffer>((b) => b.free())
      : null;
  function rowsOf(fn: string, patterns: readonly Pattern[], dim: number): Float32Array {
    const cached = rowsCache.get(patterns);
    if (cached !== undefined && cached.keys.length === patterns.length) {
      const keys = cached.keys;
      let same = true;
      if (cached.fixed) {
        for (let i = 0; i < patterns.length && same; i++) same = patterns[i] === keys[i];
      } else {
        for (let i = 0; i < patterns.length && same; i++) same = patterns[i]?.embedding === keys[i];
      }
      if (same) return cached.buffer?.view() ?? cached.flat!;
    }
    if (cached?.buffer !== undefined) {
      release?.unregister(cached);
      cached.buffer.free();
    }
    // O(1) per pattern, once per array: embeddings were checked (finite, unit) by createPattern;
    // a pattern whose embedding was since overwritten with NaN never matches (NaN similarity).
    patterns.forEach((p, i) => {
      if (typeof p !== 'object' || p === null || !(p.embedding instanceof Float32Array)) {
        throw fail('INVALID_ARGUMENT', fn, `patterns[${i}] is not a Pattern (from createPattern)`);
      }
      if (p.embedding.length !== dim) {
        throw fail(
          'DIMENSION_MISMATCH',
          fn,
          `patterns[${i}].embedding has ${p.embedding.length} elements but the query has ${dim}`,
        );
      }
    });
    const n = patterns.length;
    const buffer =
      n >= 64 && kernels.allocateFloat32 !== undefined ? kernels.allocateFloat32(n * dim) : undefined;
    const flat = buffer?.view() ?? new Float32Array(n * dim);
    patterns.forEach((p, i) => flat.set(p.embedding, i * dim));
    const fixed = patterns.every(embeddingIsFixed);
    const entry = {
      keys: fixed ? patterns.slice() : patterns.map((p) => p.embedding),
      fixed,
      ...(buffer ? { buffer } : { flat }),
    };
    rowsCache.set(patterns, entry);
    if (buffer !== undefined) release?.register(entry, buffer, entry);
    return buffer?.view() ?? flat;
  }

  const jsStoreKernels: JsStoreKernels = {
    normalize: (v) => kernels.normalize(v),
    batchDistance: (q, rows, count, metric) => kernels.batchDistance(q, rows, count, metric),
    ...(kernels.dotAbove ? { dotAbove: kernels.dotAbove.bind(kernels) } : {}),
    adapt: (w, q) => adapt(w, q, 1),
  };

  const module: LearningModule = {
    createPattern,
    recordOutcome,

    matchPatterns(query, patterns, threshold, options) {
      const fn = 'matchPatterns';
      if (!Array.isArray(patterns)) {
        if (
          typeof patterns === 'object' &&
          patterns !== null &&
          typeof (patterns as PatternStore).match === 'function'
        ) {
          return (patterns as PatternStore).match(query, threshold, options);
        }
        throw fail('INVALID_ARGUMENT', fn, 'patterns must be an array of Patterns or a PatternStore');
      }
      embeddingArg(fn, 'query', query);
      const t = thresholdArg(fn, threshold);
      const o = matchOptionsArg(fn, options, query.length);
      if (patterns.length === 0) return [];
      const q = o.adapter === null ? kernels.normalize(query) : adapt(o.adapter, query, 1);
      // Embeddings are unit and q is unit (or zero): cosine = dot.
      const above = rowsAbove(kernels, q, rowsOf(fn, patterns, q.length), patterns.length, t);
      return rankMatches(above, patterns, o.limit, o.typeMask);
    },

    createPatternStore(options) {
      const fn = 'createPatternStore';
      if (typeof options !== 'object' || options === null)
        throw fail(
          'INVALID_ARGUMENT',
          fn,
          'options must be { dimensions, minUses?, minSuccessRate?, hnswAbove? }',
        );
      const dims = integerArg(fn, 'dimensions', options.dimensions, 1, 65536);
      const policy = Object.freeze(policyArg(fn, options.minUses, options.minSuccessRate));
      const hnswMin = hnswAboveArg(fn, options.hnswAbove);
      const backendStore =
        kernels.learn !== undefined
          ? kernels.learn.createPatternStore(dims, policy.minUses, policy.minSuccessRate)
          : createJsPatternStore(jsStoreKernels, dims, policy);
      backendStore.setHnswMin(hnswMin);
      return openStore(backendStore, policy, dims);
    },

    loadPatternStore(bytes, options) {
      const fn = 'loadPatternStore';
      bytesArg(fn, 'bytes', bytes);
      if (options !== undefined && (typeof options !== 'object' || options === null)) {
        throw fail('INVALID_ARGUMENT', fn, 'options must be { hnswAbove? }');
      }
      const hnswMin = hnswAboveArg(fn, options?.hnswAbove);
      const s =
        kernels.learn !== undefined
          ? kernels.learn.loadPatternStore(bytes)
          : loadJsPatternStore(jsStoreKernels, bytes);
      // The policy and dimensions are in the header (FORMAT.md): dim u32 at 12, minUses at 16, rate f64 at 20.
      const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const policy = Object.freeze({
        minUses: v.getUint32(16, true),
        minSuccessRate: v.getFloat64(20, true),
      });
      s.setHnswMin(hnswMin);
      const store = openStore(s, policy, v.getUint32(12, true));
      // Metadata is JSON text on every backend: a blob whose metadata is not is corrupt (one
      // verdict everywhere, at load rather than at the first get).
      const n = s.size();
      for (let i = 0; i < n; i++) {
        const r = decodePattern(s.at(i))!;
        try {
          JSON.parse(r.metadataJson);
        } catch {
          s.free();
          throw fail('CORRUPT_DATA', fn, `pattern ${JSON.stringify(r.id)} has metadata that is not JSON`);
        }
      }
      return store;
    },

    async trainLoRA(trajectories, config) {
      const fn = 'trainLoRA';
      const learn = core(fn);
      const dim = trajectoriesArg(fn, trajectories);
      const c = loraConfigArg(fn, config);
      const fisher = c.raw.ewc?.fisher;
      const initial = c.raw.initial;
      if (fisher !== undefined && fisher.anchor.dimensions !== dim) {
        throw fail(
          'DIMENSION_MISMATCH',
          fn,
          `the Fisher is of ${fisher.anchor.dimensions} dimensions, the trajectories of ${dim}`,
        );
      }
      if (initial !== undefined && initial.dimensions !== dim) {
        throw fail(
          'DIMENSION_MISMATCH',
          fn,
          `config.initial is of ${initial.dimensions} dimensions, the trajectories of ${dim}`,
        );
      }
      const onEpoch = c.raw.onEpoch;
      const { params: trained, report } = await learn.loraTrain(
        dim,
        packTrajectories(trajectories, dim),
        encodeConfig(c),
        initial?.params ?? null,
        fisher === undefined ? null : { values: fisher.values, anchor: fisher.anchor.params },
        2 * c.rank * dim,
        onEpoch === undefined ? undefined : (r) => onEpoch(decodeReport(r)),
      );
      return makeWeights(dim, c.rank, c.alpha, trained, decodeReport(report));
    },

    applyLoRA(weights: LoRAWeights, input: Float32Array | readonly Float32Array[]) {
      const fn = 'applyLoRA';
      weightsArg(fn, 'weights', weights);
      if (input instanceof Float32Array) {
        embeddingArg(fn, 'input', input, weights.dimensions);
        return adapt(weights, input, 1);
      }
      if (!Array.isArray(input))
        throw fail('INVALID_ARGUMENT', fn, 'input must be a Float32Array or an array of them');
      const d = weights.dimensions;
      const flat = new Float32Array(input.length * d);
      input.forEach((v, i) => flat.set(embeddingArg(fn, `input[${i}]`, v, d), i * d));
      const out = input.length === 0 ? flat : adapt(weights, flat, input.length);
      return input.map((_, i) => out.slice(i * d, (i + 1) * d));
    },

    async computeFisher(weights, trajectories, config) {
      const fn = 'computeFisher';
      const learn = core(fn);
      weightsArg(fn, 'weights', weights);
      const dim = trajectoriesArg(fn, trajectories);
      if (dim !== weights.dimensions) {
        throw fail(
          'DIMENSION_MISMATCH',
          fn,
          `the adapter has ${weights.dimensions} dimensions, the trajectories ${dim}`,
        );
      }
      const c = loraConfigArg(fn, { ...config, rank: weights.rank, alpha: weights.alpha });
      const values = await learn.fisherCompute(
        params(weights),
        packTrajectories(trajectories, dim),
        encodeConfig(c),
      );
      return Object.freeze({ values, anchor: weights });
    },

    mergeFisher(older, newer, gamma = 0.9) {
      const fn = 'mergeFisher';
      const learn = core(fn);
      fisherArg(fn, 'older', older);
      fisherArg(fn, 'newer', newer);
      numberArg(fn, 'gamma', gamma);
      const a = newer.anchor;
      if (older.values.length !== newer.values.length) {
        throw fail('DIMENSION_MISMATCH', fn, 'the two Fishers are of adapters of different shapes');
      }
      const values = learn.fisherMerge(a, older.values, newer.values, a.params, gamma);
      return Object.freeze({ values, anchor: a });
    },

    applyEWC(weights, fisher, lambda) {
      const fn = 'applyEWC';
      const learn = core(fn);
      weightsArg(fn, 'weights', weights);
      fisherArg(fn, 'fisher', fisher);
      numberArg(fn, 'lambda', lambda);
      if (
        fisher.anchor.params.length !== weights.params.length ||
        fisher.anchor.dimensions !== weights.dimensions
      ) {
        throw fail('DIMENSION_MISMATCH', fn, 'the adapter and the Fisher anchor differ in shape');
      }
      const out = learn.ewcApply(params(weights), fisher.anchor.params, fisher.values, lambda);
      return makeWeights(weights.dimensions, weights.rank, weights.alpha, out);
    },

    serializeAdapter(weights) {
      return serializeAdapter(weightsArg('serializeAdapter', 'weights', weights));
    },
    deserializeAdapter: (bytes) => deserializeAdapter(bytes),
    serializeFisher(fisher) {
      return serializeFisher(fisherArg('serializeFisher', 'fisher', fisher));
    },
    deserializeFisher: (bytes) => deserializeFisher(bytes),
  } as LearningModule;
  return Object.freeze(module);
}
