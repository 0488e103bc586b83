// The .ruvmodel bundle (core/src/embed/model/BUNDLE.md): round trip, the exact layout of the
// worked example, and every corruption rejected with CORRUPT_DATA.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { decodeBundle, encodeBundle, bundleNameProblem } from '../../js/dist/embeddings/bundle.js';

const corrupt = (pattern) => ({ name: 'RuVectorError', code: 'CORRUPT_DATA', message: pattern });
const sha = (bytes) => createHash('sha256').update(bytes).digest();
const text = (s) => new TextEncoder().encode(s);
const tokenizerDir = new URL('../../../shared/models/all-MiniLM-L6-v2-tokenizer/', import.meta.url);

function seededBytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

test('the worked example of BUNDLE.md, byte for byte', async () => {
  const bundle = await encodeBundle(new Map([['a', text('xyz')]]), { modelId: 'm', revision: '' });
  assert.equal(bundle.length, 131);
  const view = new DataView(bundle.buffer);
  assert.equal(Buffer.from(bundle.subarray(0, 8)).toString('latin1'), 'RUVMODEL');
  assert.equal(view.getUint32(8, true), 1);
  assert.equal(view.getUint32(12, true), 1);
  assert.equal(view.getUint32(16, true), 112);
  assert.equal(view.getUint32(20, true), 0);
  assert.equal(view.getBigUint64(24, true), 131n);
  assert.equal(view.getUint16(32, true), 1);
  assert.equal(bundle[34], 'm'.charCodeAt(0));
  assert.equal(view.getUint16(35, true), 0);
  assert.equal(view.getUint16(37, true), 1);
  assert.equal(bundle[39], 'a'.charCodeAt(0));
  assert.equal(view.getBigUint64(40, true), 3n);
  assert.deepEqual(bundle.subarray(48, 80), new Uint8Array(sha(text('xyz'))));
  assert.deepEqual(bundle.subarray(80, 112), new Uint8Array(sha(bundle.subarray(0, 80))));
  assert.ok(bundle.subarray(112, 128).every((b) => b === 0));
  assert.equal(Buffer.from(bundle.subarray(128)).toString(), 'xyz');
});

test('round trip of a real tokenizer folder plus random weights: same names, bytes, digests; aligned; deterministic', async () => {
  const files = new Map([
    ['tokenizer.json', new Uint8Array(readFileSync(new URL('tokenizer.json', tokenizerDir)))],
    ['config.json', new Uint8Array(readFileSync(new URL('config.json', tokenizerDir)))],
    ['vocab.txt', new Uint8Array(readFileSync(new URL('vocab.txt', tokenizerDir)))],
    ['onnx/model.onnx', seededBytes(10_001, 7)],
    ['1_Pooling/config.json', text('{"pooling_mode_mean_tokens": true}')],
    ['empty.bin', new Uint8Array(0)],
    ['dir/ünïcode.json', text('{}')],
  ]);
  const bundle = await encodeBundle(files, {
    modelId: 'sentence-transformers/all-MiniLM-L6-v2',
    revision: 'main',
  });
  const again = await encodeBundle(new Map([...files].reverse()), {
    modelId: 'sentence-transformers/all-MiniLM-L6-v2',
    revision: 'main',
  });
  assert.deepEqual(again, bundle, 'insertion order does not change the bytes');
  const decoded = await decodeBundle(bundle);
  assert.deepEqual(decoded.meta, { modelId: 'sentence-transformers/all-MiniLM-L6-v2', revision: 'main' });
  const expectedOrder = [...files.keys()].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  assert.deepEqual(
    decoded.files.map((f) => f.name),
    expectedOrder,
  );
  for (const f of decoded.files) {
    assert.deepEqual(f.data, files.get(f.name), f.name);
    assert.equal(f.sha256, sha(files.get(f.name)).toString('hex'));
    assert.equal(f.offset % 64, 0);
    assert.equal(f.data.buffer, bundle.buffer, 'a view, not a copy');
  }
  assert.deepEqual([...decoded.fileMap.keys()], expectedOrder);
  const none = await decodeBundle(await encodeBundle(new Map()));
  assert.deepEqual(none.files, []);
  assert.deepEqual(none.meta, { modelId: '', revision: '' });
});

test('digests given to encodeBundle are used as they are (the bytes equal hashing them); a wrong one is CORRUPT_DATA on decode', async () => {
  const files = new Map([
    ['config.json', text('{"hidden_size": 8}')],
    ['onnx/model.onnx', seededBytes(5_000, 3)],
  ]);
  const meta = { modelId: 'm', revision: '' };
  const hashed = await encodeBundle(files, meta);
  const digests = Object.fromEntries([...files].map(([name, data]) => [name, sha(data).toString('hex')]));
  assert.deepEqual(await encodeBundle(files, meta, digests), hashed, 'given digests: the same bytes');
  // Only some given: the others are hashed.
  assert.deepEqual(await encodeBundle(files, meta, { 'config.json': digests['config.json'] }), hashed);
  // A digest that does not match its file is written as given, and decoding catches it.
  const wrong = await encodeBundle(files, meta, { ...digests, 'onnx/model.onnx': 'ab'.repeat(32) });
  assert.notDeepEqual(wrong, hashed);
  await assert.rejects(decodeBundle(wrong), { code: 'CORRUPT_DATA' });
});

test('a bit flipped anywhere, truncation or extension: CORRUPT_DATA, never anything else', async () => {
  const files = new Map([
    ['config.json', text('{"hidden_size": 8}')],
    ['model.safetensors', seededBytes(200, 3)],
    ['tokenizer.json', text('{"model": {}}')],
  ]);
  const bundle = await encodeBundle(files, { modelId: 'x/y', revision: 'abc' });
  await decodeBundle(bundle);
  for (let i = 0; i < bundle.length; i++) {
    const bad = bundle.slice();
    bad[i] ^= 1 << (i % 8);
    await assert.rejects(decodeBundle(bad), corrupt(/^model bundle: /), `bit ${i % 8} of byte ${i}`);
  }
  for (const length of [0, 7, 31, 32, 100, bundle.length - 1]) {
    await assert.rejects(
      decodeBundle(bundle.slice(0, length)),
      corrupt(/shorter than|truncated|magic/),
      `truncated to ${length}`,
    );
  }
  const longer = new Uint8Array(bundle.length + 1);
  longer.set(bundle);
  await assert.rejects(decodeBundle(longer), corrupt(/total size field/));
});

/** Rewrites the header digest after an edit, so rules past the digest are reached. */
function reseal(bundle) {
  const headerSize = new DataView(bundle.buffer, bundle.byteOffset).getUint32(16, true);
  bundle.set(sha(bundle.subarray(0, headerSize - 32)), headerSize - 32);
  return bundle;
}

test('structurally bad bundles with a valid header digest are still rejected, each with its reason', async () => {
  const make = () =>
    encodeBundle(
      new Map([
        ['a.json', text('1')],
        ['b.json', text('22')],
      ]),
      { modelId: 'm', revision: 'r' },
    );
  // Layout: 32 fixed | 2+1 'm' | 2+1 'r' | a.json entry at 38 (2+6+8+32) | b.json entry at 86 | digest at 134 | header 166.
  const nameAt = (bundle, i) => 38 + 2 + i * 48;
  const cases = [
    ['a name with ..', (b) => b.set(text('../'), nameAt(b, 0)), /'\.\.' component/],
    ['an absolute name', (b) => b.set(text('/'), nameAt(b, 0)), /is absolute/],
    ['a NUL in a name', (b) => (b[nameAt(b, 0) + 1] = 0), /contains NUL/],
    ['a backslash', (b) => (b[nameAt(b, 0) + 1] = 0x5c), /backslash/],
    ['invalid UTF-8', (b) => (b[nameAt(b, 0)] = 0xff), /not valid UTF-8/],
    ['unsorted names', (b) => b.set(text('c'), nameAt(b, 0)), /strictly increasing/],
    ['duplicate names', (b) => b.set(text('a'), nameAt(b, 1)), /strictly increasing/],
    [
      'a size past the end',
      (b) => new DataView(b.buffer).setBigUint64(nameAt(b, 1) + 6, 1n << 40n, true),
      /runs past the end/,
    ],
    [
      'a size over 2^53',
      (b) => new DataView(b.buffer).setBigUint64(nameAt(b, 1) + 6, 1n << 60n, true),
      /too large/,
    ],
    ['a wrong file digest', (b) => (b[nameAt(b, 0) + 6 + 8] ^= 1), /a\.json's SHA-256 does not match/],
    [
      'a name length past the header',
      (b) => new DataView(b.buffer).setUint16(38, 5000, true),
      /header ends inside/,
    ],
    [
      'a count larger than the table',
      (b) => new DataView(b.buffer).setUint32(12, 3, true),
      /header ends inside/,
    ],
    [
      'a count smaller than the table',
      (b) => new DataView(b.buffer).setUint32(12, 1, true),
      /unexplained bytes/,
    ],
    ['a count over the limit', (b) => new DataView(b.buffer).setUint32(12, 5000, true), /exceeds 4096/],
    ['a version 2', (b) => new DataView(b.buffer).setUint32(8, 2, true), /version 2 is not supported/],
    ['a reserved field set', (b) => new DataView(b.buffer).setUint32(20, 1, true), /reserved/],
    ['a header size past the end', (b) => new DataView(b.buffer).setUint32(16, 1 << 30, true), /header size/],
    ['non-zero padding', (b) => (b[170] = 1), /padding byte at 170/],
  ];
  for (const [what, edit, message] of cases) {
    const bundle = await make();
    edit(bundle);
    if (!/header size|padding/.test(String(message))) reseal(bundle);
    await assert.rejects(decodeBundle(bundle), corrupt(message), what);
  }
});

test('names are validated on encode as the spec says', async () => {
  for (const name of [
    '',
    '../x',
    'a/../b',
    '/abs',
    'a//b',
    'a/',
    './a',
    'a\\b',
    'C:x',
    'a\0b',
    'x'.repeat(257),
    'bad\uD800',
  ]) {
    assert.notEqual(bundleNameProblem(name), null, JSON.stringify(name));
    await assert.rejects(
      encodeBundle(new Map([[name, text('')]])),
      { code: 'INVALID_ARGUMENT' },
      JSON.stringify(name),
    );
  }
  for (const name of [
    'config.json',
    'onnx/model.onnx',
    '1_Pooling/config.json',
    'a..b',
    '.hidden',
    'x'.repeat(256),
    '日本/語',
  ]) {
    assert.equal(bundleNameProblem(name), null, name);
  }
  await assert.rejects(encodeBundle(new Map([['a', 'not bytes']])), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(decodeBundle('nope'), { code: 'INVALID_ARGUMENT' });
});
