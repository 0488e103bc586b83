/** Timing helpers for the benchmark suite (not used by tests: speed is never asserted in tests). */

/** Latency figures of one benchmarked operation, per call. */
export interface Measurement {
  /** Median time of one call, in microseconds. */
  medianUs: number;
  /** 99th-percentile time of one call, in microseconds. */
  p99Us: number;
  /** Calls per second at the median. */
  opsPerSecond: number;
  /** Number of timed samples. */
  samples: number;
  /** Calls timed together in each sample (sub-microsecond calls are timed in blocks). */
  callsPerSample: number;
}

const now = (): number => performance.now();

/** The q-quantile (0..1) of ascending `sorted`: the nearest-rank definition. */
export function percentile(sorted: number[], q: number): number {
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Times `fn`. Calls are grouped in blocks long enough (>= ~20 us) for the clock to resolve them;
 * the median and p99 are over blocks, divided by the block size. Runs a warm-up first so JIT
 * tiers and caches settle, and stops after `budgetMs` or `maxSamples` samples.
 */
export function measure(fn: () => unknown, budgetMs = 300, maxSamples = 2000): Measurement {
  let callsPerSample = 1;
  for (;;) {
    const t0 = now();
    for (let i = 0; i < callsPerSample; i++) fn();
    const elapsed = now() - t0;
    if (elapsed >= 0.02 || callsPerSample >= 1 << 20) break;
    callsPerSample *= 2;
  }
  const warmUntil = now() + Math.min(50, budgetMs / 5);
  while (now() < warmUntil) fn();

  const perCallUs: number[] = [];
  const stopAt = now() + budgetMs;
  while (perCallUs.length < maxSamples && (perCallUs.length < 10 || now() < stopAt)) {
    const t0 = now();
    for (let i = 0; i < callsPerSample; i++) fn();
    perCallUs.push(((now() - t0) * 1000) / callsPerSample);
  }
  perCallUs.sort((a, b) => a - b);
  const medianUs = percentile(perCallUs, 0.5);
  return {
    medianUs,
    p99Us: percentile(perCallUs, 0.99),
    opsPerSecond: 1e6 / medianUs,
    samples: perCallUs.length,
    callsPerSample,
  };
}

/**
 * Medians (us per call) of several calls timed in turns: one call of each per round, so drift of
 * the machine (memory bandwidth shared with other work, frequency) hits them alike and their
 * ratio holds. For calls of tens of microseconds and more (each is timed alone).
 */
export function measureInterleaved(fns: readonly (() => unknown)[], budgetMs = 300): number[] {
  const warmUntil = now() + Math.min(50, budgetMs / 5);
  while (now() < warmUntil) for (const fn of fns) fn();
  const samples: number[][] = fns.map(() => []);
  const stopAt = now() + budgetMs * fns.length;
  while (samples[0]!.length < 2000 && (samples[0]!.length < 10 || now() < stopAt)) {
    fns.forEach((fn, i) => {
      const t0 = now();
      fn();
      samples[i]!.push((now() - t0) * 1000);
    });
  }
  return samples.map((s) =>
    percentile(
      s.sort((x, y) => x - y),
      0.5,
    ),
  );
}

/** Deterministic PRNG (mulberry32) so every run benchmarks the same data. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `count * dim` uniform values in [-1, 1) from `seed`, row-major. */
export function randomVectors(count: number, dim: number, seed: number): Float32Array {
  const rand = seededRandom(seed);
  const out = new Float32Array(count * dim);
  for (let i = 0; i < out.length; i++) out[i] = rand() * 2 - 1;
  return out;
}
