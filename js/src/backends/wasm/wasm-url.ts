/**
 * Where this package's .wasm is, relative to this module in dist/ (dist/backends/wasm/ ->
 * dist/wasm/). Written as `new URL('literal', import.meta.url)` so bundlers copy the file. The
 * one-file web bundle (scripts/bundle-web.mjs) swaps in its twin, src/bundle/wasm-url.ts, since
 * it lives at dist/ruvector.web.js.
 */
export const defaultWasmUrl = (): URL => new URL('../../wasm/ruvector_wasm.wasm', import.meta.url);
