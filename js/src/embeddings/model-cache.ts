/**
 * ModelCache (ADR-006): where downloaded model files are kept. Three tiers, looked up in order:
 * memory, then one persistent tier: the Cache API (`caches`, in browsers, Workers and Deno) or,
 * where there is none, a file cache under `~/.ruvector/models` (or `RUVECTOR_CACHE_DIR`) in Node,
 * Deno and Bun.
 *
 * Every persistent entry carries an integrity record (byte size and SHA-256) that is checked on
 * every read: a torn, truncated or tampered entry is deleted (with a warning) and reported as a
 * miss, so the caller downloads it again; it is never used. File entries are written to a
 * temporary file and renamed into place, so a crash leaves either the old entry or the new one.
 * A persistent tier that fails to store (a full Cache API: `QuotaExceededError`, a read-only
 * disk) falls back to memory with a warning; storing never fails a load.
 *
 * Keys are URLs (any string works): a file cached for a branch revision such as `main` is used
 * as it is until deleted; pin a commit revision when the exact model matters.
 *
 * Node modules are imported dynamically, and only when the file tier is used, so this module is
 * safe in the web entry.
 */
import { sha256Hex } from './bundle.js';

/** Receives the cache's warnings (and debug lines). Each method is optional; `console` fits. */
export interface ModelCacheLogger {
  debug?(message: string): void;
  warn?(message: string): void;
}

/** Which persistent tier a {@link ModelCache} uses. `auto`: the Cache API if present, else files where Node's fs is, else none. */
export type ModelCachePersistence = 'auto' | 'cache-api' | 'file' | 'none';

/** Options of a {@link ModelCache}. */
export interface ModelCacheOptions {
  /** Keep entries in memory too (default true, as ADR-006 does). A failed persistent store always keeps the entry in memory. */
  memory?: boolean;
  /** The persistent tier (default `auto`). */
  persistence?: ModelCachePersistence;
  /** The Cache API to use (default `globalThis.caches`); for tests and custom environments. */
  caches?: CacheStorage;
  /** Name of the Cache API cache (default `ruvector-models`). */
  cacheName?: string;
  /** Folder of the file tier (default `RUVECTOR_CACHE_DIR`, else `~/.ruvector/models`). */
  dir?: string;
  /** Where warnings go (default: nowhere). */
  logger?: ModelCacheLogger;
}

/** A verified cache entry: the bytes and their SHA-256 (lowercase hex). */
export interface ModelCacheEntry {
  /** The entry's bytes. */
  data: Uint8Array;
  /** Lowercase hex SHA-256 of `data`. */
  sha256: string;
}

/**
 * What {@link ModelCache.lookup} finds: an entry, `'absent'` (the server said 404 for this key
 * last time: a remembered absence of an optional file, so offline loads choose the same files),
 * or null (nothing usable is cached).
 */
export type ModelCacheLookup = ModelCacheEntry | 'absent' | null;

interface IntegrityRecord {
  key: string;
  size: number;
  sha256: string;
  absent: boolean;
}

const FILE_MAGIC = 'RUVCACH1';
const SHA_HEX = /^[0-9a-f]{64}$/;

type NodeFs = typeof import('node:fs/promises');
type NodePath = typeof import('node:path');
type NodeOs = typeof import('node:os');

/** Imports a Node built-in without letting web bundlers see (and try to bundle) the specifier. */
async function nodeImport<T>(specifier: string): Promise<T> {
  return (await import(/* webpackIgnore: true */ /* @vite-ignore */ specifier)) as T;
}

function environmentVariable(name: string): string | undefined {
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[
    name
  ];
  return value === '' ? undefined : value;
}

function hasNodeFs(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string; bun?: string } }; Deno?: unknown };
  return (
    g.process?.versions?.node !== undefined || g.process?.versions?.bun !== undefined || g.Deno !== undefined
  );
}

function message(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

/** The ADR's hashed file name: the first 32 hex digits of SHA-256(key). */
export async function cacheFileName(key: string): Promise<string> {
  return (await sha256Hex(new TextEncoder().encode(key))).slice(0, 32);
}

/** Cache API keys must be http(s) URLs: others are mapped into a reserved (`.invalid`) host. */
function cacheApiUrl(key: string): string {
  return /^https?:\/\//i.test(key) ? key : `https://ruvector.invalid/cache/${encodeURIComponent(key)}`;
}

/** A three-tier cache of model files keyed by URL (or any string), with integrity checks on read. */
export class ModelCache {
  readonly #memory = new Map<string, ModelCacheEntry | 'absent'>();
  readonly #keepInMemory: boolean;
  readonly #persistence: Exclude<ModelCachePersistence, 'auto'>;
  readonly #caches: CacheStorage | undefined;
  readonly #cacheName: string;
  readonly #dir: string | undefined;
  readonly #logger: ModelCacheLogger | undefined;

  constructor(options: ModelCacheOptions = {}) {
    this.#keepInMemory = options.memory ?? true;
    this.#caches = options.caches ?? (globalThis as { caches?: CacheStorage }).caches;
    const persistence = options.persistence ?? 'auto';
    this.#persistence =
      persistence !== 'auto'
        ? persistence
        : this.#caches !== undefined
          ? 'cache-api'
          : hasNodeFs()
            ? 'file'
            : 'none';
    this.#cacheName = options.cacheName ?? 'ruvector-models';
    this.#dir = options.dir ?? environmentVariable('RUVECTOR_CACHE_DIR');
    this.#logger = options.logger;
  }

  /** The persistent tier in use. */
  get persistence(): Exclude<ModelCachePersistence, 'auto'> {
    return this.#persistence;
  }

  /** The verified bytes stored under `key`, or null (missing, remembered absent, or failed its integrity check). */
  async get(key: string): Promise<Uint8Array | null> {
    const found = await this.lookup(key);
    return found === null || found === 'absent' ? null : found.data;
  }

  /** Stores `data` under `key` in memory and in the persistent tier. Never rejects for a full or failing tier. */
  async set(key: string, data: Uint8Array): Promise<void> {
    await this.store(key, { data, sha256: await sha256Hex(data) });
  }

  /** Looks `key` up in memory, then in the persistent tier, verifying what it reads. */
  async lookup(key: string): Promise<ModelCacheLookup> {
    const inMemory = this.#memory.get(key);
    if (inMemory !== undefined) return inMemory;
    let found: ModelCacheLookup = null;
    if (this.#persistence === 'cache-api') found = await this.#readCacheApi(key);
    else if (this.#persistence === 'file') found = await this.#readFile(key);
    if (found !== null && this.#keepInMemory) this.#memory.set(key, found);
    return found;
  }

  /**
   * Stores an entry whose SHA-256 the caller computed, or `'absent'` to remember a 404. The
   * persistent write is awaited; if it fails the entry is kept in memory and a warning logged.
   */
  async store(key: string, entry: ModelCacheEntry | 'absent'): Promise<void> {
    let persisted = this.#persistence === 'none';
    if (this.#persistence === 'cache-api') persisted = await this.#writeCacheApi(key, entry);
    else if (this.#persistence === 'file') persisted = await this.#writeFile(key, entry);
    if (this.#keepInMemory || !persisted) this.#memory.set(key, entry);
  }

  /** Removes `key` from every tier. */
  async delete(key: string): Promise<void> {
    this.#memory.delete(key);
    try {
      if (this.#persistence === 'cache-api')
        await (await this.#caches!.open(this.#cacheName)).delete(cacheApiUrl(key));
      else if (this.#persistence === 'file')
        await (await this.#fs()).rm(await this.#filePath(key), { force: true });
    } catch (e) {
      this.#logger?.warn?.(`ModelCache: could not delete ${key}: ${message(e)}`);
    }
  }

  #record(key: string, entry: ModelCacheEntry | 'absent'): IntegrityRecord {
    return entry === 'absent'
      ? { key, size: 0, sha256: '', absent: true }
      : { key, size: entry.data.length, sha256: entry.sha256, absent: false };
  }

  /** Checks bytes against their record; on a mismatch deletes the entry, warns, and returns null. */
  async #verified(
    key: string,
    record: IntegrityRecord | null,
    data: Uint8Array,
    where: string,
  ): Promise<ModelCacheLookup> {
    let problem: string | null = null;
    if (
      record === null ||
      record.key !== key ||
      typeof record.size !== 'number' ||
      typeof record.absent !== 'boolean'
    )
      problem = 'its integrity record is missing or malformed';
    else if (record.absent) problem = data.length === 0 ? null : 'an absence marker carries data';
    else if (data.length !== record.size)
      problem = `it has ${data.length} bytes, its record says ${record.size}`;
    else if (!SHA_HEX.test(record.sha256) || (await sha256Hex(data)) !== record.sha256)
      problem = 'its SHA-256 does not match its record';
    if (problem === null) return record!.absent ? 'absent' : { data, sha256: record!.sha256 };
    this.#logger?.warn?.(
      `ModelCache: the ${where} entry for ${key} is damaged (${problem}); it was deleted and will be downloaded again`,
    );
    await this.delete(key);
    return null;
  }

  async #readCacheApi(key: string): Promise<ModelCacheLookup> {
    let response: Response | undefined;
    let data: Uint8Array;
    try {
      response = await (await this.#caches!.open(this.#cacheName)).match(cacheApiUrl(key));
      if (response === undefined) return null;
      data = new Uint8Array(await response.arrayBuffer());
    } catch (e) {
      this.#logger?.warn?.(`ModelCache: Cache API read of ${key} failed: ${message(e)}`);
      return null;
    }
    const h = response.headers;
    const size = Number(h.get('x-ruvector-size'));
    const record =
      h.get('x-ruvector-key') === null
        ? null
        : {
            key: decodeURIComponent(h.get('x-ruvector-key')!),
            size,
            sha256: h.get('x-ruvector-sha256') ?? '',
            absent: h.get('x-ruvector-absent') === '1',
          };
    return this.#verified(key, record, data, 'Cache API');
  }

  async #writeCacheApi(key: string, entry: ModelCacheEntry | 'absent'): Promise<boolean> {
    const record = this.#record(key, entry);
    const body = entry === 'absent' ? new Uint8Array(0) : entry.data;
    const headers = {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length),
      'x-ruvector-key': encodeURIComponent(key),
      'x-ruvector-size': String(record.size),
      'x-ruvector-sha256': record.sha256,
      'x-ruvector-absent': record.absent ? '1' : '0',
    };
    try {
      const cache = await this.#caches!.open(this.#cacheName);
      await cache.put(
        cacheApiUrl(key),
        new Response(body as Uint8Array<ArrayBuffer>, { status: 200, headers }),
      );
      return true;
    } catch (e) {
      const full = (e as { name?: string })?.name === 'QuotaExceededError';
      this.#logger?.warn?.(
        `ModelCache: ${full ? 'the Cache API is full' : 'the Cache API failed'} storing ${key} (${message(e)}); keeping it in memory only`,
      );
      return false;
    }
  }

  async #fs(): Promise<NodeFs> {
    return nodeImport<NodeFs>('node:fs/promises');
  }

  async #folder(): Promise<string> {
    if (this.#dir !== undefined) return this.#dir;
    const path = await nodeImport<NodePath>('node:path');
    const os = await nodeImport<NodeOs>('node:os');
    return path.join(os.homedir(), '.ruvector', 'models');
  }

  async #filePath(key: string): Promise<string> {
    const path = await nodeImport<NodePath>('node:path');
    return path.join(await this.#folder(), await cacheFileName(key));
  }

  /** File entry: "RUVCACH1", u32 LE record length, the record as JSON, then the data. */
  async #readFile(key: string): Promise<ModelCacheLookup> {
    let bytes: Uint8Array;
    try {
      bytes = new Uint8Array(await (await this.#fs()).readFile(await this.#filePath(key)));
    } catch (e) {
      if ((e as { code?: string }).code !== 'ENOENT')
        this.#logger?.warn?.(`ModelCache: reading the file entry of ${key} failed: ${message(e)}`);
      return null;
    }
    let record: IntegrityRecord | null = null;
    let dataAt = bytes.length;
    if (bytes.length >= 12 && new TextDecoder('latin1').decode(bytes.subarray(0, 8)) === FILE_MAGIC) {
      const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(8, true);
      if (length <= bytes.length - 12) {
        try {
          record = JSON.parse(
            new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + length)),
          ) as IntegrityRecord;
          dataAt = 12 + length;
        } catch {
          record = null;
        }
      }
    }
    return this.#verified(key, record, bytes.subarray(dataAt), 'file');
  }

  async #writeFile(key: string, entry: ModelCacheEntry | 'absent'): Promise<boolean> {
    const recordBytes = new TextEncoder().encode(JSON.stringify(this.#record(key, entry)));
    const data = entry === 'absent' ? new Uint8Array(0) : entry.data;
    const head = new Uint8Array(12 + recordBytes.length);
    head.set(new TextEncoder().encode(FILE_MAGIC), 0);
    new DataView(head.buffer).setUint32(8, recordBytes.length, true);
    head.set(recordBytes, 12);
    let temp: string | undefined;
    try {
      const fs = await this.#fs();
      const target = await this.#filePath(key);
      await fs.mkdir(await this.#folder(), { recursive: true });
      temp = `${target}.tmp-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
      const handle = await fs.open(temp, 'wx');
      try {
        let position = 0;
        for (const part of [head, data]) {
          for (let done = 0; done < part.length;) {
            const { bytesWritten } = await handle.write(part, done, part.length - done, position);
            done += bytesWritten;
            position += bytesWritten;
          }
        }
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, target);
      return true;
    } catch (e) {
      this.#logger?.warn?.(
        `ModelCache: could not write the file entry of ${key} (${message(e)}); keeping it in memory only`,
      );
      if (temp !== undefined) await (await this.#fs()).rm(temp, { force: true }).catch(() => undefined);
      return false;
    }
  }
}
