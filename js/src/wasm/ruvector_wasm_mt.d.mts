// Types of the pthreads glue that scripts/build-wasm.sh writes to dist/wasm/ruvector_wasm_mt.mjs
// (for the type checker only). backends/wasm/locate.ts imports it dynamically, only where the
// pthreads build runs (backends/wasm/threads.ts); Workers and Edge never reach it.
declare const createRuvectorWasmThreads: (options: object) => Promise<unknown>;
export default createRuvectorWasmThreads;
