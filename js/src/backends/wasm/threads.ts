/**
 * The wasm module's two builds and which one runs here. `ruvector_wasm.wasm` has no threads and
 * runs everywhere (Workers and Edge only ever get it). `ruvector_wasm_mt.wasm` is the same core
 * built with pthreads (bindings/wasm, RUV_WASM_THREADS): embeddings and HNSW batch builds split
 * across a pool of Web Workers / worker_threads that share the module's memory. It needs
 * SharedArrayBuffer, so it runs in Node and in cross-origin-isolated pages (COOP + COEP headers);
 * elsewhere, or when it fails to start, the single-thread build runs, and describe() says which
 * and why (never a silent fall back).
 *
 * Its glue is patched after linking (bindings/wasm/patch-pthreads-glue.mjs): on Node's main thread
 * it takes `require` from Module.ruvRequire, and its worker file is CommonJS (.worker.cjs).
 */
import { backendUnavailable } from '../../errors.js';
export type { WasmBuildDescription } from '../../backend.js';

interface ThreadsHost {
  process?: { versions?: { node?: string; bun?: string } };
  Deno?: unknown;
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
}

const host = (): ThreadsHost => globalThis as unknown as ThreadsHost;

/** Node itself (not Bun or Deno). */
export function isNode(): boolean {
  const g = host();
  return (
    typeof g.process?.versions?.node === 'string' &&
    g.process.versions.bun === undefined &&
    g.Deno === undefined
  );
}

/**
 * Where the glue takes its Node branch (it tests process.versions.node): Node, and Deno 2, whose
 * node:worker_threads runs the CommonJS worker file (classic Web Workers it has not).
 */
export function runsNodeGlue(): boolean {
  const g = host();
  return isNode() || (g.Deno !== undefined && typeof g.process?.versions?.node === 'string');
}

/**
 * Whether the pthreads build can run here: a reason it cannot, or undefined when it can.
 * Node and Deno 2: worker_threads and SharedArrayBuffer, always. Browsers: SharedArrayBuffer
 * only on cross-origin-isolated pages. Bun loads the native addon; its wasm runs single-threaded.
 */
export function threadsUnavailable(): string | undefined {
  const g = host();
  if (typeof SharedArrayBuffer !== 'function') return 'no SharedArrayBuffer here';
  if (g.process?.versions?.bun !== undefined) return 'Bun runs the single-thread build';
  if (runsNodeGlue()) return undefined;
  if (g.Deno !== undefined) return 'Deno runs the single-thread build before Deno 2 (no node:worker_threads)';
  if (g.crossOriginIsolated !== true) return 'the page is not cross-origin isolated (COOP/COEP headers)';
  if (typeof Worker !== 'function') return 'no Worker here';
  return undefined;
}

/**
 * Logical cores here (Node: os.availableParallelism; Deno and browsers:
 * navigator.hardwareConcurrency, which Deno gives without --allow-sys).
 */
export async function coresHere(): Promise<number> {
  if (isNode()) {
    const os = await import('node:os');
    return typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length;
  }
  const n = host().navigator?.hardwareConcurrency;
  return typeof n === 'number' && n >= 1 ? Math.floor(n) : 1;
}

/** What the pthreads glue's factory needs besides the single build's options. */
export interface PthreadsModuleOptions {
  /** Pool workers started (and loaded) before the factory resolves (PTHREAD_POOL_SIZE). */
  ruvPoolSize: number;
  /** require() for the glue's Node branch on the main thread. */
  ruvRequire?: (id: string) => unknown;
  /** Maps the glue's file names to URLs or paths (the worker file; the .wasm is passed in). */
  locateFile: (file: string) => string;
}

/** Options for the pthreads factory: pool size, worker file (beside the .wasm), Node's require. */
export async function pthreadsModuleOptions(poolSize: number, wasmUrl: URL): Promise<PthreadsModuleOptions> {
  // Browsers run the glue's worker as a classic script (.js); Node and Deno load the same file
  // as CommonJS under a .cjs name (this package is "type": "module").
  const node = runsNodeGlue();
  const workerUrl = new URL(node ? 'ruvector_wasm_mt.worker.cjs' : 'ruvector_wasm_mt.worker.js', wasmUrl);
  // worker_threads takes a path (a string URL is refused), browsers a URL.
  const worker = node ? (await import('node:url')).fileURLToPath(workerUrl) : workerUrl.href;
  const options: PthreadsModuleOptions = {
    ruvPoolSize: poolSize,
    locateFile: (file) => (file.endsWith('.worker.js') ? worker : file),
  };
  if (node) {
    const { createRequire } = await import('node:module');
    options.ruvRequire = createRequire(import.meta.url);
  }
  return options;
}

/** The part of the pthreads glue's module the adapter touches to manage threads. */
export interface PthreadsModule {
  wasmMemory: WebAssembly.Memory;
  PThread: {
    unusedWorkers: { unref?: () => void }[];
    runningWorkers: { unref?: () => void }[];
  };
}

/**
 * Node and Deno: the pool's workers must not keep the process alive (the glue does not unref them); a
 * worker that starts running a thread later is one of these, so unref once, here, is enough.
 */
export function unrefWorkers(m: PthreadsModule): void {
  for (const w of [...m.PThread.unusedWorkers, ...m.PThread.runningWorkers]) w.unref?.();
}

const VIEWS = [
  ['HEAP8', Int8Array],
  ['HEAPU8', Uint8Array],
  ['HEAP16', Int16Array],
  ['HEAPU16', Uint16Array],
  ['HEAP32', Int32Array],
  ['HEAPU32', Uint32Array],
  ['HEAPF32', Float32Array],
  ['HEAPF64', Float64Array],
] as const;

/**
 * Makes the module's HEAP* views follow the memory when another thread grew it. The glue
 * refreshes them only on the thread that grows; a pool worker growing the heap (an HNSW batch
 * build allocates on every thread) would leave the main thread's views short.
 */
export function followMemoryGrowth(m: PthreadsModule): void {
  const memory = m.wasmMemory;
  for (const [key, View] of VIEWS) {
    let view = new View(memory.buffer);
    Object.defineProperty(m, key, {
      configurable: true,
      enumerable: true,
      get: () => {
        if (view.buffer !== memory.buffer) view = new View(memory.buffer);
        return view;
      },
      set: () => {}, // the glue's own refresh: the getter already gives the current view
    });
  }
}

/** The error for `wasmThreads: true` where the pthreads build cannot run. */
export const threadsRefused = (why: string) =>
  backendUnavailable('wasm', `wasmThreads: true, but the pthreads build cannot run here: ${why}`);
