/**
 * FORMAT.md "Reachability": every live slot is reachable over level-0 links from the entry
 * point after each insert and removal, or a search could never return it. Pruning a full list
 * may drop a node's only way in and a removal takes the removed node's links with it, so after
 * such an operation a breadth-first walk from the entry point finds what it misses, and each
 * missed slot (ascending) is linked from the nearest reached node with room (appended), else from
 * the nearest one that can give up its farthest link whose target keeps another in-link. Repeats until
 * the walk reaches every live slot (or no link can be added).
 */
import type { Graph } from './graph.js';
import { NONE } from './graph.js';
import { candLess } from './heap.js';

/**
 * Breadth-first walk over level 0 from `from`: marks (g.visited = g.epoch) and appends to
 * `queue` from `length` on every slot it reaches first; returns the new queue length.
 */
function walkFrom(g: Graph, from: number, queue: Uint32Array, length: number): number {
  const { link0, visited, epoch } = g;
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
        queue[length++] = t;
      }
    }
  }
  return length;
}

/** Level-0 in-degree of every slot. */
function inDegrees(g: Graph): Uint32Array {
  const stride = g.maxM0 + 1;
  const in0 = new Uint32Array(g.slotCount);
  for (let n = 0; n < g.slotCount; n++) {
    if (g.live[n] === 0) continue;
    const count = g.link0[n * stride]!;
    for (let i = 1; i <= count; i++) in0[g.link0[n * stride + i]!]!++;
  }
  return in0;
}

/** Appends x to links(n, 0) if there is room. */
function append(g: Graph, n: number, x: number, in0: Uint32Array): boolean {
  const off = n * (g.maxM0 + 1);
  const count = g.link0[off]!;
  if (count >= g.maxM0) return false;
  g.link0[off + 1 + count] = x;
  g.link0[off] = count + 1;
  in0[x]!++;
  return true;
}

/** Puts x in place of n's farthest level-0 link whose target keeps another in-link. */
function replaceFarthest(g: Graph, n: number, x: number, in0: Uint32Array): boolean {
  const off = n * (g.maxM0 + 1);
  const count = g.link0[off]!;
  const qn = g.vectors.rowQuery(n, g.rowQ);
  let worst = 0;
  let worstDist = -Infinity;
  for (let i = 1; i <= count; i++) {
    const t = g.link0[off + i]!;
    if (in0[t]! < 2) continue;
    const d = g.vectors.distance(qn, t);
    if (worst === 0 || d > worstDist) {
      worst = i;
      worstDist = d;
    }
  }
  if (worst === 0) return false;
  in0[g.link0[off + worst]!]!--;
  g.link0[off + worst] = x;
  in0[x]!++;
  return true;
}

/** Links every live slot a level-0 walk from the entry point misses (see the file comment). */
export function keepReachable(g: Graph): void {
  if (g.entry === NONE) return;
  if (g.queue.length < g.slotCount) g.queue = new Uint32Array(g.capacity);
  const queue = g.queue;
  const near: { d: number; s: number }[] = [];
  for (let pass = 0; pass < g.liveCount; pass++) {
    g.beginVisit();
    const { visited, epoch } = g;
    let length = walkFrom(g, g.entry, queue, 0);
    if (length === g.liveCount) return;
    const in0 = inDegrees(g);
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
      for (const c of near) if (from === NONE && append(g, c.s, x, in0)) from = c.s;
      for (const c of near) if (from === NONE && replaceFarthest(g, c.s, x, in0)) from = c.s;
      if (from !== NONE) {
        length = walkFrom(g, x, queue, length);
        linked = true;
      }
    }
    if (!linked) return;
  }
}
