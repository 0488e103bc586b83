// ruvector-runtime through its ADR-006 API (WasmHnswIndex), once per backend. The backend is
// forced with RuVectorRuntime.create({ backend }), so "native" never silently runs on wasm.
// While the binding throws UNSUPPORTED, open() fails and the harness reports the engine as
// unavailable with that message: no figure is ever made up for it.

// Where the built package lives (scripts/build.sh writes js/dist).
const DIST = new URL('../../../js/dist/index.js', import.meta.url);

/**
 * The ADR API has no thread count for insertBatch yet. Flip this (and pass the option in build)
 * once it has one; until then a 2-thread build of ours is reported as n/a, not as the 1-thread time.
 */
const PARALLEL_BUILD = false;

/** One engine per backend: ruvector-native, ruvector-wasm, ruvector-js. */
export function engines() {
  return ['native', 'wasm', 'js'].map((backend) => {
    let api = null;
    let runtime = null;
    const engine = {
      name: `ruvector-${backend}`,
      version: null,
      parallelBuild: PARALLEL_BUILD,
      async open() {
        api = await import(DIST.href);
        runtime = await api.RuVectorRuntime.create({ backend });
        const { version, backend: loaded, simdTarget } = runtime.describe();
        engine.version = `${version} ${loaded}/${simdTarget}`;
        // A 4-d probe index, so an unimplemented binding is reported before any data is built.
        const probe = new api.WasmHnswIndex({ dimensions: 4, m: 4, efConstruction: 8, efSearch: 8, distanceMetric: 'cosine' }, { runtime });
        await probe.initialize();
        await probe.dispose();
      },
      async build(base, { n, dim, m, efConstruction, efSearch }) {
        const index = new api.WasmHnswIndex({ dimensions: dim, m, efConstruction, efSearch, distanceMetric: 'cosine' }, { runtime });
        await index.initialize();
        // Views into the shared matrix: no copy, and made before the clock starts.
        const entries = Array.from({ length: n }, (_, i) => ({ id: String(i), vector: base.subarray(i * dim, (i + 1) * dim) }));
        const t0 = process.hrtime.bigint();
        await index.insertBatch(entries);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        let options = { efSearch };
        return {
          seconds,
          index: {
            async setEf(ef) {
              options = { efSearch: ef };
            },
            prepare: (q) => q,
            // ADR-006: search(query, k, { efSearch }) -> [{ id, score, distance }], best first.
            search: (q, k) => index.search(q, k, options),
            ids: (r) => r.map((hit) => Number(hit.id)),
            free: () => index.dispose(),
          },
        };
      },
    };
    return engine;
  });
}
