/**
 * The one-file web bundle's twin of backends/wasm/wasm-url.ts: the bundle is dist/ruvector.web.js,
 * so the .wasm files are in dist/wasm/ beside it.
 */
export const defaultWasmUrl = (threads: boolean): URL =>
  threads
    ? new URL('./wasm/ruvector_wasm_mt.wasm', import.meta.url)
    : new URL('./wasm/ruvector_wasm.wasm', import.meta.url);
