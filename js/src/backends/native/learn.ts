/**
 * LearnKernels over the addon (bindings/node/learn_binding.cc): convert, call, convert back.
 * Training runs on a libuv worker (its inputs copied first); everything else is short and runs on
 * the calling thread.
 */
import type {
  AdapterParams,
  AdapterShape,
  LearnKernels,
  PackedTrajectoryArrays,
  PatternStoreBackend,
} from '../../backend.js';
import { guarded, rethrow } from './status.js';

/**
 * One pattern store of the addon (a ruv_patterns* with a GC finalizer): the backend contract,
 * but match takes the adapter as (rank, alpha, params) rather than one object.
 */
type NativePatternStore = Omit<PatternStoreBackend, 'match'> & {
  match(
    q: Float32Array,
    threshold: number,
    limit: number,
    typeMask: number,
    rank: number,
    alpha: number,
    params: Float32Array | null,
  ): Uint8Array;
};

/** What the addon exports for learning. */
export interface NativeLearnAddon {
  PatternStore: new (
    ...args: [dimensions: number, minUses: number, minSuccessRate: number] | [bytes: Uint8Array]
  ) => NativePatternStore;
  loraInit(dim: number, rank: number, alpha: number, seed: bigint, out: Float32Array): void;
  loraApply(
    dim: number,
    rank: number,
    alpha: number,
    params: Float32Array,
    x: Float32Array,
    count: number,
    out: Float32Array,
  ): void;
  loraTrainAsync(
    dim: number,
    queries: Float32Array,
    targets: Float32Array,
    verdicts: Uint8Array,
    rewards: Float32Array,
    config: Uint8Array,
    initial: Float32Array | null,
    fisherValues: Float32Array | null,
    fisherAnchor: Float32Array | null,
    out: Float32Array,
    onEpoch: ((report: Uint8Array) => void) | null,
  ): Promise<Uint8Array>;
  fisherComputeAsync(
    dim: number,
    rank: number,
    alpha: number,
    params: Float32Array,
    queries: Float32Array,
    targets: Float32Array,
    verdicts: Uint8Array,
    rewards: Float32Array,
    config: Uint8Array,
    out: Float32Array,
  ): Promise<void>;
  fisherMerge(
    dim: number,
    rank: number,
    alpha: number,
    older: Float32Array,
    newer: Float32Array,
    newerAnchor: Float32Array,
    gamma: number,
    out: Float32Array,
  ): void;
  ewcApply(
    dim: number,
    rank: number,
    alpha: number,
    params: Float32Array,
    anchor: Float32Array,
    fisher: Float32Array,
    lambda: number,
    out: Float32Array,
  ): void;
}

function wrap(s: NativePatternStore): PatternStoreBackend {
  return {
    add: (id, type, metadata, usage, success, v) =>
      guarded(() => s.add(id, type, metadata, usage, success, v)),
    remove: (id) => guarded(() => s.remove(id)),
    has: (id) => guarded(() => s.has(id)),
    recordOutcome: (id, success) => guarded(() => s.recordOutcome(id, success)),
    get: (id) => guarded(() => s.get(id)),
    at: (index) => guarded(() => s.at(index)),
    size: () => guarded(() => s.size()),
    setHnswMin: (n) => guarded(() => s.setHnswMin(n)),
    info: () => guarded(() => s.info()),
    match: (q, threshold, limit, typeMask, adapter) =>
      guarded(() =>
        s.match(
          q,
          threshold,
          limit,
          typeMask,
          adapter?.rank ?? 0,
          adapter?.alpha ?? 0,
          adapter?.params ?? null,
        ),
      ),
    serialize: () => guarded(() => s.serialize()),
    free: () => s.free(),
  };
}

export function createLearnKernels(addon: NativeLearnAddon): LearnKernels {
  const t = (p: PackedTrajectoryArrays) => [p.queries, p.targets, p.verdicts, p.rewards] as const;
  return {
    createPatternStore: (dimensions, minUses, minSuccessRate) =>
      wrap(guarded(() => new addon.PatternStore(dimensions, minUses, minSuccessRate))),
    loadPatternStore: (bytes) => wrap(guarded(() => new addon.PatternStore(bytes))),
    loraInit(shape: AdapterShape, seed: bigint): Float32Array {
      const out = new Float32Array(2 * shape.rank * shape.dimensions);
      guarded(() => addon.loraInit(shape.dimensions, shape.rank, shape.alpha, seed, out));
      return out;
    },
    loraApply(a: AdapterParams, x: Float32Array, count: number): Float32Array {
      const out = new Float32Array(count * a.dimensions);
      guarded(() => addon.loraApply(a.dimensions, a.rank, a.alpha, a.params, x, count, out));
      return out;
    },
    async loraTrain(dimensions, trajectories, config, initial, fisher, paramCount, onEpoch) {
      const params = new Float32Array(paramCount);
      const report = await guarded(() =>
        addon.loraTrainAsync(
          dimensions,
          ...t(trajectories),
          config,
          initial,
          fisher?.values ?? null,
          fisher?.anchor ?? null,
          params,
          onEpoch ?? null,
        ),
      ).catch(rethrow);
      return { params, report };
    },
    async fisherCompute(a, trajectories, config) {
      const out = new Float32Array(a.params.length);
      await guarded(() =>
        addon.fisherComputeAsync(a.dimensions, a.rank, a.alpha, a.params, ...t(trajectories), config, out),
      ).catch(rethrow);
      return out;
    },
    fisherMerge(shape, older, newer, newerAnchor, gamma) {
      const out = new Float32Array(newer.length);
      guarded(() =>
        addon.fisherMerge(shape.dimensions, shape.rank, shape.alpha, older, newer, newerAnchor, gamma, out),
      );
      return out;
    },
    ewcApply(a, anchor, fisher, lambda) {
      const out = new Float32Array(a.params.length);
      guarded(() => addon.ewcApply(a.dimensions, a.rank, a.alpha, a.params, anchor, fisher, lambda, out));
      return out;
    },
  };
}
