/**
 * Removal with graph repair (core/src/hnsw/hnsw_delete.cc, FORMAT.md "remove"): every live node
 * that linked to the removed slot re-selects its links at that level from its other links plus
 * the removed node's links, so no link ever points to a free slot and recall stays close to a
 * fresh build. Cost: one scan of the link lists per removal, as in the core.
 */
import { type Graph, NONE } from './graph.js';

/** Removes the live slot `slot`; its slot goes on top of the free stack. */
export function removeSlot(g: Graph, slot: number): void {
  const { vectors, live, levels, pool, selected } = g;
  live[slot] = 0;
  const level = levels[slot]!;
  const merged: number[] = [];
  for (let l = 0; l <= level; l++) {
    const rl = g.linkArray(slot, l);
    const roff = g.linkOffset(slot, l);
    const removedLinks = Array.from(rl.subarray(roff + 1, roff + 1 + rl[roff]!));
    for (let n = 0; n < g.slotCount; n++) {
      if (live[n] === 0 || levels[n]! < l) continue;
      const ll = g.linkArray(n, l);
      const off = g.linkOffset(n, l);
      const count = ll[off]!;
      let found = false;
      for (let i = 1; i <= count; i++) {
        if (ll[off + i] === slot) {
          found = true;
          break;
        }
      }
      if (!found) continue;
      // Distinct slots of both lists in ascending slot order, minus n and free slots.
      merged.length = 0;
      for (let i = 1; i <= count; i++) merged.push(ll[off + i]!);
      for (const x of removedLinks) merged.push(x);
      merged.sort((a, b) => a - b);
      const qn = vectors.rowQuery(n, g.rowQ);
      pool.clear();
      let prev = -1;
      for (const x of merged) {
        if (x === prev) continue;
        prev = x;
        if (x === n || live[x] === 0) continue;
        pool.push(vectors.distance(qn, x), x);
      }
      pool.sort();
      g.selectNeighbours(pool, g.maxLinks(l), selected);
      if (l === 0) g.setLinks0(n, selected);
      else g.setLinks(n, l, selected);
    }
  }
  const roff = slot * (g.maxM0 + 1);
  for (let i = 1; i <= g.link0[roff]!; i++) {
    const t = g.link0[roff + i]!;
    if (--g.in0[t]! <= 1) g.touched.push(t);
    g.dropped.push(slot, t); // its tree children get new parents (FORMAT.md)
  }
  g.clearParent(slot);
  g.link0[roff] = 0;
  g.in0[slot] = 0;
  g.upper[slot] = null;
  levels[slot] = 0;
  g.idMap.delete(g.ids[slot]!);
  g.ids[slot] = undefined;
  g.free.push(slot);
  g.liveCount--;
  if (g.entry === slot) {
    g.sweep = true; // a new entry point: check the whole graph from it
    g.entry = NONE;
    g.maxLevel = 0;
    for (let n = 0; n < g.slotCount; n++) {
      if (live[n] !== 0 && (g.entry === NONE || levels[n]! > g.maxLevel)) {
        g.entry = n;
        g.maxLevel = levels[n]!;
      }
    }
  }
  g.reconnect();
}
