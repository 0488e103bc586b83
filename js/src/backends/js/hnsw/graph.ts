/**
 * The HNSW graph (core/src/hnsw/hnsw_graph.cc; algorithm in FORMAT.md): slots, link lists, the
 * walks (search_layer, greedy descent), neighbour selection and insertion. Storage is flat typed
 * arrays: level-0 links in one Uint32Array of [count][2m slots] blocks, upper levels in one
 * Uint32Array per node of [count][m slots] blocks, an epoch-tagged visited array never cleared.
 */
import type { HnswParams } from '../../../backend.js';
import { CandHeap, CandList, candLess } from './heap.js';
import { LevelGenerator } from './level-generator.js';
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
  /** Level-0 in-degree per slot (derived: kept by insert and remove, recounted on load). */
  in0 = new Uint32Array(0);
  /** Slots whose level-0 in-degree fell to 0 (or lists left empty) in the current operation. */
  touched: number[] = [];
  /** Level-0 links removed in the current operation, as [from, to] pairs (derived). */
  dropped: number[] = [];
  /** Whether the current operation ends with a full sweep (a removal, a new entry point). */
  sweep = false;
  /** The slot the current insert added, or NONE. */
  private inserted = NONE;
  /** Reachability tree over level-0 links (derived: FORMAT.md "reachability tree"). */
  private parent: number[] = [];
  private walk: number[] = [];
  live = new Uint8Array(0);
  ids: (string | undefined)[] = [];
  idMap = new Map<string, number>();
  /** Free slots as a stack: the last freed slot is reused first. */
  free: number[] = [];
  slotCount = 0;
  liveCount = 0;
  entry = NONE;
  maxLevel = 0;

  // Scratch of the walks (single-threaded: one set per index).
  private visited = new Uint32Array(0);
  private epoch = 0;
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
  private nbrs = new Uint32Array(0);

  constructor(params: HnswParams) {
    this.params = params;
    this.m = params.m;
    this.maxM0 = 2 * params.m;
    this.vectors = new VectorStore(params.dimensions, params.metric, params.storage);
    this.rng = new LevelGenerator(params.seed);
    this.query = new Query(params.dimensions);
    this.rowQ = new Query(params.dimensions);
    this.rowQ2 = new Query(params.dimensions);
    this.nbrs = new Uint32Array(this.maxM0);
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
    const in0 = new Uint32Array(cap);
    in0.set(this.in0);
    this.in0 = in0;
    const live = new Uint8Array(cap);
    live.set(this.live);
    this.live = live;
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
    this.in0[slot] = 0;
    this.live[slot] = 1;
    this.liveCount++;
    this.link0[slot * (this.maxM0 + 1)] = 0;
    this.upper[slot] = level > 0 ? new Uint32Array(level * (this.m + 1)) : null;
    return slot;
  }

  /** Starts a walk: a fresh epoch makes every slot unvisited without clearing the array. */
  private beginVisit(): void {
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
  searchLayer(q: Query, entry: number, entryDist: number, ef: number, level: number, allow: SlotFilter): void {
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
    const nbrs = this.nbrs;
    while (cand.size > 0) {
      const cDist = cand.topDist();
      if (cDist > bound && top.size >= ef) break;
      const c = cand.topSlot();
      cand.pop();
      // Copied first: in the core another thread may change the list; here it keeps parity.
      const ll = this.linkArray(c, level);
      const off = this.linkOffset(c, level);
      const count = ll[off]!;
      for (let i = 0; i < count; i++) nbrs[i] = ll[off + 1 + i]!;
      for (let i = 0; i < count; i++) {
        const n = nbrs[i]!;
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

  /** Writes `list` as links(slot, level). */
  setLinks(slot: number, level: number, list: CandList): void {
    const ll = this.linkArray(slot, level);
    const off = this.linkOffset(slot, level);
    ll[off] = list.size;
    for (let i = 0; i < list.size; i++) ll[off + 1 + i] = list.slot[i]!;
  }

  /** Adds from -> to at `level`; when full, re-selects from's links with the heuristic. */
  private addLink(from: number, to: number, dist: number, level: number): void {
    const ll = this.linkArray(from, level);
    const off = this.linkOffset(from, level);
    const count = ll[off]!;
    for (let i = 1; i <= count; i++) if (ll[off + i] === to) return;
    if (count < this.maxLinks(level)) {
      ll[off + 1 + count] = to;
      ll[off] = count + 1;
      if (level === 0) this.in0[to]!++;
      return;
    }
    const pool = this.pool;
    pool.clear();
    pool.push(dist, to);
    const qf = this.vectors.rowQuery(from, this.rowQ);
    for (let i = 1; i <= count; i++) pool.push(this.vectors.distance(qf, ll[off + i]!), ll[off + i]!);
    pool.sort();
    this.selectNeighbours(pool, this.maxLinks(level), this.selected);
    if (level === 0) this.setLinks0(from, this.selected);
    else this.setLinks(from, level, this.selected);
  }

  /** Recounts the level-0 in-degrees (after a load). */
  rebuildInDegrees(): void {
    const { in0, link0, live } = this;
    in0.fill(0);
    const stride = this.maxM0 + 1;
    for (let n = 0; n < this.slotCount; n++) {
      if (live[n] === 0) continue;
      const off = n * stride;
      const count = link0[off]!;
      for (let i = 1; i <= count; i++) in0[link0[off + i]!]!++;
    }
  }

  /** Writes `list` as links(n, 0), keeping in-degrees; targets left with none go to touched. */
  setLinks0(n: number, list: CandList): void {
    const { in0, link0 } = this;
    const off = n * (this.maxM0 + 1);
    const count = link0[off]!;
    for (let i = 1; i <= count; i++) in0[link0[off + i]!]!--;
    for (let i = 0; i < list.size; i++) in0[list.slot[i]!]!++;
    for (let i = 1; i <= count; i++) {
      const t = link0[off + i]!;
      if (in0[t]! <= 1) this.touched.push(t);
      if (!this.sweep) {
        let kept = false;
        for (let j = 0; j < list.size && !kept; j++) kept = list.slot[j] === t;
        if (!kept) this.dropped.push(n, t);
      }
    }
    this.setLinks(n, 0, list);
    if (list.size === 0) this.touched.push(n);
  }

  /**
   * Gives `x` (no level-0 in-links) the link n -> x: appended when links(n, 0) has room, else in
   * place of its farthest link (candidate order) whose target keeps another in-link.
   */
  private linkTo(x: number, n: number): boolean {
    const { in0, link0, vectors } = this;
    const off = n * (this.maxM0 + 1);
    const count = link0[off]!;
    if (count < this.maxM0) {
      link0[off + 1 + count] = x;
      link0[off] = count + 1;
      in0[x]!++;
      return true;
    }
    const qn = vectors.rowQuery(n, this.rowQ);
    let best = 0;
    let worstDist = 0;
    let worstSlot = 0;
    for (let i = 1; i <= count; i++) {
      const t = link0[off + i]!;
      if (in0[t]! < 2) continue;
      const d = vectors.distance(qn, t);
      if (best === 0 || candLess(worstDist, worstSlot, d, t)) {
        best = i;
        worstDist = d;
        worstSlot = t;
      }
    }
    if (best === 0) return false;
    if (!this.sweep) this.dropped.push(n, link0[off + best]!);
    in0[link0[off + best]!]!--;
    link0[off + best] = x;
    in0[x]!++;
    return true;
  }

  /** Whether links(from, 0) holds `to`. */
  private linksTo(from: number, to: number): boolean {
    const off = from * (this.maxM0 + 1);
    const count = this.link0[off]!;
    for (let i = 1; i <= count; i++) if (this.link0[off + i] === to) return true;
    return false;
  }

  /**
   * True when every level-0 in-link of x (in0[x] >= 1 of them) comes from one of its own
   * out-neighbours n, and each such n has x as its only in-link.
   */
  private closedPair(x: number): boolean {
    const { in0, link0 } = this;
    const off = x * (this.maxM0 + 1);
    const count = link0[off]!;
    let mutual = 0;
    for (let i = 1; i <= count; i++) {
      const n = link0[off + i]!;
      if (!this.linksTo(n, x)) continue;
      if (in0[n] !== 1) return false;
      mutual++;
    }
    return mutual === in0[x];
  }

  /**
   * FORMAT.md reachability: every live slot of `touched` (ascending, once) left with no level-0
   * out-links gets them, and one left with no level-0 in-link gets one. Clears `touched`.
   */
  reconnect(): void {
    const touched = this.touched;
    touched.sort((a, b) => a - b);
    const { in0, link0, live, vectors } = this;
    const stride = this.maxM0 + 1;
    let prev = -1;
    for (const x of touched) {
      if (x === prev) continue;
      prev = x;
      if (live[x] === 0 || this.liveCount < 2) continue;
      // Every other live slot by distance to x, computed only when a rare fallback needs it.
      let all: { d: number; s: number }[] | null = null;
      const byDistance = (): { d: number; s: number }[] => {
        if (all === null) {
          const qx = vectors.rowQuery(x, this.rowQ);
          all = [];
          for (let n = 0; n < this.slotCount; n++) {
            if (live[n] !== 0 && n !== x) all.push({ d: vectors.distance(qx, n), s: n });
          }
          all.sort((a, b) => (candLess(a.d, a.s, b.d, b.s) ? -1 : candLess(b.d, b.s, a.d, a.s) ? 1 : 0));
        }
        return all;
      };
      const off = x * stride;
      if (link0[off] === 0) {
        const near = byDistance();
        const head = this.pool;
        head.clear();
        for (let i = 0; i < near.length && i < this.params.efConstruction; i++) head.push(near[i]!.d, near[i]!.s);
        this.selectNeighbours(head, this.m, this.selected);
        this.setLinks(x, 0, this.selected);
        for (let i = 0; i < this.selected.size; i++) in0[this.selected.slot[i]!]!++;
      }
      if (in0[x] === 0) {
        let linked = false;
        for (let i = 1; i <= link0[off]! && !linked; i++) linked = this.linkTo(x, link0[off + i]!);
        if (linked) continue;
        for (const c of byDistance()) if (this.linkTo(x, c.s)) break;
      } else if (this.closedPair(x)) {
        // Every in-link of x comes from an out-neighbour whose only in-link is x: x and those
        // neighbours may form an island. Link x from the nearest node outside it.
        for (const c of byDistance()) if (!this.linksTo(c.s, x) && this.linkTo(x, c.s)) break;
      }
    }
    touched.length = 0;
    this.checkReachable();
  }

  /**
   * A new parent for v: the first candidate that is live, links to v, and whose parent chain
   * reaches the entry point within 64 steps without passing v. Candidates: v's level-0
   * out-neighbours (stored order), then the `from` of each dropped link (order of dropped).
   */
  private reparent(v: number): boolean {
    const { link0, parent, dropped, live } = this;
    const adopt = (w: number): boolean => {
      if (live[w] === 0 || !this.linksTo(w, v)) return false;
      let x = w;
      for (let step = 0; step < 64 && x !== NONE && x !== v; step++) {
        if (x === this.entry) {
          parent[v] = w;
          return true;
        }
        x = parent[x]!;
      }
      return false;
    };
    const off = v * (this.maxM0 + 1);
    const count = link0[off]!;
    for (let i = 1; i <= count; i++) if (adopt(link0[off + i]!)) return true;
    for (let i = 0; i < dropped.length; i += 2) if (adopt(dropped[i]!)) return true;
    return false;
  }

  /**
   * FORMAT.md reachability tree: the new node and every node whose tree link was dropped get a
   * parent locally, else a full sweep. Clears dropped, sweep and inserted.
   */
  private checkReachable(): void {
    const { dropped, live, parent } = this;
    while (parent.length < this.slotCount) parent.push(NONE);
    let sweep = this.sweep;
    if (!sweep && this.inserted !== NONE && !this.reparent(this.inserted)) sweep = true;
    for (let i = 0; i < dropped.length && !sweep; i += 2) {
      const u = dropped[i]!;
      const v = dropped[i + 1]!;
      if (live[v] === 0 || parent[v] !== u || this.linksTo(u, v)) continue;
      if (!this.reparent(v)) sweep = true;
    }
    dropped.length = 0;
    this.inserted = NONE;
    this.sweep = true; // the sweep's own link changes are not recorded
    if (sweep) this.sweepAll();
    this.sweep = false;
  }

  /** A removed slot has no parent (chains through it fail until its children are re-parented). */
  clearParent(slot: number): void {
    if (slot < this.parent.length) this.parent[slot] = NONE;
  }

  /** The breadth-first tree of level-0 links from the entry point (after a load). */
  buildTree(): void {
    const { link0, parent } = this;
    const stride = this.maxM0 + 1;
    parent.length = this.slotCount;
    parent.fill(NONE);
    if (this.entry === NONE) return;
    const reached = new Uint8Array(this.slotCount);
    const walk = this.walk;
    walk.length = 0;
    reached[this.entry] = 1;
    walk.push(this.entry);
    for (let i = 0; i < walk.length; i++) {
      const off = walk[i]! * stride;
      const count = link0[off]!;
      for (let j = 1; j <= count; j++) {
        const t = link0[off + j]!;
        if (reached[t] === 0) {
          reached[t] = 1;
          parent[t] = walk[i]!;
          walk.push(t);
        }
      }
    }
  }

  /** Breadth-first walk from the entry point over level 0; links every live slot it misses. */
  private sweepAll(): void {
    if (this.entry === NONE) return;
    const { link0, live, vectors, in0, parent } = this;
    const stride = this.maxM0 + 1;
    const reached = new Uint8Array(this.slotCount);
    const walk = this.walk;
    const extend = (from: number, up: number): void => {
      let i = walk.length;
      reached[from] = 1;
      parent[from] = up;
      walk.push(from);
      for (; i < walk.length; i++) {
        const off = walk[i]! * stride;
        const count = link0[off]!;
        for (let j = 1; j <= count; j++) {
          const t = link0[off + j]!;
          if (reached[t] === 0) {
            reached[t] = 1;
            parent[t] = walk[i]!;
            walk.push(t);
          }
        }
      }
    };
    const all: { d: number; s: number }[] = [];
    const cmp = (a: { d: number; s: number }, b: { d: number; s: number }): number =>
      candLess(a.d, a.s, b.d, b.s) ? -1 : candLess(b.d, b.s, a.d, a.s) ? 1 : 0;
    for (let pass = 0; pass < this.liveCount; pass++) {
      reached.fill(0);
      walk.length = 0;
      parent.fill(NONE);
      extend(this.entry, NONE);
      if (walk.length === this.liveCount) return;
      let any = false;
      for (let x = 0; x < this.slotCount; x++) {
        if (live[x] === 0 || reached[x] !== 0) continue;
        // x's reached out-neighbours in stored order, then every reached live slot by distance
        // to x: the first with room takes x (appending never cuts a path), else the first that
        // linkTo accepts.
        const xoff = x * stride;
        all.length = 0;
        for (let i = 1; i <= link0[xoff]!; i++) {
          const n = link0[xoff + i]!;
          if (reached[n] !== 0) all.push({ d: 0, s: n });
        }
        const qx = vectors.rowQuery(x, this.rowQ2);
        const rest: { d: number; s: number }[] = [];
        for (let n = 0; n < this.slotCount; n++) {
          if (live[n] !== 0 && reached[n] !== 0) rest.push({ d: vectors.distance(qx, n), s: n });
        }
        rest.sort(cmp);
        for (const c of rest) all.push(c);
        let from = NONE;
        for (const c of all) {
          const off = c.s * stride;
          const count = link0[off]!;
          if (count < this.maxM0) {
            link0[off + 1 + count] = x;
            link0[off] = count + 1;
            in0[x]!++;
            from = c.s;
            break;
          }
        }
        for (let i = 0; i < all.length && from === NONE; i++) if (this.linkTo(x, all[i]!.s)) from = all[i]!.s;
        if (from !== NONE) {
          any = true;
          extend(x, from);
        }
      }
      if (!any) return;
    }
  }

  /** Links the new node `slot` (query q) at levels min(level, topLevel) .. 0 from `entry`. */
  private connect(slot: number, q: Query, level: number, entry: number, entryDist: number, topLevel: number): void {
    const found = this.found;
    const chosen = this.chosen;
    for (let l = Math.min(level, topLevel); l >= 0; l--) {
      this.searchLayer(q, entry, entryDist, this.params.efConstruction, l, null);
      // Drop the node itself (only reachable in a parallel build; kept for parity).
      let w = 0;
      for (let i = 0; i < found.size; i++) {
        if (found.slot[i] === slot) continue;
        found.dist[w] = found.dist[i]!;
        found.slot[w] = found.slot[i]!;
        w++;
      }
      found.size = w;
      if (w === 0) continue;
      const nextEntry = found.slot[0]!;
      const nextDist = found.dist[0]!;
      this.selectNeighbours(found, this.m, chosen);
      this.setLinks(slot, l, chosen);
      if (l === 0) for (let i = 0; i < chosen.size; i++) this.in0[chosen.slot[i]!]!++;
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
      this.entry = slot;
      this.maxLevel = level;
      this.sweep = true; // a new entry point: check the whole graph from it
    }
    this.inserted = slot;
    this.touched.push(slot); // every chosen neighbour may have pruned it away again
    this.reconnect();
  }

  /** Exact scan of every live allowed slot; the k best ascending in this.found. */
  private exactSearch(q: Query, k: number, allow: SlotFilter): void {
    const top = this.top;
    top.clear();
    for (let slot = 0; slot < this.slotCount; slot++) {
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

  /** FORMAT.md search over the query prepared in this.query: the k best in this.found. */
  searchPrepared(k: number, ef: number, allow: SlotFilter): void {
    this.found.clear();
    if (this.liveCount === 0 || k === 0) return;
    const q = this.query;
    ef = Math.max(ef, k);
    if (ef >= this.liveCount) {
      this.exactSearch(q, k, allow);
      return;
    }
    const ep = this.descend(q, this.entry, this.maxLevel, 0);
    this.searchLayer(q, ep, this.descendDist, ef, 0, allow);
    if (this.found.size > k) this.found.size = k;
  }
}
