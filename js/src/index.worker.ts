/**
 * ruvector-runtime for Cloudflare Workers and Vercel Edge (`workerd`, `worker` and `edge-light`
 * export conditions): WebAssembly, then pure TypeScript. Neither place may compile wasm from bytes
 * at run time, so the .wasm is imported as a WebAssembly.Module, statically, as the glue is: a
 * bundler (wrangler's esbuild, Next.js) or workerd's module list follows both. This entry never
 * touches native code, `fs`, `eval` or `new Function`.
 */
import { backendUnavailable } from './errors.js';
import { registerBackend } from './registry.js';
import wasmModule from './wasm/ruvector_wasm.wasm';

registerBackend({
  name: 'wasm',
  load: async () => {
    const { loadBuild, singleThreadBuild } = await import('./backends/wasm/index.js');
    return async (options) => {
      if (options.wasmThreads === true) {
        throw backendUnavailable(
          'wasm',
          'wasmThreads: true, but Workers and Edge have no SharedArrayBuffer threads: the single-thread build runs here',
        );
      }
      if (
        options.wasmModule === undefined &&
        options.wasmBinary === undefined &&
        options.wasmUrl !== undefined
      ) {
        // Honoured or rejected, never ignored: a URL would mean compiling bytes, which Workers forbid.
        throw backendUnavailable(
          'wasm',
          'wasmUrl is not supported in Workers and Edge (they cannot compile wasm from bytes); pass wasmModule',
        );
      }
      return loadBuild(
        options.wasmModule !== undefined || options.wasmBinary !== undefined
          ? options
          : { ...options, wasmModule },
        singleThreadBuild('the single-thread build (Workers and Edge have no SharedArrayBuffer threads)'),
      );
    };
  },
});
registerBackend({ name: 'js-fallback', load: async () => (await import('./backends/js/index.js')).load });

export * from './api.js';
