// What the adversarial tests share: the backends with an HNSW index, hostile bytes forged from a
// real index, and the one verdict every backend must give them.
import assert from 'node:assert/strict';

import { loadHnswBackends, withCrc } from '../conformance/hnsw-support.mjs';

/** Every backend that loaded and has an index: { name, hnsw, runtime }. */
export const backends = (await loadHnswBackends()).filter((b) => b.hnsw !== undefined);

const MARKER = new TextEncoder().encode('QQQQ');

/**
 * Bytes of a one-entry index (`config`, id 'QQQQ', `vector`) serialized by the first backend,
 * with `patch(bytes, at)` applied where the id starts (its row follows the 4 id bytes) and the
 * CRC repaired, so that only the loading rules judge them.
 */
export function forgedIndex(config, vector, patch) {
  const { hnsw } = backends[0];
  const h = hnsw.create(config);
  hnsw.insert(h, 'QQQQ', vector);
  const bytes = hnsw.serialize(h);
  hnsw.free(h);
  const at = bytes.findIndex((_, i) => MARKER.every((m, k) => bytes[i + k] === m));
  assert.ok(at > 0, 'the id is in the bytes');
  const out = bytes.slice();
  patch(out, at);
  return withCrc(out);
}

/** Loading `bytes` is CORRUPT_DATA on every backend. */
export function assertCorruptEverywhere(bytes, label) {
  for (const b of backends) {
    let error;
    try {
      b.hnsw.free(b.hnsw.deserialize(bytes));
    } catch (e) {
      error = e;
    }
    assert.equal(error?.code, 'CORRUPT_DATA', `${label} on ${b.name}: ${error?.message ?? 'accepted'}`);
  }
}
