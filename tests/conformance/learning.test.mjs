// Learning conformance across backends: matchPatterns against a float64 brute force on every
// backend; the store's fast path equal to the ADR call; a hidden transform learned by trainLoRA on
// native and wasm with the same weights (1e-5); applyLoRA on js equal to the core's; negatives
// pushed down; EWC keeping an old task; bytes portable between backends; hostile bytes
// CORRUPT_DATA and bad arguments the same code and message everywhere.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { crc32 } from '../../js/dist/backends/js/hnsw/crc32.js';
import { loadBackends, mulberry32, requiredBackends } from './support.mjs';

const loaded = await loadBackends();
const required = requiredBackends();
const all = [...loaded.values()].filter((b) => b.runtime !== undefined);
const cores = all.filter((b) => b.name !== 'js');
for (const name of required) {
  if (loaded.get(name)?.runtime === undefined) throw new Error(`required backend ${name} did not load`);
}
const learning = (b) => b.runtime.getModules().learning;

/** A standard normal from a uniform source (Box-Muller; test data only). */
function normal(rand) {
  return Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
}

function unit(v) {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  return v.map((x) => x / n);
}

/** A random rotation of k dims (Gram-Schmidt), row-major, float64. */
function rotation(k, rand) {
  const m = Array.from({ length: k * k }, () => normal(rand));
  for (let c = 0; c < k; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let r = 0; r < k; r++) dot += m[r * k + c] * m[r * k + p];
      for (let r = 0; r < k; r++) m[r * k + c] -= dot * m[r * k + p];
    }
    let n = 0;
    for (let r = 0; r < k; r++) n += m[r * k + c] ** 2;
    for (let r = 0; r < k; r++) m[r * k + c] /= Math.sqrt(n);
  }
  return m;
}

/** Queries in dims [0, k); targets normalize(R z + noise) in dims [offset, offset + k). */
function hiddenTransform({ dim, k = 16, n, seed, offset = 0, rot }) {
  const rand = mulberry32(seed);
  const R = rot ?? rotation(k, rand);
  const queries = [];
  const targets = [];
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: k }, () => normal(rand) / Math.sqrt(k));
    const q = new Float32Array(dim).map(() => 0.02 * normal(rand));
    const t = new Float32Array(dim).map(() => 0.02 * normal(rand));
    for (let r = 0; r < k; r++) {
      q[r] += z[r];
      let rz = 0;
      for (let c = 0; c < k; c++) rz += R[r * k + c] * z[c];
      t[offset + r] += rz;
    }
    queries.push(unit(q));
    targets.push(unit(t));
  }
  return { queries, targets, R };
}

/** Share of queries [from, to) whose own target is the cosine-nearest of all targets (float64). */
function topOne(queries, targets, from, to) {
  let hits = 0;
  for (let i = from; i < to; i++) {
    let best = -1;
    let bestSim = -Infinity;
    for (let j = 0; j < targets.length; j++) {
      let dot = 0;
      let n = 0;
      for (let d = 0; d < targets[j].length; d++) {
        dot += queries[i][d] * targets[j][d];
        n += queries[i][d] ** 2;
      }
      const sim = dot / Math.sqrt(n);
      if (sim > bestSim) [best, bestSim] = [j, sim];
    }
    hits += best === i ? 1 : 0;
  }
  return hits / (to - from);
}

function maxAbsDiff(a, b) {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test('matchPatterns agrees with a float64 brute force on every backend, and the store with it', () => {
  const rand = mulberry32(7);
  const dim = 48;
  const base = Array.from({ length: 400 }, () => new Float32Array(dim).map(() => normal(rand)));
  const types = ['response', 'skill_selection', 'memory_retrieval', 'conversation_flow'];
  for (const b of all) {
    const L = learning(b);
    const patterns = base.map((e, i) => {
      const uses = Math.floor(rand() * 25);
      return L.createPattern(
        e,
        { i },
        {
          id: `p${i}`,
          type: types[i % 4],
          usageCount: uses,
          successCount: Math.floor(rand() * (uses + 1)),
        },
      );
    });
    for (let qi = 0; qi < 10; qi++) {
      const q = base[qi * 37].map((x) => x + 0.6 * normal(rand));
      const options = { limit: 9, types: qi % 2 ? ['response', 'memory_retrieval'] : undefined };
      const got = L.matchPatterns(q, patterns, 0.3, options);
      // float64: cosine of the raw embedding (not the stored unit copy), weight by confidence.
      const want = [];
      base.forEach((e, i) => {
        const p = patterns[i];
        if (!p.active || (options.types && !options.types.includes(p.type))) return;
        let dot = 0;
        let ne = 0;
        let nq = 0;
        for (let d = 0; d < dim; d++) [dot, ne, nq] = [dot + e[d] * q[d], ne + e[d] ** 2, nq + q[d] ** 2];
        const raw = dot / Math.sqrt(ne * nq);
        if (raw >= 0.3)
          want.push({ id: p.id, raw, score: (raw * (p.successCount + 1)) / (p.usageCount + 2) });
      });
      want.sort((x, y) => y.score - x.score || (x.id < y.id ? -1 : 1));
      assert.ok(want.length > 0, 'the case has matches');
      assert.deepEqual(
        got.map((m) => m.pattern.id),
        want.slice(0, 9).map((w) => w.id),
        `${b.name} query ${qi}`,
      );
      got.forEach((m, k) => {
        assert.ok(Math.abs(m.rawSimilarity - want[k].raw) < 1e-5, `${b.name} raw`);
        assert.ok(Math.abs(m.score - want[k].score) < 1e-5, `${b.name} score`);
      });
      {
        const store = L.createPatternStore({ dimensions: dim });
        for (const p of patterns) store.add(p);
        const fast = store.match(q, 0.3, options);
        // Same ids in the same order; the scan's sums differ from the per-row kernel's in the last bit.
        assert.deepEqual(
          fast.map((m) => m.pattern.id),
          got.map((m) => m.pattern.id),
          `${b.name}: store.match equals matchPatterns`,
        );
        fast.forEach((m, k) => {
          assert.ok(
            Math.abs(m.score - got[k].score) < 1e-6 &&
              Math.abs(m.rawSimilarity - got[k].rawSimilarity) < 1e-6,
          );
        });
        assert.deepEqual(fast[0].pattern.metadata, got[0].pattern.metadata);
        store.free();
      }
    }
  }
});

test('matchPatterns over the same array sees replaced patterns and new counts (its block cache is never stale)', () => {
  const rand = mulberry32(3);
  for (const b of all) {
    const L = learning(b);
    const patterns = Array.from({ length: 200 }, (_, i) =>
      L.createPattern(
        new Float32Array(16).map(() => normal(rand)),
        null,
        { id: `p${i}` },
      ),
    );
    const q = patterns[5].embedding;
    assert.equal(L.matchPatterns(q, patterns, 0.9)[0].pattern.id, 'p5');
    patterns[5] = L.createPattern(
      new Float32Array(16).map(() => normal(rand)),
      null,
      { id: 'other' },
    );
    patterns[77] = L.createPattern(q, null, { id: 'moved' });
    assert.deepEqual(
      L.matchPatterns(q, patterns, 0.9).map((m) => m.pattern.id),
      ['moved'],
      `${b.name}: a replaced element is seen`,
    );
    L.recordOutcome(patterns[77], true);
    assert.equal(L.matchPatterns(q, patterns, 0.9)[0].score.toFixed(5), (2 / 3).toFixed(5));
    patterns.push(L.createPattern(q, null, { id: 'a-first' }));
    assert.deepEqual(
      L.matchPatterns(q, patterns, 0.9).map((m) => m.pattern.id),
      ['moved', 'a-first'],
      `${b.name}: a pushed pattern is seen`,
    );
  }
});

test('matchPatterns over user objects whose embedding can be reassigned sees the new embedding', () => {
  // Spread copies of patterns keep `embedding` writable: the block cache must then check each
  // embedding, not only that the array holds the same objects.
  const rand = mulberry32(4);
  for (const b of all) {
    const L = learning(b);
    const patterns = Array.from({ length: 100 }, (_, i) => ({
      ...L.createPattern(
        new Float32Array(16).map(() => normal(rand)),
        null,
        { id: `p${i}` },
      ),
    }));
    const q = patterns[5].embedding;
    assert.equal(L.matchPatterns(q, patterns, 0.9)[0].pattern.id, 'p5');
    const away = L.createPattern(
      new Float32Array(16).map(() => normal(rand)),
      null,
    );
    patterns[5].embedding = away.embedding;
    patterns[40].embedding = q;
    assert.deepEqual(
      L.matchPatterns(q, patterns, 0.9).map((m) => m.pattern.id),
      ['p40'],
      `${b.name}: a reassigned embedding is seen`,
    );
  }
});

test('hnswAbove: from that size the store walks an HNSW index (reported by stats), finding what the scan finds', () => {
  const rand = mulberry32(13);
  const dim = 32;
  const rows = Array.from({ length: 1500 }, () => new Float32Array(dim).map(() => normal(rand)));
  for (const b of all) {
    const L = learning(b);
    const indexed = L.createPatternStore({ dimensions: dim, hnswAbove: 1000 });
    const exact = L.createPatternStore({ dimensions: dim, hnswAbove: Infinity });
    rows.forEach((r, i) => {
      const p = L.createPattern(r, null, { id: `p${i}` });
      indexed.add(p);
      exact.add(p);
    });
    let found = 0;
    let wanted = 0;
    for (let qi = 0; qi < 40; qi++) {
      const q = rows[qi * 31].map((x) => x + 0.5 * normal(rand));
      const want = exact.match(q, 0.3, { limit: 10 }).map((m) => m.pattern.id);
      const got = new Set(indexed.match(q, 0.3, { limit: 10 }).map((m) => m.pattern.id));
      wanted += want.length;
      found += want.filter((id) => got.has(id)).length;
    }
    const s = indexed.stats();
    assert.equal(s.size, 1500);
    assert.equal(s.active, 1500);
    assert.equal(s.backend, b.runtime.getBackend());
    // Deactivated after the index exists: counted, and no longer matched on either path.
    for (let i = 0; i < 3; i++) for (let u = 0; u < 11; u++) indexed.recordOutcome(`p${i}`, false);
    assert.equal(indexed.stats().active, 1497, b.name);
    assert.deepEqual(
      indexed.match(rows[0], 0.99).map((m) => m.pattern.id),
      [],
      `${b.name}: an inactive pattern is not matched`,
    );
    if (b.name === 'js') {
      assert.deepEqual([s.indexed, s.hnswAbove], [false, Infinity], 'js-fallback always scans');
    } else {
      assert.deepEqual([s.indexed, s.hnswAbove], [true, 1000], b.name);
    }
    assert.equal(exact.stats().indexed, false);
    assert.ok(found / wanted >= 0.95, `${b.name}: recall ${found / wanted}`);
    assert.throws(() => L.createPatternStore({ dimensions: dim, hnswAbove: -1 }), {
      code: 'INVALID_ARGUMENT',
    });
    indexed.free();
    exact.free();
  }
});

test('a new pattern (confidence 0.5) matches at 0.75; confidence and deactivation follow the formula', () => {
  for (const b of all) {
    const L = learning(b);
    const p = L.createPattern(new Float32Array([1, 0, 0]), null, { id: 'n' });
    const m = L.matchPatterns(new Float32Array([1, 0.1, 0]), [p], 0.75);
    assert.equal(m.length, 1, b.name);
    assert.equal(p.confidence, 0.5);
    for (let i = 0; i < 11; i++) L.recordOutcome(p, i < 3);
    assert.equal(p.usageCount, 11);
    assert.equal(p.successCount, 3);
    assert.equal(p.confidence, 4 / 13);
    assert.equal(p.active, false, `${b.name}: 3/11 < 0.3 after more than 10 uses`);
    assert.deepEqual(L.matchPatterns(new Float32Array([1, 0, 0]), [p], 0), []);
  }
});

const DIM = 64;
const task = hiddenTransform({ dim: DIM, n: 1200, seed: 11 });
const TRAIN = 1000;
const trajectories = Array.from({ length: TRAIN }, (_, i) => ({
  query: task.queries[i],
  target: task.targets[i],
  verdict: 'positive',
}));
const trained = new Map();

test('trainLoRA learns a hidden transform (held-out top-1 >= 0.9 from near chance) on native and wasm', async () => {
  const raw = topOne(task.queries, task.targets, TRAIN, task.queries.length);
  assert.ok(raw < 0.05, `raw top-1 ${raw}`);
  for (const b of cores) {
    const L = learning(b);
    const epochs = [];
    const w = await L.trainLoRA(trajectories, { rank: 16, onEpoch: (r) => epochs.push(r.epochsRun) });
    trained.set(b.name, w);
    assert.deepEqual(epochs, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(w.training.epochsRun, 10);
    const adapted = L.applyLoRA(w, task.queries);
    const after = topOne(adapted, task.targets, TRAIN, task.queries.length);
    const before = topOne(
      L.applyLoRA(await untrained(L), task.queries),
      task.targets,
      TRAIN,
      task.queries.length,
    );
    process.stdout.write(`# ${b.name}: held-out top-1 raw ${raw}, untrained ${before}, trained ${after}\n`);
    assert.equal(before, raw, 'an untrained adapter leaves results unchanged');
    assert.ok(after >= 0.9, `${b.name}: trained top-1 ${after}`);
  }
  if (trained.has('native') && trained.has('wasm')) {
    const d = maxAbsDiff(trained.get('native').params, trained.get('wasm').params);
    process.stdout.write(`# native vs wasm weights: max |diff| ${d}\n`);
    assert.ok(d <= 1e-5, `same seed, same weights on native and wasm (max diff ${d})`);
  }
});

/** An adapter trained for zero effective steps: B is still 0 (learning rate tiny, one epoch). */
async function untrained(L) {
  const w = await L.trainLoRA(trajectories.slice(0, 8), { rank: 16, epochs: 1, learningRate: 1e-30 });
  assert.ok(
    w.b.every((x) => Math.abs(x) < 1e-20),
    'B stays zero',
  );
  return w;
}

test('applyLoRA on js-fallback equals the core; adapters and Fishers move between backends as bytes', async () => {
  const w = trained.get('native') ?? trained.get('wasm');
  if (w === undefined) return;
  const outs = all.map((b) => [b.name, learning(b).applyLoRA(w, task.queries.slice(0, 50))]);
  for (const [name, out] of outs) {
    for (let i = 0; i < out.length; i++) {
      assert.ok(maxAbsDiff(out[i], outs[0][1][i]) < 2e-6, `${name} vs ${outs[0][0]}`);
    }
  }
  const bytes = learning(all[0]).serializeAdapter(w);
  for (const b of all) {
    const back = learning(b).deserializeAdapter(bytes);
    assert.deepEqual(back.params, w.params);
    assert.deepEqual(learning(b).serializeAdapter(back), bytes);
  }
  for (const b of cores) {
    const f = await learning(b).computeFisher(w, trajectories.slice(0, 200));
    const fb = learning(b).serializeFisher(f);
    for (const c of all) assert.deepEqual(learning(c).deserializeFisher(fb).values, f.values);
  }
});

test('adapters compose with the HNSW index: adapt the query, search as usual', async () => {
  for (const b of cores) {
    const w = trained.get(b.name);
    if (w === undefined) continue;
    const { hnsw, learning: L } = b.runtime.getModules();
    const index = hnsw.create({
      dimensions: DIM,
      m: 16,
      efConstruction: 100,
      efSearch: 64,
      distanceMetric: 'cosine',
    });
    await hnsw.insertBatchAsync(
      index,
      task.targets.map((vector, i) => ({ id: `t${i}`, vector })),
    );
    let raw = 0;
    let adapted = 0;
    for (let i = TRAIN; i < task.queries.length; i++) {
      if (hnsw.search(index, task.queries[i], 1)[0].id === `t${i}`) raw++;
      if (hnsw.search(index, L.applyLoRA(w, task.queries[i]), 1)[0].id === `t${i}`) adapted++;
    }
    const n = task.queries.length - TRAIN;
    assert.ok(
      raw / n < 0.05 && adapted / n >= 0.9,
      `${b.name}: index top-1 raw ${raw / n}, adapted ${adapted / n}`,
    );
    hnsw.free(index);
  }
});

test('explicit negatives are ranked lower after training', async () => {
  const rand = mulberry32(5);
  for (const b of cores) {
    const L = learning(b);
    const negs = task.queries.slice(0, 200).map((q) => q.map((x) => x + 0.05 * normal(rand)));
    const trajs = [
      ...trajectories.slice(0, 400),
      ...negs.map((t, i) => ({ query: task.queries[i], target: t, verdict: 'negative' })),
    ];
    const w = await L.trainLoRA(trajs, { rank: 16, negatives: { margin: 0 } });
    const cos = (a, c) =>
      a.reduce((s, x, i) => s + x * c[i], 0) / Math.sqrt(c.reduce((s, x) => s + x * x, 0));
    let before = 0;
    let after = 0;
    const adapted = L.applyLoRA(w, task.queries.slice(0, 200));
    negs.forEach((t, i) => {
      before += cos(task.queries[i], t);
      after += cos(adapted[i], t);
    });
    assert.ok(after / 200 < before / 200 - 0.3, `${b.name}: ${before / 200} -> ${after / 200}`);
  }
});

test('EWC keeps task A while task B is learned; without it A is forgotten', async () => {
  const a = hiddenTransform({ dim: DIM, n: 800, seed: 21, offset: 32 });
  const bTask = hiddenTransform({ dim: DIM, n: 800, seed: 22, offset: 48 });
  const ta = a.queries.slice(0, 600).map((q, i) => ({ query: q, target: a.targets[i], verdict: 'positive' }));
  const tb = bTask.queries
    .slice(0, 600)
    .map((q, i) => ({ query: q, target: bTask.targets[i], verdict: 'positive' }));
  for (const b of cores) {
    const L = learning(b);
    const wa = await L.trainLoRA(ta, { rank: 16 });
    const fisher = await L.computeFisher(wa, ta);
    const plain = await L.trainLoRA(tb, { rank: 16, epochs: 30, initial: wa });
    const ewc = await L.trainLoRA(tb, { rank: 16, epochs: 30, ewc: { fisher, lambda: 1 } });
    const top = (w, t) => topOne(L.applyLoRA(w, t.queries), t.targets, 600, 800);
    const r = { aAfterA: top(wa, a), aPlain: top(plain, a), aEwc: top(ewc, a), bEwc: top(ewc, bTask) };
    process.stdout.write(`# ${b.name}: ${JSON.stringify(r)}\n`);
    assert.ok(r.aPlain <= 0.6 * r.aAfterA, 'without EWC, A is forgotten');
    assert.ok(r.aEwc >= 0.85 && r.bEwc >= 0.9, 'with EWC, A is kept and B learned');
    // The closed-form step never overshoots the anchor.
    const stepped = L.applyEWC(plain, fisher, 5);
    for (let i = 0; i < stepped.params.length; i += 97) {
      const [lo, hi] = [Math.min(wa.params[i], plain.params[i]), Math.max(wa.params[i], plain.params[i])];
      assert.ok(stepped.params[i] >= lo - 1e-6 && stepped.params[i] <= hi + 1e-6);
    }
  }
});

test('pattern stores move between all backends as bytes; hostile bytes are CORRUPT_DATA', () => {
  const L0 = learning(all[0]);
  const store = L0.createPatternStore({ dimensions: 4, minUses: 3, minSuccessRate: 0.5 });
  store.create(new Float32Array([1, 2, 3, 4]), { a: 1 }, { id: '\uFEFFbom' });
  store.create(new Float32Array([4, 3, 2, 1]), [1, 'x'], { id: 'é', type: 'conversation_flow' });
  for (let i = 0; i < 4; i++) store.recordOutcome('é', false);
  const bytes = store.serialize();
  for (const b of all) {
    const back = learning(b).loadPatternStore(bytes);
    assert.deepEqual(back.serialize(), bytes, b.name);
    assert.equal(back.get('\uFEFFbom').metadata.a, 1, 'an id beginning with U+FEFF survives');
    assert.equal(back.get('é').active, false, 'policy kept: 0/4 < 0.5 after more than 3 uses');
    assert.equal(back.dimensions, 4);
    for (let cut = 0; cut < bytes.length; cut += 7) {
      assert.throws(() => learning(b).loadPatternStore(bytes.slice(0, cut + 1)), { code: 'CORRUPT_DATA' });
    }
    const flipped = bytes.slice();
    flipped[30] ^= 4;
    assert.throws(() => learning(b).loadPatternStore(flipped), { code: 'CORRUPT_DATA' });
  }
  for (const b of all) {
    assert.throws(() => learning(b).deserializeAdapter(bytes), { code: 'CORRUPT_DATA' });
  }
  // Forged checksums: one verdict everywhere for bytes a writer could never have made.
  const reseal = (blob) => {
    new DataView(blob.buffer).setUint32(blob.length - 4, crc32(blob, 0, blob.length - 4), true);
    return blob;
  };
  const idAt = 12 + 20 + 1 + 4 + 4 + 4; // header, then the first record's type, counts, id length
  const badUtf8 = bytes.slice();
  badUtf8[idAt] = 0xff;
  const hugeCount = bytes.slice();
  new DataView(hugeCount.buffer).setUint32(12 + 16, 0x7fffffff, true);
  const notJson = L0.createPatternStore({ dimensions: 2 });
  notJson.create(new Float32Array([1, 0]), 'x', { id: 'j' });
  const nj = notJson.serialize();
  const quoteAt = nj.length - 4 - 8 - 3; // metadata "x" (3 bytes) before the 2 floats
  assert.equal(String.fromCharCode(nj[quoteAt]), '"');
  nj[quoteAt] = 0x7b; // '{': not JSON any more
  for (const [what, blob] of [
    ['invalid UTF-8 id', reseal(badUtf8)],
    ['huge count', reseal(hugeCount)],
    ['metadata not JSON', reseal(nj)],
  ]) {
    for (const b of all) {
      assert.throws(() => learning(b).loadPatternStore(blob), { code: 'CORRUPT_DATA' }, `${b.name}: ${what}`);
    }
  }
});

test('bad arguments get the same code and message on every backend', async () => {
  const cases = [
    (L) => L.createPattern(new Float32Array([0, 0]), null),
    (L) => L.createPattern(new Float32Array([1, NaN])),
    (L) => L.createPattern([1, 2]),
    (L) => L.createPattern(new Float32Array([1]), null, { type: 'other' }),
    (L) => L.createPattern(new Float32Array([1]), null, { usageCount: 1, successCount: 2 }),
    (L) => L.createPattern(new Float32Array([1]), 10n),
    (L) => L.matchPatterns(new Float32Array([1, 0]), [L.createPattern(new Float32Array([1]))], 0.5),
    (L) => L.matchPatterns(new Float32Array([1]), [], 2),
    (L) => L.matchPatterns(new Float32Array([1]), [], 0.5, { limt: 3 }),
    (L) =>
      L.applyLoRA({ dimensions: 2, rank: 1, alpha: 1, params: new Float32Array(3) }, new Float32Array(2)),
  ];
  for (const [i, make] of cases.entries()) {
    const errors = all.map((b) => {
      try {
        make(learning(b));
      } catch (e) {
        return { code: e.code, message: e.message };
      }
      return 'no error';
    });
    for (const e of errors) assert.deepEqual(e, errors[0], `case ${i}`);
    assert.notEqual(errors[0], 'no error', `case ${i}`);
  }
  const asyncCases = [
    (L) => L.trainLoRA(trajectories.slice(0, 5), { rank: 4 }),
    (L) => L.trainLoRA(trajectories.slice(0, 20), { rank: 4, temperature: 0 }),
    (L) => L.trainLoRA(trajectories.slice(0, 20), { rnak: 4 }),
    (L) => L.trainLoRA([{ query: new Float32Array(2), target: new Float32Array(3), verdict: 'positive' }]),
  ];
  for (const [i, make] of asyncCases.entries()) {
    const errors = [];
    for (const b of cores) {
      errors.push(
        await make(learning(b)).then(
          () => 'no error',
          (e) => ({ code: e.code, message: e.message }),
        ),
      );
    }
    for (const e of errors) assert.deepEqual(e, errors[0], `async case ${i}`);
    assert.notEqual(errors[0], 'no error');
  }
});
