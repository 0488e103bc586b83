/**
 * MemoryPool (ADR-006 "WASM Memory Pooling"): reuses Float32Arrays of equal length so hot loops
 * (embedding, search) do not allocate per call.
 */
import { RuVectorError } from './errors.js';
import { typeName } from './check.js';

/** Options of {@link MemoryPool}. */
export interface MemoryPoolOptions {
  /** Most arrays kept per length; released arrays beyond it are left to the GC (default 100). */
  maxPoolSize?: number;
}

/** What a {@link MemoryPool} holds right now. */
export interface PoolStats {
  /** Arrays waiting in the pool, all lengths together. */
  totalArrays: number;
  /** Bytes of those arrays. */
  totalBytes: number;
  /** Arrays waiting per length (key: element count). */
  pools: Record<number, number>;
}

/**
 * A pool of Float32Arrays keyed by length.
 *
 * - `acquire(length)` returns a zero-filled array: a pooled one when available, else a new one.
 * - `release(array)` zeroes the array (so no data leaks to the next user) and keeps it for reuse,
 *   unless the pool for its length is full. The caller must not use the array afterwards.
 * - Only arrays that own their whole buffer are kept (a view into a larger buffer would pin that
 *   buffer); releasing one that is already in the pool throws, since two owners would follow.
 */
export class MemoryPool {
  readonly #maxPoolSize: number;
  readonly #pools = new Map<number, Float32Array[]>();
  #pooled = new WeakSet<Float32Array>();

  constructor(options: MemoryPoolOptions = {}) {
    const max = options.maxPoolSize ?? 100;
    if (!Number.isSafeInteger(max) || max < 0) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        `MemoryPool: maxPoolSize must be a non-negative integer (got ${String(max)})`,
      );
    }
    for (const key of Object.keys(options)) {
      if (key !== 'maxPoolSize')
        throw new RuVectorError(
          'INVALID_ARGUMENT',
          `MemoryPool: unknown option '${key}' (allowed: maxPoolSize)`,
        );
    }
    this.#maxPoolSize = max;
  }

  /** Most arrays kept per length. */
  get maxPoolSize(): number {
    return this.#maxPoolSize;
  }

  /** A zero-filled Float32Array of `length` elements. */
  acquire(length: number): Float32Array {
    if (!Number.isSafeInteger(length) || length < 0) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        `MemoryPool.acquire: length must be a non-negative integer (got ${String(length)})`,
      );
    }
    const array = this.#pools.get(length)?.pop();
    if (array === undefined) return new Float32Array(length);
    this.#pooled.delete(array);
    return array;
  }

  /** Gives `array` back: it is zeroed, and kept for a later `acquire` if there is room. */
  release(array: Float32Array): void {
    if (!(array instanceof Float32Array)) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        `MemoryPool.release: array must be a Float32Array (got ${typeName(array)})`,
      );
    }
    if (this.#pooled.has(array)) {
      throw new RuVectorError('INVALID_ARGUMENT', 'MemoryPool.release: this array was already released');
    }
    array.fill(0);
    const length = array.length;
    // Views into larger buffers and detached (length 0) arrays are not kept.
    if (length === 0 || array.byteOffset !== 0 || array.buffer.byteLength !== array.byteLength) return;
    let pool = this.#pools.get(length);
    if (pool === undefined) {
      pool = [];
      this.#pools.set(length, pool);
    }
    if (pool.length < this.#maxPoolSize) {
      pool.push(array);
      this.#pooled.add(array);
    }
  }

  /** Drops every pooled array (e.g. under memory pressure). */
  clear(): void {
    this.#pools.clear();
    this.#pooled = new WeakSet();
  }

  /** Counts and bytes of the arrays waiting in the pool. */
  getStats(): PoolStats {
    const stats: PoolStats = { totalArrays: 0, totalBytes: 0, pools: {} };
    for (const [length, pool] of this.#pools) {
      if (pool.length === 0) continue;
      stats.pools[length] = pool.length;
      stats.totalArrays += pool.length;
      stats.totalBytes += pool.length * length * Float32Array.BYTES_PER_ELEMENT;
    }
    return stats;
  }
}
