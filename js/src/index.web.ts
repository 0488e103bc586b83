/**
 * ruvector-runtime for browsers, Workers and Deno: tries WebAssembly, then pure TypeScript. This
 * entry never imports native code.
 */
import { registerBackend } from './registry.js';

registerBackend({ name: 'wasm', load: async () => (await import('./backends/wasm/locate.js')).load });
registerBackend({ name: 'js-fallback', load: async () => (await import('./backends/js/index.js')).load });

export * from './api.js';
