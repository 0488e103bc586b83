// Types of `import wasm from './wasm/ruvector_wasm.wasm'` (index.worker.ts): in Cloudflare Workers
// and Vercel Edge a .wasm import is a compiled WebAssembly.Module (neither may compile bytes at
// run time). For the type checker only (allowArbitraryExtensions).
declare const wasmModule: WebAssembly.Module;
export default wasmModule;
