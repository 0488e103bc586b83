// ruvector-runtime, once per backend, forced with RuVectorRuntime.create({ backend }) so that
// "native" never silently runs on wasm. Two ways in:
// - ruvector-<backend>: the ADR-006 API, WasmHnswIndex (async search; on native it runs on a
//   libuv worker, so its latency includes the thread hand-off a user of that API pays);
// - ruvector-native-sync: the runtime's `hnsw` module called synchronously on the JS thread,
//   like the rivals' calls, which isolates the cost of the hand-off.
// While a backend has no HNSW index, open() fails and the harness reports the engine as
// unavailable with the backend's message: no figure is ever made up for it.
import os from 'node:os';

// Where the built package lives (scripts/build.sh writes js/dist).
const DIST = new URL('../../../js/dist/index.js', import.meta.url);
const CONFIG = (dim, m, efConstruction, efSearch) => ({ dimensions: dim, m, efConstruction, efSearch, distanceMetric: 'cosine' });

/**
 * Which build thread counts can be measured honestly. One thread: entries inserted one call at a
 * time (single-threaded on every backend). More: only native's insertBatch is parallel, and it
 * always uses every core (threads = 0 in the binding), so only that count can be reported.
 */
function buildThreads(backend) {
  return (threads) => threads === 1 || (backend === 'native' && threads === os.cpus().length);
}

/** Rows of `base` as { id: String(i), vector } views: no copy, made before any clock starts. */
function entriesOf(base, n, dim) {
  return Array.from({ length: n }, (_, i) => ({ id: String(i), vector: base.subarray(i * dim, (i + 1) * dim) }));
}

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

async function openRuntime(backend) {
  const api = await import(DIST.href);
  const runtime = await api.RuVectorRuntime.create({ backend });
  const { version, backend: loaded, simdTarget } = runtime.describe();
  // A 4-d probe index, so a backend without HNSW is reported before any data is built.
  const probe = new api.WasmHnswIndex(CONFIG(4, 4, 8, 8), { runtime });
  await probe.initialize();
  await probe.dispose();
  return { api, runtime, version: `${version} ${loaded}/${simdTarget}` };
}

/** ruvector-<backend> through WasmHnswIndex (ADR-006). */
function adrEngine(backend) {
  let ctx = null;
  const engine = {
    name: `ruvector-${backend}`,
    version: null,
    canBuildWith: buildThreads(backend),
    async open() {
      ctx = await openRuntime(backend);
      engine.version = ctx.version;
    },
    async build(base, { n, dim, m, efConstruction, efSearch, threads }) {
      const index = new ctx.api.WasmHnswIndex(CONFIG(dim, m, efConstruction, efSearch), { runtime: ctx.runtime });
      await index.initialize();
      const entries = entriesOf(base, n, dim);
      const t0 = process.hrtime.bigint();
      if (threads === 1) {
        for (const e of entries) await index.insert(e.id, e.vector);
      } else {
        await index.insertBatch(entries);
      }
      const took = seconds(t0);
      let options = { efSearch };
      return {
        seconds: took,
        index: {
          async setEf(ef) {
            options = { efSearch: ef };
          },
          prepare: (q) => q,
          // search(query, k, { efSearch }) -> [{ id, score, distance }], best first.
          search: (q, k) => index.search(q, k, options),
          ids: (r) => r.map((hit) => Number(hit.id)),
          free: () => index.dispose(),
        },
      };
    },
  };
  return engine;
}

/** ruvector-native-sync: getModules().hnsw, every call synchronous on the JS thread. */
function moduleEngine(backend) {
  let ctx = null;
  const engine = {
    name: `ruvector-${backend}-sync`,
    version: null,
    canBuildWith: buildThreads(backend),
    async open() {
      ctx = await openRuntime(backend);
      engine.version = ctx.version;
    },
    async build(base, { n, dim, m, efConstruction, efSearch, threads }) {
      const { hnsw } = ctx.runtime.getModules();
      const handle = hnsw.create(CONFIG(dim, m, efConstruction, efSearch));
      const entries = entriesOf(base, n, dim);
      const t0 = process.hrtime.bigint();
      if (threads === 1) {
        for (const e of entries) hnsw.insert(handle, e.id, e.vector);
      } else {
        hnsw.insertBatch(handle, entries);
      }
      const took = seconds(t0);
      let options = { efSearch };
      return {
        seconds: took,
        index: {
          async setEf(ef) {
            options = { efSearch: ef };
          },
          prepare: (q) => q,
          search: (q, k) => hnsw.search(handle, q, k, options),
          ids: (r) => r.map((hit) => Number(hit.id)),
          async free() {
            hnsw.free(handle);
          },
        },
      };
    },
  };
  return engine;
}

/** ruvector-native, -wasm, -js (ADR API), then ruvector-native-sync (module API). */
export function engines() {
  return [...['native', 'wasm', 'js'].map(adrEngine), moduleEngine('native')];
}
