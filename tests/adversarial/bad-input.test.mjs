// The adversarial probe's bad inputs as data: each row is a call, the code every backend must
// throw, and (where part of the contract) the message; every backend must give the same code and
// message as the others (issue 15). Rows join as defects are fixed.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { loadHnswBackends } from '../conformance/hnsw-support.mjs';

const backends = (await loadHnswBackends()).filter((b) => b.hnsw !== undefined);
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
