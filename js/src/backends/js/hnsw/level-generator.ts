/**
 * Seeded level generator of the HNSW index (FORMAT.md "Levels", core/src/hnsw/level_generator.h):
 * splitmix64 on a u64 state, integer-only so that every backend draws the same levels from the
 * same seed. BigInt is fast enough: one draw per level gained plus one, once per insert.
 */

/** Highest level a node may have; the loader rejects larger levels. */
export const MAX_LEVEL = 31;

const MASK64 = 0xffffffffffffffffn;
const GOLDEN = 0x9e3779b97f4a7c15n;
const MUL1 = 0xbf58476d1ce4e5b9n;
const MUL2 = 0x94d049bb133111ebn;

/** One splitmix64 step: returns [new state, output]. */
export function splitMix64Next(state: bigint): [bigint, bigint] {
  const s = (state + GOLDEN) & MASK64;
  let z = s;
  z = ((z ^ (z >> 30n)) * MUL1) & MASK64;
  z = ((z ^ (z >> 27n)) * MUL2) & MASK64;
  return [s, z ^ (z >> 31n)];
}

/** The generator state as the index serializes it. */
export class LevelGenerator {
  state: bigint;

  constructor(seed: bigint) {
    this.state = seed & MASK64;
  }

  next(): bigint {
    const [s, out] = splitMix64Next(this.state);
    this.state = s;
    return out;
  }

  /** level = number of consecutive draws below floor((2^64 - 1) / m), capped at MAX_LEVEL. */
  drawLevel(m: number): number {
    const threshold = MASK64 / BigInt(m);
    let level = 0;
    while (level < MAX_LEVEL && this.next() < threshold) level++;
    return level;
  }
}
