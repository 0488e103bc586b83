/**
 * Where this package's .wasm files are, relative to this module in dist/ (dist/backends/wasm/ ->
 * dist/wasm/): the single-thread build, or the pthreads one. Written as `new URL('literal',
 * import.meta.url)` so bundlers copy the files. The one-file web bundle (scripts/bundle-web.mjs)
 * swaps in its twin, src/bundle/wasm-url.ts, since it lives at dist/ruvector.web.js.
 */
export const defaultWasmUrl = (threads: boolean): URL =>
  threads
    ? new URL('../../wasm/ruvector_wasm_mt.wasm', import.meta.url)
    : new URL('../../wasm/ruvector_wasm.wasm', import.meta.url);
