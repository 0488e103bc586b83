// Shared pieces of the HNSW conformance files: which backends have an index, CRC-32 to forge
// hostile bytes, the format's offsets. Data sets and brute-force recall: cases/recall.mjs.
import { BACKENDS, loadBackends, mulberry32, requiredBackends } from './support.mjs';

export { BACKENDS, mulberry32 };
export {
  bruteForce,
  bruteForceIds,
  dataset,
  mean,
  meanRecall,
  recallOf,
  refDistance,
  scoreOf,
} from './cases/recall.mjs';

/** Backends whose HNSW tests must run (CI will set RUVECTOR_REQUIRE_HNSW=native,wasm,js). */
export function requiredHnsw() {
  const list = (process.env.RUVECTOR_REQUIRE_HNSW ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of list) {
    if (!BACKENDS.includes(name)) throw new Error(`RUVECTOR_REQUIRE_HNSW names an unknown backend '${name}'`);
  }
  return new Set(list);
}

/**
 * Every backend with { name, runtime?, hnsw?, skip? }: `hnsw` when the backend loaded and has an
 * index; else `skip` says why. A backend in RUVECTOR_REQUIRE_HNSW (or RUVECTOR_REQUIRE_BACKENDS
 * when it did not load at all) gets `mustRun`, so its tests fail instead of skipping.
 */
export async function loadHnswBackends() {
  const loaded = await loadBackends();
  const requireHnsw = requiredHnsw();
  const requireLoad = requiredBackends();
  const out = [];
  for (const name of BACKENDS) {
    const entry = loaded.get(name);
    if (entry.runtime === undefined) {
      out.push({
        name,
        skip: `${name} backend did not load: ${entry.error?.message}`,
        mustRun: requireHnsw.has(name) || requireLoad.has(name),
      });
      continue;
    }
    const hnsw = entry.runtime.getModules().hnsw;
    try {
      hnsw.free(
        hnsw.create({ dimensions: 2, m: 2, efConstruction: 1, efSearch: 1, distanceMetric: 'cosine' }),
      );
      out.push({ name, runtime: entry.runtime, hnsw, ops: entry.ops });
    } catch (e) {
      if (e?.code !== 'UNSUPPORTED') throw e;
      out.push({
        name,
        runtime: entry.runtime,
        skip: `hnsw not available on ${name}`,
        mustRun: requireHnsw.has(name),
      });
    }
  }
  return out;
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32/IEEE (zlib) of bytes. */
export function crc32(bytes) {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** A copy of serialized bytes with the trailing CRC recomputed (so only the loading rules judge it). */
export function withCrc(bytes) {
  const out = bytes.slice();
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

/** Fixed header offsets of the serialized format, version 1 (core/src/hnsw/FORMAT.md). */
export const OFFSETS = {
  version: 8,
  dimensions: 12,
  m: 16,
  efConstruction: 20,
  efSearch: 24,
  metric: 28,
  storage: 32,
  seed: 36,
  rng: 44,
  slotCount: 52,
  liveCount: 56,
  entryPoint: 60,
  maxLevel: 64,
  firstSlot: 68,
};

/**
 * Bytes with free slots, as version-1 writers wrote them before saving compacted them away
 * (loaders still accept such bytes): `compact` (bytes without free slots) with free slot records
 * placed so that the slots `holes` (final numbers, ascending) are free, links and the entry point
 * renumbered, and the free list written in the order of `freeOrder` (default: `holes`).
 */
export function withFreeSlots(compact, holes, freeOrder = holes) {
  const view = new DataView(compact.buffer, compact.byteOffset, compact.byteLength);
  const u32 = (o) => view.getUint32(o, true);
  const dim = u32(OFFSETS.dimensions);
  const rowBytes = u32(OFFSETS.storage) === 0 ? 4 * dim : 8 + dim;
  const live = u32(OFFSETS.liveCount);
  if (u32(OFFSETS.slotCount) !== live) throw new Error('withFreeSlots: the bytes already have free slots');
  const slots = live + holes.length;
  const isHole = new Uint8Array(slots);
  for (const h of holes) isHole[h] = 1;
  const renumber = [];
  for (let s = 0; s < slots; s++) if (!isHole[s]) renumber.push(s);
  const out = [];
  const put32 = (v) => out.push(v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, v >>> 24);
  out.push(...compact.subarray(0, OFFSETS.slotCount));
  put32(slots);
  put32(live);
  const entry = u32(OFFSETS.entryPoint);
  put32(entry === 0xffffffff ? entry : renumber[entry]);
  put32(u32(OFFSETS.maxLevel));
  let o = OFFSETS.firstSlot;
  for (let s = 0; s < slots; s++) {
    if (isHole[s]) {
      out.push(0);
      continue;
    }
    const idLen = u32(o + 1);
    const levelAt = o + 5 + idLen + rowBytes;
    out.push(...compact.subarray(o, levelAt + 1));
    o = levelAt + 1;
    for (let l = 0; l <= compact[levelAt]; l++) {
      const count = u32(o);
      put32(count);
      for (let i = 1; i <= count; i++) put32(renumber[u32(o + 4 * i)]);
      o += 4 + 4 * count;
    }
  }
  put32(holes.length);
  for (const h of freeOrder) put32(h);
  put32(0);
  return withCrc(Uint8Array.from(out));
}
