// The conformance subset every engine runs (Node per backend, workerd, edge-runtime, Deno, Bun,
// Chromium, Firefox, WebKit): the package as that engine imports it, the backend it picks, the
// vectorOps case tables (tests/conformance/cases) against their formulas and js-fallback, error
// codes and messages equal to js-fallback's, HNSW recall against brute force on 2k vectors with
// serialized bytes that load and answer the same, and learning (store match, bytes, training where
// the core runs). Engine-neutral on purpose: no Node API, no test framework (a small assert), so
// the same file runs inside a Worker, a page or a Deno process. Returns plain JSON-able results;
// each harness prints them as "ok - ..." / "not ok - ...".
import { errorCases } from '../conformance/cases/errors.mjs';
import { bruteForceIds, dataset, refDistance } from '../conformance/cases/recall.mjs';
import { CROSS_BACKEND_TABLES, VECTOR_OPS_TABLES } from '../conformance/cases/vector-ops.mjs';
import { runCase } from '../conformance/table-runner.mjs';

class AssertionError extends Error {}

/** The part of node:assert the case tables use. */
const assert = {
  ok(value, message) {
    if (!value) throw new AssertionError(message ?? 'not ok');
  },
  equal(got, want, message) {
    if (!Object.is(got, want) && got != want) {
      throw new AssertionError(`${message ?? 'not equal'}: got ${String(got)}, want ${String(want)}`);
    }
  },
};

/** FNV-1a over bytes, as 8 hex digits: compares serialized bytes across engines. */
export function digest(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return `${bytes.length}:${h.toString(16).padStart(8, '0')}`;
}

function thrown(fn) {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new AssertionError('did not throw');
}

/**
 * Runs the suite with the package's exports (`pkg`: RuVectorRuntime, WasmHnswIndex). `expect` is
 * the backend this engine must pick; `options` go to RuVectorRuntime.create; `model` is the test
 * model as { bundle: Uint8Array (tiny.ruvmodel), reference: reference.json (torch's
 * last_hidden_state of token sequences) }, which each harness reads its own way. Never throws: a
 * failure is a result.
 */
export async function runEngineSuite(pkg, { expect, options = {}, model } = {}) {
  const { RuVectorRuntime, WasmHnswIndex } = pkg;
  const results = [];
  const check = async (name, fn) => {
    try {
      const detail = await fn();
      results.push({ name, ok: true, ...(detail === undefined ? {} : { detail }) });
    } catch (e) {
      results.push({ name, ok: false, detail: String(e?.stack ?? e) });
    }
  };
  const started = performance.now();
  let runtime;
  try {
    runtime = await RuVectorRuntime.create(options);
  } catch (e) {
    results.push({ name: 'the runtime initializes', ok: false, detail: String(e?.stack ?? e) });
    return { results };
  }
  const initializeMs = performance.now() - started;
  const backend = runtime.getBackend();
  const out = { backend, initializeMs, describe: runtime.describe(), results, digests: {} };

  await check(`the registry picks ${expect}`, () => {
    assert.ok(
      backend === expect,
      `picked ${backend}; attempts: ${JSON.stringify(runtime.describe().attempts)}`,
    );
  });

  const ops = runtime.getModules().vectorOps;
  const reference = (await RuVectorRuntime.create({ backend: 'js' })).getModules().vectorOps;
  const tables = { ...VECTOR_OPS_TABLES, ...(backend === 'js-fallback' ? {} : CROSS_BACKEND_TABLES) };
  for (const [property, table] of Object.entries(tables)) {
    await check(`${backend}: vectorOps: ${property}`, () => {
      const cases = table();
      for (const c of cases) runCase(assert, c, { ops, ref: reference });
      return `${cases.length} cases`;
    });
  }
  await check(`${backend}: bad input gets the code and message js-fallback gives`, () => {
    const cases = errorCases();
    for (const c of cases) {
      const e = thrown(() => c.call(ops));
      assert.ok(e?.name === 'RuVectorError', `${c.label}: not a RuVectorError: ${e}`);
      assert.equal(e.code, c.code, `${c.label}: code`);
      if (c.message !== undefined) assert.equal(e.message, c.message, `${c.label}: message`);
      assert.equal(e.message, thrown(() => c.call(reference)).message, `${c.label}: js-fallback's message`);
    }
    return `${cases.length} cases`;
  });

  await check(
    `${backend}: HNSW recall@10 >= 0.9 against brute force on 2k vectors; bytes load and answer the same`,
    async () => {
      const data = dataset('clustered', 2000, 32, 30, 31);
      const entries = data.vectors.map((vector, i) => ({ id: data.ids[i], vector }));
      const config = { dimensions: 32, m: 16, efConstruction: 100, efSearch: 64, distanceMetric: 'cosine' };
      const index = new WasmHnswIndex(config, { runtime });
      await index.initialize();
      await index.insertBatch(entries);
      const pairs = entries.map((e) => [e.id, e.vector]);
      let hits = 0;
      const answers = [];
      for (const q of data.queries) {
        const truth = new Set(bruteForceIds(pairs, q, 10, 'cosine'));
        const got = await index.search(q, 10);
        answers.push(got.map((r) => r.id).join());
        hits += got.filter((r) => truth.has(r.id)).length;
      }
      const recall = hits / (10 * data.queries.length);
      assert.ok(recall >= 0.9, `recall ${recall}`);
      const bytes = await index.serialize();
      out.digests.hnsw = digest(bytes);
      await index.dispose();
      const loaded = new WasmHnswIndex(config, { runtime });
      await loaded.deserialize(bytes);
      assert.equal(loaded.vectorCount, entries.length, 'vectors after loading');
      for (let i = 0; i < data.queries.length; i++) {
        const again = (await loaded.search(data.queries[i], 10)).map((r) => r.id).join();
        assert.equal(again, answers[i], `query ${i} after loading`);
      }
      await loaded.dispose();
      return `recall ${recall.toFixed(3)}`;
    },
  );

  await check(
    `${backend}: embeddings: hidden states match torch's on the test model; an embedding is unit length`,
    async () => {
      const { embeddings } = runtime.getModules();
      assert.ok(model !== undefined, 'the harness gives the test model (scripts/make-test-models.sh)');
      if (backend === 'js-fallback') {
        const e = await embeddings.loadModel(model.bundle).then(
          () => null,
          (error) => error,
        );
        assert.equal(e?.code, 'UNSUPPORTED', 'js-fallback loads a model');
        return 'UNSUPPORTED (as documented)';
      }
      const handle = await embeddings.loadModel(model.bundle);
      let worst = 0;
      let sequences = 0;
      for (const ref of model.reference) {
        // A padded batch [batch, tokens, dim]: each sequence's real tokens (attention mask 1).
        const [, tokens, dim] = ref.shape;
        ref.input_ids.forEach((ids, b) => {
          const n = ref.attention_mask[b].reduce((a, x) => a + x, 0);
          const [got] = embeddings.hiddenStates(
            handle,
            [ids.slice(0, n)],
            [ref.token_type_ids[b].slice(0, n)],
          );
          assert.equal(got.length, n * dim, 'hidden state size');
          const want = ref.last_hidden_state.slice(b * tokens * dim, (b * tokens + n) * dim);
          for (let t = 0; t < got.length; t++) {
            worst = Math.max(worst, Math.abs(got[t] - want[t]) / (1 + Math.abs(want[t])));
          }
          sequences++;
        });
      }
      assert.ok(worst <= 1e-4, `hidden states differ from torch's by ${worst}`);
      const v = embeddings.embed(handle, 'the engines agree on this sentence');
      let norm = 0;
      for (const x of v) norm += x * x;
      assert.ok(Math.abs(Math.sqrt(norm) - 1) < 1e-5, `|embedding| = ${Math.sqrt(norm)}`);
      out.digests.embedding = digest(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
      out.embedding = Array.from(v); // native's is compared with wasm's (engines.mjs)
      // q8 from the float32 file (wasm reads it from JS memory in pieces: the C ABI calls back
      // into JS through the module's bridge, in every engine).
      const q8 = await embeddings.loadModel(model.bundle, { dtype: 'q8' });
      assert.equal(embeddings.modelInfo(q8).weights, 'safetensors');
      const vq = embeddings.embed(q8, 'the engines agree on this sentence');
      let cos = 0;
      for (let i = 0; i < v.length; i++) cos += v[i] * vq[i];
      assert.ok(cos >= 0.99 && cos < 0.999999, `q8 vs fp32 cosine ${cos}`);
      embeddings.unloadModel(q8);
      embeddings.unloadModel(handle);
      return `${sequences} sequences, worst relative difference ${worst.toExponential(1)}; q8 cosine ${cos.toFixed(4)}`;
    },
  );

  await check(
    `${backend}: learning: the store matches by cosine x confidence; an adapter trains where the core runs`,
    async () => {
      const { learning } = runtime.getModules();
      const rows = dataset('uniform', 50, 16, 0, 41).vectors;
      const store = learning.createPatternStore({ dimensions: 16 });
      rows.forEach((r, i) => store.create(r, { i }, { id: `p${i}` }));
      store.recordOutcome('p9', true);
      const hits = store.match(rows[9], 0.75);
      assert.equal(hits[0]?.pattern.id, 'p9', 'top match');
      assert.ok(Math.abs(hits[0].score - 2 / 3) < 1e-6, `score ${hits[0].score} (cos 1 x confidence 2/3)`);
      const bytes = store.serialize();
      out.digests.patternStore = digest(bytes);
      const back = learning.loadPatternStore(bytes);
      assert.ok(back.get('p9').usageCount === 1 && back.size === 50, 'the store survives its bytes');
      const trajectories = rows.map((r, i) => ({
        query: r,
        target: rows[(i + 1) % 50],
        verdict: 'positive',
      }));
      if (backend === 'js-fallback') {
        const e = await learning.trainLoRA(trajectories).then(
          () => null,
          (error) => error,
        );
        assert.equal(e?.code, 'UNSUPPORTED', 'js-fallback trains');
        return 'training: UNSUPPORTED (as documented)';
      }
      const w = await learning.trainLoRA(trajectories, { rank: 4, epochs: 3, seed: 5 });
      assert.equal(w.training.epochsRun, 3, 'epochs run');
      const moved = learning.applyLoRA(w, rows[0]);
      assert.ok(refDistance(moved, rows[0], 'cosine') > 1e-4, 'a trained adapter changes its input');
      out.digests.adapter = digest(learning.serializeAdapter(w));
      return undefined;
    },
  );
  return out;
}
