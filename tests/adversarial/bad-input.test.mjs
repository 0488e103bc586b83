// The adversarial probe's bad inputs as data: each row is a call, the code every backend must
// throw, and (where part of the contract) the message; every backend must give the same code and
// message as the others (issue 15). Rows join as defects are fixed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { assertCorruptEverywhere, backends, forgedIndex } from './support.mjs';
const config = { dimensions: 2, m: 4, efConstruction: 8, efSearch: 8, distanceMetric: 'cosine' };

/** Rows: { label, call(hnsw), code, message? }. */
const CASES = [
  {
    // Defect 7: an explicit null was taken as the default (float32).
    label: 'config.storage null',
    call: (hnsw) => hnsw.create({ ...config, storage: null }),
    code: 'INVALID_ARGUMENT',
    message: "hnsw.create: unknown config.storage null (expected one of 'float32', 'int8')",
  },
  {
    // Defect 7: the getter's own Error leaked out, without a code.
    label: 'a config getter that throws',
    call: (hnsw) =>
      hnsw.create({
        ...config,
        get m() {
          throw new Error('boom');
        },
      }),
    code: 'INVALID_ARGUMENT',
    message: 'hnsw.create: config.m could not be read (its getter threw: boom)',
  },
  {
    label: 'a filter predicate that frees its own index',
    call: (hnsw) => {
      const h = hnsw.create(config);
      hnsw.insert(h, 'a', Float32Array.of(1, 0));
      return hnsw.search(h, Float32Array.of(1, 0), 1, {
        filter: () => {
          hnsw.free(h);
          return true;
        },
      });
    },
    code: 'INVALID_ARGUMENT',
    message: 'hnsw.free: a filter predicate must not call into its own index',
  },
  // Defect 5: int8 rows are coded in float32; native and wasm stored [3e38 x 4] and reported it
  // at distance 0 from [1, 2, 3, 4], js ranked it last or refused it.
  ...['euclidean', 'dot_product'].flatMap((distanceMetric) => [
    {
      label: `int8 ${distanceMetric}: a row whose squared length overflows float32`,
      call: (hnsw) =>
        hnsw.insert(
          hnsw.create({ ...config, dimensions: 4, storage: 'int8', distanceMetric }),
          'huge',
          Float32Array.of(3e38, 3e38, 3e38, 3e38),
        ),
      code: 'INVALID_ARGUMENT',
      message: 'hnsw.insert: int8 storage cannot code this vector: its squared length overflows float32',
    },
    {
      label: `int8 ${distanceMetric}: a batch row whose value range overflows float32`,
      call: (hnsw) =>
        hnsw.insertBatch(hnsw.create({ ...config, dimensions: 4, storage: 'int8', distanceMetric }), [
          { id: 'fine', vector: Float32Array.of(1, 2, 3, 4) },
          { id: 'wide', vector: Float32Array.of(-3e38, 3e38, 0, 0) },
        ]),
      code: 'INVALID_ARGUMENT',
      message: 'hnsw.insertBatch: int8 storage cannot code this vector: its value range overflows float32',
    },
  ]),
];

for (const c of CASES) {
  test(`bad input: ${c.label}`, () => {
    const messages = new Set();
    for (const b of backends) {
      let error;
      try {
        c.call(b.hnsw);
      } catch (e) {
        error = e;
      }
      assert.equal(error?.name, 'RuVectorError', `${b.name}: ${error?.stack ?? 'no error'}`);
      assert.equal(error.code, c.code, `${b.name}: ${error.message}`);
      if (c.message !== undefined) assert.equal(error.message, c.message, b.name);
      messages.add(error.message);
    }
    assert.equal(messages.size, 1, `one message on every backend: ${[...messages].join(' | ')}`);
  });
}

test('a batch with a row int8 cannot code changes nothing, sync or async, on every backend', async () => {
  for (const b of backends) {
    const h = b.hnsw.create({ ...config, dimensions: 4, storage: 'int8', distanceMetric: 'euclidean' });
    b.hnsw.insert(h, 'kept', Float32Array.of(1, 1, 1, 1));
    const entries = [
      ...Array.from({ length: 300 }, (_, i) => ({ id: `e${i}`, vector: Float32Array.of(i, 1, 2, 3) })),
      { id: 'huge', vector: Float32Array.of(3e38, 3e38, 3e38, 3e38) },
    ];
    assert.throws(() => b.hnsw.insertBatch(h, entries), { code: 'INVALID_ARGUMENT' }, b.name);
    await assert.rejects(b.hnsw.insertBatchAsync(h, entries), { code: 'INVALID_ARGUMENT' }, b.name);
    assert.equal(b.hnsw.stats(h).vectorCount, 1, `${b.name}: only the entry from before`);
    assert.ok(!b.hnsw.has(h, 'e0') && b.hnsw.has(h, 'kept'), b.name);
    b.hnsw.free(h);
  }
});

test('rows an insert could not have stored are CORRUPT_DATA in bytes, on every backend', () => {
  // Defect 5, on load: a cosine row that is not unit length, and an int8 row whose range or
  // squared length overflows float32. The row starts right after the 4-byte id.
  const row = (out, at) => new DataView(out.buffer, out.byteOffset + at + 4);
  const cases = [
    [
      'a cosine float32 row of length 2',
      { distanceMetric: 'cosine' },
      (out, at) => row(out, at).setFloat32(0, 2, true),
    ],
    [
      'an int8 row with range [-3e38, 3e38]',
      { distanceMetric: 'euclidean', storage: 'int8' },
      (out, at) => {
        row(out, at).setFloat32(0, -3e38, true);
        row(out, at).setFloat32(4, 3e38, true);
      },
    ],
    [
      'an int8 row of [3e38, 3e38]',
      { distanceMetric: 'dot_product', storage: 'int8' },
      (out, at) => {
        row(out, at).setFloat32(0, 3e38, true);
        row(out, at).setFloat32(4, 3e38, true);
      },
    ],
  ];
  for (const [label, cfg, patch] of cases) {
    assertCorruptEverywhere(forgedIndex({ ...config, ...cfg }, Float32Array.of(1, 0), patch), label);
  }
});
