// End to end, as a user's program sees the package: imported by name ('ruvector-runtime') in a
// fresh Node process, the registry picks the engine the process allows, and that engine answers
// a distance and an HNSW index (build, search, serialize, load) checked against float64 brute
// force. scripts/test-e2e.sh copies this file into a scratch project whose node_modules links
// js/, and runs it once per engine with EXPECT_BACKEND set. Prints "ok - ..." / "not ok - ...".
import { RuVectorRuntime, WasmHnswIndex } from 'ruvector-runtime';

const expected = process.env.EXPECT_BACKEND;
let failures = 0;
async function check(name, fn) {
  try {
    await fn();
    console.log(`ok - ${name}`);
  } catch (e) {
    failures++;
    console.log(`not ok - ${name}: ${e?.stack ?? e}`);
  }
}
function ensure(cond, what) {
  if (!cond) throw new Error(what);
}

let seed = 7;
const rand = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
const vec = (dim) => Float32Array.from({ length: dim }, rand);
function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return 1 - dot / Math.sqrt(na * nb);
}

const runtime = await RuVectorRuntime.create();
const backend = runtime.getBackend();

await check(
  `the registry picks ${expected} (${process.execArgv.join(' ') || 'no flags'}, RUVECTOR_BACKEND=${process.env.RUVECTOR_BACKEND ?? ''})`,
  () => {
    ensure(
      backend === expected,
      `picked ${backend}; attempts: ${JSON.stringify(runtime.describe().attempts)}`,
    );
  },
);

await check(`${backend}: cosine distance of 384-d vectors matches the float64 formula`, () => {
  const a = vec(384);
  const b = vec(384);
  const got = runtime.getModules().vectorOps.distance(a, b, 'cosine');
  const want = cosine(a, b);
  ensure(Math.abs(got - want) <= 1e-5, `got ${got}, want ${want}`);
});

await check(
  `${backend}: HNSW recall@10 >= 0.9 against brute force; serialized bytes load and answer the same`,
  async () => {
    const dim = 16;
    const entries = Array.from({ length: 800 }, (_, i) => ({ id: `v${i}`, vector: vec(dim) }));
    const config = { dimensions: dim, m: 12, efConstruction: 80, efSearch: 64, distanceMetric: 'cosine' };
    const index = new WasmHnswIndex(config, { runtime });
    await index.initialize();
    await index.insertBatch(entries);
    let hits = 0;
    const queries = Array.from({ length: 20 }, () => vec(dim));
    const answers = [];
    for (const q of queries) {
      const truth = new Set(
        entries
          .map((e) => [cosine(q, e.vector), e.id])
          .sort((x, y) => x[0] - y[0])
          .slice(0, 10)
          .map((x) => x[1]),
      );
      const got = await index.search(q, 10);
      answers.push(got.map((r) => r.id).join());
      hits += got.filter((r) => truth.has(r.id)).length;
    }
    ensure(hits / (10 * queries.length) >= 0.9, `recall ${hits / (10 * queries.length)}`);
    const bytes = await index.serialize();
    await index.dispose();
    const loaded = new WasmHnswIndex(config, { runtime });
    await loaded.deserialize(bytes);
    ensure(loaded.vectorCount === entries.length, `loaded ${loaded.vectorCount} vectors`);
    for (let i = 0; i < queries.length; i++) {
      const again = (await loaded.search(queries[i], 10)).map((r) => r.id).join();
      ensure(again === answers[i], `query ${i}: ${again} after loading, ${answers[i]} before`);
    }
    await loaded.dispose();
  },
);

await check(
  `${backend}: learning: the store matches by cosine x confidence; an adapter trains where the core runs`,
  async () => {
    const { learning } = runtime.getModules();
    const store = learning.createPatternStore({ dimensions: 16 });
    const rows = Array.from({ length: 50 }, () => vec(16));
    rows.forEach((r, i) => store.create(r, { i }, { id: `p${i}` }));
    store.recordOutcome('p9', true);
    const hits = store.match(rows[9], 0.75);
    ensure(hits[0]?.pattern.id === 'p9', `top match ${hits[0]?.pattern.id}`);
    ensure(Math.abs(hits[0].score - 2 / 3) < 1e-6, `score ${hits[0].score} (cos 1 x confidence 2/3)`);
    const back = learning.loadPatternStore(store.serialize());
    ensure(back.get('p9').usageCount === 1 && back.size === 50, 'the store survives its bytes');
    const trajectories = rows.map((r, i) => ({ query: r, target: rows[(i + 1) % 50], verdict: 'positive' }));
    if (backend === 'js-fallback') {
      await learning.trainLoRA(trajectories).then(
        () => ensure(false, 'js-fallback trained'),
        (e) => ensure(e.code === 'UNSUPPORTED', e.message),
      );
    } else {
      const w = await learning.trainLoRA(trajectories, { rank: 4, epochs: 3 });
      ensure(w.training.epochsRun === 3, 'three epochs');
      const moved = learning.applyLoRA(w, rows[0]);
      ensure(cosine(moved, rows[0]) > 1e-4, 'a trained adapter changes its input');
    }
  },
);

process.exitCode = failures === 0 ? 0 : 1;
