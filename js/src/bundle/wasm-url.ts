/**
 * The one-file web bundle's twin of backends/wasm/wasm-url.ts: the bundle is dist/ruvector.web.js,
 * so the .wasm is dist/wasm/ruvector_wasm.wasm beside it.
 */
export const defaultWasmUrl = (): URL => new URL('./wasm/ruvector_wasm.wasm', import.meta.url);
