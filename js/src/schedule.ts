/**
 * Where work runs: on the JS thread, in chunks between event-loop turns, or on a worker thread.
 * One place for these decisions, so every module (HNSW batches now, embedding batches next)
 * keeps the event loop turning the same way.
 */

/** Yields to the event loop (between chunks of a batch on a backend without async calls). */
export const yieldToEventLoop = (): Promise<void> => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** A synchronous chunk aims at about this long by default. */
const CHUNK_TARGET_MS = 8;
/** Items in the first chunk; later chunks double or halve toward CHUNK_TARGET_MS. */
const FIRST_CHUNK = 16;

/**
 * Runs `run(start, end)` over [0, count) in chunks of about `targetMs` (CHUNK_TARGET_MS), yielding
 * to the event loop in between. `beforeChunk` runs before each chunk (e.g. to throw when the
 * resource was freed meanwhile). The chunks run in order, so the result equals one call over
 * everything.
 */
export async function runInChunks(
  count: number,
  run: (start: number, end: number) => void,
  beforeChunk: () => void,
  targetMs = CHUNK_TARGET_MS,
): Promise<void> {
  let chunk = FIRST_CHUNK;
  for (let start = 0; start < count;) {
    beforeChunk();
    const end = Math.min(count, start + chunk);
    const t0 = performance.now();
    run(start, end);
    const elapsed = performance.now() - t0;
    start = end;
    if (elapsed < targetMs / 2) chunk *= 2;
    else if (elapsed > targetMs * 2 && chunk > 1) chunk = Math.max(1, chunk >> 1);
    if (start < count) await yieldToEventLoop();
  }
}

/**
 * Multiply-adds a call may do before it is worth a thread hand-off: about 1 ms of work here
 * (an HNSW search at ef 50, m 16, 384-d is ~0.6 M and takes ~40 us natively, while the hop to a
 * worker and back costs ~25 us). Smaller calls run on the JS thread, larger ones on a worker.
 */
const OFF_THREAD_WORK = 1 << 24;

/** Whether a call of about `multiplyAdds` is worth a worker (always when `busy`: never wait here). */
export function worthAWorker(multiplyAdds: number, busy = false): boolean {
  return busy || multiplyAdds > OFF_THREAD_WORK;
}
