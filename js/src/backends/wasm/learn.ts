/**
 * LearnKernels over the learning C ABI of the wasm module (core/capi/ruv_capi_learn.h). Inputs go
 * through the backend's scratch arena, results are copied out. The module has no threads:
 * training runs one epoch per call and yields to the event loop between epochs, so a page or a
 * server stays responsive while an adapter trains.
 */
import type {
  AdapterParams,
  AdapterShape,
  LearnKernels,
  PackedTrajectoryArrays,
  PatternStoreBackend,
} from '../../backend.js';
import { RuVectorError } from '../../errors.js';
import { REPORT_BYTES } from '../../learning/codec.js';
import { yieldToEventLoop } from '../../schedule.js';
import { align64, type ScratchArena } from './hnsw.js';

/** The learning exports of the module (pointers and size_t are 32-bit numbers). */
export interface WasmLearnExports {
  HEAPU8: Uint8Array;
  HEAPU32: Uint32Array;
  HEAPF32: Float32Array;
  _ruv_bytes_size(b: number): number;
  _ruv_bytes_data(b: number): number;
  _ruv_bytes_free(b: number): void;
  _ruv_patterns_create(dim: number, minUses: number, minSuccessRate: number, out: number): number;
  _ruv_patterns_deserialize(data: number, size: number, out: number): number;
  _ruv_patterns_free(h: number): void;
  _ruv_patterns_serialize(h: number, out: number): number;
  _ruv_patterns_size(h: number, out: number): number;
  _ruv_patterns_set_hnsw_min(h: number, n: number): number;
  _ruv_patterns_info(h: number, out: number): number;
  _ruv_patterns_add(
    h: number,
    id: number,
    idLen: number,
    type: number,
    meta: number,
    metaLen: number,
    usage: number,
    success: number,
    v: number,
    dim: number,
  ): number;
  _ruv_patterns_remove(h: number, id: number, idLen: number, removed: number): number;
  _ruv_patterns_has(h: number, id: number, idLen: number, found: number): number;
  _ruv_patterns_record_outcome(h: number, id: number, idLen: number, success: number): number;
  _ruv_patterns_get(h: number, id: number, idLen: number, out: number): number;
  _ruv_patterns_at(h: number, index: number, out: number): number;
  _ruv_patterns_match(
    h: number,
    q: number,
    dim: number,
    threshold: number,
    limit: number,
    typeMask: number,
    rank: number,
    alpha: number,
    params: number,
    nParams: number,
    out: number,
  ): number;
  _ruv_lora_init(dim: number, rank: number, alpha: number, seed: bigint, out: number, n: number): number;
  _ruv_lora_apply(
    dim: number,
    rank: number,
    alpha: number,
    params: number,
    n: number,
    x: number,
    count: number,
    out: number,
  ): number;
  _ruv_lora_train_start(
    dim: number,
    queries: number,
    targets: number,
    verdicts: number,
    rewards: number,
    count: number,
    config: number,
    initial: number,
    fisherValues: number,
    fisherAnchor: number,
    n: number,
    out: number,
  ): number;
  _ruv_lora_train_step(t: number, epochs: number, report: number): number;
  _ruv_lora_train_finish(t: number, out: number, n: number): number;
  _ruv_lora_trainer_free(t: number): void;
  _ruv_fisher_start(
    dim: number,
    rank: number,
    alpha: number,
    params: number,
    n: number,
    queries: number,
    targets: number,
    verdicts: number,
    rewards: number,
    count: number,
    config: number,
    out: number,
  ): number;
  _ruv_fisher_step(job: number, batches: number, done: number): number;
  _ruv_fisher_finish(job: number, out: number, n: number): number;
  _ruv_fisher_job_free(job: number): void;
  _ruv_fisher_merge(
    dim: number,
    rank: number,
    alpha: number,
    older: number,
    newer: number,
    anchor: number,
    n: number,
    gamma: number,
    out: number,
  ): number;
  _ruv_ewc_apply(
    dim: number,
    rank: number,
    alpha: number,
    params: number,
    anchor: number,
    fisher: number,
    n: number,
    lambda: number,
    out: number,
  ): number;
}

const encoder = new TextEncoder();
const OUT_SLOT = 64;

type Input = Float32Array | Uint8Array | null;

/**
 * Copies `inputs` into one arena block after a 64-byte out slot and `outBytes` of output space:
 * returns [base (the out slot), the pointer of each input (0 for null), the output pointer].
 */
function place(
  m: WasmLearnExports,
  arena: ScratchArena,
  inputs: readonly Input[],
  outBytes = 0,
): [number, number[], number] {
  let total = OUT_SLOT;
  for (const a of inputs) total += a === null ? 0 : align64(a.byteLength);
  const base = arena.reserve(total + align64(outBytes));
  const ptrs: number[] = [];
  let at = base + OUT_SLOT;
  for (const a of inputs) {
    if (a === null) {
      ptrs.push(0);
      continue;
    }
    m.HEAPU8.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    ptrs.push(at);
    at += align64(a.byteLength);
  }
  return [base, ptrs, at];
}

export function createWasmLearn(m: WasmLearnExports, arena: ScratchArena): LearnKernels {
  const { check } = arena;
  const finalizer =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<number>((h) => m._ruv_patterns_free(h))
      : null;

  /** Copies a ruv_bytes object out of the heap and frees it. */
  const takeBytes = (b: number): Uint8Array => {
    const data = m._ruv_bytes_data(b) >>> 0;
    const out = m.HEAPU8.slice(data, data + (m._ruv_bytes_size(b) >>> 0));
    m._ruv_bytes_free(b);
    return out;
  };
  const floatsAt = (ptr: number, n: number): Float32Array => m.HEAPF32.slice(ptr >>> 2, (ptr >>> 2) + n);

  /**
   * Drives a core job (training, the Fisher) one step per turn of the event loop: `step` runs one
   * step with a result slot and says whether the job is done; then `finish` writes its `n` floats.
   * The job is freed however this ends (an error, an onEpoch that throws).
   */
  const inSteps = async (
    step: (slot: number) => boolean,
    finish: (out: number) => number,
    free: () => void,
    n: number,
  ): Promise<Float32Array> => {
    try {
      for (;;) {
        const [slot] = place(m, arena, []);
        if (step(slot)) break;
        await yieldToEventLoop();
      }
      const [, , out] = place(m, arena, [], n * 4);
      check(finish(out));
      return floatsAt(out, n);
    } finally {
      free();
      arena.trim();
    }
  };

  function wrap(base: number): PatternStoreBackend {
    let h = m.HEAPU32[base >>> 2]!;
    const live = (): number => {
      if (h === 0) throw new RuVectorError('NOT_INITIALIZED', 'PatternStore: the store was freed');
      return h;
    };
    /** Runs a call that writes a ruv_bytes* into the out slot; returns its bytes. */
    const bytesCall = (
      inputs: readonly Input[],
      call: (base: number, ptrs: number[]) => number,
    ): Uint8Array => {
      const [b, ptrs] = place(m, arena, inputs);
      try {
        check(call(b, ptrs));
        return takeBytes(m.HEAPU32[b >>> 2]!);
      } finally {
        arena.trim();
      }
    };
    /** A yes/no question about one id (ruv_patterns_remove, ruv_patterns_has). */
    const idQuestion = (
      ask: (h: number, id: number, idLen: number, out: number) => number,
      id: string,
    ): boolean => {
      const idBytes = encoder.encode(id);
      const [b, [pid]] = place(m, arena, [idBytes]);
      check(ask(live(), pid!, idBytes.length, b));
      return m.HEAPU32[b >>> 2] !== 0;
    };
    const store: PatternStoreBackend = {
      add(id, type, metadata, usage, success, v) {
        const idBytes = encoder.encode(id);
        const [, [pid, pmeta, pv]] = place(m, arena, [idBytes, metadata, v]);
        check(
          m._ruv_patterns_add(
            live(),
            pid!,
            idBytes.length,
            type,
            pmeta!,
            metadata.length,
            usage,
            success,
            pv!,
            v.length,
          ),
        );
      },
      remove: (id) => idQuestion(m._ruv_patterns_remove, id),
      has: (id) => idQuestion(m._ruv_patterns_has, id),
      recordOutcome(id, success) {
        const idBytes = encoder.encode(id);
        const [, [pid]] = place(m, arena, [idBytes]);
        check(m._ruv_patterns_record_outcome(live(), pid!, idBytes.length, success ? 1 : 0));
      },
      get(id) {
        const idBytes = encoder.encode(id);
        return bytesCall([idBytes], (b, [pid]) => m._ruv_patterns_get(live(), pid!, idBytes.length, b));
      },
      at: (index) => bytesCall([], (b) => m._ruv_patterns_at(live(), index, b)),
      size() {
        const [b] = place(m, arena, []);
        check(m._ruv_patterns_size(live(), b));
        return m.HEAPU32[b >>> 2]!;
      },
      setHnswMin(n) {
        check(m._ruv_patterns_set_hnsw_min(live(), n));
      },
      info() {
        const [b] = place(m, arena, []);
        check(m._ruv_patterns_info(live(), b));
        return m.HEAPU32.slice(b >>> 2, (b >>> 2) + 4);
      },
      match: (q, threshold, limit, typeMask, adapter) =>
        bytesCall([q, adapter?.params ?? null], (b, [pq, pp]) =>
          m._ruv_patterns_match(
            live(),
            pq!,
            q.length,
            threshold,
            limit,
            typeMask,
            adapter?.rank ?? 0,
            adapter?.alpha ?? 0,
            pp!,
            adapter?.params.length ?? 0,
            b,
          ),
        ),
      serialize: () => bytesCall([], (b) => m._ruv_patterns_serialize(live(), b)),
      free() {
        if (h === 0) return;
        finalizer?.unregister(store);
        m._ruv_patterns_free(h);
        h = 0;
      },
    };
    finalizer?.register(store, h, store);
    return store;
  }

  const trajectoryInputs = (t: PackedTrajectoryArrays): Input[] => [
    t.queries,
    t.targets,
    t.verdicts,
    t.rewards,
  ];

  return {
    createPatternStore(dimensions, minUses, minSuccessRate) {
      const [b] = place(m, arena, []);
      check(m._ruv_patterns_create(dimensions, minUses, minSuccessRate, b));
      return wrap(b);
    },
    loadPatternStore(bytes) {
      const [b, [p]] = place(m, arena, [bytes]);
      try {
        check(m._ruv_patterns_deserialize(p!, bytes.length, b));
        return wrap(b);
      } finally {
        arena.trim();
      }
    },
    loraInit(shape: AdapterShape, seed: bigint) {
      const n = 2 * shape.rank * shape.dimensions;
      const [, , out] = place(m, arena, [], n * 4);
      check(m._ruv_lora_init(shape.dimensions, shape.rank, shape.alpha, BigInt.asUintN(64, seed), out, n));
      return floatsAt(out, n);
    },
    loraApply(a: AdapterParams, x: Float32Array, count: number) {
      const [, [pp, px], out] = place(m, arena, [a.params, x], x.byteLength);
      try {
        check(m._ruv_lora_apply(a.dimensions, a.rank, a.alpha, pp!, a.params.length, px!, count, out));
        return floatsAt(out, count * a.dimensions);
      } finally {
        arena.trim();
      }
    },
    async loraTrain(dimensions, t, config, initial, fisher, paramCount, onEpoch) {
      const [b, [pq, pt, pv, pr, pc, pi, pf, pa]] = place(m, arena, [
        ...trajectoryInputs(t),
        config,
        initial,
        fisher?.values ?? null,
        fisher?.anchor ?? null,
      ]);
      try {
        check(
          m._ruv_lora_train_start(
            dimensions,
            pq!,
            pt!,
            pv!,
            pr!,
            t.verdicts.length,
            pc!,
            pi!,
            pf!,
            pa!,
            paramCount,
            b,
          ),
        );
      } finally {
        arena.trim();
      }
      const trainer = m.HEAPU32[b >>> 2]!;
      let report = new Uint8Array(REPORT_BYTES);
      const params = await inSteps(
        (slot) => {
          check(m._ruv_lora_train_step(trainer, 1, slot));
          report = m.HEAPU8.slice(slot, slot + REPORT_BYTES);
          onEpoch?.(report);
          return new DataView(report.buffer).getUint32(4, true) !== 0;
        },
        (out) => m._ruv_lora_train_finish(trainer, out, paramCount),
        () => m._ruv_lora_trainer_free(trainer),
        paramCount,
      );
      return { params, report };
    },
    async fisherCompute(a, t, config) {
      const n = a.params.length;
      const [b, [pp, pq, pt, pv, pr, pc]] = place(m, arena, [a.params, ...trajectoryInputs(t), config]);
      try {
        check(
          m._ruv_fisher_start(
            a.dimensions,
            a.rank,
            a.alpha,
            pp!,
            n,
            pq!,
            pt!,
            pv!,
            pr!,
            t.verdicts.length,
            pc!,
            b,
          ),
        );
      } finally {
        arena.trim();
      }
      const job = m.HEAPU32[b >>> 2]!;
      return inSteps(
        (slot) => {
          // About 8 batches per turn of the event loop (a few milliseconds at 384-d, rank 8).
          check(m._ruv_fisher_step(job, 8, slot));
          return m.HEAPU32[slot >>> 2] !== 0;
        },
        (out) => m._ruv_fisher_finish(job, out, n),
        () => m._ruv_fisher_job_free(job),
        n,
      );
    },
    fisherMerge(shape, older, newer, newerAnchor, gamma) {
      const n = newer.length;
      const [, [po, pn, pa], out] = place(m, arena, [older, newer, newerAnchor], n * 4);
      check(m._ruv_fisher_merge(shape.dimensions, shape.rank, shape.alpha, po!, pn!, pa!, n, gamma, out));
      return floatsAt(out, n);
    },
    ewcApply(a, anchor, fisher, lambda) {
      const n = a.params.length;
      const [, [pp, pa, pf], out] = place(m, arena, [a.params, anchor, fisher], n * 4);
      check(m._ruv_ewc_apply(a.dimensions, a.rank, a.alpha, pp!, pa!, pf!, n, lambda, out));
      return floatsAt(out, n);
    },
  };
}
