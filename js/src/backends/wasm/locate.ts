/**
 * The wasm backend where the .wasm is a file or a URL (Node, Deno, Bun, browsers and bundlers):
 * `options.wasmUrl`, else `ruvector_wasm.wasm` next to this package's glue, read with `fs` for
 * files under Node, Deno and Bun and fetched elsewhere (wasm-url.ts says where the file is, in the
 * `new URL('…', import.meta.url)` form bundlers recognize and copy as an asset). Workers and
 * Edge never load this module: they import the .wasm as a WebAssembly.Module (index.worker.ts).
 */
import type { BackendLoader } from '../../backend.js';
import { backendUnavailable, RuVectorError } from '../../errors.js';
import { load as loadWasm } from './index.js';
import { defaultWasmUrl } from './wasm-url.js';

function canReadFiles(): boolean {
  const g = globalThis as { process?: { versions?: { node?: unknown } }; Deno?: unknown };
  return typeof g.process?.versions?.node === 'string' || g.Deno !== undefined;
}

/**
 * Reads the .wasm: `fs/promises` for files under Node, Deno and Bun; else fetch, compiled while
 * it downloads (WebAssembly.compileStreaming, where the server says application/wasm) so a page
 * does not wait for the whole file before compiling, or its bytes otherwise.
 */
async function readWasm(
  source: string | URL,
): Promise<{ wasmModule: WebAssembly.Module } | { wasmBinary: ArrayBuffer | Uint8Array }> {
  let url: URL | undefined;
  if (source instanceof URL) {
    url = source;
  } else if (/^[a-z][a-z0-9+.-]+:/i.test(source)) {
    url = new URL(source); // 'file:', 'http:', 'data:', ... (a one-letter scheme is a drive letter)
  }
  const isFile = url === undefined || url.protocol === 'file:';
  if (isFile && canReadFiles()) {
    const { readFile } = await import('node:fs/promises');
    return { wasmBinary: await readFile(url ?? source) };
  }
  if (typeof fetch !== 'function') {
    throw backendUnavailable(
      'wasm',
      `cannot read ${String(source)}: no fetch here; pass wasmBinary or wasmModule`,
    );
  }
  const response = await fetch(url ?? source);
  if (!response.ok)
    throw backendUnavailable('wasm', `fetching ${String(source)} gave HTTP ${response.status}`);
  const streaming =
    typeof WebAssembly.compileStreaming === 'function' &&
    response.headers.get('Content-Type')?.split(';')[0]?.trim() === 'application/wasm';
  if (streaming) return { wasmModule: await WebAssembly.compileStreaming(response) };
  return { wasmBinary: await response.arrayBuffer() };
}

/** The wasm backend with its .wasm read from `wasmUrl` or the package (unless given as module or bytes). */
export const load: BackendLoader = async (options) => {
  if (options.wasmModule !== undefined || options.wasmBinary !== undefined) return loadWasm(options);
  const source = options.wasmUrl ?? defaultWasmUrl();
  let wasm: Awaited<ReturnType<typeof readWasm>>;
  try {
    wasm = await readWasm(source);
  } catch (error) {
    if (error instanceof RuVectorError) throw error;
    throw backendUnavailable('wasm', `cannot read ${String(source)}: ${String(error)}`, error);
  }
  return loadWasm({ ...options, ...wasm });
};
