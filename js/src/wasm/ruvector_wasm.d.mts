// Types of the Emscripten glue that scripts/build-wasm.sh writes to dist/wasm/ruvector_wasm.mjs
// (for the type checker only: tsc does not emit this file). backends/wasm/index.ts imports the
// glue statically, so bundlers and Workers follow it, and narrows the factory to what it uses.
declare const createRuvectorWasm: (options: object) => Promise<unknown>;
export default createRuvectorWasm;
