/**
 * Downloads the files of one model through a {@link ModelCache}: each file is taken from the
 * cache if a verified entry exists, else requested exactly once.
 *
 * Progress without a second download: every request that is needed is issued at once and the
 * bodies are read only after all response headers have arrived (one file at a time). So
 * `modelTotal` (the sum of the files' sizes: cached sizes plus `Content-Length`s) is known before
 * the first byte is read and never changes; no HEAD request is made. It is null when some
 * response has no usable `Content-Length` (absent, or the body is content-encoded).
 *
 * A response is cached only when it is a complete 200: its length equals `Content-Length`, and,
 * when the server's ETag (`x-linked-etag`, else `etag`) is a 64-hex SHA-256 (the Hugging Face
 * Hub's ETag of LFS files), its SHA-256 equals it. Each store is awaited before the load goes on.
 */
import { RuVectorError } from '../errors.js';
import { sha256Hex } from './bundle.js';
import type { ModelCache, ModelCacheEntry, ModelCacheLogger } from './model-cache.js';

/** One progress report of a model load. Byte counts; `loaded` and `modelLoaded` never decrease. */
export interface ModelLoadProgress {
  /** The file being read (relative path, e.g. `onnx/model.onnx`). */
  file: string;
  /** Bytes of `file` read so far. */
  loaded: number;
  /** Size of `file` (`Content-Length`, or the cached size), null when the server does not say. */
  total: number | null;
  /** Bytes of the whole model read so far (cached files count when they are taken from the cache). */
  modelLoaded: number;
  /** Size of the whole model, known from the first report; null when some file's size is unknown. */
  modelTotal: number | null;
}

/** The `fetch` signature a loader needs (the global `fetch` fits). */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/** One file a model needs: the first of `candidates` that exists is taken. */
export interface WantedFile {
  /** File names in order of preference (e.g. `['tokenizer.json', 'vocab.txt']`). */
  candidates: readonly string[];
  /** When true, the load fails with MODEL_LOAD_FAILED if no candidate exists. */
  required: boolean;
}

/** A file a download produced: its name (the chosen candidate), URL and verified bytes. */
export interface DownloadedFile extends ModelCacheEntry {
  /** The chosen candidate's name (relative path). */
  name: string;
  /** The URL it was fetched from (also its cache key). */
  url: string;
}

/** Options of {@link downloadModelFiles}. */
export interface DownloadOptions {
  /** Where verified files are looked up and stored. */
  cache: ModelCache;
  /** The fetch to use (default the global `fetch`). */
  fetch?: FetchLike;
  /** Progress reports (see {@link ModelLoadProgress}). An exception it throws is logged, not propagated. */
  onProgress?: (progress: ModelLoadProgress) => void;
  /** Where warnings go. */
  logger?: ModelCacheLogger;
}

type Chosen =
  { name: string; url: string; cached: ModelCacheEntry } | { name: string; url: string; response: Response };

const ETAG_SHA256 = /^(?:W\/)?"?([0-9a-fA-F]{64})"?$/;
/** Largest single file read (typed arrays of more are not portable across engines). */
const MAX_FILE_BYTES = 2 ** 31 - 1;

function failed(text: string, cause?: unknown): RuVectorError {
  return new RuVectorError('MODEL_LOAD_FAILED', text, cause === undefined ? undefined : { cause });
}

function reason(e: unknown): string {
  const cause = (e as { cause?: { message?: string; code?: string } })?.cause;
  const base = e instanceof Error ? e.message : String(e);
  return cause?.message !== undefined ? `${base} (${cause.code ?? cause.message})` : base;
}

/** The SHA-256 an ETag promises, if it is one (quoted or weak forms accepted). */
export function etagSha256(headers: Headers): string | null {
  for (const name of ['x-linked-etag', 'etag']) {
    const match = ETAG_SHA256.exec(headers.get(name)?.trim() ?? '');
    if (match !== null) return match[1]!.toLowerCase();
  }
  return null;
}

/** The body size the headers promise, or null when they do not say (or the body is encoded). */
function declaredLength(response: Response): number | null {
  const encoding = response.headers.get('content-encoding');
  if (encoding !== null && encoding.trim().toLowerCase() !== 'identity') return null;
  const text = response.headers.get('content-length');
  if (text === null || !/^\d+$/.test(text.trim())) return null;
  return Number(text);
}

async function choose(
  file: WantedFile,
  urlOf: (name: string) => string,
  options: DownloadOptions,
  fetchImpl: FetchLike,
): Promise<Chosen | null> {
  const misses: string[] = [];
  for (const name of file.candidates) {
    const url = urlOf(name);
    const found = await options.cache.lookup(url);
    if (found === 'absent') {
      misses.push(`${url} (404, remembered in the cache)`);
      continue;
    }
    if (found !== null) return { name, url, cached: found };
    let response: Response;
    try {
      response = await fetchImpl(url);
    } catch (e) {
      throw failed(`model file ${name} (${url}) is not in the cache and the network failed: ${reason(e)}`, e);
    }
    if (response.status === 404) {
      await response.body?.cancel().catch(() => undefined);
      await options.cache.store(url, 'absent');
      misses.push(`${url} (404)`);
      continue;
    }
    if (response.status !== 200) {
      await response.body?.cancel().catch(() => undefined);
      throw failed(
        `model file ${name}: HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''} from ${url}`,
      );
    }
    return { name, url, response };
  }
  if (file.required)
    throw failed(`required model file ${file.candidates.join(' or ')} is missing: ${misses.join(', ')}`);
  return null;
}

async function readBody(
  chosen: { name: string; url: string; response: Response },
  total: number | null,
  onBytes: (loaded: number) => void,
): Promise<Uint8Array> {
  const { name, url, response } = chosen;
  if (total !== null && total > MAX_FILE_BYTES)
    throw failed(
      `model file ${name} (${url}) is ${total} bytes, more than the ${MAX_FILE_BYTES} one file may have`,
    );
  const reader = response.body?.getReader();
  const parts: Uint8Array[] = [];
  const whole = total === null ? null : new Uint8Array(total);
  let loaded = 0;
  try {
    while (reader !== undefined) {
      const { done, value } = await reader.read();
      if (done) break;
      if (whole !== null) {
        if (loaded + value.length > whole.length)
          throw new Error(`the server sent more than its Content-Length of ${total} bytes`);
        whole.set(value, loaded);
      } else {
        if (loaded + value.length > MAX_FILE_BYTES)
          throw new Error(`the body exceeds ${MAX_FILE_BYTES} bytes`);
        parts.push(value);
      }
      loaded += value.length;
      onBytes(loaded);
    }
  } catch (e) {
    await reader?.cancel().catch(() => undefined);
    throw failed(
      `model file ${name}: the download from ${url} failed after ${loaded}${total === null ? '' : ` of ${total}`} bytes: ${reason(e)}`,
      e,
    );
  }
  if (whole !== null) {
    if (loaded !== whole.length)
      throw failed(
        `model file ${name}: the download from ${url} ended after ${loaded} of ${total} bytes (incomplete)`,
      );
    return whole;
  }
  const out = new Uint8Array(loaded);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * Gets each wanted file (from the cache or the network), verified, in the order of `wanted`
 * (files that are optional and absent are left out). Fails with MODEL_LOAD_FAILED naming the file
 * and URL: a required file missing, an HTTP status other than 200 or 404, a network error when
 * the file is not cached, a truncated body or a body that does not match its ETag's SHA-256.
 * Nothing incomplete or unverified is ever stored.
 */
export async function downloadModelFiles(
  wanted: readonly WantedFile[],
  urlOf: (name: string) => string,
  options: DownloadOptions,
): Promise<DownloadedFile[]> {
  const fetchImpl = options.fetch ?? (globalThis.fetch as FetchLike | undefined);
  if (fetchImpl === undefined)
    throw new RuVectorError(
      'UNSUPPORTED',
      'downloading a model needs fetch, which this environment lacks (pass options.fetch)',
    );
  const settled = await Promise.allSettled(wanted.map((file) => choose(file, urlOf, options, fetchImpl)));
  const chosen = settled.flatMap((s) => (s.status === 'fulfilled' && s.value !== null ? [s.value] : []));
  const cancelAll = async (from: number) => {
    for (const c of chosen.slice(from))
      if ('response' in c) await c.response.body?.cancel().catch(() => undefined);
  };
  const rejected = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (rejected !== undefined) {
    await cancelAll(0);
    throw rejected.reason;
  }

  const totals = chosen.map((c) => ('cached' in c ? c.cached.data.length : declaredLength(c.response)));
  const modelTotal = totals.some((t) => t === null) ? null : (totals as number[]).reduce((a, b) => a + b, 0);
  let modelLoaded = 0;
  const report = (file: string, loaded: number, total: number | null, model: number) => {
    try {
      options.onProgress?.({ file, loaded, total, modelLoaded: model, modelTotal });
    } catch (e) {
      options.logger?.warn?.(`model load: the progress callback threw: ${reason(e)}`);
    }
  };

  const out: DownloadedFile[] = [];
  for (let i = 0; i < chosen.length; i++) {
    const c = chosen[i]!;
    if ('cached' in c) {
      modelLoaded += c.cached.data.length;
      report(c.name, c.cached.data.length, c.cached.data.length, modelLoaded);
      out.push({ name: c.name, url: c.url, ...c.cached });
      continue;
    }
    let data: Uint8Array;
    const before = modelLoaded;
    try {
      data = await readBody(c, totals[i]!, (loaded) => report(c.name, loaded, totals[i]!, before + loaded));
      const sha256 = await sha256Hex(data);
      const promised = etagSha256(c.response.headers);
      if (promised !== null && promised !== sha256) {
        throw failed(
          `model file ${c.name}: the body from ${c.url} has SHA-256 ${sha256}, but the server's ETag says ${promised} (corrupted in transit or tampered)`,
        );
      }
      await options.cache.store(c.url, { data, sha256 });
      out.push({ name: c.name, url: c.url, data, sha256 });
    } catch (e) {
      await cancelAll(i + 1);
      throw e;
    }
    modelLoaded = before + data.length;
  }
  return out;
}
