// The write-ahead log's decoder (js/src/memory/wal.ts) against bytes a crash or the disk damaged:
// every truncation and every single-bit flip gives back exactly the records that precede the
// damage (whole frames only, CRC-checked) and reports the rest as dropped; it never throws.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import {
  decodeWalHeader,
  decodeWalRecords,
  encodeWalHeader,
  encodeWalRecords,
} from '../../js/dist/memory/wal.js';
import { mulberry32 } from '../conformance/support.mjs';

const DIM = 4;
const rand = mulberry32(22);
const records = Array.from({ length: 40 }, (_, i) => {
  const seq = i + 7;
  const id = `id-${i}-${[...'é☃🍕'].slice(0, i % 4).join('')}`;
  if (i % 5 === 3) return { op: 'delete', seq, id };
  const text = `text ${i} ${'x'.repeat(i % 13)}`;
  const metadataJson = JSON.stringify({ n: i, tags: ['a'] });
  const vector = i % 7 === 1 ? null : Float32Array.from({ length: DIM }, () => rand() - 0.5);
  return { op: 'put', seq, id, text, metadataJson, vector };
});
const header = encodeWalHeader(DIM, 6);
const frames = records.map((r) => encodeWalRecords([r]));
const log = new Uint8Array([...header, ...frames.flatMap((f) => [...f])]);
/** Where each record's frame ends in `log`. */
const ends = [];
frames.reduce((at, f) => (ends.push(at + f.length), at + f.length), header.length);

const plain = (r) => (r.op === 'put' ? { ...r, vector: r.vector === null ? null : Array.from(r.vector) } : r);
const wholeBefore = (n) => records.filter((_, i) => ends[i] <= n).map(plain);

test('the log round-trips, header and records', () => {
  assert.deepEqual(decodeWalHeader(log), { dimensions: DIM, baseSeq: 6 });
  const d = decodeWalRecords(log, DIM);
  assert.deepEqual(d.records.map(plain), records.map(plain));
  assert.equal(d.validBytes, log.length);
  assert.equal(d.droppedBytes, 0);
});

test('every truncation keeps exactly the whole records before the cut', () => {
  for (let n = header.length; n <= log.length; n++) {
    const d = decodeWalRecords(log.subarray(0, n), DIM);
    const want = wholeBefore(n);
    assert.deepEqual(d.records.map(plain), want, `cut at ${n}`);
    assert.equal(d.validBytes, want.length === 0 ? header.length : ends[want.length - 1]);
    assert.equal(d.droppedBytes, n - d.validBytes);
  }
});

test('every single-bit flip keeps exactly the records before the damaged one', () => {
  for (let at = header.length; at < log.length; at++) {
    for (let bit = 0; bit < 8; bit += 3) {
      const bad = log.slice();
      bad[at] ^= 1 << bit;
      const d = decodeWalRecords(bad, DIM);
      // The frame holding the damaged byte and everything after it go.
      const damaged = ends.findIndex((end) => end > at);
      assert.deepEqual(
        d.records.map(plain),
        records.slice(0, damaged).map(plain),
        `flip at ${at} bit ${bit}`,
      );
      assert.equal(d.validBytes, damaged === 0 ? header.length : ends[damaged - 1]);
    }
  }
});

test('garbage after the records and logs of the wrong dimensions never throw', () => {
  for (let i = 0; i < 200; i++) {
    const junk = Uint8Array.from({ length: 1 + Math.floor(rand() * 64) }, () => Math.floor(rand() * 256));
    const d = decodeWalRecords(new Uint8Array([...log, ...junk]), DIM);
    assert.equal(d.records.length, records.length);
    assert.ok(d.droppedBytes <= junk.length);
  }
  // A log read with other dimensions: the first vector-holding put ends the replay.
  const d = decodeWalRecords(log, DIM + 1);
  const firstVector = records.findIndex((r) => r.op === 'put' && r.vector !== null);
  assert.equal(d.records.length, firstVector);
  assert.equal(decodeWalHeader(log.subarray(0, 23)), null);
});
