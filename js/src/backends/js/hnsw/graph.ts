/**
 * The js-fallback HNSW graph: slots, link lists, the walks (greedy descent, search_layer),
 * neighbour selection and insertion. A straightforward HNSW (Malkov & Yashunin, hnswlib's
 * heuristic), compatible with the core's, not a copy of it (FORMAT.md "Backends"): the graphs
 * it builds need not match the core's, but it reads and writes the same bytes, and a search
 * over a loaded graph walks it exactly as FORMAT.md's search does. Storage is flat typed arrays:
 * level-0 links in one Uint32Array of [count][2m slots] blocks, upper levels in one Uint32Array
 * per node of [count][m slots] blocks, an epoch-tagged visited array never cleared.
 *
 * Derived state (never serialized, rebuilt on load), kept by every change of a link list so that
 * no insert or removal walks the whole graph: the holders of each node (the lists that hold it,
 * per level: a removal repairs exactly those) and the reachability tree (`parent`, FORMAT.md
 * "Reachability tree"; reachability.ts). All link writes go through setLinks, appendLink and
 * overwriteLink, which keep both.
 */
import type { HnswParams } from '../../../backend.js';
import { CandHeap, CandList } from './heap.js';
import { LevelGenerator } from './level-generator.js';
import { finishWrite } from './reachability.js';
import { Query, VectorStore } from './vector-store.js';

export const NONE = 0xffffffff;

/** Allow-predicate over slots during a walk; null allows every live slot. */
export type SlotFilter = ((slot: number) => boolean) | null;

export class Graph {
  readonly params: HnswParams;
  readonly m: number;
  readonly maxM0: number;
  readonly vectors: VectorStore;
  readonly rng: LevelGenerator;
  capacity = 0;
  link0 = new Uint32Array(0);
  upper: (Uint32Array | null)[] = [];
  levels = new Uint8Array(0);
  live = new Uint8Array(0);
  ids: (string | undefined)[] = [];
  idMap = new Map<string, number>();
  /** Free slots as a stack: the last freed slot is reused first. */
  free: number[] = [];
  slotCount = 0;
  liveCount = 0;
  /** Opaque UTF-8 kept with the index and in its bytes (FORMAT.md version 2); '' for none. */
  annotation = '';
  entry = NONE;
  maxLevel = 0;
  /** Per slot, the slots whose level-0 list holds it (in any order). */
  holders0: number[][] = [];
  /** Per slot, for each of its upper levels l (at l - 1), the slots whose list there holds it. */
  holdersUp: (number[][] | null)[] = [];
  /** Reachability tree: the slot whose level-0 list holds this one on its path from the entry. */
  parent = new Uint32Array(0);
  /** Level-0 links the current write dropped, as pairs u, v (u's list no longer holds v). */
  readonly dropped: number[] = [];
  /** Whether the current write must end with a sweep (a new entry point, a failed reparent). */
  sweepNeeded = false;
  /** Test support: sweeps run, and holder lists read by removals. */
  sweeps = 0;
  removalWork = 0;

  // Scratch of the walks (single-threaded: one set per index).
  /** Epoch-tagged marks of the current walk (searchLayer, the reachability walk). */
  visited = new Uint32Array(0);
  epoch = 0;
  /** Queue of the reachability walk (a sweep). */
  queue = new Uint32Array(0);
  readonly cand = new CandHeap(false);
  readonly top = new CandHeap(true);
  /** Result of searchLayer, ascending. */
  readonly found = new CandList();
  readonly selected = new CandList();
  readonly pool = new CandList();
  private readonly chosen = new CandList();
  readonly query: Query;
  readonly rowQ: Query;
  readonly rowQ2: Query;

  constructor(params: HnswParams) {
    this.params = params;
    this.m = params.m;
    this.maxM0 = 2 * params.m;
    this.vectors = new VectorStore(params.dimensions, params.metric, params.storage);
    this.rng = new LevelGenerator(params.seed);
    this.query = new Query(params.dimensions);
    this.rowQ = new Query(params.dimensions);
    this.rowQ2 = new Query(params.dimensions);
  }

  maxLinks(level: number): number {
    return level === 0 ? this.maxM0 : this.m;
  }

  /** Array holding links(slot, level); the block starts at linkOffset(slot, level): [count][ids]. */
  linkArray(slot: number, level: number): Uint32Array {
    return level === 0 ? this.link0 : this.upper[slot]!;
  }

  linkOffset(slot: number, level: number): number {
    return level === 0 ? slot * (this.maxM0 + 1) : (level - 1) * (this.m + 1);
  }

  isLive(slot: number): boolean {
    return slot < this.slotCount && this.live[slot] !== 0;
  }

  /** Grows per-slot arrays to hold `slots` slots (doubling, at least 16, as the core does). */
  reserve(slots: number): void {
    if (slots <= this.capacity) return;
    const cap = Math.max(slots, this.capacity * 2, 16);
    const link0 = new Uint32Array(cap * (this.maxM0 + 1));
    link0.set(this.link0);
    this.link0 = link0;
    const levels = new Uint8Array(cap);
    levels.set(this.levels);
    this.levels = levels;
    const live = new Uint8Array(cap);
    live.set(this.live);
    this.live = live;
    const parent = new Uint32Array(cap).fill(NONE);
    parent.set(this.parent);
    this.parent = parent;
    this.vectors.reserve(cap);
    this.capacity = cap;
  }

  /** Takes a slot (top of the free stack first) for `id` at `level`; its links start empty. */
  allocate(id: string, level: number): number {
    const reuse = this.free.length > 0;
    const slot = reuse ? this.free.pop()! : this.slotCount;
    if (!reuse) {
      this.reserve(this.slotCount + 1);
      this.slotCount++;
    }
    this.ids[slot] = id;
    this.idMap.set(id, slot);
    this.levels[slot] = level;
    this.live[slot] = 1;
    this.liveCount++;
    this.link0[slot * (this.maxM0 + 1)] = 0;
    this.upper[slot] = level > 0 ? new Uint32Array(level * (this.m + 1)) : null;
    this.holders0[slot] = [];
    this.holdersUp[slot] = level > 0 ? Array.from({ length: level }, () => []) : null;
    this.parent[slot] = NONE;
    return slot;
  }

  /** Starts a walk: a fresh epoch makes every slot unvisited without clearing the array. */
  beginVisit(): void {
    if (this.visited.length < this.slotCount) {
      this.visited = new Uint32Array(this.capacity);
      this.epoch = 0;
    }
    if (++this.epoch === 0x100000000) {
      this.visited.fill(0);
      this.epoch = 1;
    }
  }

  /** Greedy descent from `entry` on `topLevel` down to level `stopLevel` + 1; returns the slot. */
  descend(q: Query, entry: number, topLevel: number, stopLevel: number): number {
    let cur = entry;
    let curDist = this.vectors.distance(q, entry);
    for (let level = topLevel; level > stopLevel; level--) {
      let changed = true;
      while (changed) {
        changed = false;
        const ll = this.linkArray(cur, level);
        const off = this.linkOffset(cur, level);
        const count = ll[off]!;
        for (let i = 1; i <= count; i++) {
          const n = ll[off + i]!;
          const d = this.vectors.distance(q, n);
          if (d < curDist) {
            cur = n;
            curDist = d;
            changed = true;
          }
        }
      }
    }
    this.descendDist = curDist;
    return cur;
  }

  /** Distance of the slot the last descend returned. */
  descendDist = 0;

  /**
   * FORMAT.md search_layer: best `ef` live allowed slots reachable at `level` from `entry`,
   * left ascending in this.found. Rejected nodes are still expanded (the filter never prunes).
   */
  searchLayer(
    q: Query,
    entry: number,
    entryDist: number,
    ef: number,
    level: number,
    allow: SlotFilter,
  ): void {
    const { cand, top, vectors, live } = this;
    cand.clear();
    top.clear();
    this.beginVisit();
    const visited = this.visited;
    const epoch = this.epoch;
    visited[entry] = epoch;
    let bound = Infinity;
    if (live[entry] !== 0 && (allow === null || allow(entry))) {
      top.push(entryDist, entry);
      bound = entryDist;
    }
    cand.push(entryDist, entry);
    while (cand.size > 0) {
      const cDist = cand.topDist();
      if (cDist > bound && top.size >= ef) break;
      const c = cand.topSlot();
      cand.pop();
      const ll = this.linkArray(c, level);
      const off = this.linkOffset(c, level);
      const count = ll[off]!;
      for (let i = 1; i <= count; i++) {
        const n = ll[off + i]!;
        if (visited[n] === epoch) continue;
        visited[n] = epoch;
        if (live[n] === 0) continue;
        const d = vectors.distance(q, n);
        if (top.size < ef || d < bound) {
          cand.push(d, n);
          if (allow === null || allow(n)) {
            top.push(d, n);
            if (top.size > ef) top.pop();
            bound = top.topDist();
          }
        }
      }
    }
    top.drainAscending(this.found);
  }

  /**
   * hnswlib's heuristic 2 over `sorted` (ascending by distance to the base): keeps a candidate
   * unless it is closer to an already kept one than to the base. Result in `out`.
   */
  selectNeighbours(sorted: CandList, maxCount: number, out: CandList): void {
    out.clear();
    out.reserve(Math.min(sorted.size, maxCount));
    if (sorted.size <= maxCount) {
      for (let i = 0; i < sorted.size; i++) out.push(sorted.dist[i]!, sorted.slot[i]!);
      return;
    }
    const vectors = this.vectors;
    for (let i = 0; i < sorted.size && out.size < maxCount; i++) {
      const cd = sorted.dist[i]!;
      const cs = sorted.slot[i]!;
      const qc = vectors.rowQuery(cs, this.rowQ2);
      let keep = true;
      for (let j = 0; j < out.size; j++) {
        if (vectors.distance(qc, out.slot[j]!) < cd) {
          keep = false;
          break;
        }
      }
      if (keep) out.push(cd, cs);
    }
  }

  /** The slots whose list at `level` holds `slot`. */
  holdersAt(slot: number, level: number): number[] {
    return level === 0 ? this.holders0[slot]! : this.holdersUp[slot]![level - 1]!;
  }

  private dropHolder(target: number, level: number, holder: number): void {
    const h = this.holdersAt(target, level);
    const i = h.indexOf(holder);
    if (i < 0) return;
    h[i] = h[h.length - 1]!;
    h.pop();
  }

  /** Whether links(slot, 0) holds `target`. */
  holds0(slot: number, target: number): boolean {
    const off = slot * (this.maxM0 + 1);
    const count = this.link0[off]!;
    for (let i = 1; i <= count; i++) if (this.link0[off + i] === target) return true;
    return false;
  }

  /** Writes `list` as links(slot, level); dropped level-0 links are noted for the repair. */
  setLinks(slot: number, level: number, list: CandList): void {
    const ll = this.linkArray(slot, level);
    const off = this.linkOffset(slot, level);
    const old = ll[off]!;
    const fresh = list.slot.subarray(0, list.size);
    for (let i = 1; i <= old; i++) {
      const t = ll[off + i]!;
      if (fresh.includes(t)) continue;
      this.dropHolder(t, level, slot);
      if (level === 0) this.dropped.push(slot, t);
    }
    const kept = ll.subarray(off + 1, off + 1 + old);
    for (const t of fresh) if (!kept.includes(t)) this.holdersAt(t, level).push(slot);
    ll[off] = list.size;
    for (let i = 0; i < list.size; i++) ll[off + 1 + i] = list.slot[i]!;
  }

  /** Appends `target` to links(slot, level), which has room. */
  appendLink(slot: number, level: number, target: number): void {
    const ll = this.linkArray(slot, level);
    const off = this.linkOffset(slot, level);
    const count = ll[off]!;
    ll[off + 1 + count] = target;
    ll[off] = count + 1;
    this.holdersAt(target, level).push(slot);
  }

  /** Puts `target` in place of the i-th (1-based) level-0 link of `slot`, noting the dropped one. */
  overwriteLink0(slot: number, i: number, target: number): void {
    const at = slot * (this.maxM0 + 1) + i;
    const old = this.link0[at]!;
    this.dropHolder(old, 0, slot);
    this.dropped.push(slot, old);
    this.link0[at] = target;
    this.holders0[target]!.push(slot);
  }

  /** Empties every link list of `slot` (being removed), noting its level-0 links as dropped. */
  clearLinks(slot: number): void {
    for (let l = 0; l <= this.levels[slot]!; l++) {
      const ll = this.linkArray(slot, l);
      const off = this.linkOffset(slot, l);
      for (let i = 1; i <= ll[off]!; i++) {
        const t = ll[off + i]!;
        this.dropHolder(t, l, slot);
        if (l === 0) this.dropped.push(slot, t);
      }
      ll[off] = 0;
    }
  }

  /** Adds from -> to at `level`; when full, re-selects from's links with the heuristic. */
  private addLink(from: number, to: number, dist: number, level: number): void {
    const ll = this.linkArray(from, level);
    const off = this.linkOffset(from, level);
    const count = ll[off]!;
    for (let i = 1; i <= count; i++) if (ll[off + i] === to) return;
    if (count < this.maxLinks(level)) {
      this.appendLink(from, level, to);
      return;
    }
    const pool = this.pool;
    pool.clear();
    pool.push(dist, to);
    const qf = this.vectors.rowQuery(from, this.rowQ);
    for (let i = 1; i <= count; i++) pool.push(this.vectors.distance(qf, ll[off + i]!), ll[off + i]!);
    pool.sort();
    this.selectNeighbours(pool, this.maxLinks(level), this.selected);
    // One of the count + 1 candidates is always left out: setLinks notes it for the repair.
    this.setLinks(from, level, this.selected);
  }

  /** Links the new node `slot` (query q) at levels min(level, topLevel) .. 0 from `entry`. */
  private connect(
    slot: number,
    q: Query,
    level: number,
    entry: number,
    entryDist: number,
    topLevel: number,
  ): void {
    const found = this.found;
    const chosen = this.chosen;
    for (let l = Math.min(level, topLevel); l >= 0; l--) {
      // The new node has no in-links yet, so the walk never meets it.
      this.searchLayer(q, entry, entryDist, this.params.efConstruction, l, null);
      const nextEntry = found.slot[0]!;
      const nextDist = found.dist[0]!;
      this.selectNeighbours(found, this.m, chosen);
      this.setLinks(slot, l, chosen);
      for (let i = 0; i < chosen.size; i++) this.addLink(chosen.slot[i]!, slot, chosen.dist[i]!, l);
      entry = nextEntry;
      entryDist = nextDist;
    }
  }

  /**
   * Inserts a new id (not present) with a finite vector already prepared in this.query and, for
   * int8 storage, its codes.
   */
  insertPrepared(id: string, codes: Uint8Array | null): void {
    const level = this.rng.drawLevel(this.m);
    const q = this.query;
    const slot = this.allocate(id, level);
    this.vectors.set(slot, q.v, codes);
    if (this.entry === NONE) {
      this.entry = slot;
      this.maxLevel = level;
      return;
    }
    const ep = this.descend(q, this.entry, this.maxLevel, level);
    this.connect(slot, q, level, ep, this.descendDist, this.maxLevel);
    if (level > this.maxLevel) {
      this.entry = slot; // a new entry point: the rest must be reachable from it
      this.maxLevel = level;
      this.sweepNeeded = true;
    }
    finishWrite(this, slot);
  }

  /** Gives the live slot `n` (left without level-0 links) new ones from a walk for its own row. */
  relink0(n: number): void {
    if (this.live[n] === 0 || this.liveCount < 2) return;
    const q = this.vectors.rowQuery(n, this.rowQ);
    const start = this.descend(q, this.entry, this.maxLevel, 0);
    this.searchLayer(q, start, this.descendDist, this.params.efConstruction, 0, (slot) => slot !== n);
    this.selectNeighbours(this.found, this.m, this.chosen);
    this.setLinks(n, 0, this.chosen);
  }

  /** Exact scan of every live allowed slot (of `slots` when given); the k best ascending in this.found. */
  private exactSearch(q: Query, k: number, allow: SlotFilter, slots: readonly number[] | null = null): void {
    const top = this.top;
    top.clear();
    const n = slots === null ? this.slotCount : slots.length;
    for (let i = 0; i < n; i++) {
      const slot = slots === null ? i : slots[i]!;
      if (this.live[slot] === 0 || (allow !== null && !allow(slot))) continue;
      const d = this.vectors.distance(q, slot);
      if (top.size < k) {
        top.push(d, slot);
      } else if (d < top.topDist() || (d === top.topDist() && slot < top.topSlot())) {
        top.pop();
        top.push(d, slot);
      }
    }
    top.drainAscending(this.found);
  }

  /**
   * FORMAT.md search over the query prepared in this.query: the k best in this.found. `listed`:
   * the live slots of an id allow-list, ascending (ranked exactly when there are at most ef).
   */
  searchPrepared(k: number, ef: number, allow: SlotFilter, listed: readonly number[] | null = null): void {
    this.found.clear();
    if (this.liveCount === 0 || k === 0) return;
    const q = this.query;
    ef = Math.max(ef, k);
    if (listed !== null && listed.length <= ef) {
      this.exactSearch(q, k, allow, listed);
      return;
    }
    if (ef >= this.liveCount) {
      this.exactSearch(q, k, allow);
      return;
    }
    const ep = this.descend(q, this.entry, this.maxLevel, 0);
    this.searchLayer(q, ep, this.descendDist, ef, 0, allow);
    if (this.found.size > k) this.found.size = k;
  }
}
