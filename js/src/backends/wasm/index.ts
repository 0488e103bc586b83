/**
 * The wasm backend: the Emscripten module `ruvector_wasm.mjs` + `.wasm` (bindings/wasm), a thin
 * layer over the C ABI. Works in Node, Deno, browsers and Workers: the glue is built for the web
 * and never fetches its .wasm itself; this loader hands it a precompiled WebAssembly.Module
 * (`instantiateWasm`, for Workers that cannot compile bytes) or the bytes (`wasmBinary`).
 *
 * Inputs are copied into one scratch arena on the wasm heap (allocated once with ruv_alloc and
 * doubled when a call needs more, never malloc/free per call) and results are copied out with
 * slice(). batchDistance skips the copy of `vectors` when they already live on the wasm heap.
 * The HNSW index (hnsw.ts) shares the arena; a call that grew it past SCRATCH_KEEP_BYTES (a big
 * insertBatch or deserialize) gives it back afterwards. Calls made from inside an HNSW filter
 * predicate use an arena of their own (one per nesting depth): the search in flight still reads
 * its query and allow-list from the outer one.
 */
import type {
  BackendKernels,
  BackendLoader,
  BackendLoadOptions,
  MetricId,
  QuantParams,
  WasmBuildDescription,
} from '../../backend.js';
import { backendUnavailable, CAPI_STATUS_CODES, RuVectorError } from '../../errors.js';
import type { VectorBuffer } from '../../vector-ops/types.js';
import { createWasmEmbed, type WasmEmbedExports } from './embed.js';
import { align64, createWasmHnsw, type ScratchArena, type WasmHnswExports } from './hnsw.js';
import { createWasmLearn, type WasmLearnExports } from './learn.js';
import { createWasmMemory, type WasmMemoryExports } from './memory.js';
// Static, so bundlers and Workers follow it (a computed import() is unsupported in workerd).
import createRuvectorWasm from '../../wasm/ruvector_wasm.mjs';

/** The C ABI version this adapter speaks (ruv_abi_version()). */
const EXPECTED_ABI_VERSION = 2;

/** The part of the Emscripten module this adapter uses (pointers and size_t are 32-bit numbers). */
interface WasmModule extends WasmHnswExports, WasmEmbedExports, WasmLearnExports, WasmMemoryExports {
  /** Views of the current wasm memory; the glue replaces them when memory grows. */
  HEAPU8: Uint8Array;
  HEAP32: Int32Array;
  HEAPU32: Uint32Array;
  HEAPF32: Float32Array;
  UTF8ToString(ptr: number): string;
  _ruv_last_error_message(): number;
  _ruv_abi_version(): number;
  _ruv_simd_target(): number;
  _ruv_noop(): void;
  _ruv_distance(a: number, b: number, dim: number, metric: number, out: number): number;
  _ruv_batch_distance(
    query: number,
    vectors: number,
    count: number,
    dim: number,
    metric: number,
    out: number,
  ): number;
  _ruv_dot_above(
    query: number,
    vectors: number,
    count: number,
    dim: number,
    threshold: number,
    outIndex: number,
    outDot: number,
    outFound: number,
  ): number;
  _ruv_normalize(v: number, dim: number, out: number): number;
  _ruv_quantized_size(type: number, hasRange: number, dim: number): number;
  _ruv_quantize(
    v: number,
    dim: number,
    type: number,
    hasRange: number,
    min: number,
    max: number,
    out: number,
    outLen: number,
  ): number;
  _ruv_dequantize(
    codes: number,
    codesLen: number,
    dim: number,
    type: number,
    hasRange: number,
    min: number,
    max: number,
    out: number,
  ): number;
  _ruv_quantized_distance(
    a: number,
    b: number,
    codesLen: number,
    dim: number,
    type: number,
    hasRange: number,
    min: number,
    max: number,
    metric: number,
    out: number,
  ): number;
  _ruv_hamming_distance(a: number, b: number, bytes: number, out: number): number;
  _ruv_alloc(bytes: number): number;
  _ruv_free(ptr: number): void;
}

/** Options the Emscripten 3.1.6 MODULARIZE factory understands (the ones used here). */
interface WasmModuleOptions {
  locateFile: (file: string) => string;
  wasmBinary?: ArrayBuffer | Uint8Array;
  instantiateWasm?: (
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void,
  ) => Record<string, never>;
  print: (text: string) => void;
  printErr: (text: string) => void;
}

/** An Emscripten MODULARIZE factory: the single-thread glue's or the pthreads one's. */
export type WasmModuleFactory = (options: object) => Promise<unknown>;

/** The build to instantiate: its glue factory, the glue's extra options, and how it was chosen. */
export interface WasmBuild {
  factory: WasmModuleFactory;
  /** Options only this glue reads (the pthreads pool and worker file: threads.ts). */
  moduleOptions?: object;
  description: WasmBuildDescription;
  /** Called with the module once it is instantiated, before anything else uses it. */
  prepare?: (module: object) => void;
}

/** The single-thread build: the glue imported statically above. */
export const singleThreadBuild = (reason: string): WasmBuild => ({
  factory: createRuvectorWasm as WasmModuleFactory,
  description: { build: 'single', threads: 1, reason },
});

/** The wasm backend's kernels always offer heap-resident arrays (zero-copy batch distances). */
export interface WasmKernels extends BackendKernels {
  allocateFloat32(length: number): VectorBuffer;
}

const SCRATCH_INITIAL_BYTES = 64 * 1024;
/** A scratch arena grown past this by one call is freed after it (kept for the calls that follow). */
const SCRATCH_KEEP_BYTES = 4 * 1024 * 1024;
/** Slot at the start of the scratch arena for scalar results (float / uint32). */
const RESULT_SLOT_BYTES = 64;

const unavailable = (reason: string, cause?: unknown): RuVectorError =>
  backendUnavailable('wasm', reason, cause);

async function instantiate(options: BackendLoadOptions, build: WasmBuild): Promise<WasmModule> {
  const factory = build.factory as (options: WasmModuleOptions) => Promise<WasmModule>;
  const glueMessages: string[] = [];
  let rejectInstantiation: (error: unknown) => void = () => {};
  const instantiationFailed = new Promise<never>((_, reject) => {
    rejectInstantiation = reject;
  });
  const moduleOptions: WasmModuleOptions = {
    // Never let the glue derive a URL from import.meta.url (throws in workerd) or fetch by itself.
    locateFile: (file) => file,
    print: () => {},
    printErr: (text) => {
      glueMessages.push(text);
    },
    ...build.moduleOptions,
  };
  const { wasmModule } = options;
  if (wasmModule !== undefined) {
    moduleOptions.instantiateWasm = (imports, receive) => {
      WebAssembly.instantiate(wasmModule, imports)
        // throws if the module is not ours; the pthreads glue posts the module to its workers
        .then((instance) => receive(instance, wasmModule))
        .catch(rejectInstantiation);
      return {};
    };
  } else if (options.wasmBinary !== undefined) {
    moduleOptions.wasmBinary = options.wasmBinary;
  } else {
    // The entry point supplies one (locate.ts reads the file or URL; index.worker.ts imports it).
    throw unavailable('no .wasm given: pass wasmModule or wasmBinary');
  }
  try {
    const m = await Promise.race([factory(moduleOptions), instantiationFailed]);
    build.prepare?.(m);
    return m;
  } catch (error) {
    const detail = glueMessages.length > 0 ? ` (${glueMessages.join('; ')})` : '';
    throw unavailable(`instantiation failed: ${String(error)}${detail}`, error);
  }
}

/** BackendKernels over the C ABI of an instantiated module. */
function createKernels(m: WasmModule, wasmBuild: WasmBuildDescription): WasmKernels {
  // One arena per predicate nesting depth (depth 0: ordinary calls).
  const scratch: number[] = [0];
  const scratchBytes: number[] = [0];
  let depth = 0;

  /** Base of a scratch arena of at least `bytes`, grown by doubling. May grow wasm memory. */
  const reserve = (bytes: number): number => {
    const d = depth;
    if (bytes <= scratchBytes[d]!) return scratch[d]!;
    let size = Math.max(scratchBytes[d]! * 2, SCRATCH_INITIAL_BYTES);
    while (size < bytes) size *= 2;
    if (scratch[d] !== 0) m._ruv_free(scratch[d]!);
    const base = m._ruv_alloc(size) >>> 0;
    scratch[d] = base;
    scratchBytes[d] = base === 0 ? 0 : size;
    if (base === 0)
      throw new RuVectorError('OUT_OF_MEMORY', `cannot allocate ${size} bytes on the wasm heap`);
    return base;
  };

  const freeScratch = (d: number): void => {
    if (scratch[d] !== 0) m._ruv_free(scratch[d]!);
    scratch[d] = 0;
    scratchBytes[d] = 0;
  };

  const check = (status: number): void => {
    if (status !== 0) {
      throw new RuVectorError(
        CAPI_STATUS_CODES[status] ?? 'INTERNAL',
        m.UTF8ToString(m._ruv_last_error_message()),
      );
    }
  };

  const arena: ScratchArena = {
    reserve: (bytes) => reserve(bytes),
    trim(): void {
      if (scratchBytes[depth]! > SCRATCH_KEEP_BYTES) freeScratch(depth);
    },
    check: (status) => check(status),
    enterCallback(): void {
      depth++;
      if (scratch.length === depth) {
        scratch.push(0);
        scratchBytes.push(0);
      }
    },
    leaveCallback(): void {
      depth--; // the nested arena is kept for the next predicate (allocated on first use only)
    },
  };

  reserve(SCRATCH_INITIAL_BYTES);
  const hnsw = createWasmHnsw(m, arena);

  /** Scratch with a result slot and two code buffers after it, filled: [base, pa, pb]. */
  const twoCodes = (a: Uint8Array, b: Uint8Array): [number, number, number] => {
    const codeBytes = align64(a.length);
    const base = reserve(RESULT_SLOT_BYTES + 2 * codeBytes);
    const pa = base + RESULT_SLOT_BYTES;
    const pb = pa + codeBytes;
    m.HEAPU8.set(a, pa);
    m.HEAPU8.set(b, pb);
    return [base, pa, pb];
  };

  return {
    name: 'wasm',
    simdTarget: m.UTF8ToString(m._ruv_simd_target()),
    wasmBuild,
    hnsw,
    embed: createWasmEmbed(m, arena),
    learn: createWasmLearn(m, arena),
    memory: createWasmMemory(m, arena),

    distance(a: Float32Array, b: Float32Array, metric: MetricId): number {
      const dim = a.length;
      const vecBytes = align64(dim * 4);
      const base = reserve(RESULT_SLOT_BYTES + 2 * vecBytes);
      const pa = base + RESULT_SLOT_BYTES;
      const pb = pa + vecBytes;
      const heap = m.HEAPF32;
      heap.set(a, pa >>> 2);
      heap.set(b, pb >>> 2);
      check(m._ruv_distance(pa, pb, dim, metric, base));
      return m.HEAPF32[base >>> 2]!;
    },

    batchDistance(query: Float32Array, vectors: Float32Array, count: number, metric: MetricId): Float32Array {
      const dim = query.length;
      // Zero-copy when the caller's vectors already live on the wasm heap. The address stays valid
      // even if reserve() grows memory below (growth keeps contents and addresses).
      const resident = vectors.buffer === m.HEAPF32.buffer;
      const residentPtr = vectors.byteOffset;
      const queryBytes = align64(dim * 4);
      const outBytes = align64(count * 4);
      const base = reserve(queryBytes + outBytes + (resident ? 0 : count * dim * 4));
      const pq = base;
      const pout = pq + queryBytes;
      const pv = resident ? residentPtr : pout + outBytes;
      const heap = m.HEAPF32;
      heap.set(query, pq >>> 2);
      if (!resident) heap.set(vectors.subarray(0, count * dim), pv >>> 2);
      check(m._ruv_batch_distance(pq, pv, count, dim, metric, pout));
      return m.HEAPF32.slice(pout >>> 2, (pout >>> 2) + count);
    },

    batchDistanceRows(query: Float32Array, rows: readonly Float32Array[], metric: MetricId): Float32Array {
      // Rows are copied straight into the heap, back to back: one copy instead of a flatten + copy.
      const dim = query.length;
      const count = rows.length;
      const queryBytes = align64(dim * 4);
      const outBytes = align64(count * 4);
      const base = reserve(queryBytes + outBytes + count * dim * 4);
      const pq = base;
      const pout = pq + queryBytes;
      const heap = m.HEAPF32;
      heap.set(query, pq >>> 2);
      let at = (pout + outBytes) >>> 2;
      for (let i = 0; i < count; i++, at += dim) heap.set(rows[i]!, at);
      check(m._ruv_batch_distance(pq, pout + outBytes, count, dim, metric, pout));
      return m.HEAPF32.slice(pout >>> 2, (pout >>> 2) + count);
    },

    dotAbove(query: Float32Array, vectors: Float32Array, count: number, threshold: number) {
      const dim = query.length;
      const resident = vectors.buffer === m.HEAPF32.buffer;
      const queryBytes = align64(dim * 4);
      const outBytes = align64(count * 4);
      const base = reserve(RESULT_SLOT_BYTES + queryBytes + 2 * outBytes + (resident ? 0 : count * dim * 4));
      const pq = base + RESULT_SLOT_BYTES;
      const pindex = pq + queryBytes;
      const pdot = pindex + outBytes;
      const pv = resident ? vectors.byteOffset : pdot + outBytes;
      m.HEAPF32.set(query, pq >>> 2);
      if (!resident) m.HEAPF32.set(vectors.subarray(0, count * dim), pv >>> 2);
      check(m._ruv_dot_above(pq, pv, count, dim, threshold, pindex, pdot, base));
      const found = m.HEAPU32[base >>> 2]!; // size_t is 32-bit in wasm32
      return {
        index: m.HEAPU32.slice(pindex >>> 2, (pindex >>> 2) + found),
        dot: m.HEAPF32.slice(pdot >>> 2, (pdot >>> 2) + found),
      };
    },

    normalize(v: Float32Array): Float32Array {
      const base = reserve(v.length * 4);
      m.HEAPF32.set(v, base >>> 2);
      check(m._ruv_normalize(base, v.length, base));
      return m.HEAPF32.slice(base >>> 2, (base >>> 2) + v.length);
    },

    quantizedSize(params: QuantParams, dim: number): number {
      return m._ruv_quantized_size(params.type, params.hasRange ? 1 : 0, dim) >>> 0;
    },

    quantize(v: Float32Array, params: QuantParams): Uint8Array {
      const dim = v.length;
      const hasRange = params.hasRange ? 1 : 0;
      const size = m._ruv_quantized_size(params.type, hasRange, dim) >>> 0;
      const vecBytes = align64(dim * 4);
      const base = reserve(vecBytes + size);
      const pout = base + vecBytes;
      m.HEAPF32.set(v, base >>> 2);
      check(m._ruv_quantize(base, dim, params.type, hasRange, params.min, params.max, pout, size));
      return m.HEAPU8.slice(pout, pout + size);
    },

    dequantize(codes: Uint8Array, dim: number, params: QuantParams): Float32Array {
      const outBytes = align64(dim * 4);
      const base = reserve(outBytes + codes.length);
      const pcodes = base + outBytes;
      m.HEAPU8.set(codes, pcodes);
      check(
        m._ruv_dequantize(
          pcodes,
          codes.length,
          dim,
          params.type,
          params.hasRange ? 1 : 0,
          params.min,
          params.max,
          base,
        ),
      );
      return m.HEAPF32.slice(base >>> 2, (base >>> 2) + dim);
    },

    quantizedDistance(
      a: Uint8Array,
      b: Uint8Array,
      dim: number,
      params: QuantParams,
      metric: MetricId,
    ): number {
      const [base, pa, pb] = twoCodes(a, b);
      const hasRange = params.hasRange ? 1 : 0;
      check(
        m._ruv_quantized_distance(
          pa,
          pb,
          a.length,
          dim,
          params.type,
          hasRange,
          params.min,
          params.max,
          metric,
          base,
        ),
      );
      return m.HEAPF32[base >>> 2]!;
    },

    hammingDistance(a: Uint8Array, b: Uint8Array): number {
      const [base, pa, pb] = twoCodes(a, b);
      check(m._ruv_hamming_distance(pa, pb, a.length, base));
      return m.HEAPU32[base >>> 2]!;
    },

    noop(): void {
      m._ruv_noop();
    },

    allocateFloat32(length: number): VectorBuffer {
      let ptr = m._ruv_alloc(Math.max(length, 1) * 4) >>> 0;
      if (ptr === 0)
        throw new RuVectorError('OUT_OF_MEMORY', `cannot allocate ${length} floats on the wasm heap`);
      // Reused heap memory holds old data: hand out zeros, like a new Float32Array.
      new Float32Array(m.HEAPF32.buffer, ptr, length).fill(0);
      return {
        length,
        view(): Float32Array {
          if (ptr === 0)
            throw new RuVectorError('INVALID_ARGUMENT', 'VectorBuffer.view: the buffer was freed');
          return new Float32Array(m.HEAPF32.buffer, ptr, length);
        },
        free(): void {
          if (ptr !== 0) m._ruv_free(ptr);
          ptr = 0;
        },
      };
    },

    dispose(): void {
      for (let d = 0; d < scratch.length; d++) freeScratch(d);
    },
  };
}

/**
 * Instantiates `build` (default: the single-thread one) from `options.wasmModule` or
 * `options.wasmBinary` (entry points supply one: locate.ts, index.worker.ts); throws
 * RuVectorError('BACKEND_UNAVAILABLE') saying why not.
 */
export async function loadBuild(options: BackendLoadOptions, build: WasmBuild): Promise<WasmKernels> {
  if (typeof WebAssembly !== 'object') throw unavailable('WebAssembly is not available here');
  const m = await instantiate(options, build);
  const abi = m._ruv_abi_version();
  if (abi !== EXPECTED_ABI_VERSION) {
    throw unavailable(`the wasm module has C ABI version ${abi}, expected ${EXPECTED_ABI_VERSION}`);
  }
  return createKernels(m, build.description);
}

/** The single-thread build from `options.wasmModule` or `options.wasmBinary` (Workers, Edge). */
export const load: BackendLoader = (options) =>
  loadBuild(options, singleThreadBuild('the single-thread build (wasmModule or wasmBinary given)'));
