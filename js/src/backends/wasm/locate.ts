/**
 * The wasm backend where the .wasm is a file or a URL (Node, Deno, Bun, browsers and bundlers):
 * `options.wasmUrl`, else `ruvector_wasm.wasm` next to this package's glue, read with `fs` for
 * files under Node, Deno and Bun and fetched elsewhere (wasm-url.ts says where the file is, in the
 * `new URL('…', import.meta.url)` form bundlers recognize and copy as an asset). Workers and
 * Edge never load this module: they import the .wasm as a WebAssembly.Module (index.worker.ts).
 */
import type { BackendKernels, BackendLoader, BackendLoadOptions } from '../../backend.js';
import { backendUnavailable, RuVectorError } from '../../errors.js';
import { loadBuild, singleThreadBuild } from './index.js';
import {
  coresHere,
  followMemoryGrowth,
  pthreadsModuleOptions,
  type PthreadsModule,
  runsNodeGlue,
  threadsRefused,
  threadsUnavailable,
  unrefWorkers,
} from './threads.js';
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

/** RUVECTOR_WASM_THREADS=0|1 where a `process` global exists; undefined when unset. */
function envThreads(): boolean | undefined {
  const g = globalThis as { process?: { env?: Record<string, string | undefined> } };
  const value = g.process?.env?.['RUVECTOR_WASM_THREADS'];
  if (value === undefined || value === '') return undefined;
  if (value === '0' || value === '1') return value === '1';
  throw backendUnavailable('wasm', `RUVECTOR_WASM_THREADS='${value}' must be 0 or 1`);
}

/** Reads the .wasm at `source`, as BACKEND_UNAVAILABLE when it cannot. */
async function readWasmOrFail(source: string | URL): Promise<Awaited<ReturnType<typeof readWasm>>> {
  try {
    return await readWasm(source);
  } catch (error) {
    if (error instanceof RuVectorError) throw error;
    throw backendUnavailable('wasm', `cannot read ${String(source)}: ${String(error)}`, error);
  }
}

/** The pthreads build (ruvector_wasm_mt.{mjs,wasm}), with a pool of the cores but one. */
async function loadPthreads(options: BackendLoadOptions, reason: string): Promise<BackendKernels> {
  const cores = await coresHere();
  const poolSize = Math.max(1, cores - 1);
  const wasmUrl = defaultWasmUrl(true);
  const [{ default: factory }, wasm, moduleOptions] = await Promise.all([
    import('../../wasm/ruvector_wasm_mt.mjs'),
    readWasmOrFail(wasmUrl),
    pthreadsModuleOptions(poolSize, wasmUrl),
  ]);
  return loadBuild(
    { ...options, ...wasm },
    {
      factory,
      moduleOptions,
      description: { build: 'pthreads', threads: poolSize + 1, reason },
      prepare: (m) => {
        const module = m as PthreadsModule;
        followMemoryGrowth(module);
        if (runsNodeGlue()) unrefWorkers(module);
      },
    },
  );
}

/**
 * The wasm backend: the pthreads build where it can run (or as `wasmThreads` /
 * RUVECTOR_WASM_THREADS say), else the single-thread one with its .wasm read from `wasmUrl` or
 * the package (unless given as module or bytes). describe() reports which and why.
 */
export const load: BackendLoader = async (options) => {
  const given =
    options.wasmModule !== undefined || options.wasmBinary !== undefined || options.wasmUrl !== undefined;
  const wanted = options.wasmThreads ?? envThreads();
  const by = options.wasmThreads !== undefined ? 'options.wasmThreads' : 'RUVECTOR_WASM_THREADS';
  let single: string;
  if (wanted === false) {
    single = `the single-thread build (${by} is off)`;
  } else if (given) {
    if (wanted === true)
      throw threadsRefused('a wasmModule, wasmBinary or wasmUrl given is the single-thread build');
    single = 'the single-thread build (wasmModule, wasmBinary or wasmUrl given)';
  } else {
    const why = threadsUnavailable();
    if (why === undefined) {
      const reason =
        wanted === true
          ? `the pthreads build (${by})`
          : 'the pthreads build (SharedArrayBuffer and workers here)';
      try {
        return await loadPthreads(options, reason);
      } catch (error) {
        if (wanted === true) throw error;
        single = `the single-thread build (the pthreads build failed to start: ${String(error)})`;
      }
    } else {
      if (wanted === true) throw threadsRefused(why);
      single = `the single-thread build (${why})`;
    }
  }
  if (options.wasmModule !== undefined || options.wasmBinary !== undefined)
    return loadBuild(options, singleThreadBuild(single));
  const wasm = await readWasmOrFail(options.wasmUrl ?? defaultWasmUrl(false));
  return loadBuild({ ...options, ...wasm }, singleThreadBuild(single));
};
