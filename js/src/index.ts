/**
 * ruvector-runtime for Node.js: tries the native addon, then WebAssembly, then pure TypeScript.
 * Each backend module is imported only when it is tried, so a missing addon never breaks import.
 */
import { registerBackend } from './registry.js';

registerBackend({ name: 'native', load: async () => (await import('./backends/native/index.js')).load });
registerBackend({ name: 'wasm', load: async () => (await import('./backends/wasm/locate.js')).load });
registerBackend({ name: 'js-fallback', load: async () => (await import('./backends/js/index.js')).load });

export * from './api.js';
