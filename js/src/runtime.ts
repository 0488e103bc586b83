/**
 * RuVectorRuntime (ADR-006): picks a backend (native, then wasm, then js-fallback, as the entry
 * point registered them), loads it lazily, and says which one it picked and why.
 *
 * Differences from the ADR sketch, on purpose:
 * - concurrent `initialize()` calls share one initialization; a failed one is not remembered, so a
 *   later call may try again;
 * - a forced backend (option or RUVECTOR_BACKEND) that cannot load throws BACKEND_UNAVAILABLE with
 *   the loader's error as `cause`: it never falls back silently;
 * - every attempt and its error is kept and reported by `describe()`;
 * - logging goes to `options.logger` only (silent by default), never to the console;
 * - modules that do not exist yet (or that the backend lacks, e.g. `hnsw` without `kernels.hnsw`)
 *   throw UNSUPPORTED instead of returning made-up results.
 */
import {
  REQUIRED_KERNEL_FUNCTIONS,
  type BackendKernels,
  type BackendLoadOptions,
  type BackendName,
  type WasmBuildDescription,
} from './backend.js';
import { fail, quoteList, rejectUnknownKeys, typeName } from './check.js';
import { RuVectorError } from './errors.js';
import { createModules, type WasmModules } from './modules.js';
import { registeredBackends, type BackendRegistration } from './registry.js';
import type { VectorBuffer } from './vector-ops/types.js';
import { VERSION } from './version.js';

/** A backend as a caller may name it: `'js'` is short for `'js-fallback'`. */
export type BackendChoice = 'native' | 'wasm' | 'js' | 'js-fallback';

/** Receives the runtime's log lines. Each method is optional; missing ones drop their lines. */
export interface RuntimeLogger {
  debug?(message: string): void;
  info?(message: string): void;
  warn?(message: string): void;
}

/** Where a {@link WasmHnswIndex} or {@link WasmEmbedder} finds its runtime. */
export interface RuntimeBinding {
  /** Use this runtime instead of the shared one from `RuVectorRuntime.initialize()`. */
  runtime?: RuVectorRuntime;
}

/** Options of {@link RuVectorRuntime.initialize} and {@link RuVectorRuntime.create}. */
export interface RuntimeOptions extends BackendLoadOptions {
  /**
   * Use this backend and no other (overrides the RUVECTOR_BACKEND environment variable). If it
   * cannot load, initialization fails with BACKEND_UNAVAILABLE.
   */
  backend?: BackendChoice;
  /** Where log lines go (default: nowhere). `console` fits. */
  logger?: RuntimeLogger;
  /**
   * Backends to try, in this order, instead of the ones the entry point registered. Meant for
   * tests (mock backends) and custom bundles.
   */
  backends?: readonly BackendRegistration[];
}

/** One backend the runtime tried while initializing. */
export interface BackendAttempt {
  backend: BackendName;
  ok: boolean;
  /** Why it failed ("CODE: message" for RuVectorError), when it did. */
  error?: string;
  /** Time spent importing and loading it. */
  durationMs: number;
}

/** Provenance of a runtime: what it runs on, and how that was decided. */
export interface RuntimeDescription {
  backend: BackendName;
  /** SIMD target of the backend ('none' for js-fallback). */
  simdTarget: string;
  /** True when the backend was forced by `options.backend` or RUVECTOR_BACKEND. */
  forced: boolean;
  /** Why this backend, in words. */
  reason: string;
  /** Every backend tried, in order, with its error when it failed. */
  attempts: BackendAttempt[];
  /** Version of ruvector-runtime. */
  version: string;
  /**
   * wasm only: which build runs ('pthreads' with a worker pool, or 'single'), the most threads
   * one call can use, and why (options.wasmThreads, RUVECTOR_WASM_THREADS, what the host allows).
   */
  wasm?: WasmBuildDescription;
}

const CHOICES: readonly BackendChoice[] = ['native', 'wasm', 'js', 'js-fallback'];
const BACKEND_NAMES: readonly BackendName[] = ['native', 'wasm', 'js-fallback'];
const OPTION_KEYS: readonly string[] = [
  'backend',
  'logger',
  'backends',
  'nativePath',
  'wasmModule',
  'wasmBinary',
  'wasmUrl',
  'wasmThreads',
];

const toName = (choice: BackendChoice): BackendName => (choice === 'js' ? 'js-fallback' : choice);

const invalid = (method: string, message: string): RuVectorError => fail('INVALID_ARGUMENT', method, message);

/** Checks every option; unknown keys and wrong types are rejected, never ignored. */
function checkOptions(method: string, options: unknown): RuntimeOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw invalid(method, `options must be an object (got ${typeName(options)})`);
  }
  const o = options as Record<string, unknown>;
  rejectUnknownKeys(method, o, OPTION_KEYS, 'option');
  if (o['backend'] !== undefined && !CHOICES.includes(o['backend'] as BackendChoice)) {
    throw invalid(
      method,
      `unknown backend ${typeof o['backend'] === 'string' ? `'${o['backend']}'` : typeName(o['backend'])} (expected one of ${quoteList(CHOICES)})`,
    );
  }
  const logger = o['logger'];
  if (logger !== undefined) {
    if (typeof logger !== 'object' || logger === null)
      throw invalid(method, `options.logger must be an object (got ${typeName(logger)})`);
    for (const level of ['debug', 'info', 'warn'] as const) {
      const f = (logger as Record<string, unknown>)[level];
      if (f !== undefined && typeof f !== 'function')
        throw invalid(method, `options.logger.${level} must be a function`);
    }
  }
  const backends = o['backends'];
  if (backends !== undefined) {
    if (!Array.isArray(backends))
      throw invalid(method, `options.backends must be an array (got ${typeName(backends)})`);
    backends.forEach((b: unknown, i) => {
      const r = b as Partial<BackendRegistration> | null;
      if (
        typeof r !== 'object' ||
        r === null ||
        !BACKEND_NAMES.includes(r.name as BackendName) ||
        typeof r.load !== 'function'
      ) {
        throw invalid(
          method,
          `options.backends[${i}] must be { name: ${quoteList(BACKEND_NAMES)}, load: function }`,
        );
      }
    });
  }
  if (o['nativePath'] !== undefined && (typeof o['nativePath'] !== 'string' || o['nativePath'] === '')) {
    throw invalid(method, `options.nativePath must be a non-empty string (got ${typeName(o['nativePath'])})`);
  }
  if (
    o['wasmModule'] !== undefined &&
    !(typeof WebAssembly === 'object' && o['wasmModule'] instanceof WebAssembly.Module)
  ) {
    throw invalid(
      method,
      `options.wasmModule must be a WebAssembly.Module (got ${typeName(o['wasmModule'])})`,
    );
  }
  if (
    o['wasmBinary'] !== undefined &&
    !(o['wasmBinary'] instanceof ArrayBuffer || o['wasmBinary'] instanceof Uint8Array)
  ) {
    throw invalid(
      method,
      `options.wasmBinary must be an ArrayBuffer or a Uint8Array (got ${typeName(o['wasmBinary'])})`,
    );
  }
  if (o['wasmUrl'] !== undefined && !(typeof o['wasmUrl'] === 'string' || o['wasmUrl'] instanceof URL)) {
    throw invalid(method, `options.wasmUrl must be a string or a URL (got ${typeName(o['wasmUrl'])})`);
  }
  if (o['wasmThreads'] !== undefined && typeof o['wasmThreads'] !== 'boolean') {
    throw invalid(method, `options.wasmThreads must be a boolean (got ${typeName(o['wasmThreads'])})`);
  }
  return o as RuntimeOptions;
}

/** RUVECTOR_BACKEND, where a `process` global exists (Node; Deno and Bun in Node mode). */
function envBackend(): string | undefined {
  try {
    const value = globalThis.process?.env?.['RUVECTOR_BACKEND'];
    return value === undefined || value === '' ? undefined : value;
  } catch {
    return undefined; // e.g. Deno without --allow-env
  }
}

/** Which backend is forced, and by what; undefined when the runtime may choose. */
function forcedBackend(
  method: string,
  options: RuntimeOptions,
): { name: BackendName; by: string } | undefined {
  if (options.backend !== undefined)
    return { name: toName(options.backend), by: `options.backend = '${options.backend}'` };
  const env = envBackend();
  if (env === undefined) return undefined;
  if (!CHOICES.includes(env as BackendChoice)) {
    throw invalid(
      method,
      `RUVECTOR_BACKEND='${env}' is not a backend (expected one of 'native', 'wasm', 'js')`,
    );
  }
  return { name: toName(env as BackendChoice), by: `RUVECTOR_BACKEND=${env}` };
}

function errorText(e: unknown): string {
  if (e instanceof RuVectorError) return `${e.code}: ${e.message}`;
  if (e instanceof Error) return e.message === '' ? e.name : `${e.name}: ${e.message}`;
  return String(e);
}

/** Throws unless `kernels` is a complete backend named `name`. */
function checkKernels(name: BackendName, kernels: unknown): BackendKernels {
  if (typeof kernels !== 'object' || kernels === null) {
    throw new RuVectorError(
      'INTERNAL',
      `the ${name} loader returned ${typeName(kernels)} instead of a backend`,
    );
  }
  const k = kernels as BackendKernels;
  if (k.name !== name)
    throw new RuVectorError('INTERNAL', `the ${name} loader returned the backend '${String(k.name)}'`);
  const missing = REQUIRED_KERNEL_FUNCTIONS.filter((f) => typeof k[f] !== 'function');
  if (missing.length > 0)
    throw new RuVectorError('INTERNAL', `the ${name} backend lacks ${missing.join(', ')}`);
  return k;
}

function sameOptions(a: RuntimeOptions, b: RuntimeOptions): boolean {
  const choice = (o: RuntimeOptions) => (o.backend === undefined ? undefined : toName(o.backend));
  return (
    choice(a) === choice(b) &&
    a.logger === b.logger &&
    a.backends === b.backends &&
    a.nativePath === b.nativePath &&
    a.wasmModule === b.wasmModule &&
    a.wasmBinary === b.wasmBinary &&
    String(a.wasmUrl) === String(b.wasmUrl) &&
    a.wasmThreads === b.wasmThreads
  );
}

const now = () => globalThis.performance.now();

/** How a runtime came to use its backend. */
interface Provenance {
  forced: boolean;
  reason: string;
  attempts: BackendAttempt[];
}

/**
 * The entry point of ruvector-runtime: one backend, the modules over it, and its provenance.
 *
 * ```ts
 * const runtime = await RuVectorRuntime.initialize();
 * const { vectorOps } = runtime.getModules();
 * vectorOps.distance(a, b, 'cosine');
 * ```
 */
export class RuVectorRuntime {
  static #shared: { promise: Promise<RuVectorRuntime>; options: RuntimeOptions } | null = null;

  readonly #kernels: BackendKernels;
  readonly #modules: WasmModules;
  readonly #provenance: Provenance;

  private constructor(kernels: BackendKernels, provenance: Provenance) {
    this.#kernels = kernels;
    this.#provenance = provenance;
    this.#modules = createModules(kernels);
  }

  /**
   * The shared runtime of this process, initialized on first call. Concurrent callers share one
   * initialization (the same promise). If it fails, the next call tries again.
   *
   * Options apply to the first call; a later call with different options is rejected with
   * INVALID_ARGUMENT (use {@link RuVectorRuntime.create} for a runtime of its own, or
   * {@link RuVectorRuntime.reset}). A call without options always gets the shared runtime.
   */
  static initialize(options?: RuntimeOptions): Promise<RuVectorRuntime> {
    const method = 'RuVectorRuntime.initialize';
    let checked: RuntimeOptions;
    try {
      checked = checkOptions(method, options);
    } catch (e) {
      return Promise.reject(e);
    }
    const shared = RuVectorRuntime.#shared;
    if (shared !== null) {
      if (options === undefined || sameOptions(checked, shared.options)) return shared.promise;
      return Promise.reject(
        invalid(
          method,
          'the shared runtime was already initialized with other options; use RuVectorRuntime.create(options) for a separate runtime, or RuVectorRuntime.reset() first',
        ),
      );
    }
    const promise = RuVectorRuntime.#load(method, checked);
    const entry = { promise, options: checked };
    RuVectorRuntime.#shared = entry;
    promise.catch(() => {
      if (RuVectorRuntime.#shared === entry) RuVectorRuntime.#shared = null;
    });
    return promise;
  }

  /**
   * A new runtime of its own (not the shared one), e.g. one per backend in tests:
   * `await RuVectorRuntime.create({ backend: 'wasm' })`.
   */
  static create(options?: RuntimeOptions): Promise<RuVectorRuntime> {
    const method = 'RuVectorRuntime.create';
    try {
      return RuVectorRuntime.#load(method, checkOptions(method, options));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Forgets the shared runtime, so the next {@link RuVectorRuntime.initialize} starts afresh (for
   * tests). Runtimes already handed out keep working.
   */
  static reset(): void {
    RuVectorRuntime.#shared = null;
  }

  static async #load(method: string, options: RuntimeOptions): Promise<RuVectorRuntime> {
    const log = options.logger ?? {};
    const forced = forcedBackend(method, options);
    const registry = options.backends ?? registeredBackends();
    const order = registry.map((r) => r.name).join(', ');
    const candidates = forced === undefined ? registry : registry.filter((r) => r.name === forced.name);
    if (candidates.length === 0) {
      throw new RuVectorError(
        'BACKEND_UNAVAILABLE',
        forced === undefined
          ? `${method}: no backend is registered`
          : `${method}: backend '${forced.name}' (forced by ${forced.by}) is not offered by this entry point (it offers: ${order || 'none'})`,
      );
    }
    const loadOptions = pickLoadOptions(options);
    const attempts: BackendAttempt[] = [];
    const errors: unknown[] = [];

    for (const registration of candidates) {
      const start = now();
      log.debug?.(`ruvector: trying the ${registration.name} backend`);
      try {
        const loader = await registration.load();
        const kernels = checkKernels(registration.name, await loader(loadOptions));
        attempts.push({ backend: registration.name, ok: true, durationMs: now() - start });
        const failed = attempts.filter((a) => !a.ok).map((a) => a.backend);
        const reason =
          forced !== undefined
            ? `forced by ${forced.by}`
            : failed.length === 0
              ? `first backend that loaded (order: ${order})`
              : `first backend that loaded after ${failed.join(', ')} failed (order: ${order})`;
        const runtime = new RuVectorRuntime(kernels, { forced: forced !== undefined, reason, attempts });
        const message = `ruvector: using the ${kernels.name} backend (SIMD target ${kernels.simdTarget}): ${reason}`;
        if (kernels.name === 'js-fallback' && failed.length > 0) log.warn?.(message);
        else log.info?.(message);
        return runtime;
      } catch (e) {
        const error = errorText(e);
        attempts.push({ backend: registration.name, ok: false, error, durationMs: now() - start });
        errors.push(e);
        log.debug?.(`ruvector: the ${registration.name} backend did not load: ${error}`);
        if (forced !== undefined) {
          throw new RuVectorError(
            'BACKEND_UNAVAILABLE',
            `${method}: backend '${forced.name}' (forced by ${forced.by}) failed to load: ${error}`,
            { cause: e },
          );
        }
      }
    }
    throw new RuVectorError(
      'BACKEND_UNAVAILABLE',
      `${method}: no backend could be loaded (${attempts.map((a) => `${a.backend}: ${a.error}`).join('; ')})`,
      { cause: new AggregateError(errors, 'every backend failed to load') },
    );
  }

  /** Name of the backend in use. */
  getBackend(): BackendName {
    return this.#kernels.name;
  }

  /** The ADR-006 modules over this runtime's backend. */
  getModules(): WasmModules {
    return this.#modules;
  }

  /** Provenance: backend, SIMD target, whether it was forced and why, every attempt, version. */
  describe(): RuntimeDescription {
    const { forced, reason, attempts } = this.#provenance;
    return {
      backend: this.#kernels.name,
      simdTarget: this.#kernels.simdTarget,
      forced,
      reason,
      attempts: attempts.map((a) => ({ ...a })),
      version: VERSION,
      ...(this.#kernels.wasmBuild === undefined ? {} : { wasm: { ...this.#kernels.wasmBuild } }),
    };
  }

  /**
   * A Float32Array of `length` elements that this runtime's backend reads without copying: on
   * wasm it lives in the wasm heap, so `vectorOps.batchDistance(query, buffer.view(), metric)`
   * streams the rows in place (the zero-copy fast path); on native and js-fallback it is an
   * ordinary array. Call `free()` when done (wasm heap memory is not garbage-collected).
   */
  createVectorBuffer(length: number): VectorBuffer {
    if (!Number.isSafeInteger(length) || length <= 0 || length > MAX_VECTOR_BUFFER_FLOATS) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        `createVectorBuffer: length must be an integer in [1, ${MAX_VECTOR_BUFFER_FLOATS}] (got ${String(length)})`,
      );
    }
    const inner: VectorBuffer = this.#kernels.allocateFloat32?.(length) ?? plainVectorBuffer(length);
    let freed = false;
    return {
      length,
      view(): Float32Array {
        if (freed) throw new RuVectorError('INVALID_ARGUMENT', 'VectorBuffer.view: the buffer was freed');
        return inner.view();
      },
      free(): void {
        if (freed) return;
        freed = true;
        inner.free();
      },
    };
  }

  /** An empty call into the backend: measures the cost of crossing its boundary (benchmarks). */
  noop(): void {
    this.#kernels.noop();
  }
}

/** Largest createVectorBuffer: 2^28 floats (1 GiB), well past what a wasm heap can hold. */
const MAX_VECTOR_BUFFER_FLOATS = 2 ** 28;

function plainVectorBuffer(length: number): VectorBuffer {
  const array = new Float32Array(length);
  return { length, view: () => array, free: () => undefined };
}

/** The fields of the options that loaders read. */
function pickLoadOptions(options: RuntimeOptions): BackendLoadOptions {
  const out: BackendLoadOptions = {};
  if (options.nativePath !== undefined) out.nativePath = options.nativePath;
  if (options.wasmModule !== undefined) out.wasmModule = options.wasmModule;
  if (options.wasmBinary !== undefined) out.wasmBinary = options.wasmBinary;
  if (options.wasmUrl !== undefined) out.wasmUrl = options.wasmUrl;
  if (options.wasmThreads !== undefined) out.wasmThreads = options.wasmThreads;
  return out;
}
