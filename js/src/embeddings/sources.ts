/**
 * Model sources: where a model's files come from, resolved into one set of files (name -> bytes)
 * with their provenance. A source is one of:
 *
 * - a Uint8Array: a `.ruvmodel` bundle (BUNDLE.md), decoded and verified;
 * - a local folder (Node, Deno, Bun): `{ folder }`, or a string that starts with `/`, `./`, `../`,
 *   `~/`, a drive letter (`C:\`), or `file:`; a path ending in `.ruvmodel` is a bundle file;
 * - a URL of a folder: `{ url }` or a string starting with `http://` / `https://`; files are
 *   fetched one by one from `<url>/<file>`; a URL ending in `.ruvmodel` is a bundle;
 * - a Hugging Face model id: `{ hub }` or any other string, e.g. `Xenova/all-MiniLM-L6-v2`, or a
 *   short name of {@link MODEL_SHORT_NAMES} (`minilm-l6-v2`), fetched from
 *   `host + pathTemplate` (default `https://huggingface.co` + `/{model}/resolve/{revision}/{file}`,
 *   the layout transformers.js uses; the host can also come from `RUVECTOR_MODEL_HOST`).
 *
 * The rule for strings is syntactic (no file-system probe), so a source means the same thing in
 * every environment. Node's fs is imported dynamically and only for folder sources.
 */
import { RuVectorError } from '../errors.js';
import { decodeBundle, encodeBundle, layoutBundle, sha256Hex } from './bundle.js';
import { downloadModelFiles, type FetchLike, type ModelLoadProgress, type WantedFile } from './download.js';
import { ModelCache, type ModelCacheLogger } from './model-cache.js';

/** Where a model comes from (see the module comment for how a string is read). */
export type ModelSource = string | Uint8Array | { folder: string } | { url: string } | { hub: string };

/**
 * Which weights file to take. `auto` (the default) takes `model.safetensors` when the model has
 * one, else `onnx/model.onnx`, else `onnx/model_quantized.onnx`: safetensors is the checkpoint
 * itself in a format with far less to parse (a JSON header and raw tensors), and the ONNX file is
 * the fallback for ONNX-only repos such as Xenova's. `onnx-quantized` takes
 * `onnx/model_quantized.onnx`, the int8 export onnxruntime's quantize_dynamic writes (a quarter
 * of the bytes to fetch and hold while loading): its weights are read dequantized, as the file
 * defines them, then run in float32, or quantized again per output channel with `dtype: 'q8'`.
 */
export type WeightsChoice = 'onnx' | 'safetensors' | 'onnx-quantized' | 'auto';

/** Every {@link WeightsChoice}, with the number the core's C ABI gives it (ruv_embed_weights). */
export const WEIGHTS_CHOICES: Readonly<Record<WeightsChoice, 0 | 1 | 2 | 3>> = Object.freeze({
  auto: 0,
  onnx: 1,
  safetensors: 2,
  'onnx-quantized': 3,
});

/** The choices as a message lists them. */
export const WEIGHTS_CHOICES_TEXT = "'auto', 'onnx', 'safetensors' or 'onnx-quantized'";

/** The ADR's short model names and the Hugging Face ids they stand for (looked up case-insensitively). */
export const MODEL_SHORT_NAMES: Readonly<Record<string, string>> = Object.freeze({
  'minilm-l6-v2': 'sentence-transformers/all-MiniLM-L6-v2',
  'all-minilm-l6-v2': 'sentence-transformers/all-MiniLM-L6-v2',
  'bge-small-en-v1.5': 'BAAI/bge-small-en-v1.5',
  'e5-small-v2': 'intfloat/e5-small-v2',
  'gte-small': 'thenlper/gte-small',
  'paraphrase-minilm-l3-v2': 'sentence-transformers/paraphrase-MiniLM-L3-v2',
});

/** Default Hub host (`RUVECTOR_MODEL_HOST` or the `host` option override it). */
export const DEFAULT_MODEL_HOST = 'https://huggingface.co';
/** Default Hub path template; `{model}`, `{revision}` and `{file}` are replaced (URL-encoded per path segment). */
export const DEFAULT_PATH_TEMPLATE = '/{model}/resolve/{revision}/{file}';

/** Options of {@link resolveModel}. */
export interface ResolveModelOptions {
  /** Which weights file to take (default `auto`). */
  weights?: WeightsChoice;
  /** Hub revision: branch, tag or commit (default `main`). */
  revision?: string;
  /** Hub host, e.g. `https://huggingface.co` or a mirror (default `RUVECTOR_MODEL_HOST`, else {@link DEFAULT_MODEL_HOST}). */
  host?: string;
  /** Hub path template (default {@link DEFAULT_PATH_TEMPLATE}). */
  pathTemplate?: string;
  /** The fetch to use (default the global `fetch`). */
  fetch?: FetchLike;
  /**
   * The cache downloaded files go through. Default: a new {@link ModelCache} without a memory
   * tier (pass your own to share its memory tier between loads); `false`: no cache at all.
   */
  cache?: ModelCache | false;
  /** Progress of downloads (see {@link ModelLoadProgress}). */
  onProgress?: (progress: ModelLoadProgress) => void;
  /** Where warnings go. */
  logger?: ModelCacheLogger;
  /** The model id to record for folder and URL sources (default: the folder's name, or the URL). */
  modelId?: string;
}

/** Where a resolved model came from. */
export interface ModelProvenance {
  /** The kind of source. */
  kind: 'bundle' | 'folder' | 'url' | 'hub';
  /** The source as given (a path, URL or id; `bytes` for a Uint8Array). */
  source: string;
  /** The model's id (Hub id, folder name, URL, or the bundle's recorded id). */
  modelId: string;
  /** The Hub revision, or the bundle's recorded one; null when there is none. */
  revision: string | null;
  /** The origin files were fetched from (`https://huggingface.co`), null for local sources. */
  host: string | null;
  /** SHA-256 (lowercase hex) of each file, by name. */
  filesSha256: Record<string, string>;
  /** SHA-256 of the lines `name NUL sha256 LF` over the files sorted by name: one id for the exact model content. */
  contentSha256: string;
}

/** A model's files and their provenance. */
export interface ResolvedModel {
  /** Relative path -> bytes. */
  files: Map<string, Uint8Array>;
  /** Where they came from. */
  provenance: ModelProvenance;
}

/** The files a BERT-family model folder may have, in load order, for a weights choice. */
export function modelFileList(weights: WeightsChoice = 'auto'): WantedFile[] {
  const weightFiles = {
    auto: ['model.safetensors', 'onnx/model.onnx', 'onnx/model_quantized.onnx'],
    safetensors: ['model.safetensors'],
    onnx: ['onnx/model.onnx'],
    'onnx-quantized': ['onnx/model_quantized.onnx'],
  }[weights];
  if (weightFiles === undefined)
    throw new RuVectorError(
      'INVALID_ARGUMENT',
      `weights must be ${WEIGHTS_CHOICES_TEXT} (got ${String(weights)})`,
    );
  return [
    { candidates: ['config.json'], required: true },
    { candidates: ['tokenizer.json', 'vocab.txt'], required: true },
    { candidates: ['tokenizer_config.json'], required: false },
    { candidates: ['special_tokens_map.json'], required: false },
    { candidates: ['modules.json'], required: false },
    { candidates: ['1_Pooling/config.json'], required: false },
    { candidates: ['sentence_bert_config.json'], required: false },
    { candidates: weightFiles, required: true },
  ];
}

type Classified =
  | { kind: 'bundle-bytes'; bytes: Uint8Array }
  | { kind: 'folder' | 'bundle-file'; path: string }
  | { kind: 'url' | 'bundle-url'; url: string }
  | { kind: 'hub'; id: string };

const HUB_ID = /^[A-Za-z0-9][A-Za-z0-9._-]*(?:\/[A-Za-z0-9][A-Za-z0-9._-]*)?$/;

function classify(source: ModelSource): Classified {
  if (source instanceof Uint8Array) return { kind: 'bundle-bytes', bytes: source };
  const bundleOr = <K extends 'folder' | 'url'>(kind: K, where: string) =>
    /\.ruvmodel$/i.test(where) ? `bundle-${kind === 'folder' ? 'file' : 'url'}` : kind;
  if (typeof source === 'object' && source !== null) {
    if ('folder' in source && typeof source.folder === 'string')
      return { kind: bundleOr('folder', source.folder) as 'folder', path: source.folder };
    if ('url' in source && typeof source.url === 'string')
      return { kind: bundleOr('url', source.url) as 'url', url: source.url };
    if ('hub' in source && typeof source.hub === 'string') return { kind: 'hub', id: source.hub };
  }
  if (typeof source !== 'string' || source === '') {
    throw new RuVectorError(
      'INVALID_ARGUMENT',
      'model source must be a Uint8Array bundle, a folder path, an http(s) URL or a model id',
    );
  }
  if (/^https?:\/\//i.test(source)) return { kind: bundleOr('url', source) as 'url', url: source };
  if (/^(?:\/|\.\.?(?:\/|\\|$)|~(?:\/|$)|[A-Za-z]:[\\/]|\\\\|file:)/.test(source))
    return { kind: bundleOr('folder', source) as 'folder', path: source };
  return { kind: 'hub', id: source };
}

/** The Hub id a short name or id stands for (short names of {@link MODEL_SHORT_NAMES}; ids are validated). */
export function resolveModelId(idOrShortName: string): string {
  const id = MODEL_SHORT_NAMES[idOrShortName.toLowerCase()] ?? idOrShortName;
  if (!HUB_ID.test(id) || id.includes('..')) {
    throw new RuVectorError(
      'INVALID_ARGUMENT',
      `'${idOrShortName}' is not a model id (expected 'org/name', a name, or one of ${Object.keys(MODEL_SHORT_NAMES).join(', ')})`,
    );
  }
  return id;
}

const encodePath = (path: string) => path.split('/').map(encodeURIComponent).join('/');

function environmentVariable(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[
    name
  ];
  return value === '' ? undefined : value;
}

/** The URL of one file of a Hub model, for a host and path template. */
export function hubFileUrl(
  modelId: string,
  file: string,
  options: { host?: string; pathTemplate?: string; revision?: string } = {},
): string {
  const host = (options.host ?? environmentVariable('RUVECTOR_MODEL_HOST') ?? DEFAULT_MODEL_HOST).replace(
    /\/+$/,
    '',
  );
  const template = options.pathTemplate ?? DEFAULT_PATH_TEMPLATE;
  const path = template
    .replaceAll('{model}', encodePath(modelId))
    .replaceAll('{revision}', encodeURIComponent(options.revision ?? 'main'))
    .replaceAll('{file}', encodePath(file));
  return `${host}${path.startsWith('/') ? '' : '/'}${path}`;
}

async function contentSha256(filesSha256: Record<string, string>): Promise<string> {
  const lines = Object.keys(filesSha256)
    .sort()
    .map((name) => `${name}\0${filesSha256[name]}\n`)
    .join('');
  return sha256Hex(new TextEncoder().encode(lines));
}

async function provenanceOf(base: Omit<ModelProvenance, 'contentSha256'>): Promise<ModelProvenance> {
  return { ...base, contentSha256: await contentSha256(base.filesSha256) };
}

async function nodeImport<T>(specifier: string): Promise<T> {
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as T;
}

async function localPath(path: string): Promise<string> {
  const nodePath = await nodeImport<typeof import('node:path')>('node:path');
  if (path.startsWith('file:'))
    return (await nodeImport<typeof import('node:url')>('node:url')).fileURLToPath(path);
  if (path === '~' || path.startsWith('~/'))
    return nodePath.join((await nodeImport<typeof import('node:os')>('node:os')).homedir(), path.slice(1));
  return nodePath.resolve(path);
}

async function readLocal(path: string): Promise<Uint8Array | null> {
  const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
  try {
    const data = await fs.readFile(path);
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength); // a view: no copy
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw new RuVectorError('MODEL_LOAD_FAILED', `cannot read model file ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
}

function needsFs(what: string): void {
  const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown };
  if (g.process?.versions?.node === undefined && g.Deno === undefined) {
    throw new RuVectorError(
      'UNSUPPORTED',
      `${what} needs a file system (Node, Deno or Bun); in a browser or Worker pass a URL, a model id or a bundle`,
    );
  }
}

async function fromFolder(
  source: string,
  folder: string,
  options: ResolveModelOptions,
): Promise<ResolvedModel> {
  const found = await locateFolderFiles(source, folder, options);
  const files = new Map<string, Uint8Array>();
  for (const f of found.files) {
    const data = await readLocal(f.path);
    if (data === null) throw changedWhileRead(f.path);
    files.set(f.name, data);
  }
  return { files, provenance: await folderProvenance(source, found.modelId, files)() };
}

/** The model's files in a folder (the first candidate of each that exists), with their sizes. */
async function locateFolderFiles(
  source: string,
  folder: string,
  options: ResolveModelOptions,
): Promise<{ modelId: string; files: { name: string; path: string; size: number }[] }> {
  needsFs(`loading the model folder ${source}`);
  const nodePath = await nodeImport<typeof import('node:path')>('node:path');
  const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
  const root = await localPath(folder);
  const files = [];
  for (const wanted of modelFileList(options.weights)) {
    let found = false;
    for (const name of wanted.candidates) {
      const path = nodePath.join(root, ...name.split('/'));
      let size: number;
      try {
        const stat = await fs.stat(path);
        if (!stat.isFile()) continue;
        size = stat.size;
      } catch (e) {
        const code = (e as { code?: string }).code;
        if (code === 'ENOENT' || code === 'ENOTDIR') continue;
        throw new RuVectorError(
          'MODEL_LOAD_FAILED',
          `cannot read model file ${path}: ${(e as Error).message}`,
          {
            cause: e,
          },
        );
      }
      files.push({ name, path, size });
      found = true;
      break;
    }
    if (!found && wanted.required) {
      throw new RuVectorError(
        'MODEL_LOAD_FAILED',
        `required model file ${wanted.candidates.join(' or ')} is missing in ${root}`,
      );
    }
  }
  return { modelId: options.modelId ?? nodePath.basename(root), files };
}

const changedWhileRead = (path: string) =>
  new RuVectorError('MODEL_LOAD_FAILED', `model file ${path} changed while it was being read`);

/** Bytes per read of a large file, several in flight (see readInto). */
const READ_CHUNK = 8 << 20;
const READS_IN_FLIGHT = 4;

/**
 * Reads exactly `into.length` bytes of the file at `path` into `into` (MODEL_LOAD_FAILED if not).
 * A large file is read in 8 MiB chunks, four at a time: each read copies from the page cache and
 * faults in the fresh buffer's pages on one of libuv's threads, so chunks side by side use every
 * core (MiniLM's 90 MB model.onnx: 71-87 ms read as one call on this 2-core machine).
 */
async function readInto(path: string, into: Uint8Array): Promise<void> {
  const fs = await nodeImport<typeof import('node:fs/promises')>('node:fs/promises');
  let handle: Awaited<ReturnType<typeof fs.open>> | undefined;
  try {
    const file = await fs.open(path, 'r');
    handle = file;
    const readRange = async (begin: number, end: number) => {
      for (let at = begin; at < end;) {
        const { bytesRead } = await file.read(into, at, end - at, at);
        if (bytesRead === 0) throw changedWhileRead(path);
        at += bytesRead;
      }
    };
    let next = 0;
    const worker = async () => {
      while (next < into.length) {
        const begin = next;
        const end = Math.min(into.length, begin + READ_CHUNK);
        next = end;
        await readRange(begin, end);
      }
    };
    await Promise.all(Array.from({ length: READS_IN_FLIGHT }, worker));
    const { bytesRead } = await file.read(new Uint8Array(1), 0, 1, into.length);
    if (bytesRead !== 0) throw changedWhileRead(path);
  } catch (e) {
    if (e instanceof RuVectorError) throw e;
    throw new RuVectorError('MODEL_LOAD_FAILED', `cannot read model file ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  } finally {
    await handle?.close();
  }
}

/** A folder's provenance, its files hashed when called. */
function folderProvenance(
  source: string,
  modelId: string,
  files: Map<string, Uint8Array>,
): () => Promise<ModelProvenance> {
  return async () => {
    const filesSha256: Record<string, string> = {};
    for (const [name, data] of files) filesSha256[name] = await sha256Hex(data);
    return provenanceOf({ kind: 'folder', source, modelId, revision: null, host: null, filesSha256 });
  };
}

async function fromBundle(source: string, bytes: Uint8Array, host: string | null): Promise<ResolvedModel> {
  const decoded = await decodeBundle(bytes);
  const filesSha256 = Object.fromEntries(decoded.files.map((f) => [f.name, f.sha256]));
  const { modelId, revision } = decoded.meta;
  return {
    files: decoded.fileMap,
    provenance: await provenanceOf({
      kind: 'bundle',
      source,
      modelId,
      revision: revision === '' ? null : revision,
      host,
      filesSha256,
    }),
  };
}

function cacheOf(options: ResolveModelOptions): ModelCache {
  if (options.cache === false)
    return new ModelCache({ memory: false, persistence: 'none', logger: options.logger });
  return options.cache ?? new ModelCache({ memory: false, logger: options.logger });
}

async function fromNetwork(
  kind: 'url' | 'hub',
  source: string,
  modelId: string,
  revision: string | null,
  urlOf: (name: string) => string,
  options: ResolveModelOptions,
): Promise<ResolvedModel> {
  const downloaded = await downloadModelFiles(modelFileList(options.weights), urlOf, {
    cache: cacheOf(options),
    fetch: options.fetch,
    onProgress: options.onProgress,
    logger: options.logger,
  });
  const files = new Map(downloaded.map((f) => [f.name, f.data]));
  const filesSha256 = Object.fromEntries(downloaded.map((f) => [f.name, f.sha256]));
  const host = new URL(urlOf('config.json')).origin;
  return { files, provenance: await provenanceOf({ kind, source, modelId, revision, host, filesSha256 }) };
}

/**
 * Gets a model's files from a source. Missing required files, HTTP errors and network failures
 * (when not cached) fail with MODEL_LOAD_FAILED naming the file and URL; a bad bundle fails with
 * CORRUPT_DATA; a bad source with INVALID_ARGUMENT.
 */
export async function resolveModel(
  source: ModelSource,
  options: ResolveModelOptions = {},
): Promise<ResolvedModel> {
  const c = classify(source);
  const given =
    typeof source === 'string'
      ? source
      : source instanceof Uint8Array
        ? 'bytes'
        : (Object.values(source)[0] as string);
  switch (c.kind) {
    case 'bundle-bytes':
      return fromBundle(given, c.bytes, null);
    case 'bundle-file': {
      needsFs(`loading the bundle ${c.path}`);
      const bytes = await readLocal(await localPath(c.path));
      if (bytes === null)
        throw new RuVectorError('MODEL_LOAD_FAILED', `model bundle ${c.path} does not exist`);
      return fromBundle(given, bytes, null);
    }
    case 'bundle-url': {
      const [file] = await downloadModelFiles([{ candidates: ['bundle'], required: true }], () => c.url, {
        cache: cacheOf(options),
        fetch: options.fetch,
        onProgress: options.onProgress && ((p) => options.onProgress!({ ...p, file: c.url })),
        logger: options.logger,
      });
      return fromBundle(given, file!.data, new URL(c.url).origin);
    }
    case 'folder':
      return fromFolder(given, c.path, options);
    case 'url': {
      const base = c.url.endsWith('/') ? c.url : `${c.url}/`;
      return fromNetwork(
        'url',
        given,
        options.modelId ?? c.url,
        null,
        (name) => new URL(encodePath(name), base).href,
        options,
      );
    }
    case 'hub': {
      const id = resolveModelId(c.id);
      const revision = options.revision ?? 'main';
      const urlOptions = { host: options.host, pathTemplate: options.pathTemplate, revision };
      return fromNetwork('hub', given, id, revision, (name) => hubFileUrl(id, name, urlOptions), options);
    }
  }
}

/** An all-zero digest: a file digest the core is told not to check (digests_checked). */
const UNCHECKED_SHA256 = new Uint8Array(32);

/**
 * What loadModel needs: the bundle to load and its provenance, which a caller awaits while the
 * core loads. A folder's file digests are provenance the runtime computes (nothing checks them
 * against anything), so they are hashed while the bundle loads (natively on another thread)
 * instead of before, and the bundle (the runtime's own, never shown to a caller) carries zero
 * digests. Every other source resolves as resolveModelBundle does (downloads and bundles are
 * checked before anything loads).
 */
export async function resolveModelForLoad(
  source: ModelSource,
  options: ResolveModelOptions = {},
): Promise<{ bundle: Uint8Array; provenance: () => Promise<ModelProvenance> }> {
  const c = classify(source);
  if (c.kind !== 'folder') {
    const { bundle, provenance } = await resolveModelBundle(source, options);
    return { bundle, provenance: async () => provenance };
  }
  // Each file is read from disk straight into its place in the bundle: no second copy.
  const found = await locateFolderFiles(source as string, c.path, options);
  const { bundle, slots } = await layoutBundle(
    new Map(found.files.map((f) => [f.name, f.size])),
    { modelId: found.modelId, revision: '' },
    async () => UNCHECKED_SHA256,
  );
  for (const f of found.files) await readInto(f.path, slots.get(f.name)!);
  return { bundle, provenance: folderProvenance(source as string, found.modelId, slots) };
}

/**
 * A model as one bundle (what `loadModel(modelData)` takes) plus its provenance. A bundle source
 * is returned as it is (after verification); other sources are packed with their model id and
 * revision recorded.
 */
export async function resolveModelBundle(
  source: ModelSource,
  options: ResolveModelOptions = {},
): Promise<{ bundle: Uint8Array; provenance: ModelProvenance }> {
  if (source instanceof Uint8Array)
    return { bundle: source, provenance: (await resolveModel(source, options)).provenance };
  const { files, provenance } = await resolveModel(source, options);
  return {
    bundle: await encodeBundle(
      files,
      { modelId: provenance.modelId, revision: provenance.revision ?? '' },
      provenance.filesSha256,
    ),
    provenance,
  };
}
