// SemanticMemory conformance (issue 22) on every backend that has it: search against a float64
// brute force over the same stored vectors, with filters judged by plain JS predicates written
// per case (independent of the core's filter); k results whenever k match; texts embedded by the
// memory equal the embeddings module's vectors; writes applied in call order; bad input the same
// code and message on native, wasm and js (whose filter and search are TypeScript twins of the
// core's: random filters must select the same memories and fail with the same words everywhere),
// with nothing stored changed. js-fallback has no embedder: a text needs a model, and a model on
// js is UNSUPPORTED, never a silent fallback.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';

import { RuVectorError, SemanticMemory } from '../../js/dist/index.js';
import { bruteForce, dataset, scoreOf } from './cases/recall.mjs';
import { testModels } from './embeddings-support.mjs';
import { mulberry32, requiredBackends } from './support.mjs';

const BACKENDS = ['native', 'wasm', 'js'];
const CORE_BACKENDS = ['native', 'wasm'];
const required = requiredBackends();

/** Opens a vectors-only memory on `backend`, or returns the reason it cannot load. */
async function open(backend, options = {}) {
  try {
    return await SemanticMemory.open({ backend, model: null, dimensions: 24, ...options });
  } catch (error) {
    if (error?.code === 'BACKEND_UNAVAILABLE' && !required.has(backend)) return { skip: error.message };
    throw error;
  }
}

/** Metadata of entry i: a group (10 values), a tag list, a number, a nested source, some missing fields. */
function metadataOf(i) {
  const m = {
    group: i % 10,
    n: i,
    tags: i % 3 === 0 ? ['red', 'blue'] : ['green'],
    source: { kind: i % 2 ? 'chat' : 'doc' },
  };
  if (i % 7 === 0) m.pinned = true;
  return m;
}

const N = 1500;
const data = dataset('clustered', N, 24, 12, 2207);
const entries = data.ids.map((id, i) => ({
  id,
  text: `text ${i}`,
  metadata: metadataOf(i),
  vector: data.vectors[i],
}));

/** Filters and the JS predicate each stands for (MongoDB semantics, spelled out per case). */
const FILTER_CASES = [
  { name: 'none', filter: undefined, allow: () => true, recall: 0.9 },
  { name: 'plain equality (10%)', filter: { group: 3 }, allow: (m) => m.group === 3 },
  {
    name: '$gte/$lt range (half)',
    filter: { n: { $gte: 300, $lt: 1050 } },
    allow: (m) => m.n >= 300 && m.n < 1050,
    recall: 0.9,
  },
  {
    name: 'array field $in',
    filter: { tags: { $in: ['red'] } },
    allow: (m) => m.tags.includes('red'),
    recall: 0.9,
  },
  {
    name: 'dotted path and $or',
    filter: { $or: [{ 'source.kind': 'doc', group: 4 }, { pinned: true }] },
    allow: (m) => (m.source.kind === 'doc' && m.group === 4) || m.pinned === true,
  },
  {
    name: '$exists false and $ne',
    filter: { pinned: { $exists: false }, group: { $ne: 0 } },
    allow: (m) => m.pinned === undefined && m.group !== 0,
    recall: 0.9,
  },
  {
    name: 'three matches',
    filter: { n: { $in: [5, 700, 1400] } },
    allow: (m) => [5, 700, 1400].includes(m.n),
  },
  { name: 'no match', filter: { group: 42 }, allow: () => false },
];

for (const backend of BACKENDS) {
  test(`${backend}: search equals a float64 brute force over the stored vectors, with and without filters; k results whenever k match`, async (t) => {
    const memory = await open(backend);
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(entries);
    assert.equal(memory.size, N);
    const k = 10;
    for (const c of FILTER_CASES) {
      const allowed = entries.filter((e) => c.allow(e.metadata));
      let found = 0;
      let wanted = 0;
      for (const q of data.queries) {
        const hits = await memory.search(q, { k, filter: c.filter });
        const truth = bruteForce(
          allowed.map((e) => [e.id, e.vector]),
          q,
          k,
          'cosine',
        );
        assert.equal(hits.length, Math.min(k, allowed.length), `${c.name}: k results whenever k match`);
        for (const h of hits) {
          const e = entries[Number(h.id.slice(h.id.lastIndexOf('-') + 1))];
          assert.ok(c.allow(e.metadata), `${c.name}: ${h.id} does not pass the filter`);
          assert.equal(h.text, e.text);
          assert.deepEqual(h.metadata, e.metadata);
          assert.ok(
            Math.abs(h.score - scoreOf(h.distance, 'cosine')) < 1e-6,
            'score is the similarity of distance',
          );
        }
        for (let i = 1; i < hits.length; i++)
          assert.ok(hits[i - 1].distance <= hits[i].distance + 1e-7, 'best first');
        const ids = new Set(hits.map((h) => h.id));
        found += truth.filter((r) => ids.has(r.id)).length;
        wanted += truth.length;
        if (c.recall === undefined) {
          // Selective filters are ranked exactly: the brute force's distances, in its order.
          assert.deepEqual(
            hits.map((h) => h.id),
            truth.map((r) => r.id),
            `${c.name}: exact ranking`,
          );
          hits.forEach((h, i) => assert.ok(Math.abs(h.distance - truth[i].distance) < 1e-5));
        }
      }
      const recall = wanted === 0 ? 1 : found / wanted;
      assert.ok(recall >= (c.recall ?? 1), `${c.name}: recall ${recall}`);
    }
    // minScore drops what is below it, and efSearch is honoured (a wider walk never recalls less).
    const q = data.queries[0];
    const top = await memory.search(q, { k: 20 });
    const cut = top[9].score;
    assert.deepEqual(
      (await memory.search(q, { k: 20, minScore: cut })).map((h) => h.id),
      top.filter((h) => h.score >= cut).map((h) => h.id),
    );
    const exact = bruteForce(
      entries.map((e) => [e.id, e.vector]),
      q,
      20,
      'cosine',
    ).map((r) => r.id);
    assert.deepEqual(
      (await memory.search(q, { k: 20, efSearch: N })).map((h) => h.id),
      exact,
      'efSearch >= size is exact',
    );
    await memory.close();
  });

  test(`${backend}: get, has, delete, replace, iteration; every stored id stays findable`, async (t) => {
    const memory = await open(backend);
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(entries.slice(0, 300));
    for (const e of entries.slice(0, 300)) {
      const hit = (await memory.search(e.vector, { k: 1 }))[0];
      assert.equal(hit.id, e.id, `${e.id} is its own nearest`);
    }
    assert.deepEqual(memory.get('clustered-5'), {
      id: 'clustered-5',
      text: 'text 5',
      metadata: metadataOf(5),
    });
    assert.equal(memory.get('nope'), undefined);
    assert.equal(await memory.delete('clustered-5'), true);
    assert.equal(await memory.delete('clustered-5'), false);
    assert.equal(memory.has('clustered-5'), false);
    assert.equal(memory.size, 299);
    // Replacing keeps one entry with the new text, metadata and vector.
    await memory.add('clustered-6', 'new text', { replaced: true }, { vector: entries[200].vector });
    assert.equal(memory.size, 299);
    assert.deepEqual(memory.get('clustered-6'), {
      id: 'clustered-6',
      text: 'new text',
      metadata: { replaced: true },
    });
    const near = await memory.search(entries[200].vector, { k: 2 });
    assert.deepEqual(near.map((h) => h.id).sort(), ['clustered-200', 'clustered-6']);
    const seen = [];
    for await (const e of memory) seen.push(e.id);
    assert.equal(seen.length, 299);
    assert.equal(new Set(seen).size, 299);
    assert.ok(!seen.includes('clustered-5'));
    // Metadata comes back as it was given, keys in the caller's order at every depth, from the
    // memory and from its exported bytes (the core's objects keep insertion order).
    const given = { zeta: 1, alpha: { y: [{ q: 1, c: 2 }], b: null }, mid: 'm' };
    await memory.add('ordered', 'keys', given, { vector: entries[201].vector });
    assert.equal(JSON.stringify(memory.get('ordered').metadata), JSON.stringify(given));
    const hit = (await memory.search(entries[201].vector, { k: 2 })).find((h) => h.id === 'ordered');
    assert.equal(JSON.stringify(hit.metadata), JSON.stringify(given));
    const copy = await SemanticMemory.import(await memory.export(), { backend });
    assert.equal(JSON.stringify(copy.get('ordered').metadata), JSON.stringify(given));
    await copy.close();
    await memory.close();
    assert.throws(() => memory.size, { code: 'NOT_INITIALIZED' });
    await assert.rejects(memory.search(entries[0].vector), { code: 'NOT_INITIALIZED' });
    await memory.close(); // idempotent
  });

  test(`${backend}: writes apply in call order (the last call for an id wins)`, async (t) => {
    const memory = await open(backend);
    if (memory.skip) return t.skip(memory.skip);
    const v = entries[0].vector;
    const calls = [];
    for (let i = 0; i < 20; i++) calls.push(memory.add('same', `version ${i}`, { i }, { vector: v }));
    calls.push(memory.delete('same'));
    calls.push(memory.add('same', 'final', {}, { vector: v }));
    await Promise.all(calls);
    assert.equal(memory.get('same').text, 'final');
    // A failing write does not stop the ones after it.
    const bad = memory.add('x', 'text', { deep: nest(40) }, { vector: v });
    const good = memory.add('y', 'text', {}, { vector: v });
    await assert.rejects(bad, { code: 'INVALID_ARGUMENT' });
    await good;
    assert.equal(memory.has('y'), true);
    await memory.flush();
    await memory.close();
  });
}

/** An object nested `depth` levels. */
function nest(depth) {
  let o = {};
  for (let i = 1; i < depth; i++) o = { a: o };
  return o;
}

/** Bad calls: each must fail with the same code and message on native and wasm, changing nothing. */
const BAD_CALLS = [
  ['empty id', (m) => m.add('', 'text', {}, { vector: entries[0].vector })],
  ['id not a string', (m) => m.add(7, 'text', {}, { vector: entries[0].vector })],
  ['empty text', (m) => m.add('a', '', {}, { vector: entries[0].vector })],
  ['text not a string', (m) => m.add('a', { t: 1 }, {}, { vector: entries[0].vector })],
  ['metadata an array', (m) => m.add('a', 'text', [1], { vector: entries[0].vector })],
  ['metadata with a function', (m) => m.add('a', 'text', { f: () => 1 }, { vector: entries[0].vector })],
  ['metadata with Infinity', (m) => m.add('a', 'text', { x: [Infinity] }, { vector: entries[0].vector })],
  ['metadata with a Date', (m) => m.add('a', 'text', { when: new Date(0) }, { vector: entries[0].vector })],
  ['metadata 33 levels deep', (m) => m.add('a', 'text', nest(33), { vector: entries[0].vector })],
  [
    'metadata over 1 MiB',
    (m) => m.add('a', 'text', { big: 'x'.repeat(1 << 20) }, { vector: entries[0].vector }),
  ],
  ['vector too short', (m) => m.add('a', 'text', {}, { vector: new Float32Array(3) })],
  ['vector with NaN', (m) => m.add('a', 'text', {}, { vector: new Float32Array(24).fill(NaN) })],
  ['no vector and no model', (m) => m.add('a', 'text')],
  [
    'batch with one bad entry',
    (m) =>
      m.addBatch([
        { id: 'ok', text: 't', vector: entries[0].vector },
        { id: 'b', text: '' },
      ]),
  ],
  // Bounds only the core also judges: checked before anything is stored, so the batch is refused whole.
  [
    'batch whose second entry is 33 levels deep',
    (m) =>
      m.addBatch([
        { id: 'ok', text: 't', vector: entries[0].vector },
        { id: 'b', text: 't', metadata: nest(33), vector: entries[0].vector },
      ]),
  ],
  [
    'batch whose second entry is over 1 MiB',
    (m) =>
      m.addBatch([
        { id: 'ok', text: 't', vector: entries[0].vector },
        { id: 'b', text: 't', metadata: { s: 'é'.repeat(600000) }, vector: entries[0].vector },
      ]),
  ],
  [
    'batch entry with an unknown key',
    (m) => m.addBatch([{ id: 'ok', text: 't', vector: entries[0].vector, meta: {} }]),
  ],
  ['unknown filter operator', (m) => m.search(entries[0].vector, { filter: { a: { $regex: 'x' } } })],
  ['$in not an array', (m) => m.search(entries[0].vector, { filter: { a: { $in: 3 } } })],
  ['$and not an array', (m) => m.search(entries[0].vector, { filter: { $and: {} } })],
  ['filter a function', (m) => m.search(entries[0].vector, { filter: () => true })],
  ['k zero', (m) => m.search(entries[0].vector, { k: 0 })],
  ['unknown search option', (m) => m.search(entries[0].vector, { topK: 3 })],
  ['query of the wrong length', (m) => m.search(new Float32Array(5))],
  ['text query without a model', (m) => m.search('hello')],
  ['delete with a number', (m) => m.delete(3)],
];

test('bad input: the same code and message on native, wasm and js, and nothing stored changes', async (t) => {
  const errors = new Map();
  for (const backend of BACKENDS) {
    const memory = await open(backend);
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(entries.slice(0, 50));
    const before = [];
    for await (const e of memory) before.push(e);
    for (const [name, call] of BAD_CALLS) {
      const error = await Promise.resolve()
        .then(() => call(memory))
        .then(
          () => assert.fail(`${backend}: ${name}: expected an error`),
          (e) => e,
        );
      assert.ok(error instanceof RuVectorError, `${backend}: ${name}: ${error}`);
      const key = `${name}`;
      if (!errors.has(key)) errors.set(key, `${error.code}: ${error.message}`);
      else assert.equal(`${error.code}: ${error.message}`, errors.get(key), `${name}: same on every backend`);
    }
    const after = [];
    for await (const e of memory) after.push(e);
    assert.deepEqual(after, before, `${backend}: nothing stored changed`);
    await memory.close();
  }
  assert.match(
    errors.get('unknown filter operator'),
    /^INVALID_ARGUMENT: SemanticMemory\.search: filter\.a\.\$regex: unknown operator/,
  );
  assert.match(errors.get('metadata 33 levels deep'), /nests deeper than 32 levels/);
});

test('open: options are honoured or rejected; a model on js-fallback is UNSUPPORTED', async () => {
  await assert.rejects(SemanticMemory.open({ backend: 'js', model: { folder: '/nonexistent' } }), {
    code: 'UNSUPPORTED',
  });
  await assert.rejects(SemanticMemory.open({ model: null }), {
    code: 'INVALID_ARGUMENT',
    message: /dimensions is required/,
  });
  await assert.rejects(SemanticMemory.open({ model: null, dimensions: 4, index: { m: 1 } }), {
    code: 'INVALID_ARGUMENT',
    message: /config\.m/,
  });
  await assert.rejects(SemanticMemory.open({ model: null, dimensions: 4, topK: 1 }), {
    code: 'INVALID_ARGUMENT',
    message: /unknown option 'topK'/,
  });
  assert.throws(() => new SemanticMemory({}), { code: 'INVALID_ARGUMENT' });
  const m = await SemanticMemory.open({
    model: null,
    dimensions: 4,
    index: { m: 8, efSearch: 20, distanceMetric: 'euclidean' },
  });
  const d = m.describe();
  assert.deepEqual(
    [d.index.m, d.index.efSearch, d.index.efConstruction, d.index.distanceMetric],
    [8, 20, 200, 'euclidean'],
  );
  assert.equal(d.model, null);
  assert.equal(d.path, null);
  assert.equal(d.durability, 'none');
  await m.add('a', 'text', {}, { vector: new Float32Array([3, 4, 0, 0]) });
  const [hit] = await m.search(new Float32Array([0, 0, 0, 0]));
  assert.ok(
    Math.abs(hit.distance - 5) < 1e-6 && Math.abs(hit.score + 5) < 1e-6,
    'euclidean: score is -distance',
  );
  await m.close();
});

const models = testModels();
for (const backend of CORE_BACKENDS) {
  test(`${backend}: texts are embedded with the memory's model (equal to the embeddings module's vectors), in batches, with progress`, async (t) => {
    if (models.missing) {
      if (models.mustRun) throw new Error(models.missing);
      return t.skip(models.missing);
    }
    const memory = await open(backend, {
      model: { folder: join(models.dir, 'tiny') },
      dimensions: undefined,
    });
    if (memory.skip) return t.skip(memory.skip);
    const info = memory.describe().model;
    assert.equal(info.modelId, 'tiny');
    assert.equal(memory.dimensions, info.dimensions);
    const texts = Array.from(
      { length: 70 },
      (_, i) => `note number ${i} about ${['cats', 'tea', 'rust', 'rain'][i % 4]}`,
    );
    const progress = [];
    await memory.addBatch(
      texts.map((text, i) => ({ id: `n${i}`, text, metadata: { topic: i % 4 } })),
      { onProgress: (p) => progress.push(p.embedded) },
    );
    assert.deepEqual(progress, [32, 64, 70]);
    const { RuVectorRuntime } = await import('../../js/dist/index.js');
    const runtime = await RuVectorRuntime.create({ backend });
    const embeddings = runtime.getModules().embeddings;
    const handle = await embeddings.loadModel({ folder: join(models.dir, 'tiny') });
    for (const i of [0, 33, 69]) {
      const v = embeddings.embed(handle, texts[i]);
      const [hit] = await memory.search(v, { k: 1 });
      assert.equal(hit.id, `n${i}`);
      assert.ok(hit.distance < 1e-5, `stored vector equals embed(text): distance ${hit.distance}`);
      const [byText] = await memory.search(texts[i], { k: 1, filter: { topic: i % 4 } });
      assert.equal(byText.id, `n${i}`);
    }
    embeddings.unloadModel(handle);
    // Call order holds when an earlier write is still embedding: the delete waits for the add.
    const adding = memory.add('late', texts[5].repeat(20));
    const deleting = memory.delete('late');
    await Promise.all([adding, deleting]);
    assert.equal(memory.has('late'), false, 'the delete called after the add applies after it');
    await assert.rejects(open(backend, { model: { folder: join(models.dir, 'tiny') }, dimensions: 7 }), {
      code: 'DIMENSION_MISMATCH',
    });
    await memory.close();
  });
}

/** Random metadata and filters (valid and not) over a small vocabulary, so that they meet often. */
function randomFilters(seed, count) {
  const rand = mulberry32(seed);
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const scalars = [0, 1, 1.5, -2, 10, 'x', 'y', 'é', '😀', '\uE000', '', null, true, false];
  const value = (depth = 0) => {
    const r = rand();
    if (r < 0.6 || depth > 1) return pick(scalars);
    if (r < 0.8) return Array.from({ length: Math.floor(rand() * 3) }, () => value(depth + 1));
    return { d: value(depth + 1), [pick(['e', 'f'])]: value(depth + 1) };
  };
  const fields = ['a', 'b', 'c', 'c.d', 'c.e', 'tags', 'missing', 'a', 'b', 'c.d', 'a..b'];
  const ops = [
    '$eq',
    '$ne',
    '$gt',
    '$gte',
    '$lt',
    '$lte',
    '$in',
    '$nin',
    '$exists',
    'plain',
    'plain',
    '$regex',
  ];
  const ranged = () =>
    rand() < 0.85 ? pick([0, 1, 1.5, -2, 10, 'x', 'y', 'é', '😀', '\uE000', '']) : value();
  const condition = () => {
    const op = pick(ops);
    if (op === 'plain') return value();
    if (op === '$in' || op === '$nin')
      return {
        [op]: rand() < 0.9 ? Array.from({ length: 1 + Math.floor(rand() * 3) }, () => value()) : value(),
      };
    if (op === '$exists') return { [op]: rand() < 0.9 ? rand() < 0.5 : value() };
    const c = { [op]: op.startsWith('$g') || op.startsWith('$l') ? ranged() : value() };
    if (rand() < 0.2) c[pick(['$lt', '$ne', 'z'])] = value();
    return c;
  };
  const filter = (depth) => {
    const f = {};
    const n = 1 + Math.floor(rand() * 2);
    for (let i = 0; i < n; i++) {
      const r = rand();
      if (r < 0.15 && depth < 3)
        f[pick(['$and', '$or'])] =
          rand() < 0.9 ? Array.from({ length: 1 + Math.floor(rand() * 2) }, () => filter(depth + 1)) : [];
      else if (r < 0.18) f[pick(['$not', '$nor'])] = [{ a: 1 }];
      else f[pick(fields)] = condition();
    }
    return f;
  };
  const metadata = Array.from({ length: 120 }, () => ({
    a: value(),
    b: value(),
    c: rand() < 0.7 ? { d: value(), e: value() } : value(),
    tags: [value(), value()],
  }));
  return { metadata, filters: Array.from({ length: count }, () => filter(0)) };
}

test('random filters select the same memories, or fail with the same words, on native, wasm and js', async (t) => {
  const { metadata, filters } = randomFilters(4409, 400);
  const results = new Map();
  for (const backend of BACKENDS) {
    const memory = await open(backend);
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(
      metadata.map((m, i) => ({ id: `m${i}`, text: 't', metadata: m, vector: entries[i].vector })),
    );
    // Metadata comes back the same way everywhere (keys in the core's order).
    const stored = JSON.stringify(
      [...Array(metadata.length).keys()].map((i) => memory.get(`m${i}`).metadata),
    );
    const outcomes = [stored];
    for (const filter of filters) {
      try {
        const hits = await memory.search(entries[0].vector, { k: metadata.length, filter });
        outcomes.push(
          hits
            .map((h) => h.id)
            .sort()
            .join(','),
        );
      } catch (e) {
        outcomes.push(`${e.code}: ${e.message}`);
      }
    }
    results.set(backend, outcomes);
    await memory.close();
  }
  const [first, ...others] = [...results.entries()];
  let errors = 0;
  let nonEmpty = 0;
  for (let i = 1; i < first[1].length; i++) {
    if (first[1][i].startsWith('INVALID_ARGUMENT')) errors++;
    else if (first[1][i] !== '') nonEmpty++;
  }
  for (const [name, outcomes] of others) {
    for (let i = 0; i < outcomes.length; i++) {
      assert.equal(
        outcomes[i],
        first[1][i],
        `${name} vs ${first[0]}: ${i === 0 ? 'stored metadata' : JSON.stringify(filters[i - 1])}`,
      );
    }
  }
  // The generator reaches both sides: many valid filters that select something, and many errors.
  assert.ok(errors >= 40 && nonEmpty >= 100, `errors ${errors}, non-empty selections ${nonEmpty}`);
});

/** Every entry of a memory, sorted by id. */
async function allEntries(memory) {
  const out = [];
  for await (const e of memory) out.push(e);
  return out.sort((a, b) => (a.id < b.id ? -1 : 1));
}

test('export on any backend, import on any backend: every memory, the index and the results kept', async (t) => {
  const made = new Map();
  for (const backend of BACKENDS) {
    const memory = await open(backend, { index: { m: 12, efSearch: 40, distanceMetric: 'euclidean' } });
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(entries.slice(0, 400));
    for (let i = 0; i < 400; i += 9) await memory.delete(entries[i].id);
    made.set(backend, { bytes: await memory.export(), entries: await allEntries(memory) });
    await memory.close();
  }
  const q = data.queries[1];
  const filter = { group: { $in: [1, 2] }, pinned: { $exists: false } };
  for (const [from, { bytes, entries: want }] of made) {
    for (const to of BACKENDS) {
      const memory = await SemanticMemory.import(bytes, { backend: to });
      assert.equal(memory.size, want.length, `${from} -> ${to}`);
      assert.deepEqual(await allEntries(memory), want, `${from} -> ${to}: every memory`);
      const d = memory.describe();
      assert.deepEqual(
        [d.index.m, d.index.efSearch, d.index.distanceMetric, d.model],
        [12, 40, 'euclidean', null],
      );
      const truth = bruteForce(
        want
          .filter((e) => e.metadata.group >= 1 && e.metadata.group <= 2 && e.metadata.pinned === undefined)
          .map((e) => [e.id, entries[Number(e.id.split('-')[1])].vector]),
        q,
        10,
        'euclidean',
      );
      const hits = await memory.search(q, { k: 10, filter });
      assert.deepEqual(
        hits.map((h) => h.id),
        truth.map((r) => r.id),
        `${from} -> ${to}: filtered search`,
      );
      // It goes on working: writes, and a second round trip.
      await memory.add('new', 'new text', { group: 1 }, { vector: q });
      assert.equal((await memory.search(q, { k: 1, filter }))[0].id, 'new');
      const again = await SemanticMemory.import(await memory.export(), { backend: to });
      assert.equal(again.size, want.length + 1);
      await again.close();
      await memory.close();
    }
  }
});

test('import: hostile bytes are CORRUPT_DATA with the same message on every backend', async () => {
  const { crc32 } = await import('../../js/dist/backends/js/hnsw/crc32.js');
  const memory = await open('js');
  await memory.addBatch(entries.slice(0, 5));
  const bytes = await memory.export();
  await memory.close();
  const reseal = (b) => {
    new DataView(b.buffer).setUint32(b.length - 4, crc32(b, 0, b.length - 4), true);
    return b;
  };
  const text = Buffer.from(bytes).toString('latin1');
  const variants = [
    ['empty', new Uint8Array(0)],
    ['cut short', bytes.slice(0, bytes.length - 9)],
    ['a flipped byte', bytes.map((b, i) => (i === 200 ? b ^ 1 : b))],
    ['another magic', reseal(bytes.map((b, i) => (i === 0 ? 0x41 : b)))],
    ['version 2', reseal(bytes.map((b, i) => (i === 8 ? 2 : b)))],
    [
      'an id the index lacks',
      reseal(bytes.map((b, i) => (i === text.lastIndexOf('clustered-4') + 2 ? 0x58 : b))),
    ],
    [
      'metadata not an object',
      reseal(bytes.map((b, i) => (i === text.lastIndexOf('{"group":4') ? 0x5b : b))),
    ],
    [
      'a header that is not ours',
      reseal(bytes.map((b, i) => (i === text.indexOf('ruvector-semantic') ? 0x58 : b))),
    ],
  ];
  const messages = new Map();
  for (const backend of BACKENDS) {
    for (const [name, b] of variants) {
      const error = await SemanticMemory.import(b, { backend, model: null }).then(
        () => assert.fail(`${backend}: ${name}: loaded`),
        (e) => e,
      );
      assert.equal(error.code, 'CORRUPT_DATA', `${backend}: ${name}: ${error.message}`);
      if (!messages.has(name)) messages.set(name, error.message);
      else assert.equal(error.message, messages.get(name), `${name}: same message on every backend`);
    }
  }
  assert.match(messages.get('an id the index lacks'), /record 4: its id is not in the index/);
  assert.match(messages.get('a flipped byte'), /checksum mismatch/);
  await assert.rejects(SemanticMemory.import('bytes', { backend: 'js' }), { code: 'INVALID_ARGUMENT' });
});

for (const backend of CORE_BACKENDS) {
  test(`${backend}: the snapshot records its model; another model is MODEL_MISMATCH naming both`, async (t) => {
    if (models.missing) {
      if (models.mustRun) throw new Error(models.missing);
      return t.skip(models.missing);
    }
    const tiny = { folder: join(models.dir, 'tiny') };
    const memory = await open(backend, { model: tiny, dimensions: undefined });
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch([
      { id: 'a', text: 'the cat sat on the mat' },
      { id: 'b', text: 'rain falls on the hills' },
    ]);
    const bytes = await memory.export();
    await memory.close();
    const back = await SemanticMemory.import(bytes, { backend, model: tiny });
    assert.equal(back.describe().model.modelId, 'tiny');
    assert.equal((await back.search('the cat sat on the mat', { k: 1 }))[0].id, 'a');
    await back.close();
    const variant = { folder: join(models.dir, 'tiny-variant') };
    await assert.rejects(SemanticMemory.import(bytes, { backend, model: variant }), {
      code: 'MODEL_MISMATCH',
      message: /made by tiny \(sha256 [0-9a-f]{12}.*the model given is tiny-variant/,
    });
    await assert.rejects(SemanticMemory.import(bytes, { backend, model: null }), {
      code: 'MODEL_MISMATCH',
      message: /the model given is no model/,
    });
    await assert.rejects(
      SemanticMemory.import(bytes, { backend, model: tiny, modelOptions: { pooling: 'cls' } }),
      {
        code: 'MODEL_MISMATCH',
      },
    );
    // dtype: the store's vectors are fp32's; q8 makes (slightly) other vectors, so it is refused
    // for this store, naming both, rather than mixing the two spaces.
    const fp32 = await SemanticMemory.import(bytes, { backend, model: tiny, dtype: 'fp32' });
    assert.equal(fp32.describe().model.dtype, 'fp32');
    await fp32.close();
    await assert.rejects(SemanticMemory.import(bytes, { backend, model: tiny, dtype: 'q8' }), {
      code: 'MODEL_MISMATCH',
      message: /^SemanticMemory\.import: .*made by tiny .*, fp32, .*but the model given is tiny .*, q8, /,
    });
    // The truncation side changes long texts' vectors: recorded, and another one refused.
    await assert.rejects(
      SemanticMemory.import(bytes, { backend, model: tiny, modelOptions: { truncation: 'left' } }),
      { code: 'MODEL_MISMATCH', message: /truncated on the right.*truncated on the left/ },
    );
    const right = await SemanticMemory.import(bytes, {
      backend,
      model: tiny,
      modelOptions: { truncation: 'right' },
    });
    assert.equal(right.describe().model.truncation, 'right');
    await right.close();
    // A vectors-only store refuses a model (its vectors come from no recorded model).
    const plain = await open(backend);
    await plain.add('x', 'text', {}, { vector: entries[0].vector });
    await assert.rejects(SemanticMemory.import(await plain.export(), { backend, model: tiny }), {
      code: 'MODEL_MISMATCH',
      message: /open it with model: null/,
    });
    await plain.close();
  });
}

/** A fresh temporary directory. */
async function tempDir() {
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  return mkdtempSync(join(tmpdir(), 'ruvector-memory-'));
}

for (const backend of BACKENDS) {
  test(`${backend}: a store on disk reopens with every memory; describe() says where and how`, async (t) => {
    const dir = await tempDir();
    const memory = await open(backend, { path: dir, index: { m: 10 } });
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(entries.slice(0, 200));
    await memory.delete(entries[3].id);
    await memory.add(entries[4].id, 'replaced', { r: 1 }, { vector: entries[4].vector });
    const d = memory.describe();
    assert.equal(d.path, dir);
    assert.equal(d.durability, 'fsync');
    assert.deepEqual(d.recovered, { snapshot: false, replayed: 0, droppedBytes: 0 });
    const want = await allEntries(memory);
    await memory.close();
    // Reopened on every backend: the snapshot written at close, nothing to replay.
    for (const other of BACKENDS) {
      const again = await open(other, { path: dir, dimensions: undefined });
      assert.deepEqual(await allEntries(again), want, `${backend} -> ${other}`);
      assert.equal(again.describe().index.m, 10);
      assert.deepEqual(again.describe().recovered, { snapshot: true, replayed: 0, droppedBytes: 0 });
      const [hit] = await again.search(entries[10].vector, { k: 1 });
      assert.equal(hit.id, entries[10].id);
      await again.close();
    }
    await assert.rejects(open(backend, { path: dir, index: { m: 12 } }), {
      code: 'INVALID_ARGUMENT',
      message: /options\.index applies when a store is created/,
    });
    await assert.rejects(open(backend, { path: dir, dimensions: 7 }), { code: 'DIMENSION_MISMATCH' });
  });
}

test('a torn or damaged log tail is cut off and reported; what precedes it is kept, and later writes last', async () => {
  const { readFileSync, writeFileSync, statSync } = await import('node:fs');
  const dir = await tempDir();
  const first = await open('native', { path: dir });
  await first.addBatch(entries.slice(0, 5));
  await first.close(); // a snapshot with 5
  const { spawnSync } = await import('node:child_process');
  // A writer that logs 3 single puts and dies without closing (the log keeps them).
  const script = `
    import { SemanticMemory } from ${JSON.stringify(new URL('../../js/dist/index.js', import.meta.url).href)};
    const m = await SemanticMemory.open({ backend: 'native', model: null, dimensions: 24, path: ${JSON.stringify(dir)} });
    for (let i = 5; i < 8; i++) await m.add('extra-' + i, 'text ' + i, { i }, { vector: new Float32Array(24).fill(i) });
    process.kill(process.pid, 'SIGKILL');`;
  spawnSync(process.execPath, ['--input-type=module', '-e', script]);
  const wal = join(dir, 'memory.wal');
  const full = readFileSync(wal);
  // Cut the last record in half: a torn tail.
  writeFileSync(wal, full.subarray(0, full.length - 20));
  let m = await open('wasm', { path: dir });
  assert.equal(m.describe().recovered.replayed, 2);
  assert.ok(m.describe().recovered.droppedBytes > 0);
  assert.equal(m.has('extra-6'), true);
  assert.equal(m.has('extra-7'), false);
  assert.ok(statSync(wal).size < full.length - 20, 'the torn tail was cut off the file');
  // A write after the cut must survive the next reopen (it was not appended after garbage).
  await m.add('after', 'after the cut', {}, { vector: entries[9].vector });
  const walNow = readFileSync(wal);
  await m.close();
  m = await open('js', { path: dir });
  assert.equal(m.get('after')?.text, 'after the cut');
  assert.equal(m.size, 8);
  await m.close();
  // A changed byte in the middle of a log: replay stops there and reports the rest as dropped.
  writeFileSync(wal, walNow);
  // (the snapshot now holds everything; a damaged log of already-held records changes nothing)
  const damaged = Buffer.from(walNow);
  damaged[40] ^= 0xff;
  writeFileSync(wal, damaged);
  m = await open('native', { path: dir });
  assert.equal(m.size, 8);
  await m.close();
  // A damaged snapshot is CORRUPT_DATA, not a crash and not an empty store.
  const snap = join(dir, 'memory.snapshot');
  const bytes = readFileSync(snap);
  bytes[bytes.length - 10] ^= 1;
  writeFileSync(snap, bytes);
  for (const backend of BACKENDS) {
    await assert.rejects(open(backend, { path: dir }), {
      code: 'CORRUPT_DATA',
      message: /^SemanticMemory\.open: memory snapshot: checksum mismatch/,
    });
  }
});

test('one writer at a time: a second process gets LOCKED; bad storage options and paths are typed errors', async () => {
  const dir = await tempDir();
  const m = await open('native', { path: dir });
  const { spawnSync } = await import('node:child_process');
  const script = `
    import { SemanticMemory } from ${JSON.stringify(new URL('../../js/dist/index.js', import.meta.url).href)};
    try { await SemanticMemory.open({ backend: 'wasm', model: null, dimensions: 24, path: ${JSON.stringify(dir)} }); console.log('opened'); }
    catch (e) { console.log(e.code + ': ' + e.message); }`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).stdout;
  assert.match(out, /^LOCKED: SemanticMemory\.open: .* is open for writing in another process/);
  await m.close();
  assert.match(
    spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).stdout,
    /^opened/,
  );
  await assert.rejects(open('native', { path: '/dev/null/store' }), {
    code: 'IO_ERROR',
    message: /^SemanticMemory\.open: cannot create/,
  });
  await assert.rejects(open('native', { path: '' }), { code: 'INVALID_ARGUMENT' });
  // The lock file's own errors name their errno as node:fs does (ENOSPC becomes QUOTA_EXCEEDED).
  const { loadNativeAddon } = await import('../../js/dist/backends/native/index.js');
  const addon = await loadNativeAddon({});
  assert.throws(() => addon.lockFile(join(dir, 'no-such-dir', 'LOCK')), { code: 'ENOENT' });
  assert.throws(() => addon.lockFile('/dev/null/LOCK'), {
    code: 'ENOTDIR',
    message: /^cannot open \/dev\/null\/LOCK: /,
  });
  await assert.rejects(open('native', { durability: 'fsync' }), {
    code: 'INVALID_ARGUMENT',
    message: /needs options\.path/,
  });
  await assert.rejects(open('native', { path: dir, durability: 'none' }), { code: 'INVALID_ARGUMENT' });
  await assert.rejects(open('native', { path: dir, durability: 'always' }), { code: 'INVALID_ARGUMENT' });
});

for (const backend of CORE_BACKENDS) {
  test(`${backend}: a text re-added under its id is not embedded again; the kept vector survives a crash`, async (t) => {
    if (models.missing) {
      if (models.mustRun) throw new Error(models.missing);
      return t.skip(models.missing);
    }
    const tiny = { folder: join(models.dir, 'tiny') };
    const dir = await tempDir();
    const memory = await open(backend, { model: tiny, dimensions: undefined, path: dir });
    if (memory.skip) return t.skip(memory.skip);
    const texts = ['the cat sat on the mat', 'rain falls on the hills', 'tea is better than coffee'];
    await memory.addBatch(texts.map((text, i) => ({ id: `t${i}`, text, metadata: { v: 1 } })));
    // The same texts again with new metadata: nothing to embed (no progress), metadata replaced.
    const progress = [];
    await memory.addBatch(
      texts.map((text, i) => ({ id: `t${i}`, text, metadata: { v: 2 } })),
      { onProgress: (p) => progress.push(p.embedded) },
    );
    assert.deepEqual(progress, [], 'nothing was embedded');
    assert.deepEqual(memory.get('t1').metadata, { v: 2 });
    // One changed text: only it is embedded.
    await memory.addBatch(
      texts.map((text, i) => ({ id: `t${i}`, text: i === 2 ? 'coffee is better than tea' : text })),
      { onProgress: (p) => progress.push(`${p.embedded}/${p.total}`) },
    );
    assert.deepEqual(progress, ['3/3']);
    await memory.add('t0', texts[0], { v: 3 });
    for (const [i, text] of [texts[0], texts[1], 'coffee is better than tea'].entries()) {
      const [hit] = await memory.search(text, { k: 1 });
      assert.equal(hit.id, `t${i}`);
      assert.ok(hit.distance < 1e-5, `t${i} keeps its own text's vector (${hit.distance})`);
    }
    await memory.close();
    // A writer that re-adds a text (a kept-vector log record) and dies without a checkpoint.
    const { spawnSync } = await import('node:child_process');
    const script = `
      import { SemanticMemory } from ${JSON.stringify(new URL('../../js/dist/index.js', import.meta.url).href)};
      const m = await SemanticMemory.open({ backend: ${JSON.stringify(backend)}, model: ${JSON.stringify(tiny)}, path: ${JSON.stringify(dir)} });
      await m.add('t1', ${JSON.stringify(texts[1])}, { v: 4 });
      process.kill(process.pid, 'SIGKILL');`;
    spawnSync(process.execPath, ['--input-type=module', '-e', script]);
    const reopened = await open(backend, { model: tiny, dimensions: undefined, path: dir });
    assert.deepEqual(reopened.describe().recovered, { snapshot: true, replayed: 1, droppedBytes: 0 });
    assert.deepEqual(reopened.get('t1').metadata, { v: 4 });
    const [hit] = await reopened.search(texts[1], { k: 1 });
    assert.ok(hit.id === 't1' && hit.distance < 1e-5, 'the replayed record kept the vector');
    await reopened.close();
  });
}

/** Okapi BM25 (k1 1.2, b 0.75, Lucene's idf) over ASCII texts, in float64: the test's own formula. */
function bm25Ranking(docs, query) {
  const tokens = (s) =>
    s
      .toLowerCase()
      .split(/[^0-9a-z]+/)
      .filter(Boolean);
  const terms = [...new Set(tokens(query))];
  const lens = docs.map((d) => tokens(d.text).length);
  const avg = lens.reduce((a, b) => a + b, 0) / docs.length;
  const scored = [];
  docs.forEach((d, i) => {
    const toks = tokens(d.text);
    let score = 0;
    let any = false;
    for (const term of terms) {
      const tf = toks.filter((x) => x === term).length;
      if (tf === 0) continue;
      any = true;
      const df = docs.filter((e) => tokens(e.text).includes(term)).length;
      const idf = Math.log(1 + (docs.length - df + 0.5) / (df + 0.5));
      score += (idf * tf * 2.2) / (tf + 1.2 * (0.25 + (0.75 * lens[i]) / avg));
    }
    if (any) scored.push({ id: d.id, score });
  });
  return scored.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1)).map((s) => s.id);
}

test('hybrid search is the reciprocal rank fusion of the exact vector ranking and BM25, on every backend', async (t) => {
  const words = ['cat', 'dog', 'tea', 'rain', 'mat', 'hill', 'river', 'code', 'bug', 'lamp'];
  const rand = mulberry32(31);
  const docs = entries.slice(0, 300).map((e, i) => ({
    ...e,
    text:
      Array.from({ length: 3 + Math.floor(rand() * 8) }, () => words[Math.floor(rand() * words.length)]).join(
        ' ',
      ) + ` n${i}`,
  }));
  const query = data.queries[2];
  const keywords = 'Cat and TEA, maybe a river';
  const filter = { group: { $lt: 5 } };
  const allowed = docs.filter((d) => d.metadata.group < 5);
  const k = 10;
  const depth = Math.max(4 * k, 50);
  const byVector = bruteForce(
    allowed.map((d) => [d.id, d.vector]),
    query,
    depth,
    'cosine',
  ).map((r) => r.id);
  const byKeyword = bm25Ranking(docs, keywords)
    .filter((id) => allowed.some((d) => d.id === id))
    .slice(0, depth);
  const fused = new Map();
  for (const ranking of [byVector, byKeyword])
    ranking.forEach((id, r) => fused.set(id, (fused.get(id) ?? 0) + 1 / (61 + r)));
  const want = [...fused].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, k);
  for (const backend of BACKENDS) {
    const memory = await open(backend);
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(docs);
    // efSearch >= size: the vector ranking is exact, so the fusion is fully determined.
    const hits = await memory.search(query, { k, filter, hybrid: keywords, efSearch: 300 });
    assert.deepEqual(
      hits.map((h) => h.id),
      want.map(([id]) => id),
      `${backend}: fused order`,
    );
    hits.forEach((h, i) => {
      assert.ok(Math.abs(h.fusedScore - want[i][1]) < 1e-12, `${backend}: fused score of ${h.id}`);
      const exact = bruteForce([[h.id, docs[Number(h.id.split('-')[1])].vector]], query, 1, 'cosine')[0];
      assert.ok(Math.abs(h.distance - exact.distance) < 1e-5, `${backend}: ${h.id}'s vector distance`);
    });
    // Keyword-only matches come back too: a rare word pulls its document into the results.
    const rare = await memory.search(query, { k: 5, hybrid: 'n217' });
    assert.ok(
      rare.some((h) => h.id === 'clustered-217'),
      `${backend}: the keyword-only hit is fused in`,
    );
    // Writes after the keyword index exists (the core builds it at the first hybrid search) reach it.
    await memory.add('zebra-note', 'a zebra crossed', {}, { vector: docs[5].vector });
    assert.equal(
      (await memory.search(query, { k: 3, hybrid: 'zebra' }))[0].id,
      'zebra-note',
      `${backend}: added after`,
    );
    await memory.add('zebra-note', 'no stripes now', {}, { vector: docs[5].vector });
    const stripes = await memory.search(query, { k: 3, hybrid: 'stripes' });
    assert.equal(stripes[0].id, 'zebra-note', `${backend}: the replacement's words are indexed`);
    assert.ok(stripes[0].fusedScore > 1 / 61, `${backend}: matched by keyword`);
    const zebra = await memory.search(query, { k: 3, hybrid: 'zebra' });
    assert.ok(
      zebra.every((h) => h.fusedScore <= 1 / 61 + 1e-12),
      `${backend}: the old words are gone`,
    );
    await memory.delete('zebra-note');
    assert.ok(
      !(await memory.search(query, { k: 50, hybrid: 'stripes' })).some((h) => h.id === 'zebra-note'),
      `${backend}: deleted`,
    );
    await assert.rejects(memory.search(query, { hybrid: true }), {
      code: 'INVALID_ARGUMENT',
      message: /keywords/,
    });
    await assert.rejects(memory.search(query, { hybrid: 3 }), { code: 'INVALID_ARGUMENT' });
    await memory.close();
  }
});

test('hybrid search tokenizes Unicode the same way on native, wasm and js', async (t) => {
  const texts = [
    'Café CRÈME au lait',
    'straße und STRASSE',
    '東京タワー　の　夜景',
    'naïve résumé',
    'ÀÉÎ õü ×÷ x',
    'l’été — déjà',
    'ÑANDÚ ØRE Über ÞORN',
  ];
  const outcomes = [];
  for (const backend of BACKENDS) {
    const memory = await open(backend);
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(texts.map((text, i) => ({ id: `u${i}`, text, vector: entries[i].vector })));
    const results = [];
    for (const q of [
      'café crème',
      'STRASSE',
      '東京タワー',
      'NAÏVE',
      'àéî',
      'été',
      'déjà x',
      'ñandú',
      'über øre',
      'þorn',
    ]) {
      const hits = await memory.search(entries[40].vector, { k: 7, hybrid: q });
      results.push(hits.map((h) => `${h.id}:${h.fusedScore.toFixed(12)}`).join(' '));
      // Every query names words of some text: its keyword hit ranks it first in the fusion.
      assert.ok(hits[0].fusedScore > 1 / 61, `${backend}: '${q}' matched a text by its keywords`);
    }
    outcomes.push(results);
    await memory.close();
  }
  for (const o of outcomes.slice(1)) assert.deepEqual(o, outcomes[0]);
});

for (const backend of CORE_BACKENDS) {
  test(`${backend}: reembed moves a store to another model (progress, writes meanwhile, swap, resume after a crash)`, async (t) => {
    if (models.missing) {
      if (models.mustRun) throw new Error(models.missing);
      return t.skip(models.missing);
    }
    const tiny = { folder: join(models.dir, 'tiny') };
    const variant = { folder: join(models.dir, 'tiny-variant') };
    const dir = await tempDir();
    const memory = await open(backend, { model: tiny, dimensions: undefined, path: dir });
    if (memory.skip) return t.skip(memory.skip);
    const texts = Array.from(
      { length: 600 },
      (_, i) => `memory ${i} about ${['tea', 'rain', 'cats', 'code'][i % 4]} and more`,
    );
    await memory.addBatch(texts.map((text, i) => ({ id: `r${i}`, text, metadata: { i } })));
    const progress = [];
    const moving = memory.reembed(variant, { onProgress: (p) => progress.push(p.embedded) });
    const during = memory.add('late', 'added while moving', { late: true }); // waits, then lands in the new index
    const [old] = await memory.search(texts[7], { k: 1 }); // served meanwhile
    assert.equal(old.id, 'r7');
    await moving;
    await during;
    assert.deepEqual(progress, [256, 512, 600]);
    assert.equal(memory.describe().model.modelId, 'tiny-variant');
    assert.equal(memory.size, 601);
    const { RuVectorRuntime } = await import('../../js/dist/index.js');
    const embeddings = (await RuVectorRuntime.create({ backend })).getModules().embeddings;
    const handle = await embeddings.loadModel(variant);
    for (const [id, text] of [
      ['r7', texts[7]],
      ['r599', texts[599]],
      ['late', 'added while moving'],
    ]) {
      const [hit] = await memory.search(embeddings.embed(handle, text), { k: 1 });
      assert.ok(
        hit.id === id && hit.distance < 1e-5,
        `${id} holds the new model's vector (${hit.id} ${hit.distance})`,
      );
    }
    embeddings.unloadModel(handle);
    await memory.close();
    await assert.rejects(open(backend, { model: tiny, dimensions: undefined, path: dir }), {
      code: 'MODEL_MISMATCH',
    });
    // A reembed killed half way leaves the store on its old model; running it again finishes it.
    const { spawnSync } = await import('node:child_process');
    const { existsSync } = await import('node:fs');
    const script = `
      import { SemanticMemory } from ${JSON.stringify(new URL('../../js/dist/index.js', import.meta.url).href)};
      const m = await SemanticMemory.open({ backend: ${JSON.stringify(backend)}, model: ${JSON.stringify(variant)}, path: ${JSON.stringify(dir)} });
      await m.reembed(${JSON.stringify(tiny)}, { onProgress: (p) => { if (p.embedded >= 512) process.kill(process.pid, 'SIGKILL'); } });`;
    spawnSync(process.execPath, ['--input-type=module', '-e', script]);
    assert.ok(existsSync(join(dir, 'reembed')), 'the shadow store is left for a resume');
    const again = await open(backend, { model: variant, dimensions: undefined, path: dir });
    assert.equal(again.size, 601);
    await again.delete('r3'); // changed before the resume: the swap must not bring it back
    await again.reembed(tiny);
    assert.equal(again.describe().model.modelId, 'tiny');
    assert.equal(again.size, 600);
    assert.equal(again.has('r3'), false);
    assert.ok(!existsSync(join(dir, 'reembed')), 'the shadow store is gone after the swap');
    const [hit] = await again.search(texts[100], { k: 1 });
    assert.ok(hit.id === 'r100' && hit.distance < 1e-5);
    await again.close();
  });
}

for (const backend of CORE_BACKENDS) {
  test(`${backend}: chunk splits a long text into pieces that each fit, at whitespace, each a memory; re-adds and deletes replace them (also after reopening)`, async (t) => {
    if (models.missing) {
      if (models.mustRun) throw new Error(models.missing);
      return t.skip(models.missing);
    }
    const dir = await tempDir();
    const tiny = { folder: join(models.dir, 'tiny') };
    const memory = await open(backend, { model: tiny, dimensions: undefined, path: dir });
    if (memory.skip) return t.skip(memory.skip);
    const { RuVectorRuntime } = await import('../../js/dist/index.js');
    const runtime = await RuVectorRuntime.create({ backend });
    const { embeddings } = runtime.getModules();
    const handle = await embeddings.loadModel(tiny);
    const words = Array.from({ length: 90 }, (_, i) => `w${i} déjà-vu ${i % 7 ? 'note' : 'Zürich.'}`);
    const long = words.join(' ');
    const chunk = { tokens: 24, overlap: 6 };
    await memory.add('d1', long, { kind: 'doc' }, { chunk });

    // Independent checks of the pieces: spans of the text, whole words, at most 24 tokens
    // (tokenize counts them with the special tokens), in order, covering every word.
    const stored = [];
    for await (const e of memory) if (e.metadata.chunkOf === 'd1') stored.push(e);
    stored.sort((a, b) => a.metadata.chunk - b.metadata.chunk);
    const n = stored.length;
    assert.ok(n >= 5, `a long text is split (${n} pieces)`);
    assert.equal(memory.has('d1'), false, 'the whole text is not stored beside its pieces');
    let from = 0;
    const seen = new Set();
    for (const [i, e] of stored.entries()) {
      assert.equal(e.id, `d1#${i}`);
      assert.deepEqual(e.metadata, { kind: 'doc', chunkOf: 'd1', chunk: i, chunks: n });
      const at = long.indexOf(e.text, Math.max(0, from - e.text.length));
      assert.ok(
        at >= 0 && (at === 0 || long[at - 1] === ' ') && long[at + e.text.length] !== 'x',
        `${e.id} is a span of the text`,
      );
      assert.ok(
        at + e.text.length === long.length || long[at + e.text.length] === ' ',
        `${e.id} ends at a word`,
      );
      from = at + e.text.length;
      assert.ok(embeddings.tokenize(handle, e.text).ids.length <= 24, `${e.id} fits 24 tokens`);
      for (const w of e.text.split(' ')) seen.add(w);
      // Its vector is its own text's embedding.
      const [hit] = await memory.search(embeddings.embed(handle, e.text), {
        k: 1,
        filter: { chunkOf: 'd1' },
      });
      assert.equal(hit.id, e.id);
      assert.ok(hit.score > 0.9999);
    }
    assert.equal(from, long.length, 'the last piece ends the text');
    for (const w of long.split(' ')) assert.ok(seen.has(w), `every word is in a piece (${w})`);
    const overlapAt1 = stored[0].text.length - long.indexOf(stored[1].text);
    assert.ok(overlapAt1 > 0, 'consecutive pieces share words (overlap 6)');

    const pieces = async () => {
      const out = [];
      for await (const e of memory) if (e.id.startsWith('d1')) out.push(e.id);
      return out.sort();
    };
    await memory.add('d1', 'now short', { kind: 'doc' }, { chunk });
    assert.deepEqual(await pieces(), ['d1'], 'a text that fits is whole, and replaces the pieces');
    await memory.add('d1', long, {}, { chunk });
    assert.equal((await pieces()).length, n, 'split again, the whole one goes');
    await memory.add('d1', words.slice(0, 30).join(' '), {}, { chunk });
    const fewer = await pieces();
    assert.ok(fewer.length < n && fewer.length >= 2, `fewer pieces leave none behind (${fewer})`);
    assert.deepEqual(fewer, fewer.map((_, i) => `d1#${i}`).sort());
    await memory.addBatch([{ id: 'd2', text: long }], { chunk: { tokens: 32 } });
    assert.ok(memory.size > fewer.length + 2, 'addBatch splits too');

    // Reopened from the log (no checkpoint yet), then from the snapshot: writes still find pieces.
    await memory.flush();
    const { cpSync, mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const copy = mkdtempSync(join(tmpdir(), 'ruvector-memory-copy-'));
    cpSync(dir, copy, { recursive: true, filter: (f) => !f.endsWith('LOCK') });
    await memory.close();
    for (const where of [copy, dir]) {
      const again = await open(backend, { model: tiny, dimensions: undefined, path: where });
      assert.equal(
        again.describe().recovered.snapshot,
        where === dir,
        where === dir ? 'snapshot' : 'log replay',
      );
      assert.equal(await again.delete('d1'), true, 'delete removes the pieces');
      const left = [];
      for await (const e of again) left.push(e.id);
      assert.ok(!left.some((id) => id.startsWith('d1')), `no piece of d1 is left (${where})`);
      await again.add('d2', 'short again');
      assert.deepEqual(again.get('d2').text, 'short again');
      assert.ok(!again.has('d2#0'), 'a plain re-add replaces the pieces');
      await again.close();
    }

    // Bad input.
    const m2 = await open(backend, { model: tiny, dimensions: undefined });
    const bad = [
      [() => m2.add('x', long, {}, { chunk: { tokens: 100000 } }), /chunk tokens must be 3\.\.256/],
      [() => m2.add('x', long, {}, { chunk: { tokens: 24, overlap: 22 } }), /overlap 22 must be less than/],
      [
        () => m2.add('x', long, {}, { chunk: { tokens: 0 } }),
        /options\.chunk\.tokens must be an integer >= 1/,
      ],
      [() => m2.add('x', long, {}, { chunk: { size: 3 } }), /unknown options\.chunk key/],
      [() => m2.add('x', long, {}, { chunk: {}, vector: new Float32Array(m2.dimensions) }), /has a vector/],
      [() => m2.add('x', long, { chunkOf: 'y' }, { chunk }), /metadata\.chunkOf of x is set by chunking/],
      [() => m2.add('x', long, {}, { chunks: 3 }), /unknown option/],
    ];
    for (const [call, message] of bad) {
      await assert.rejects(call(), (e) => {
        assert.equal(e.code, 'INVALID_ARGUMENT');
        assert.match(e.message, /^SemanticMemory\.add: /);
        assert.match(e.message, message);
        return true;
      });
    }
    assert.equal(m2.size, 0, 'nothing stored by a refused add');
    await m2.close();
    const plain = await open(backend);
    await assert.rejects(plain.add('x', long, {}, { chunk }), /needs a model/);
    await plain.close();
    embeddings.unloadModel(handle);
  });
}

for (const backend of BACKENDS) {
  test(`${backend}: verify() checks the memory against its log and repairs it: changes the log holds and the index lacks, and a write the log lost`, async (t) => {
    const { readFileSync, appendFileSync, truncateSync, statSync } = await import('node:fs');
    const wal = await import('../../js/dist/memory/wal.js');
    const dir = await tempDir();
    const logFile = join(dir, 'memory.wal');
    const memory = await open(backend, { path: dir });
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(entries.slice(0, 200));
    let report = await memory.verify();
    assert.deepEqual(
      {
        ok: report.ok,
        checked: report.checked,
        against: report.against,
        repaired: report.repaired,
        ids: report.ids,
      },
      { ok: true, checked: 200, against: 'log', repaired: false, ids: [] },
      'a healthy store',
    );
    const inMemory = await open(backend);
    await inMemory.add('a', 'b', {}, { vector: entries[0].vector });
    assert.equal((await inMemory.verify()).against, null, 'in memory: the index against the records only');
    await inMemory.close();

    // Changes in the log that the memory never applied (as when the core refuses a logged write).
    const lastSeq = () => {
      const bytes = new Uint8Array(readFileSync(logFile));
      const header = wal.decodeWalHeader(bytes);
      const { records } = wal.decodeWalRecords(bytes, header.dimensions);
      return records.at(-1)?.seq ?? header.baseSeq;
    };
    const seq = lastSeq();
    const changed = entries[5];
    appendFileSync(
      logFile,
      wal.encodeWalRecords([
        {
          op: 'put',
          seq: seq + 1,
          id: 'late',
          text: 'logged, never applied',
          metadataJson: '{"k":1}',
          vector: entries[300].vector,
        },
        {
          op: 'put',
          seq: seq + 2,
          id: changed.id,
          text: 'changed in the log',
          metadataJson: '{}',
          vector: changed.vector,
        },
      ]),
    );
    report = await memory.verify({ repair: false });
    assert.equal(report.restored, 2);
    assert.deepEqual(report.ids.sort(), ['late', changed.id].sort());
    assert.equal(report.repaired, false);
    assert.equal(memory.has('late'), false, 'repair: false changes nothing');
    report = await memory.verify();
    assert.equal(report.restored, 2);
    assert.equal(report.repaired, true);
    assert.deepEqual(memory.get('late'), { id: 'late', text: 'logged, never applied', metadata: { k: 1 } });
    assert.equal(memory.get(changed.id).text, 'changed in the log');
    assert.equal(
      (await memory.search(entries[300].vector, { k: 1 }))[0].id,
      'late',
      'the restored vector is found',
    );
    assert.equal((await memory.verify()).ok, true, 'repaired');

    // A write the log lost below us (its record cut off the file) is written to the store again.
    await memory.add('tail', 'the last write', {}, { vector: entries[400].vector });
    const bytes = new Uint8Array(readFileSync(logFile));
    const header = wal.decodeWalHeader(bytes);
    const last = wal.decodeWalRecords(bytes, header.dimensions).records.at(-1);
    assert.equal(last.id, 'tail');
    truncateSync(logFile, statSync(logFile).size - wal.encodeWalRecords([last]).length);
    report = await memory.verify();
    assert.deepEqual([report.unlogged, report.ids, report.repaired], [1, ['tail'], true]);
    await memory.close();
    const again = await open(backend, { path: dir });
    assert.equal(again.get('tail')?.text, 'the last write', 'the checkpoint kept it');
    assert.equal(again.get('late')?.text, 'logged, never applied');
    assert.equal(again.size, 202);
    assert.equal((await again.verify()).ok, true);
    await assert.rejects(again.verify({ repair: 'yes' }), {
      code: 'INVALID_ARGUMENT',
      message: /options\.repair must be a boolean/,
    });
    await assert.rejects(again.verify({ fix: true }), {
      code: 'INVALID_ARGUMENT',
      message: /unknown option/,
    });
    await again.close();
  });
}

for (const backend of BACKENDS) {
  test(`${backend}: a full disk is QUOTA_EXCEEDED with nothing lost: the failed write is cut back, room made takes writes again, reopening finds every acknowledged one`, async (t) => {
    const { execFileSync } = await import('node:child_process');
    const { writeFileSync, rmSync, mkdtempSync, statSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    // A real full disk: a 1 MiB tmpfs (root can mount one; CI runs as root).
    if (process.getuid?.() !== 0) return t.skip('mounting a small tmpfs needs root');
    const mnt = mkdtempSync(join(tmpdir(), 'ruvector-full-'));
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mnt]);
    } catch (e) {
      rmSync(mnt, { recursive: true, force: true });
      return t.skip(`cannot mount a tmpfs here: ${e.message}`);
    }
    try {
      const filler = join(mnt, 'filler');
      writeFileSync(filler, new Uint8Array(256 << 10));
      const dir = join(mnt, 'store');
      const memory = await open(backend, { path: dir });
      if (memory.skip) return t.skip(memory.skip);
      const acknowledged = [];
      let refused = null;
      for (let start = 0; start < N && refused === null; start += 20) {
        const batch = entries
          .slice(start, start + 20)
          .map((e) => ({ ...e, text: `${e.text} ${'x'.repeat(400)}` }));
        try {
          await memory.addBatch(batch);
          acknowledged.push(...batch.map((e) => e.id));
        } catch (e) {
          refused = { error: e, ids: batch.map((x) => x.id) };
        }
      }
      assert.ok(refused !== null, 'the disk filled up');
      assert.equal(refused.error.code, 'QUOTA_EXCEEDED');
      assert.match(
        refused.error.message,
        /^SemanticMemory\.addBatch: cannot write to .*memory\.wal: the disk is full .*nothing was changed/,
      );
      assert.ok(acknowledged.length >= 100, `${acknowledged.length} written before`);
      assert.equal(memory.size, acknowledged.length, 'the refused batch is not in the memory');
      assert.ok(refused.ids.every((id) => !memory.has(id)));
      const walBytes = statSync(join(dir, 'memory.wal')).size;
      const wal = await import('../../js/dist/memory/wal.js');
      const { readFileSync } = await import('node:fs');
      const logged = new Uint8Array(readFileSync(join(dir, 'memory.wal')));
      const decoded = wal.decodeWalRecords(logged, wal.decodeWalHeader(logged).dimensions);
      assert.equal(decoded.validBytes, logged.length, 'the refused append was cut back off the log');
      // Room made: writes go on, after the refused one was cut back off the log.
      rmSync(filler);
      await memory.add('after', 'written once there was room', {}, { vector: entries[0].vector });
      assert.ok(statSync(join(dir, 'memory.wal')).size > walBytes);
      // close() checkpoints; whether or not the snapshot fits, nothing acknowledged is lost.
      const closed = await memory.close().then(
        () => 'ok',
        (e) => e.code,
      );
      assert.ok(['ok', 'QUOTA_EXCEEDED'].includes(closed), `close: ${closed}`);
      const again = await open(backend, { path: dir });
      assert.equal(again.size, acknowledged.length + 1, `reopened after close (${closed})`);
      for (const id of [...acknowledged.slice(0, 5), ...acknowledged.slice(-5), 'after'])
        assert.ok(again.has(id), id);
      assert.ok(
        refused.ids.every((id) => !again.has(id)),
        'the refused batch is not half there',
      );
      assert.equal((await again.verify()).ok, true);
      await again.close().catch(() => undefined);
    } finally {
      execFileSync('umount', ['-l', mnt]); // lazily: a memory left open by a failed check holds files
      rmSync(mnt, { recursive: true, force: true });
    }
  });
}

test('open reads each option once (a getter is not run twice)', async () => {
  let reads = 0;
  const options = {
    backend: 'js',
    model: null,
    get dimensions() {
      reads++;
      return 8;
    },
  };
  const memory = await SemanticMemory.open(options);
  assert.equal(memory.dimensions, 8);
  assert.equal(reads, 1);
  await memory.close();
});

for (const backend of BACKENDS) {
  test(`${backend}: a snapshot that cannot be read is IO_ERROR naming the file; bad snapshot bytes are CORRUPT_DATA`, async (t) => {
    const { mkdirSync, writeFileSync, readFileSync } = await import('node:fs');
    const dir = await tempDir();
    const memory = await open(backend, { path: dir });
    if (memory.skip) return t.skip(memory.skip);
    await memory.addBatch(entries.slice(0, 50));
    await memory.close();
    const snapshot = join(dir, 'memory.snapshot');
    const good = readFileSync(snapshot);
    const bad = Uint8Array.from(good);
    bad[bad.length >> 1] ^= 0x10;
    writeFileSync(snapshot, bad);
    await assert.rejects(open(backend, { path: dir }), {
      code: 'CORRUPT_DATA',
      message: /^SemanticMemory\.open: .*checksum mismatch/,
    });
    const { rmSync } = await import('node:fs');
    rmSync(snapshot);
    mkdirSync(snapshot);
    await assert.rejects(open(backend, { path: dir }), {
      code: 'IO_ERROR',
      message: /^SemanticMemory\.open: cannot read .*memory\.snapshot: .*(directory|EISDIR)/i,
    });
    rmSync(snapshot, { recursive: true });
    writeFileSync(snapshot, good);
    const again = await open(backend, { path: dir });
    assert.equal(again.size, 50);
    await again.close();
  });
}

for (const backend of BACKENDS) {
  test(`${backend}: verify() finds a store damaged under an open memory and writes it again from the memory`, async (t) => {
    const { readFileSync, writeFileSync, appendFileSync } = await import('node:fs');
    const dir = await tempDir();
    const first = await open(backend, { path: dir });
    if (first.skip) return t.skip(first.skip);
    await first.addBatch(entries.slice(0, 60));
    await first.close(); // a snapshot on disk
    const memory = await open(backend, { path: dir });
    await memory.add('late', 'after the snapshot', {}, { vector: entries[70].vector });
    // Bit rot in the snapshot while the memory is open: the store would no longer open.
    const snapshot = join(dir, 'memory.snapshot');
    const bytes = Uint8Array.from(readFileSync(snapshot));
    bytes[bytes.length >> 1] ^= 0x01;
    writeFileSync(snapshot, bytes);
    let report = await memory.verify({ repair: false });
    assert.equal(report.ok, false);
    assert.match(report.damage, /^the store cannot be read back: .*checksum mismatch/);
    assert.equal(report.repaired, false);
    report = await memory.verify();
    assert.equal(report.repaired, true);
    // Garbage appended to the log (a torn write below us) is found too.
    appendFileSync(join(dir, 'memory.wal'), Uint8Array.of(9, 9, 9));
    report = await memory.verify();
    assert.match(report.damage, /^3 bytes at the end of the log are damaged/);
    await memory.close();
    const again = await open(backend, { path: dir });
    assert.equal(again.size, 61, 'the store was written again whole from the memory');
    assert.equal(again.get('late').text, 'after the snapshot');
    assert.equal((await again.verify()).ok, true);
    await again.close();
  });
}
