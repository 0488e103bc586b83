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
