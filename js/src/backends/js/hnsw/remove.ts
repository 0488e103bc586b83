/**
 * Removal with a local repair (FORMAT.md "remove"): every live node that linked to the removed
 * slot re-selects its links at that level from its other links plus the removed node's links
 * (hnswlib's heuristic), so no link ever points to a free slot and recall stays close to a fresh
 * build. The holders are read from the kept holder lists (graph.ts), so a removal does work in
 * proportion to the removed node's in-degree, not to the index. A node left with no level-0
 * links gets new ones from a search for its own vector; then finishWrite reconnects whatever the
 * removal cut off from the entry point.
 */
import { type Graph, NONE } from './graph.js';
import { finishWrite } from './reachability.js';

/** Removes the live slot `slot`; its slot goes on top of the free stack. */
export function removeSlot(g: Graph, slot: number): void {
  const { vectors, live, levels, pool, selected } = g;
  live[slot] = 0;
  const level = levels[slot]!;
  const merged = new Set<number>();
  const emptied: number[] = [];
  for (let l = 0; l <= level; l++) {
    const rl = g.linkArray(slot, l);
    const roff = g.linkOffset(slot, l);
    const removedLinks = rl.subarray(roff + 1, roff + 1 + rl[roff]!);
    // In ascending slot order, as FORMAT.md's repair goes (the order shapes the graph).
    const holders = g
      .holdersAt(slot, l)
      .slice()
      .sort((a, b) => a - b);
    g.removalWork += holders.length;
    for (const n of holders) {
      const ll = g.linkArray(n, l);
      const off = g.linkOffset(n, l);
      const count = ll[off]!;
      merged.clear();
      for (let i = 1; i <= count; i++) merged.add(ll[off + i]!);
      for (const x of removedLinks) merged.add(x);
      const qn = vectors.rowQuery(n, g.rowQ);
      pool.clear();
      for (const x of merged) if (x !== n && live[x] !== 0) pool.push(vectors.distance(qn, x), x);
      pool.sort();
      g.selectNeighbours(pool, g.maxLinks(l), selected);
      g.setLinks(n, l, selected);
      if (l === 0 && selected.size === 0) emptied.push(n);
    }
  }
  g.clearLinks(slot);
  g.parent[slot] = NONE;
  g.holders0[slot] = [];
  g.holdersUp[slot] = null;
  g.upper[slot] = null;
  levels[slot] = 0;
  g.idMap.delete(g.ids[slot]!);
  g.ids[slot] = undefined;
  g.free.push(slot);
  g.liveCount--;
  if (g.entry === slot) {
    g.sweepNeeded = true; // the tree hangs from the entry point: rebuild it
    g.entry = NONE;
    g.maxLevel = 0;
    for (let n = 0; n < g.slotCount; n++) {
      if (live[n] !== 0 && (g.entry === NONE || levels[n]! > g.maxLevel)) {
        g.entry = n;
        g.maxLevel = levels[n]!;
      }
    }
  }
  for (const n of emptied) g.relink0(n);
  finishWrite(g, NONE);
}
