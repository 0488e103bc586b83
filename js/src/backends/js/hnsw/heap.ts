/**
 * Binary heaps and lists of (distance, slot) candidates on typed arrays, so graph walks allocate
 * nothing once warm. Order is FORMAT.md's candidate order: by distance, then by slot, which makes
 * every tie break the same way as in the C++ core.
 */

/** (d1, s1) < (d2, s2) in candidate order. */
export function candLess(d1: number, s1: number, d2: number, s2: number): boolean {
  return d1 < d2 || (d1 === d2 && s1 < s2);
}

/** A growable list of candidates (parallel typed arrays). */
export class CandList {
  dist: Float64Array;
  slot: Uint32Array;
  size = 0;

  constructor(capacity = 64) {
    this.dist = new Float64Array(capacity);
    this.slot = new Uint32Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  push(d: number, s: number): void {
    if (this.size === this.dist.length) this.grow(this.size * 2);
    this.dist[this.size] = d;
    this.slot[this.size] = s;
    this.size++;
  }

  /** Makes room for `n` entries in total. */
  reserve(n: number): void {
    if (n > this.dist.length) this.grow(Math.max(n, this.dist.length * 2));
  }

  private grow(capacity: number): void {
    const d = new Float64Array(capacity);
    const s = new Uint32Array(capacity);
    d.set(this.dist.subarray(0, this.size));
    s.set(this.slot.subarray(0, this.size));
    this.dist = d;
    this.slot = s;
  }

  /** Insertion sort into candidate order: lists here are short (<= 4m or ef entries). */
  sort(): void {
    const dist = this.dist;
    const slot = this.slot;
    for (let i = 1; i < this.size; i++) {
      const d = dist[i]!;
      const s = slot[i]!;
      let j = i - 1;
      while (j >= 0 && candLess(d, s, dist[j]!, slot[j]!)) {
        dist[j + 1] = dist[j]!;
        slot[j + 1] = slot[j]!;
        j--;
      }
      dist[j + 1] = d;
      slot[j + 1] = s;
    }
  }
}

/**
 * A binary heap of candidates: `max` = true keeps the largest (in candidate order) on top, else
 * the smallest. One class for both keeps call sites monomorphic.
 */
export class CandHeap {
  dist: Float64Array;
  slot: Uint32Array;
  size = 0;
  private readonly max: boolean;

  constructor(max: boolean, capacity = 64) {
    this.max = max;
    this.dist = new Float64Array(capacity);
    this.slot = new Uint32Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  /** True when entry i belongs above entry j. */
  private above(i: number, j: number): boolean {
    const di = this.dist[i]!;
    const dj = this.dist[j]!;
    const si = this.slot[i]!;
    const sj = this.slot[j]!;
    return this.max ? candLess(dj, sj, di, si) : candLess(di, si, dj, sj);
  }

  private swap(i: number, j: number): void {
    const d = this.dist[i]!;
    this.dist[i] = this.dist[j]!;
    this.dist[j] = d;
    const s = this.slot[i]!;
    this.slot[i] = this.slot[j]!;
    this.slot[j] = s;
  }

  push(d: number, s: number): void {
    if (this.size === this.dist.length) {
      const nd = new Float64Array(this.size * 2);
      const ns = new Uint32Array(this.size * 2);
      nd.set(this.dist);
      ns.set(this.slot);
      this.dist = nd;
      this.slot = ns;
    }
    let i = this.size++;
    this.dist[i] = d;
    this.slot[i] = s;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  topDist(): number {
    return this.dist[0]!;
  }

  topSlot(): number {
    return this.slot[0]!;
  }

  /** Removes the top entry (read it first with topDist / topSlot). */
  pop(): void {
    const last = --this.size;
    if (last === 0) return;
    this.dist[0] = this.dist[last]!;
    this.slot[0] = this.slot[last]!;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= last) break;
      const r = l + 1;
      const c = r < last && this.above(r, l) ? r : l;
      if (!this.above(c, i)) break;
      this.swap(i, c);
      i = c;
    }
  }

  /** Empties a max-heap into `out` in ascending candidate order. */
  drainAscending(out: CandList): void {
    const n = this.size;
    out.clear();
    out.reserve(n);
    for (let i = n - 1; i >= 0; i--) {
      out.dist[i] = this.topDist();
      out.slot[i] = this.topSlot();
      this.pop();
    }
    out.size = n;
  }
}
