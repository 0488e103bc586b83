// Ids are strings the caller owns: every stored id comes back exactly as given and stays usable
// (has, delete, search, bytes), on every backend (issue 15, defects 3 and 4).
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertCorruptEverywhere, backends, forgedIndex } from './support.mjs';
const config = { dimensions: 4, m: 8, efConstruction: 32, efSearch: 32, distanceMetric: 'euclidean' };
const row = (i) => Float32Array.of(i, i * 2 + 1, -i, 3);

test('ids that begin or end with U+FEFF (a BOM) come back unchanged and stay usable', () => {
  // Defect 3: a TextDecoder without ignoreBOM turned '\uFEFFab' into 'ab' on wasm.
  const ids = ['\uFEFFab', 'ab', '\uFEFF', 'x\uFEFF', '\uFEFF\uFEFFz'];
  for (const b of backends) {
    const h = b.hnsw.create(config);
    ids.forEach((id, i) => b.hnsw.insert(h, id, row(i)));
    const back = b.hnsw.deserialize(b.hnsw.serialize(h));
    for (const index of [h, back]) {
      ids.forEach((id, i) => {
        const [hit] = b.hnsw.search(index, row(i), 1);
        assert.equal(
          hit.id,
          id,
          `${b.name}: search returns ${JSON.stringify(hit.id)} for ${JSON.stringify(id)}`,
        );
        assert.ok(b.hnsw.has(index, id), `${b.name}: has(${JSON.stringify(id)})`);
      });
      for (const id of ids) assert.ok(b.hnsw.delete(index, id), `${b.name}: delete(${JSON.stringify(id)})`);
      assert.equal(b.hnsw.stats(index).vectorCount, 0, `${b.name}: everything deleted`);
    }
    b.hnsw.free(h);
    b.hnsw.free(back);
  }
});

test('ids that are not UTF-8 in serialized bytes are CORRUPT_DATA on every backend', () => {
  // Defect 4: native and wasm took [0xFF] and [0xFE] as U+FFFD, entries that could never be deleted.
  const cases = [
    ['a lone 0xFF byte', [0xff, 0x51, 0x51, 0x51]],
    ['a lone 0xFE byte', [0x51, 0xfe, 0x51, 0x51]],
    ['a truncated two-byte sequence', [0x51, 0x51, 0x51, 0xc3]],
    ['an overlong encoding of "Q"', [0xc1, 0x91, 0x51, 0x51]],
    ['a UTF-8-encoded surrogate (CESU)', [0xed, 0xa0, 0x80, 0x51]],
  ];
  for (const [label, replacement] of cases) {
    const bytes = forgedIndex(config, row(1), (out, at) => out.set(replacement, at));
    assertCorruptEverywhere(bytes, label);
  }
});
