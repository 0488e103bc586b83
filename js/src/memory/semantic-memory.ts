/**
 * SemanticMemory (issue 22): text in, memories out. One object embeds texts (the runtime's
 * embeddings module), keeps them with their metadata beside the HNSW index in the core
 * (core/src/memory: one lock, kept in step), and recalls them with metadata filters evaluated in
 * the core during the walk (k results whenever k memories match).
 *
 * Writes are applied in call order: each add/addBatch/delete embeds concurrently with the others
 * but changes the store only after every earlier write has (so the last call for an id wins).
 * This version keeps memories in memory; durable stores (path, write-ahead log) come next and are
 * rejected with UNSUPPORTED until then, never silently kept in memory.
 */
import type {
  BackendName,
  MemoryBackend,
  MemoryBackendRecord,
  MemoryKernels,
  MemoryVerifyCounts,
} from '../backend.js';
import { asPublicError, fail, rejectUnknownKeys, show } from '../check.js';
import { EMBED_BATCH_CHUNK } from '../embeddings/embedder.js';
import {
  checkSameModel,
  isProvenanceRecord,
  type ModelProvenanceRecord,
  provenanceOf,
} from '../embeddings/provenance.js';
import { chunkOptionsArg } from '../embeddings/module.js';
import type { ModelSource } from '../embeddings/sources.js';
import type {
  ChunkOptions,
  EmbeddingModelHandle,
  EmbeddingModelInfo,
  EmbeddingsModule,
  LoadModelOptions,
} from '../embeddings/types.js';
import { RuVectorError } from '../errors.js';
import { checkHnswConfig, type CheckedHnswConfig, vectorArg } from '../hnsw/checks.js';
import type { HnswConfig } from '../hnsw/types.js';
import { isPlainObject, typeName } from '../check.js';
import { RuVectorRuntime } from '../runtime.js';
import {
  type MemoryStore,
  type StoreContents,
  type StoreFactory,
  storageHere,
  storeFactory,
} from './store.js';
import type { WalRecord } from './wal.js';
import {
  type CheckedInput,
  checkedInput,
  flushIndexArg,
  inputArg,
  memorySearchArg,
  nonNegativeInteger,
  openOptionsArg,
  positiveInteger,
  textArg,
} from './checks.js';
import type {
  Durability,
  FlushOptions,
  MemoryEntry,
  MemoryHit,
  MemoryInput,
  MemoryMetadata,
  MemorySearchOptions,
  RecoveryReport,
  SemanticMemoryDescription,
  SemanticMemoryOptions,
} from './types.js';

/** The model a memory uses when `model` is not given (ADR-006's default). */
export const DEFAULT_MEMORY_MODEL = 'sentence-transformers/all-MiniLM-L6-v2';

/** Ids per step of the entries iterator (between steps the event loop runs). */
const LIST_STEP = 256;

/** Progress of a long addBatch. */
export interface AddBatchProgress {
  /** Texts embedded so far (vectors given count as embedded). */
  embedded: number;
  total: number;
}

/** Options of {@link SemanticMemory.addBatch}. */
export interface AddBatchOptions {
  /** Called after each chunk of 32 texts is embedded. */
  onProgress?: (progress: AddBatchProgress) => void;
  /** Split texts longer than this into pieces, each a memory: see {@link AddOptions.chunk}. */
  chunk?: ChunkOptions;
}

/** Options of {@link SemanticMemory.add}. */
export interface AddOptions {
  /** A precomputed embedding instead of embedding `text` (required when the memory has no model). */
  vector?: Float32Array;
  /**
   * Split a text too long for the model's window (or for `tokens`) into overlapping pieces, cut
   * at whitespace (`{}`: the model's maxTokens, no overlap). Each piece is a memory of its own,
   * `<id>#<i>`, whose metadata adds `chunkOf` (the id), `chunk` (i) and `chunks` (how many), so
   * a search finds the piece that matches and `filter: { chunkOf: id }` selects a text's pieces.
   * A text that fits is stored whole under `id`. Re-adding `id` (whole or split) replaces its
   * pieces; delete(id) removes them.
   */
  chunk?: ChunkOptions;
}

/** Metadata keys chunking sets on each piece. */
const CHUNK_KEYS = ['chunkOf', 'chunk', 'chunks'] as const;

/** The embedder of a memory: a loaded model and the module that runs it. */
interface Embedder {
  embeddings: EmbeddingsModule;
  handle: EmbeddingModelHandle;
  info: EmbeddingModelInfo;
  /** True when the memory loaded it (and unloads it on close). */
  owned: boolean;
}

/** What open() hands the constructor. */
interface Parts {
  disk: Disk | null;
  kernels: MemoryKernels;
  embeddings: EmbeddingsModule;
  backend: MemoryBackend;
  backendName: BackendName;
  embedder: Embedder | null;
  checked: CheckedHnswConfig;
  hasChunks: boolean;
  maxPending: number;
}

const parts = new WeakSet<object>();

/** One semantic memory: see the file comment. Make one with {@link SemanticMemory.open}. */
export class SemanticMemory {
  #backend: MemoryBackend;
  readonly #backendName: BackendName;
  #embedder: Embedder | null;
  readonly #checked: CheckedHnswConfig;
  readonly #kernels: MemoryKernels;
  readonly #embeddings: EmbeddingsModule;
  /** The store on disk, or null in memory. */
  readonly #disk: Disk | null;
  /** The last write in call order (never rejects: each caller gets its own outcome). */
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Bumped by each reembed swap: vectors embedded under an older one are embedded again. */
  #generation = 0;
  /** Whether an add with `chunk` ever split a text here (until then no write looks for pieces). */
  #hasChunks = false;
  /** Calls changing the core off the JS thread (searches wait for them, not on the core's lock). */
  readonly #applying = new Set<Promise<unknown>>();
  /** At most this many memories wait for their vector to be linked into the graph (0: none). */
  readonly #maxPending: number;
  /** The background linker's run (memory/README.md, "Deferred linking"), or null when idle. */
  #linking: Promise<void> | null = null;
  /** Set to stop the linker after its current step. */
  #stopLinking = false;
  /** Woken after each linker step (writes waiting for room, flush({ index: true })). */
  #linkWaiters: (() => void)[] = [];
  /** The linker's turn of the event loop between steps, while it waits for it. */
  #linkTurn: { timer: ReturnType<typeof setTimeout>; resolve: () => void } | null = null;
  /** Unlinked memories the store's snapshot holds (as of open or the last checkpoint). */
  #pendingInSnapshot = 0;
  /** What failed the linker's last step (reported to the writes and flushes waiting for it). */
  #linkError: unknown = null;

  /** Internal: use {@link SemanticMemory.open}. */
  constructor(p: Parts) {
    if (!parts.has(p)) {
      throw new RuVectorError('INVALID_ARGUMENT', 'SemanticMemory: use SemanticMemory.open(options)');
    }
    this.#backend = p.backend;
    this.#backendName = p.backendName;
    this.#embedder = p.embedder;
    this.#checked = p.checked;
    this.#disk = p.disk;
    this.#kernels = p.kernels;
    this.#embeddings = p.embeddings;
    this.#hasChunks = p.hasChunks;
    this.#maxPending = p.maxPending;
    // Rows a snapshot held unlinked (its writer closed before linking them) are linked now.
    this.#pendingInSnapshot = p.backend.pending?.() ?? 0;
    if (this.#pendingInSnapshot > 0) this.#startLinking();
  }

  /**
   * Opens a memory: loads the model (unless `model: null`), makes the index, and with a `path`
   * opens (or creates) the store and replays what it holds. Rejects with INVALID_ARGUMENT for bad
   * options, UNSUPPORTED for what this engine or backend cannot do (a `path` with neither a file
   * system nor IndexedDB, a model on js-fallback), LOCKED, MODEL_MISMATCH, CORRUPT_DATA, and the
   * model loader's errors. Each option is read once.
   */
  static async open(options?: SemanticMemoryOptions): Promise<SemanticMemory> {
    const fn = 'SemanticMemory.open';
    const o = openOptionsArg(fn, options);
    checkStorage(fn, o);
    if (o['dimensions'] !== undefined) positiveInteger(fn, 'options.dimensions', o['dimensions'], 65536);
    if (o['index'] !== undefined && !isPlainObject(o['index']))
      throw fail('INVALID_ARGUMENT', fn, `options.index must be an object (got ${typeName(o['index'])})`);
    const index = (o['index'] ?? {}) as Record<string, unknown>;
    if ('dimensions' in index)
      throw fail('INVALID_ARGUMENT', fn, 'options.index.dimensions: give options.dimensions');
    // (dimensions without a model: required for a new store, read from an existing one: openOn)
    const runtime = await runtimeFor(fn, o);
    // The fields as read once here (a getter on the caller's object is not run a second time).
    return runtime.getModules().memory.open(o as SemanticMemoryOptions);
  }

  /**
   * A memory from bytes of {@link SemanticMemory.export} (made on any backend), e.g. kept in KV,
   * R2 or a Durable Object where there is no file system. The model must be the one that made
   * the stored vectors (MODEL_MISMATCH names both otherwise): the default one when `model` is not
   * given, none with `model: null` (the snapshot must then have none). `index` does not apply:
   * the snapshot holds the index. Bad bytes are CORRUPT_DATA.
   */
  static async import(bytes: Uint8Array, options?: SemanticMemoryOptions): Promise<SemanticMemory> {
    const fn = 'SemanticMemory.import';
    if (!(bytes instanceof Uint8Array))
      throw fail('INVALID_ARGUMENT', fn, `bytes must be a Uint8Array (got ${typeName(bytes)})`);
    const o = openOptionsArg(fn, options);
    if (o['index'] !== undefined)
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        'options.index does not apply to import (the snapshot holds the index)',
      );
    const runtime = await runtimeFor(fn, o);
    return runtime.getModules().memory.import(bytes, o as SemanticMemoryOptions);
  }

  /** Internal: open() and import() on a runtime's kernels (memory/module.ts). */
  static async openOn(
    kernels: MemoryKernels | undefined,
    backendName: BackendName,
    embeddings: EmbeddingsModule,
    options: SemanticMemoryOptions | undefined,
    snapshot?: Uint8Array,
  ): Promise<SemanticMemory> {
    const fn = snapshot === undefined ? 'SemanticMemory.open' : 'SemanticMemory.import';
    const o = openOptionsArg(fn, options);
    if (kernels === undefined) {
      throw fail(
        'UNSUPPORTED',
        fn,
        `the ${backendName} backend has no semantic memory in this version (use native or wasm)`,
      );
    }
    const path = o['path'] as string | undefined;
    const durability = (o['durability'] ?? (path === undefined ? 'none' : 'fsync')) as Durability;
    let store: MemoryStore | null = null;
    let factory: StoreFactory | null = null;
    let contents: StoreContents | null = null;
    let loaded: { memory: MemoryBackend; stored: StoredHeader } | null = null;
    let embedder: Embedder | null = null;
    try {
      if (path !== undefined) {
        factory = await storeFactory();
        store = await factory.open(path, durability as 'fsync' | 'batch');
        // A backend that loads the snapshot file itself (native: off the JS thread, its bytes
        // never in JS) is given the file; otherwise the store reads it.
        const file = kernels.deserializeFile !== undefined ? store.snapshotFile : null;
        contents = await store.read({ snapshot: file === null });
        snapshot = contents.snapshot ?? undefined;
        if (file !== null) loaded = await loadSnapshotFile(fn, kernels, file);
        if ((snapshot !== undefined || loaded !== null) && o['index'] !== undefined)
          throw fail(
            'INVALID_ARGUMENT',
            fn,
            'options.index applies when a store is created (this one exists)',
          );
      }
      if (snapshot !== undefined) loaded = loadSnapshot(fn, kernels, snapshot);
      // The core holds its own copy now: let the file's bytes go (they may be hundreds of MB).
      const hadSnapshot = loaded !== null;
      snapshot = undefined;
      if (contents !== null) contents.snapshot = null;
      const dimensions = (o['dimensions'] as number | undefined) ?? loaded?.stored.dimensions;
      if (loaded !== null && dimensions !== loaded.stored.dimensions) {
        throw fail(
          'DIMENSION_MISMATCH',
          fn,
          `the store holds ${loaded.stored.dimensions}-d vectors, options.dimensions says ${dimensions}`,
        );
      }
      // Without a model option: none when the store has none, else the default model.
      const model =
        o['model'] === undefined && loaded !== null && loaded.stored.model === null ? null : o['model'];
      if (model !== null) {
        const source = (model ?? DEFAULT_MEMORY_MODEL) as ModelSource;
        // options.dtype is modelOptions.dtype (loadModel judges both, and anything else given there).
        let modelOptions = o['modelOptions'];
        if (o['dtype'] !== undefined && (modelOptions === undefined || isPlainObject(modelOptions))) {
          const given = (modelOptions ?? {}) as Record<string, unknown>;
          if (given['dtype'] !== undefined && given['dtype'] !== o['dtype'])
            throw fail('INVALID_ARGUMENT', fn, 'options.dtype and options.modelOptions.dtype differ');
          modelOptions = { ...given, dtype: o['dtype'] };
        }
        const handle = await embeddings.loadModel(source, modelOptions as never);
        const info = embeddings.modelInfo(handle);
        embedder = { embeddings, handle, info, owned: true };
        if (dimensions !== undefined && dimensions !== info.dimensions && loaded === null) {
          throw fail(
            'DIMENSION_MISMATCH',
            fn,
            `${info.modelId} makes ${info.dimensions}-d embeddings, options.dimensions says ${dimensions}`,
          );
        }
      }
      if (loaded !== null)
        checkSameModel(
          fn,
          "the store's vectors",
          loaded.stored.model,
          embedder?.info ?? null,
          loaded.stored.model === null ? ' (open it with model: null)' : '',
        );
      else if (dimensions === undefined && embedder === null)
        throw fail(
          'INVALID_ARGUMENT',
          fn,
          `options.dimensions is required when options.model is null (no model)${path === undefined ? '' : ' and the store is new'}`,
        );
      const dims = embedder?.info.dimensions ?? dimensions!;
      let checked: CheckedHnswConfig;
      let backend: MemoryBackend;
      try {
        checked = checkHnswConfig(fn, {
          ...((loaded?.stored.index ?? o['index'] ?? {}) as object),
          dimensions: dims,
        });
        backend = loaded?.memory ?? kernels.create(checked.params);
      } catch (e) {
        throw asPublicError(fn, e);
      }
      const snapshotSeq = loaded?.stored.seq ?? 0;
      const hasChunks =
        loaded?.stored.chunked === true ||
        (contents?.records ?? []).some((r) => r.op === 'put' && r.metadataJson.includes('"chunkOf":'));
      loaded = null; // the backend owns it now
      const maxPending =
        backend.defers !== true
          ? 0
          : o['maxPending'] === undefined
            ? Math.floor(DEFAULT_PENDING_BYTES / (4 * dims))
            : nonNegativeInteger(fn, 'options.maxPending', o['maxPending']);
      let disk: Disk | null = null;
      if (store !== null && contents !== null && factory !== null) {
        disk = await recover(
          fn,
          factory,
          store,
          contents,
          backend,
          dims,
          durability as 'fsync' | 'batch',
          snapshotSeq,
          hadSnapshot,
          maxPending,
        );
      }
      const p: Parts = {
        backend,
        backendName,
        embedder,
        checked,
        disk,
        kernels,
        embeddings,
        hasChunks,
        maxPending,
      };
      parts.add(p);
      return new SemanticMemory(p);
    } catch (e) {
      if (embedder !== null) embeddings.unloadModel(embedder.handle);
      (loaded as { memory: MemoryBackend } | null)?.memory.free();
      await store?.close().catch(() => undefined);
      throw named(fn, e);
    }
  }

  /** Length of every stored vector. */
  get dimensions(): number {
    return this.#checked.params.dimensions;
  }

  /** Memories held (writes still in flight not counted until applied). */
  get size(): number {
    return this.#live('size').count();
  }

  #live(method: string): MemoryBackend {
    if (this.#closed)
      throw new RuVectorError('NOT_INITIALIZED', `SemanticMemory.${method}: the memory is closed`);
    return this.#backend;
  }

  /** Runs `apply` after every earlier write, with what `prepare` gave (prepare starts now). */
  #write<P, T>(prepare: Promise<P>, apply: (prepared: P) => T | Promise<T>): Promise<T> {
    const run = this.#tail.then(() => prepare).then(apply);
    this.#tail = run.catch(() => undefined);
    return run;
  }

  async #embedAll(
    fn: string,
    texts: string[],
    onProgress?: (p: AddBatchProgress) => void,
    given = 0,
  ): Promise<Float32Array[]> {
    const e = this.#embedder;
    if (texts.length === 0) return [];
    if (e === null) throw fail('INVALID_ARGUMENT', fn, 'this memory has no model: give each memory a vector');
    const out: Float32Array[] = [];
    for (let i = 0; i < texts.length; i += EMBED_BATCH_CHUNK) {
      out.push(...(await e.embeddings.embedBatchAsync(e.handle, texts.slice(i, i + EMBED_BATCH_CHUNK))));
      onProgress?.({ embedded: given + out.length, total: given + texts.length });
    }
    return out;
  }

  /**
   * Logs `changes` (on disk: appended, and fsynced with durability 'fsync') and then applies
   * them, each with its own sequence number; a checkpoint follows when the log has grown large.
   */
  async #commit(fn: string, given: Change[]): Promise<void> {
    if (given.some((c) => c.op === 'put' && c.chunkOf !== undefined)) this.#hasChunks = true;
    const changes = this.#hasChunks ? [...this.#staleChunks(given), ...given] : given;
    // A kept vector was decided before earlier writes applied: if one changed the text since,
    // embed now (in call order, so nothing later sees the stale vector).
    // So is a vector embedded by a model that reembed has replaced since.
    const stale = changes.filter(
      (c): c is Extract<Change, { op: 'put' }> =>
        c.op === 'put' &&
        ((c.vector === null && !this.#sameText(c.input)) ||
          (c.embeddedBy !== undefined && c.embeddedBy !== this.#generation)),
    );
    if (stale.length > 0) {
      const vectors = await this.#embedAll(
        fn,
        stale.map((c) => c.input.text),
      );
      stale.forEach((c, i) => (c.vector = vectors[i]!));
    }
    const disk = this.#disk;
    if (disk === null) {
      await this.#applyAll(fn, changes);
      return;
    }
    const records = changes.map((c, i): WalRecord =>
      c.op === 'put'
        ? {
            op: 'put',
            seq: disk.seq + 1 + i,
            id: c.input.id,
            text: c.input.text,
            metadataJson: c.input.metadataJson,
            vector: c.vector,
          }
        : { op: 'delete', seq: disk.seq + 1 + i, id: c.id },
    );
    try {
      await disk.store.append(records);
    } catch (e) {
      throw named(fn, e);
    }
    disk.seq += records.length;
    await this.#applyAll(fn, changes);
    if (disk.store.logBytes > CHECKPOINT_LOG_BYTES) await this.#checkpoint();
  }

  /**
   * Applies logged changes to the core: deletes one by one, puts as one batch (every core, off
   * the JS thread where the backend can; searches wait for it rather than block on the core's lock).
   * Where the backend defers linking and the batch fits under maxPending, the vectors are stored
   * unlinked (searched exactly) and the linker links them in the background; a write that finds
   * no room waits for the linker first.
   */
  async #applyAll(fn: string, changes: Change[]): Promise<void> {
    const puts = changes.filter((c): c is Extract<Change, { op: 'put' }> => c.op === 'put');
    // Removing a linked vector needs the graph, which a linker step holds: wait for the step
    // here rather than on the core's lock.
    if (puts.length < changes.length && this.#applying.size > 0) await Promise.all(this.#applying);
    for (const c of changes) if (c.op === 'delete') this.#live('delete').remove(c.id);
    if (puts.length === 0) return;
    // (The changes are logged already: a linker that cannot run makes this batch link now, it
    // never fails the write.)
    const defer = puts.length <= this.#maxPending && (await this.#roomFor(fn, puts.length));
    if (puts.length === 1 && !defer) {
      this.#put(fn, puts[0]!.input, puts[0]!.vector);
      return;
    }
    const { flat, keep } = flatVectors(
      puts.map((c) => c.vector),
      this.dimensions,
    );
    const backend = this.#live(fn.slice('SemanticMemory.'.length));
    const args = [
      puts.map((c) => c.input.id),
      puts.map((c) => c.input.text),
      puts.map((c) => c.input.metadataJson),
      flat,
      keep,
      defer,
    ] as const;
    try {
      // A deferred batch only stores rows: quick enough for the JS thread.
      if (backend.putBatchAsync === undefined || defer) backend.putBatch(...args);
      else await this.#offThread(backend.putBatchAsync(...args));
    } catch (e) {
      throw asPublicError(fn, e);
    }
    if (defer) this.#startLinking();
  }

  /** Runs a core call that is off the JS thread, with searches waiting for it meanwhile. */
  async #offThread<T>(running: Promise<T>): Promise<T> {
    const settled = running.catch(() => undefined);
    this.#applying.add(settled);
    try {
      return await running;
    } finally {
      this.#applying.delete(settled);
    }
  }

  /**
   * Waits until `count` more unlinked vectors fit under maxPending: true then, false when the
   * linker cannot make room (it failed, or the memory is being swapped or closed).
   */
  async #roomFor(fn: string, count: number): Promise<boolean> {
    for (;;) {
      const pending = this.#live(fn.slice('SemanticMemory.'.length)).pending?.() ?? 0;
      if (pending === 0 || pending + count <= this.#maxPending) return true;
      try {
        await this.#nextLinkStep(fn);
      } catch {
        return false;
      }
    }
  }

  /** Starts the linker unless it runs (or the memory is closing). */
  #startLinking(): void {
    if (this.#linking !== null || this.#stopLinking || this.#closed) return;
    this.#linking = this.#link().finally(() => {
      this.#linking = null;
      this.#wakeLinkWaiters();
    });
  }

  /**
   * The linker: links unlinked vectors into the graph a step at a time until none is left,
   * natively on a libuv worker (every core), on wasm on the JS thread in steps that yield to the
   * event loop between them. Each step holds the core's lock for tens of milliseconds.
   */
  async #link(): Promise<void> {
    for (;;) {
      // Between steps the event loop runs; the turn's timer does not keep a process alive by
      // itself (a script that wrote and ends is not held for the linking: its log keeps what is
      // unlinked), unless someone waits for the linker (#nextLinkStep refs it).
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 0);
        this.#linkTurn = { timer, resolve };
        if (this.#linkWaiters.length === 0) unrefTimer(timer);
      });
      this.#linkTurn = null;
      const backend = this.#backend;
      if (this.#stopLinking || this.#closed) return;
      let left: number;
      try {
        if (backend.indexPendingAsync !== undefined) {
          left = await this.#offThread(backend.indexPendingAsync(LINK_STEP_OFF_THREAD));
        } else {
          left = backend.indexPending!(LINK_STEP_ON_THREAD);
        }
      } catch (e) {
        this.#linkError = e;
        return;
      }
      this.#linkError = null;
      this.#wakeLinkWaiters();
      if (left === 0 || this.#stopLinking || this.#closed) return;
    }
  }

  #wakeLinkWaiters(): void {
    const waiters = this.#linkWaiters;
    this.#linkWaiters = [];
    for (const wake of waiters) wake();
  }

  /** Resolves after the linker's next step (starting it if idle); rejects with its failure. */
  async #nextLinkStep(fn: string): Promise<void> {
    this.#startLinking();
    if (this.#linking === null && this.#linkError === null)
      throw fail('NOT_INITIALIZED', fn, 'the memory is closing: unlinked vectors wait for the next open');
    // (Someone waits now: the linker's turn keeps the process alive.)
    if (this.#linking !== null)
      await new Promise<void>((resolve) => {
        this.#linkWaiters.push(resolve);
        refTimer(this.#linkTurn?.timer ?? null);
      });
    if (this.#linkError !== null) {
      const error = this.#linkError;
      this.#linkError = null;
      throw asPublicError(fn, error);
    }
  }

  /** Stops the linker after its current step (a close, a swap of the core's memory). */
  async #stopLinker(): Promise<void> {
    this.#stopLinking = true;
    // A linker between steps stops now (its turn's timer may not keep the process alive).
    if (this.#linkTurn !== null) {
      clearTimeout(this.#linkTurn.timer);
      this.#linkTurn.resolve();
    }
    try {
      await this.#linking;
    } finally {
      this.#stopLinking = false;
    }
  }

  /** Writes the whole memory as the new snapshot and starts an empty log (disk only). */
  async #checkpoint(): Promise<void> {
    const disk = this.#disk!;
    // The core writes a snapshot between linker steps: wait for the one in flight here rather
    // than on the core's lock (writes are ordered, so none applies meanwhile).
    if (this.#applying.size > 0) await Promise.all(this.#applying);
    const pending = this.#backend.pending?.() ?? 0;
    const bytes = this.#snapshot();
    await disk.store.checkpoint(bytes, disk.seq, this.dimensions);
    this.#pendingInSnapshot = pending;
  }

  /** True when `input.id` holds `input.text` already (its vector can be kept: no embedding). */
  #sameText(input: CheckedInput): boolean {
    return this.#embedder !== null && this.#live('add').get(input.id)?.text === input.text;
  }

  #put(fn: string, input: CheckedInput, vector: Float32Array | null): void {
    try {
      this.#live(fn.slice('SemanticMemory.'.length)).put(input.id, input.text, input.metadataJson, vector);
    } catch (e) {
      throw asPublicError(fn, e);
    }
  }

  /**
   * Embeds `text` and stores it under `id` (replacing what `id` held). `options.vector`: a
   * precomputed embedding instead (required when the memory has no model).
   */
  add(id: string, text: string, metadata?: MemoryMetadata, options?: AddOptions): Promise<void> {
    const fn = 'SemanticMemory.add';
    try {
      this.#live('add');
      if (options !== undefined && !isPlainObject(options))
        throw fail('INVALID_ARGUMENT', fn, `options must be an object (got ${typeName(options)})`);
      rejectUnknownKeys(fn, options ?? {}, ['vector', 'chunk'], 'option');
      const input = checkedInput(fn, '', id, text, metadata, options?.vector);
      const chunk = (options as AddOptions | undefined)?.chunk;
      if (chunk !== undefined)
        return this.#addChecked(fn, [input], undefined, chunkOptionsArg(fn, 'options.chunk', chunk));
      const vector: Promise<Float32Array | null> =
        input.vector !== undefined
          ? Promise.resolve(vectorArg(fn, 'options.vector', input.vector, this.dimensions))
          : this.#sameText(input)
            ? Promise.resolve(null)
            : this.#embedAll(fn, [input.text]).then((v) => v[0]!);
      const embeddedBy = input.vector === undefined ? this.#generation : undefined;
      return this.#write(vector, (v) => this.#commit(fn, [{ op: 'put', input, vector: v, embeddedBy }]));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /**
   * Stores many memories, embedding their texts 32 per forward pass. Every entry is checked before
   * anything is embedded or stored; a later id in the batch wins over an earlier one.
   */
  addBatch(inputs: MemoryInput[], options?: AddBatchOptions): Promise<void> {
    const fn = 'SemanticMemory.addBatch';
    try {
      this.#live('addBatch');
      if (!Array.isArray(inputs))
        throw fail('INVALID_ARGUMENT', fn, `inputs must be an array (got ${typeName(inputs)})`);
      if (options !== undefined && !isPlainObject(options))
        throw fail('INVALID_ARGUMENT', fn, `options must be an object (got ${typeName(options)})`);
      rejectUnknownKeys(fn, options ?? {}, ['onProgress', 'chunk'], 'option');
      const onProgress = progressArg(fn, options?.onProgress);
      const checked = inputs.map((input, i) => {
        const c = inputArg(fn, `inputs[${i}]`, input);
        if (c.vector !== undefined) vectorArg(fn, `inputs[${i}].vector`, c.vector, this.dimensions);
        return c;
      });
      const chunk = (options as AddBatchOptions | undefined)?.chunk;
      return this.#addChecked(
        fn,
        checked,
        onProgress,
        chunk === undefined ? undefined : chunkOptionsArg(fn, 'options.chunk', chunk),
      );
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** addBatch after its checks (add with `chunk` comes here too). */
  #addChecked(
    fn: string,
    given: CheckedInput[],
    onProgress: AddBatchOptions['onProgress'],
    chunk: ChunkOptions | undefined,
  ): Promise<void> {
    const { checked, sources } =
      chunk === undefined ? { checked: given, sources: null } : this.#splitIntoChunks(fn, given, chunk);
    // A text re-added under its id keeps its vector (unless the batch names the id twice).
    const seen = new Map<string, number>();
    for (const c of checked) seen.set(c.id, (seen.get(c.id) ?? 0) + 1);
    const keep = new Set(
      checked.filter((c) => c.vector === undefined && seen.get(c.id) === 1 && this.#sameText(c)),
    );
    const toEmbed = checked.filter((c) => c.vector === undefined && !keep.has(c));
    const generation = this.#generation;
    const embedded = new Set(toEmbed);
    const prepared = this.#embedAll(
      fn,
      toEmbed.map((c) => c.text),
      onProgress,
      checked.length - toEmbed.length,
    ).then((vectors) => {
      toEmbed.forEach((c, i) => (c.vector = vectors[i]));
      return checked;
    });
    return this.#write(prepared, (all) =>
      this.#commit(
        fn,
        all.map((c) => ({
          op: 'put',
          input: c,
          vector: keep.has(c) ? null : c.vector!,
          embeddedBy: embedded.has(c) ? generation : undefined,
          chunkOf: sources?.get(c),
        })),
      ),
    );
  }

  /**
   * Each input whose text does not fit one piece of `chunk` becomes its pieces, `<id>#<i>`, with
   * the input's metadata plus `chunkOf` (the id), `chunk` (i) and `chunks` (how many).
   */
  #splitIntoChunks(
    fn: string,
    inputs: CheckedInput[],
    chunk: ChunkOptions,
  ): { checked: CheckedInput[]; sources: Map<CheckedInput, string> } {
    const e = this.#embedder;
    if (e === null) throw fail('INVALID_ARGUMENT', fn, 'options.chunk needs a model: this memory has none');
    const checked: CheckedInput[] = [];
    const sources = new Map<CheckedInput, string>();
    for (const input of inputs) {
      if (input.vector !== undefined)
        throw fail(
          'INVALID_ARGUMENT',
          fn,
          `options.chunk splits texts to embed them: ${input.id} has a vector`,
        );
      let pieces: string[];
      try {
        // (tokens 0 is the model's maxTokens: the option left out)
        pieces = e.embeddings.chunk(
          e.handle,
          input.text,
          chunk.tokens ? chunk : { overlap: chunk.overlap ?? 0 },
        );
      } catch (error) {
        throw asPublicError(fn, error);
      }
      if (pieces.length <= 1) {
        checked.push(input);
        continue;
      }
      const metadata = JSON.parse(input.metadataJson) as MemoryMetadata;
      for (const key of CHUNK_KEYS)
        if (key in metadata)
          throw fail(
            'INVALID_ARGUMENT',
            fn,
            `metadata.${key} of ${input.id} is set by chunking: use another key`,
          );
      pieces.forEach((text, i) => {
        const piece = checkedInput(
          fn,
          '',
          `${input.id}#${i}`,
          text,
          {
            ...metadata,
            chunkOf: input.id,
            chunk: i,
            chunks: pieces.length,
          },
          undefined,
        );
        sources.set(piece, input.id);
        checked.push(piece);
      });
    }
    return { checked, sources };
  }

  /**
   * Deletes of what earlier chunked adds left behind that `changes` replace: a text re-added
   * (whole or in pieces) drops the pieces or the whole memory it had before.
   */
  #staleChunks(changes: Change[]): Change[] {
    const putting = new Set(changes.flatMap((c) => (c.op === 'put' ? [c.input.id] : [])));
    const bases = new Map<string, boolean>(); // id -> whether it is now in pieces
    for (const c of changes) {
      if (c.op !== 'put') continue;
      if (c.chunkOf !== undefined) bases.set(c.chunkOf, true);
      else if (!bases.has(c.input.id)) bases.set(c.input.id, false);
    }
    const backend = this.#live('add');
    const ids = [...bases.keys()];
    // One call for every id's first piece (not one per put: a batch may hold thousands).
    const pieces = this.#piecesOf(ids);
    const stale: Change[] = [];
    ids.forEach((id, i) => {
      if (bases.get(id) === true && !putting.has(id) && backend.contains(id))
        stale.push({ op: 'delete', id });
      for (const piece of pieces[i]!) if (!putting.has(piece)) stale.push({ op: 'delete', id: piece });
    });
    return stale;
  }

  /** The ids of the pieces each of `ids` is stored in (none unless an add with `chunk` split it). */
  #piecesOf(ids: string[]): string[][] {
    if (!this.#hasChunks) return ids.map(() => []);
    const firsts = this.#live('get').getMany(ids.map((id) => `${id}#0`));
    return ids.map((id, i) => {
      const first = firsts[i];
      if (first === undefined) return [];
      const m = JSON.parse(first.metadataJson) as MemoryMetadata;
      const n = m['chunkOf'] === id && Number.isSafeInteger(m['chunks']) ? (m['chunks'] as number) : 0;
      return Array.from({ length: n }, (_, k) => `${id}#${k}`);
    });
  }

  /**
   * The k memories nearest `query` (a text, embedded with the memory's model, or a vector) that
   * pass `options.filter`, best first. Sees every write that resolved before it was called.
   */
  async search(query: string | Float32Array, options?: MemorySearchOptions): Promise<MemoryHit[]> {
    const fn = 'SemanticMemory.search';
    this.#live('search');
    const o = memorySearchArg(fn, options);
    let q: Float32Array = new Float32Array(0);
    if (typeof query === 'string') {
      const text = textArg(fn, 'query', query);
      // A reembed that swapped models meanwhile: embed again with the model now current.
      for (let gen = -1; gen !== this.#generation;) {
        gen = this.#generation;
        q = (await this.#embedAll(fn, [text]))[0]!;
      }
    } else if (query instanceof Float32Array) {
      q = vectorArg(fn, 'query', query, this.dimensions);
    } else {
      throw fail('INVALID_ARGUMENT', fn, `query must be a string or a Float32Array (got ${typeName(query)})`);
    }
    const keywords = o.hybrid === true ? (typeof query === 'string' ? query : null) : o.hybrid;
    if (keywords === null)
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        'options.hybrid true takes its keywords from a text query: give the keywords as a string',
      );
    if (this.#applying.size > 0) await Promise.all(this.#applying);
    const backend = this.#live('search');
    let hits;
    let fused: Float64Array | null = null;
    try {
      if (keywords === false) hits = backend.search(q, o.k, o.ef, o.filterJson);
      else ({ hits, fused } = backend.searchHybrid(q, keywords, o.k, o.ef, o.filterJson));
    } catch (e) {
      throw asPublicError(fn, e);
    }
    const out: MemoryHit[] = [];
    // The hits' records in one call (not one crossing per hit).
    const records = backend.getMany(hits.ids);
    for (let i = 0; i < hits.ids.length; i++) {
      const score = hits.scores[i]!;
      const r = records[i];
      if (score < o.minScore || r === undefined) continue;
      const hit: MemoryHit = { ...entryOf(hits.ids[i]!, r), score, distance: hits.distances[i]! };
      if (fused !== null) hit.fusedScore = fused[i]!;
      out.push(hit);
    }
    return out;
  }

  #entry(backend: MemoryBackend, id: string): MemoryEntry | undefined {
    const r = backend.get(id);
    return r === undefined ? undefined : entryOf(id, r);
  }

  /** The memory stored under `id`, or undefined. */
  get(id: string): MemoryEntry | undefined {
    const fn = 'SemanticMemory.get';
    const backend = this.#live('get');
    return this.#entry(backend, textArg(fn, 'id', id));
  }

  has(id: string): boolean {
    const fn = 'SemanticMemory.has';
    return this.#live('has').contains(textArg(fn, 'id', id));
  }

  /** Removes `id`; resolves true when it was there. Applied in call order with the other writes. */
  delete(id: string): Promise<boolean> {
    const fn = 'SemanticMemory.delete';
    try {
      this.#live('delete');
      const checked = textArg(fn, 'id', id);
      return this.#write(Promise.resolve(), async () => {
        const had = this.#live('delete').contains(checked);
        const [pieces] = this.#piecesOf([checked]);
        const deletes: Change[] = (had ? [checked] : []).concat(pieces!).map((id) => ({ op: 'delete', id }));
        if (deletes.length > 0) await this.#commit(fn, deletes);
        return deletes.length > 0;
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  /** Every stored memory, in steps of 256 (the event loop runs between steps). */
  async *entries(): AsyncGenerator<MemoryEntry> {
    let start = 0;
    for (;;) {
      const backend = this.#live('entries');
      const { ids, next } = backend.listIds(start, LIST_STEP);
      const records = backend.getMany(ids);
      for (const [i, id] of ids.entries()) {
        const r = records[i];
        if (r !== undefined) yield entryOf(id, r);
      }
      if (ids.length === 0) return;
      start = next;
      await Promise.resolve();
    }
  }

  [Symbol.asyncIterator](): AsyncGenerator<MemoryEntry> {
    return this.entries();
  }

  /** The index's parameters as options of open (what describe, the snapshot header and reembed's shadow take). */
  #indexConfig(): Required<Omit<HnswConfig, 'dimensions' | 'seed'>> & { seed: bigint } {
    const { m, efConstruction, efSearch, distanceMetric, storage, seed } = this.#checked.config;
    return { m, efConstruction, efSearch, distanceMetric, storage, seed };
  }

  /** What this memory is: backend, model provenance, index parameters, storage. */
  describe(): SemanticMemoryDescription {
    return {
      backend: this.#backendName,
      model: this.#embedder?.info ?? null,
      dimensions: this.dimensions,
      index: { ...this.#indexConfig(), seed: String(this.#checked.config.seed) },
      size: this.size,
      path: this.#disk?.store.location ?? null,
      storage: this.#disk?.store.kind ?? 'memory',
      persisted: this.#disk?.store.persisted ?? null,
      durability: this.#disk?.durability ?? 'none',
      recovered: this.#disk?.recovered ?? null,
      pending: this.#backend.pending?.() ?? 0,
      maxPending: this.#maxPending,
    };
  }

  /**
   * Moves the memory to another embedding model: every stored text is embedded again into a
   * shadow index (in batches, with progress), searches keep being served by the current one
   * meanwhile, and one swap makes the new one current (on disk: one checkpoint, written to a temp
   * file, fsynced and renamed). Writes called meanwhile wait and then go to the new one. On disk
   * the shadow is a store of its own (`<path>/reembed`): after a crash, calling reembed again with
   * the same model resumes it (texts already embedded are not embedded again).
   */
  reembed(model: ModelSource, options?: ReembedOptions): Promise<void> {
    const fn = 'SemanticMemory.reembed';
    try {
      this.#live('reembed');
      if (options !== undefined && !isPlainObject(options))
        throw fail('INVALID_ARGUMENT', fn, `options must be an object (got ${typeName(options)})`);
      if (model === null || model === undefined)
        throw fail(
          'INVALID_ARGUMENT',
          fn,
          'model must be a model source (a folder, URL, Hub id or bundle bytes)',
        );
      progressArg(fn, options?.onProgress);
      return this.#write(Promise.resolve(), () => this.#reembed(fn, model, options ?? {}));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async #reembed(fn: string, model: ModelSource, options: ReembedOptions): Promise<void> {
    const disk = this.#disk;
    const shadowPath = disk === null ? undefined : disk.factory.child(disk.store, 'reembed');
    // A shadow left by a crash resumes as it is; a new one takes this memory's index parameters.
    const resumed = shadowPath !== undefined && (await disk!.factory.exists(shadowPath));
    const shadow = await SemanticMemory.openOn(this.#kernels, this.#backendName, this.#embeddings, {
      model,
      ...(options.modelOptions === undefined ? {} : { modelOptions: options.modelOptions }),
      ...(resumed ? {} : { index: this.#indexConfig() }),
      ...(shadowPath === undefined ? {} : { path: shadowPath, durability: 'batch' as const }),
    });
    try {
      // Texts the shadow holds already (a resumed run) keep their vectors: addBatch's rule.
      const total = this.size;
      let done = 0;
      const keepIds = new Set<string>();
      const backend = this.#live('reembed');
      for (let start = 0; ;) {
        const { ids, next } = backend.listIds(start, REEMBED_STEP);
        if (ids.length === 0) break;
        const inputs: MemoryInput[] = [];
        const records = backend.getMany(ids);
        ids.forEach((id, i) => {
          const r = records[i];
          if (r === undefined) return;
          keepIds.add(id);
          inputs.push({ id, text: r.text, metadata: JSON.parse(r.metadataJson) as MemoryMetadata });
        });
        await shadow.addBatch(inputs);
        done += inputs.length;
        options.onProgress?.({ embedded: done, total });
        start = next;
      }
      // Ids a resumed shadow holds that are gone now.
      for await (const e of shadow) if (!keepIds.has(e.id)) await shadow.delete(e.id);
      await shadow.flush();
      // The swap: the shadow's index and model become this memory's (with what the shadow's
      // linker has not linked yet: this memory's linker goes on with it).
      await shadow.#stopLinker();
      await this.#stopLinker();
      const old = { backend: this.#backend, embedder: this.#embedder };
      this.#backend = shadow.#backend;
      this.#embedder = shadow.#embedder;
      this.#generation++;
      shadow.#embedder = null;
      shadow.#closed = true;
      this.#startLinking();
      if (this.#disk !== null) await this.#checkpoint();
      await shadow.#disk?.store.close();
      if (shadowPath !== undefined) await disk!.factory.remove(shadowPath);
      old.backend.free();
      if (old.embedder?.owned) old.embedder.embeddings.unloadModel(old.embedder.handle);
    } catch (e) {
      if (!shadow.#closed) await shadow.#closeKeepingDisk();
      throw named(fn, e);
    }
  }

  /** Closes a shadow without a checkpoint (its log resumes it). */
  async #closeKeepingDisk(): Promise<void> {
    await this.#stopLinker();
    this.#closed = true;
    await this.#disk?.store.close();
    this.#backend.free();
    if (this.#embedder?.owned) this.#embedder.embeddings.unloadModel(this.#embedder.handle);
  }

  /**
   * Checks that the memory is whole, and repairs what is not (unless `{ repair: false }`): every
   * memory has its vector in the index and every vector its memory; every vector is reachable by
   * a search (one that is not is linked in again from its stored copy); and, for a store with a
   * path, the memory agrees with what its snapshot and log hold: a memory missing or different
   * here is put back from them, and one they lack (bytes lost below us) is written to them again
   * by a checkpoint. A memory whose vector is gone and that the log cannot give back is counted
   * as `lost`. Runs after every write called before it.
   */
  verify(options?: VerifyOptions): Promise<VerifyReport> {
    const fn = 'SemanticMemory.verify';
    try {
      this.#live('verify');
      if (options !== undefined && !isPlainObject(options))
        throw fail('INVALID_ARGUMENT', fn, `options must be an object (got ${typeName(options)})`);
      rejectUnknownKeys(fn, options ?? {}, ['repair'], 'option');
      const repair = (options as VerifyOptions | undefined)?.repair ?? true;
      if (typeof repair !== 'boolean')
        throw fail('INVALID_ARGUMENT', fn, `options.repair must be a boolean (got ${show(repair)})`);
      return this.#write(Promise.resolve(), () => this.#verify(fn, repair));
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async #verify(fn: string, repair: boolean): Promise<VerifyReport> {
    const disk = this.#disk;
    let reference: MemoryBackend | null = null;
    let damage: string | null = null;
    try {
      if (disk !== null) {
        // The memory as the store's snapshot and log rebuild it (what the next open would load).
        const contents = await disk.store.inspect();
        if (contents.droppedBytes > 0)
          damage = `${contents.droppedBytes} bytes at the end of the log are damaged (the records before them are read)`;
        try {
          const loaded =
            contents.snapshot === null ? null : loadSnapshot(fn, this.#kernels, contents.snapshot);
          reference = loaded?.memory ?? this.#kernels.create(this.#checked.params);
          replay(fn, reference, contents.records, loaded?.stored.seq ?? 0, this.dimensions, 0);
        } catch (e) {
          if (!(e instanceof RuVectorError) || e.code !== 'CORRUPT_DATA') throw e;
          // The store could not be opened again as it is: the memory here is all there is.
          reference?.free();
          reference = null;
          damage = `the store cannot be read back: ${e.message.replace(/^SemanticMemory\.verify: /, '')}`;
        }
      }
      let counts;
      try {
        counts = this.#live('verify').verify(reference, repair);
      } catch (e) {
        throw asPublicError(fn, e);
      }
      const found = counts.unreachable + counts.orphans + counts.lost + counts.restored + counts.unlogged;
      // A damaged store is written whole again from this memory (one checkpoint).
      const repaired = repair && (found > counts.lost || damage !== null);
      if (repaired && disk !== null) await this.#checkpoint();
      return {
        ok: found === 0 && damage === null,
        ...counts,
        against: disk === null ? null : 'log',
        damage,
        repaired,
      };
    } catch (e) {
      throw named(fn, e);
    } finally {
      reference?.free();
    }
  }

  /**
   * The whole memory as bytes (texts, metadata, the index and the model's provenance), after
   * every write called before it: for {@link SemanticMemory.import} on any backend.
   */
  async export(): Promise<Uint8Array> {
    this.#live('export');
    await this.#tail;
    return this.#snapshot();
  }

  /** The snapshot bytes of the memory now, its header recording the model and the log position. */
  #snapshot(): Uint8Array {
    const fn = 'SemanticMemory.export';
    const header: StoredHeader = {
      format: SNAPSHOT_FORMAT,
      version: 1,
      dimensions: this.dimensions,
      model: this.#embedder === null ? null : provenanceOf(this.#embedder.info),
      index: { ...this.#indexConfig(), seed: String(this.#checked.config.seed) },
      seq: this.#disk?.seq ?? 0,
      chunked: this.#hasChunks,
    };
    try {
      return this.#live('export').serialize(JSON.stringify(header));
    } catch (e) {
      throw asPublicError(fn, e);
    }
  }

  /**
   * Resolves when every write called before it is applied and durable (in memory there is
   * nothing more to do). With `{ index: true }`, also when every vector is linked into the
   * graph (describe().pending is 0): writes are searchable before that, exactly ranked.
   */
  async flush(options?: FlushOptions): Promise<void> {
    const fn = 'SemanticMemory.flush';
    this.#live('flush');
    const index = flushIndexArg(fn, options);
    await this.#tail;
    await this.#disk?.store.sync();
    if (!index) return;
    while ((this.#live('flush').pending?.() ?? 0) > 0) await this.#nextLinkStep(fn);
  }

  /**
   * Waits for pending writes; on disk, writes a checkpoint (so the next open loads one snapshot)
   * and releases the lock; then releases the index and the model it loaded. Idempotent. When the
   * checkpoint cannot be written (a full disk or quota: QUOTA_EXCEEDED) it rejects, but the memory
   * is closed all the same and nothing is lost: the log stays, and the next open replays it.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    await this.#tail;
    if (this.#closed) return;
    // Vectors still unlinked stay so in the checkpoint (the next open links them).
    await this.#stopLinker();
    if (this.#closed) return;
    this.#closed = true;
    try {
      // Also when only linking progressed: a short-lived process (a search) keeps its work.
      if (
        this.#disk !== null &&
        (this.#disk.store.logBytes > 0 || (this.#backend.pending?.() ?? 0) !== this.#pendingInSnapshot)
      )
        await this.#checkpointNow();
    } catch (e) {
      throw named('SemanticMemory.close', e);
    } finally {
      await this.#disk?.store.close();
      this.#backend.free();
      if (this.#embedder?.owned) this.#embedder.embeddings.unloadModel(this.#embedder.handle);
    }
  }

  /** #checkpoint for close(), when #live would refuse (the memory is marked closed). */
  async #checkpointNow(): Promise<void> {
    const disk = this.#disk!;
    this.#closed = false;
    let bytes: Uint8Array;
    try {
      bytes = this.#snapshot();
    } finally {
      this.#closed = true;
    }
    await disk.store.checkpoint(bytes, disk.seq, this.dimensions);
  }
}

/**
 * Vectors as a backend's putBatch takes them: one row-major array, and `keep` marking with 1 the
 * entries without one (they keep their stored vector), or null when every entry has one.
 */
function flatVectors(
  vectors: readonly (Float32Array | null)[],
  dim: number,
): { flat: Float32Array; keep: Uint8Array | null } {
  const flat = new Float32Array(vectors.length * dim);
  let keep: Uint8Array | null = null;
  vectors.forEach((v, i) => {
    if (v !== null) flat.set(v, i * dim);
    else (keep ??= new Uint8Array(vectors.length))[i] = 1;
  });
  return { flat, keep };
}

/** A timer that does not keep the process alive (Node, Bun; Deno and browsers have no such notion here). */
function unrefTimer(timer: ReturnType<typeof setTimeout>): void {
  (timer as { unref?: () => void }).unref?.();
}

function refTimer(timer: ReturnType<typeof setTimeout> | null): void {
  (timer as { ref?: () => void } | null)?.ref?.();
}

/** options.onProgress: absent or a function. */
function progressArg(fn: string, onProgress: unknown): AddBatchOptions['onProgress'] {
  if (onProgress !== undefined && typeof onProgress !== 'function')
    throw fail('INVALID_ARGUMENT', fn, `options.onProgress must be a function (got ${typeName(onProgress)})`);
  return onProgress as AddBatchOptions['onProgress'];
}

/** A stored record as the public entry. */
function entryOf(id: string, r: MemoryBackendRecord): MemoryEntry {
  return { id, text: r.text, metadata: JSON.parse(r.metadataJson) as MemoryMetadata };
}

/** Options of {@link SemanticMemory.verify}. */
export interface VerifyOptions {
  /** Repair what is found (default true); false only reports. */
  repair?: boolean;
}

/** What {@link SemanticMemory.verify} found: counts of memories, and their ids (the first 100). */
export interface VerifyReport extends MemoryVerifyCounts {
  /** Nothing was found. */
  ok: boolean;
  /** What the memory was compared with: its store's snapshot and log, or nothing (in memory). */
  against: 'log' | null;
  /**
   * Damage found in the store itself (a snapshot that no longer loads, a damaged log tail), or
   * null. With repair the store is written again from this memory.
   */
  damage: string | null;
  /** Whether anything was repaired (with a path: and a checkpoint written). */
  repaired: boolean;
}

/** Options of {@link SemanticMemory.reembed}. */
export interface ReembedOptions {
  /** How the new model is loaded and run. */
  modelOptions?: LoadModelOptions;
  /** Called after each step of 256 memories. */
  onProgress?: (progress: AddBatchProgress) => void;
}

/** Memories per step of reembed. */
const REEMBED_STEP = 256;

/** A write to log and apply. */
type Change =
  /** embeddedBy: the model generation that embedded `vector` (undefined: given by the caller). */
  | {
      op: 'put';
      input: CheckedInput;
      vector: Float32Array | null;
      embeddedBy?: number | undefined;
      /** For a piece of a text split by `chunk`: the id of the text. */
      chunkOf?: string | undefined;
    }
  | { op: 'delete'; id: string };

/** A memory's store on disk and where its log stands. */
interface Disk {
  /** How stores of its kind are opened and removed (reembed's shadow is one). */
  factory: StoreFactory;
  store: MemoryStore;
  durability: 'fsync' | 'batch';
  /** Sequence number of the last logged change. */
  seq: number;
  recovered: RecoveryReport;
}

/**
 * Default of options.maxPending: as many vectors as this many bytes hold (87,381 at 384-d). An
 * exact scan of them costs about what one search of a graph of millions does; the graph they
 * join costs as much memory once linked.
 */
const DEFAULT_PENDING_BYTES = 128 << 20;
/**
 * Vectors linked per step: off the JS thread (every core: the core's batch insert gives each
 * thread at least 256, so a step of 512 is what keeps two cores busy), and on it (wasm, one core).
 * A search waits for the step in flight (~100 ms natively).
 */
const LINK_STEP_OFF_THREAD = 512;
const LINK_STEP_ON_THREAD = 48;

/** A checkpoint is written when the log holds more than this (open then replays at most this). */
const CHECKPOINT_LOG_BYTES = 64 << 20;

/** What a snapshot's header records (JSON, stored first in the bytes). */
interface StoredHeader {
  format: typeof SNAPSHOT_FORMAT;
  version: 1;
  dimensions: number;
  model: ModelProvenanceRecord | null;
  index: Omit<SemanticMemoryDescription['index'], never>;
  /** The sequence number of the last logged change the snapshot holds (0 in memory). */
  seq?: number;
  /** Whether an add with `chunk` split a text (writes then look for pieces to replace). */
  chunked?: boolean;
}

const SNAPSHOT_FORMAT = 'ruvector-semantic-memory';

/** Loads snapshot bytes and checks their header; CORRUPT_DATA for anything malformed. */
function loadSnapshot(
  fn: string,
  kernels: MemoryKernels,
  bytes: Uint8Array,
): { memory: MemoryBackend; stored: StoredHeader } {
  let loaded: { memory: MemoryBackend; header: string };
  try {
    loaded = kernels.deserialize(bytes);
  } catch (e) {
    if (e instanceof RuVectorError && e.code === 'CORRUPT_DATA') throw fail('CORRUPT_DATA', fn, e.message, e);
    throw e;
  }
  return checkStoredHeader(fn, loaded);
}

/** loadSnapshot from the snapshot file, by a backend that reads it itself; null without one. */
async function loadSnapshotFile(
  fn: string,
  kernels: MemoryKernels,
  file: string,
): Promise<{ memory: MemoryBackend; stored: StoredHeader } | null> {
  let loaded: { memory: MemoryBackend; header: string } | null;
  try {
    loaded = await kernels.deserializeFile!(file);
  } catch (e) {
    if (e instanceof RuVectorError && e.code === 'CORRUPT_DATA') throw fail('CORRUPT_DATA', fn, e.message, e);
    if (e instanceof RuVectorError) throw e;
    const module = './disk-store.js';
    const { ioError } = (await import(module)) as typeof import('./disk-store.js');
    throw ioError(`cannot read ${file}`, e);
  }
  return loaded === null ? null : checkStoredHeader(fn, loaded);
}

/** The header of a loaded snapshot, checked; CORRUPT_DATA (the memory freed) when it is not ours. */
function checkStoredHeader(
  fn: string,
  loaded: { memory: MemoryBackend; header: string },
): { memory: MemoryBackend; stored: StoredHeader } {
  try {
    const h = JSON.parse(loaded.header) as Partial<StoredHeader> | null;
    const ok =
      isPlainObject(h) &&
      h.format === SNAPSHOT_FORMAT &&
      h.version === 1 &&
      Number.isSafeInteger(h.dimensions) &&
      isPlainObject(h.index) &&
      typeof h.index.seed === 'string' &&
      /^[0-9]{1,20}$/.test(h.index.seed) &&
      (h.model === null || isProvenanceRecord(h.model));
    if (!ok) throw new Error('bad header');
    const stored = h as StoredHeader;
    if (stored.seq !== undefined && !Number.isSafeInteger(stored.seq)) throw new Error('bad seq');
    checkHnswConfig(fn, { ...stored.index, seed: BigInt(stored.index.seed), dimensions: stored.dimensions });
    return {
      memory: loaded.memory,
      stored: { ...stored, index: { ...stored.index, seed: BigInt(stored.index.seed) } as never },
    };
  } catch (e) {
    loaded.memory.free();
    throw fail('CORRUPT_DATA', fn, 'memory snapshot: the header is not a SemanticMemory header', e);
  }
}

/**
 * Replays the log records the snapshot does not hold (by sequence number) into `backend`, and
 * makes sure a log is open for appending. A record that cannot be applied is CORRUPT_DATA.
 */
async function recover(
  fn: string,
  factory: StoreFactory,
  store: MemoryStore,
  contents: StoreContents,
  backend: MemoryBackend,
  dims: number,
  durability: 'fsync' | 'batch',
  snapshotSeq: number,
  hadSnapshot: boolean,
  maxPending: number,
): Promise<Disk> {
  if (contents.logDimensions !== null && contents.logDimensions !== dims)
    throw fail('CORRUPT_DATA', fn, `the log holds ${contents.logDimensions}-d vectors, the store ${dims}-d`);
  const { seq, replayed } = replay(fn, backend, contents.records, snapshotSeq, dims, maxPending);
  await store.ensureLog(dims, seq);
  return {
    factory,
    store,
    durability,
    seq,
    recovered: { snapshot: hadSnapshot, replayed, droppedBytes: contents.droppedBytes },
  };
}

/**
 * Applies the log records after sequence `fromSeq` to `backend` (those up to it are in the
 * snapshot). A record that cannot be applied is CORRUPT_DATA. Runs of puts go in as one batch,
 * unlinked while they fit under `maxPending` (the linker links them after the open), so that
 * opening a long log does not link it vector by vector first.
 */
function replay(
  fn: string,
  backend: MemoryBackend,
  records: readonly WalRecord[],
  fromSeq: number,
  dims: number,
  maxPending: number,
): { seq: number; replayed: number } {
  let seq = fromSeq;
  let replayed = 0;
  let run: Extract<WalRecord, { op: 'put' }>[] = [];
  const applyOne = (r: WalRecord): void => {
    try {
      if (r.op === 'put') backend.put(r.id, r.text, r.metadataJson, r.vector);
      else backend.remove(r.id);
    } catch (e) {
      throw fail('CORRUPT_DATA', fn, `log record ${r.seq} cannot be applied: ${(e as Error).message}`, e);
    }
  };
  const applyRun = (): void => {
    if (run.length === 0) return;
    const puts = run;
    run = [];
    if (puts.length === 1) return applyOne(puts[0]!);
    const { flat, keep } = flatVectors(
      puts.map((r) => r.vector),
      dims,
    );
    const defer = (backend.pending?.() ?? 0) + puts.length <= maxPending;
    try {
      backend.putBatch(
        puts.map((r) => r.id),
        puts.map((r) => r.text),
        puts.map((r) => r.metadataJson),
        flat,
        keep,
        defer,
      );
    } catch {
      // The batch changed nothing: one by one, to name the record that cannot be applied.
      puts.forEach(applyOne);
    }
  };
  for (const r of records) {
    if (r.seq <= seq) continue;
    if (r.op === 'put') run.push(r);
    else {
      applyRun();
      applyOne(r);
    }
    seq = r.seq;
    replayed++;
  }
  applyRun();
  return { seq, replayed };
}

/** A RuVectorError from below (the disk store) with `fn: ` in front, as every public error has. */
function named(fn: string, e: unknown): unknown {
  if (!(e instanceof RuVectorError) || e.message.startsWith('SemanticMemory.')) return e;
  return fail(e.code, fn, e.message, e);
}

/** `path` and `durability`: a non-empty path; 'none' without one, 'fsync' or 'batch' with one. */
function checkStorage(fn: string, o: Record<string, unknown>): void {
  const path = o['path'];
  if (path !== undefined && (typeof path !== 'string' || path === ''))
    throw fail('INVALID_ARGUMENT', fn, `options.path must be a non-empty string (got ${show(path)})`);
  const d = o['durability'];
  if (d !== undefined && !['none', 'batch', 'fsync'].includes(d as string))
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `options.durability must be 'fsync', 'batch' or 'none' (got ${show(d)})`,
    );
  if (path === undefined && (d === 'fsync' || d === 'batch'))
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `options.durability ${show(d)} needs options.path (without one, memories are kept in memory)`,
    );
  if (path !== undefined && d === 'none')
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      "options.durability 'none' keeps nothing on disk: omit options.path, or use 'batch'",
    );
  if (path !== undefined && storageHere() === null)
    throw fail(
      'UNSUPPORTED',
      fn,
      'options.path needs a file system (Node, Bun, Deno) or IndexedDB (browsers); elsewhere use export() and SemanticMemory.import',
    );
}

/** The runtime options name: the given one, a new one on the named backend, or the shared one. */
async function runtimeFor(fn: string, o: Record<string, unknown>): Promise<RuVectorRuntime> {
  if (o['runtime'] !== undefined && !(o['runtime'] instanceof RuVectorRuntime))
    throw fail(
      'INVALID_ARGUMENT',
      fn,
      `options.runtime must be a RuVectorRuntime (got ${typeName(o['runtime'])})`,
    );
  if (o['runtime'] !== undefined && o['backend'] !== undefined)
    throw fail('INVALID_ARGUMENT', fn, 'give options.runtime or options.backend, not both');
  return (
    (o['runtime'] as RuVectorRuntime | undefined) ??
    (o['backend'] !== undefined
      ? await RuVectorRuntime.create({ backend: o['backend'] as SemanticMemoryOptions['backend'] })
      : await RuVectorRuntime.initialize())
  );
}
