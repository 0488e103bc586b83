/**
 * FORMAT.md "Reachability": every live slot stays reachable over level-0 links from the entry
 * point after each insert and removal, or a search could never return it. Pruning a full list
 * may drop a node's only way in, and a removal takes the removed node's links with it.
 *
 * The js-fallback keeps the reachability tree of FORMAT.md (`parent`: a node whose level-0 list
 * holds x, on a chain to the entry point) and, instead of the core's in-degrees, the holder lists
 * (graph.ts). A write notes the level-0 links it drops; at its end (finishWrite) each dropped tree
 * link is replaced by another holder of the node that is chained to the entry point, else the
 * node is linked from a chained node found by a search for its row, so the work stays local. Only
 * a new entry point or a failed reparent runs a sweep: a breadth-first walk from the entry point
 * that links each missed node from the nearest reached node with room (appended), else from the
 * nearest one that can give up its farthest link whose target keeps another in-link, and walks
 * again until every live node is reached.
 */
import type { Graph } from './graph.js';
import { NONE } from './graph.js';
import { candLess } from './heap.js';

/** Parent chains longer than this count as not reaching the entry point (FORMAT.md). */
const MAX_CHAIN = 64;
/** Reparents one write may run before it sweeps instead (overwrites can cascade at small m). */
const MAX_REPARENTS = 256;

/** Whether following parents from `w` meets the entry point before `v` (bounded). */
function chained(g: Graph, w: number, v: number): boolean {
  let x = w;
  for (let i = 0; i < MAX_CHAIN; i++) {
    if (x === v || x === NONE || g.live[x] === 0) return false;
    if (x === g.entry) return true;
    x = g.parent[x]!;
  }
  return false;
}

/** Puts x in place of n's farthest level-0 link whose target keeps another in-link. */
function replaceFarthest(g: Graph, n: number, x: number): boolean {
  const off = n * (g.maxM0 + 1);
  const count = g.link0[off]!;
  const qn = g.vectors.rowQuery(n, g.rowQ);
  let worst = 0;
  let worstDist = -Infinity;
  for (let i = 1; i <= count; i++) {
    const t = g.link0[off + i]!;
    if (t === x) return false;
    if (g.holders0[t]!.length < 2) continue;
    const d = g.vectors.distance(qn, t);
    if (worst === 0 || d > worstDist) {
      worst = i;
      worstDist = d;
    }
  }
  if (worst === 0) return false;
  g.overwriteLink0(n, worst, x);
  return true;
}

/** Links x from n at level 0: appended when n has room, else in place of a spare link. */
function linkFrom(g: Graph, n: number, x: number, append: boolean): boolean {
  if (append) {
    if (g.link0[n * (g.maxM0 + 1)]! >= g.maxM0 || g.holds0(n, x)) return false;
    g.appendLink(n, 0, x);
    return true;
  }
  return replaceFarthest(g, n, x);
}

/**
 * Gives the live slot v a parent chained to the entry point: one of its holders, else a node
 * near it (a search for its row) that takes a link to it. False when none does.
 */
function reparent(g: Graph, v: number): boolean {
  for (const w of g.holders0[v]!) {
    if (chained(g, w, v)) {
      g.parent[v] = w;
      return true;
    }
  }
  // Every list holding v comes from v's own subtree (or none holds it): search near it.
  const q = g.vectors.rowQuery(v, g.rowQ2);
  const start = g.descend(q, g.entry, g.maxLevel, 0);
  g.searchLayer(q, start, g.descendDist, Math.max(g.params.efConstruction, 32), 0, null);
  const near = Array.from(g.found.slot.subarray(0, g.found.size)).filter((w) => chained(g, w, v));
  for (const append of [true, false]) {
    for (const w of near) {
      if (linkFrom(g, w, v, append)) {
        g.parent[v] = w;
        return true;
      }
    }
  }
  return false;
}

/**
 * Ends an insert (`inserted`: its new slot) or a removal (NONE): reparents the new node and every
 * node whose tree link the write dropped, or sweeps when that fails or was requested. Clears the
 * write's notes.
 */
export function finishWrite(g: Graph, inserted: number): void {
  const { dropped, parent } = g;
  if (!g.sweepNeeded && g.entry !== NONE) {
    if (inserted !== NONE && !reparent(g, inserted)) g.sweepNeeded = true;
    // Reparenting may drop links in turn (an overwrite): they join the end of the list. Such
    // chains are cut short (the core's bound is the room reserved for them): a sweep instead.
    let budget = MAX_REPARENTS;
    for (let i = 0; !g.sweepNeeded && i < dropped.length; i += 2) {
      const u = dropped[i]!;
      const v = dropped[i + 1]!;
      if (g.live[v] === 0 || parent[v] !== u || (g.live[u] !== 0 && g.holds0(u, v))) continue;
      if (budget-- === 0 || !reparent(g, v)) g.sweepNeeded = true;
    }
  }
  if (g.sweepNeeded) sweep(g);
  dropped.length = 0;
  g.sweepNeeded = false;
}

/**
 * Breadth-first walk over level 0 from `from`: marks (g.visited = g.epoch) and appends to
 * `queue` from `length` on every slot it reaches first, giving it as parent the slot whose list
 * showed it; returns the new queue length.
 */
function walkFrom(g: Graph, from: number, queue: Uint32Array, length: number): number {
  const { link0, visited, epoch, parent } = g;
  const stride = g.maxM0 + 1;
  visited[from] = epoch;
  queue[length++] = from;
  for (let i = length - 1; i < length; i++) {
    const off = queue[i]! * stride;
    const count = link0[off]!;
    for (let j = 1; j <= count; j++) {
      const t = link0[off + j]!;
      if (visited[t] !== epoch) {
        visited[t] = epoch;
        parent[t] = queue[i]!;
        queue[length++] = t;
      }
    }
  }
  return length;
}

/** The reachability tree of a graph as it stands (on load: no link is added). */
export function buildTree(g: Graph): void {
  g.parent.fill(NONE);
  if (g.entry === NONE) return;
  if (g.queue.length < g.slotCount) g.queue = new Uint32Array(g.capacity);
  g.beginVisit();
  walkFrom(g, g.entry, g.queue, 0);
  g.parent[g.entry] = NONE;
}

/** The holder lists of a graph as it stands (on load). */
export function buildHolders(g: Graph): void {
  for (let slot = 0; slot < g.slotCount; slot++) {
    g.holders0[slot] = [];
    const level = g.levels[slot]!;
    g.holdersUp[slot] = level > 0 && g.live[slot] !== 0 ? Array.from({ length: level }, () => []) : null;
  }
  for (let slot = 0; slot < g.slotCount; slot++) {
    if (g.live[slot] === 0) continue;
    for (let l = 0; l <= g.levels[slot]!; l++) {
      const ll = g.linkArray(slot, l);
      const off = g.linkOffset(slot, l);
      for (let i = 1; i <= ll[off]!; i++) g.holdersAt(ll[off + i]!, l).push(slot);
    }
  }
}

/** Links every live slot a level-0 walk from the entry point misses (see the file comment). */
function sweep(g: Graph): void {
  g.sweeps++;
  if (g.entry === NONE) return;
  if (g.queue.length < g.slotCount) g.queue = new Uint32Array(g.capacity);
  const queue = g.queue;
  const near: { d: number; s: number }[] = [];
  for (let pass = 0; pass < g.liveCount; pass++) {
    g.parent.fill(NONE);
    g.beginVisit();
    const { visited, epoch } = g;
    let length = walkFrom(g, g.entry, queue, 0);
    g.parent[g.entry] = NONE;
    if (length === g.liveCount) return;
    let linked = false;
    for (let x = 0; x < g.slotCount; x++) {
      if (g.live[x] === 0 || visited[x] === epoch) continue;
      const qx = g.vectors.rowQuery(x, g.rowQ2);
      near.length = 0;
      for (let n = 0; n < g.slotCount; n++) {
        if (visited[n] === epoch && g.live[n] !== 0) near.push({ d: g.vectors.distance(qx, n), s: n });
      }
      near.sort((a, b) => (candLess(a.d, a.s, b.d, b.s) ? -1 : 1));
      // Appending never cuts a path, so every reached node with room comes before a replacement.
      let from = NONE;
      for (const c of near) if (from === NONE && linkFrom(g, c.s, x, true)) from = c.s;
      for (const c of near) if (from === NONE && linkFrom(g, c.s, x, false)) from = c.s;
      if (from !== NONE) {
        g.parent[x] = from;
        length = walkFrom(g, x, queue, length);
        linked = true;
      }
    }
    if (!linked) return;
  }
}
