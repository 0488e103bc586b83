/**
 * A SemanticMemory's directory on disk (Node, Bun, Deno through node:fs): a snapshot of the whole
 * memory (core/src/memory/FORMAT.md) and a write-ahead log of the changes since (wal.ts), held
 * by one writer under an OS lock.
 *
 *   <path>/memory.snapshot   the last checkpoint (absent until the first one)
 *   <path>/memory.wal        the changes after it, each record with its own CRC
 *   <path>/LOCK              flock'd by the process that has the store open
 *
 * Why our own snapshot + log rather than SQLite: the index is the core's, in memory, and already
 * has a checked, fuzzed byte format; a log of the few kinds of change beside it gives SQLite's
 * guarantee for this job (a change acknowledged only after fsync; a torn tail found by its CRC
 * and cut off on open; checkpoints written to a temp file, fsynced and renamed, so a crash leaves
 * the old or the new one, never half of one) on every backend, with nothing more to install, and
 * open is a snapshot load plus a short replay, not a rebuild of the graph.
 */
import type { FileHandle } from 'node:fs/promises';

import { RuVectorError } from '../errors.js';
import type { MemoryStore, StoreContents, StoreFactory } from './store.js';
import {
  decodeWalHeader,
  decodeWalRecords,
  encodeWalHeader,
  encodeWalRecords,
  WAL_HEADER_BYTES,
  type WalRecord,
} from './wal.js';

type Fs = typeof import('node:fs/promises');

const SNAPSHOT = 'memory.snapshot';
const WAL = 'memory.wal';
const LOCK = 'LOCK';
/** How long 'batch' durability lets writes wait for their fsync. */
const BATCH_SYNC_MS = 200;

/** A file-system error as a RuVectorError naming the file and the reason. */
export function ioError(what: string, error: unknown): RuVectorError {
  const code = (error as { code?: string } | null)?.code;
  const reason = (error as Error | null)?.message ?? String(error);
  if (code === 'ENOSPC' || code === 'EDQUOT')
    return new RuVectorError('QUOTA_EXCEEDED', `${what}: the disk is full (${reason}); nothing was changed`);
  return new RuVectorError('IO_ERROR', `${what}: ${reason}`, { cause: error });
}

/** The OS lock of a store (flock through the native addon: Node has no API for it). */
async function lockStore(path: string, dirname: (p: string) => string): Promise<() => void> {
  let addon: { lockFile(p: string): number; unlockFile(fd: number): void };
  try {
    const native = await import('../backends/native/index.js');
    addon = (await native.loadNativeAddon({})) as unknown as typeof addon;
  } catch (error) {
    throw new RuVectorError(
      'UNSUPPORTED',
      `a store on disk needs an OS file lock, which here comes from the native addon: ${(error as Error).message}`,
      { cause: error },
    );
  }
  let fd: number;
  try {
    fd = addon.lockFile(path);
  } catch (error) {
    if ((error as { code?: string }).code === 'LOCKED')
      throw new RuVectorError('LOCKED', `${dirname(path)} is open for writing in another process`);
    throw ioError(path, error);
  }
  return () => addon.unlockFile(fd);
}

export class DiskStore implements MemoryStore {
  readonly path: string;
  readonly kind = 'directory' as const;
  readonly persisted = null;
  readonly #fs: Fs;
  readonly #join: (...parts: string[]) => string;
  readonly #unlock: () => void;
  readonly #batch: boolean;
  #wal: FileHandle | null = null;
  #walBytes = 0;
  #syncTimer: ReturnType<typeof setTimeout> | null = null;
  #syncing: Promise<void> | null = null;

  private constructor(
    path: string,
    fs: Fs,
    join: (...p: string[]) => string,
    unlock: () => void,
    batch: boolean,
  ) {
    this.path = path;
    this.#fs = fs;
    this.#join = join;
    this.#unlock = unlock;
    this.#batch = batch;
  }

  /** Creates the directory if needed and takes its lock (LOCKED when another process has it). */
  static async open(path: string, durability: 'fsync' | 'batch'): Promise<DiskStore> {
    const fs = await import('node:fs/promises');
    const { dirname, join, resolve } = await import('node:path');
    const dir = resolve(path);
    try {
      await fs.mkdir(dir, { recursive: true });
    } catch (error) {
      throw ioError(`cannot create the store directory ${dir}`, error);
    }
    const unlock = await lockStore(join(dir, LOCK), dirname);
    return new DiskStore(dir, fs, join, unlock, durability === 'batch');
  }

  get location(): string {
    return this.path;
  }

  /** Bytes of log written since the last checkpoint (records only). */
  get logBytes(): number {
    return Math.max(this.#walBytes - WAL_HEADER_BYTES, 0);
  }

  /** Reads the snapshot and the log; cuts a torn or changed log tail off the file. */
  get snapshotFile(): string {
    return this.#join(this.path, SNAPSHOT);
  }

  async read(options?: { snapshot?: boolean }): Promise<StoreContents> {
    const snapshotPath = this.#join(this.path, SNAPSHOT);
    const walPath = this.#join(this.path, WAL);
    const snapshot = options?.snapshot === false ? null : await this.#readIfThere(snapshotPath);
    const wal = await this.#readIfThere(walPath);
    if (wal === null) return { snapshot, records: [], droppedBytes: 0, logDimensions: null };
    const header = decodeWalHeader(wal);
    // A log is created whole (temp file, fsync, rename): a bad header is damage, not a crash.
    if (header === null) throw new RuVectorError('CORRUPT_DATA', `${walPath}: not a memory log (bad header)`);
    const decoded = decodeWalRecords(wal, header.dimensions);
    if (decoded.droppedBytes > 0) {
      try {
        await this.#fs.truncate(walPath, decoded.validBytes);
      } catch (error) {
        throw ioError(`cannot cut the torn tail off ${walPath}`, error);
      }
    }
    this.#wal = await this.#openWal(walPath);
    this.#walBytes = decoded.validBytes;
    return {
      snapshot,
      records: decoded.records,
      droppedBytes: decoded.droppedBytes,
      logDimensions: header.dimensions,
    };
  }

  async inspect(): Promise<StoreContents> {
    const snapshot = await this.#readIfThere(this.#join(this.path, SNAPSHOT));
    const wal = await this.#readIfThere(this.#join(this.path, WAL));
    const header = wal === null ? null : decodeWalHeader(wal);
    if (wal === null || header === null)
      return { snapshot, records: [], droppedBytes: wal?.length ?? 0, logDimensions: null };
    const decoded = decodeWalRecords(wal, header.dimensions);
    return {
      snapshot,
      records: decoded.records,
      droppedBytes: decoded.droppedBytes,
      logDimensions: header.dimensions,
    };
  }

  async #readIfThere(file: string): Promise<Uint8Array | null> {
    try {
      // A view over the file's buffer, not a copy (a snapshot may be hundreds of MB).
      const bytes = await this.#fs.readFile(file);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    } catch (error) {
      if ((error as { code?: string }).code === 'ENOENT') return null;
      throw ioError(`cannot read ${file}`, error);
    }
  }

  async #openWal(file: string): Promise<FileHandle> {
    try {
      return await this.#fs.open(file, 'r+');
    } catch (error) {
      throw ioError(`cannot open ${file} for writing`, error);
    }
  }

  /**
   * Appends records; resolves once they are on disk ('fsync') or handed to the OS ('batch', with
   * an fsync within 200 ms). A failed write is cut back off the file: nothing half written stays.
   */
  async append(records: readonly WalRecord[]): Promise<void> {
    const wal = this.#wal;
    if (wal === null) throw new RuVectorError('INTERNAL', 'memory log: append before the log is open');
    const bytes = encodeWalRecords(records);
    const at = this.#walBytes;
    try {
      let done = 0;
      while (done < bytes.length) {
        const { bytesWritten } = await wal.write(bytes, done, bytes.length - done, at + done);
        done += bytesWritten;
      }
      if (!this.#batch) await wal.datasync();
    } catch (error) {
      await wal.truncate(at).catch(() => undefined);
      throw ioError(`cannot write to ${this.#join(this.path, WAL)}`, error);
    }
    this.#walBytes = at + bytes.length;
    if (this.#batch && this.#syncTimer === null) {
      this.#syncTimer = setTimeout(() => {
        this.#syncTimer = null;
        void this.sync().catch(() => undefined);
      }, BATCH_SYNC_MS);
      (this.#syncTimer as { unref?: () => void }).unref?.();
    }
  }

  /** Forces what was appended onto the disk. */
  async sync(): Promise<void> {
    if (this.#wal === null) return;
    this.#syncing ??= this.#wal.datasync().finally(() => (this.#syncing = null));
    try {
      await this.#syncing;
    } catch (error) {
      throw ioError(`cannot sync ${this.#join(this.path, WAL)}`, error);
    }
  }

  /** Starts a log after sequence `seq` unless read() opened one. */
  async ensureLog(dimensions: number, seq: number): Promise<void> {
    if (this.#wal !== null) return;
    await this.#writeWhole(WAL, encodeWalHeader(dimensions, seq));
    this.#wal = await this.#openWal(this.#join(this.path, WAL));
    this.#walBytes = WAL_HEADER_BYTES;
  }

  /**
   * Writes `snapshot` (which holds every change up to `seq`) as the new checkpoint and starts an
   * empty log after it. Each file is written to a temp name, fsynced and renamed, and the
   * directory fsynced: a crash at any point leaves a snapshot and a log that replay correctly
   * (records the snapshot already holds are skipped by their sequence number).
   */
  async checkpoint(snapshot: Uint8Array, seq: number, dimensions: number): Promise<void> {
    await this.#writeWhole(SNAPSHOT, snapshot);
    const old = this.#wal;
    this.#wal = null;
    await old?.close().catch(() => undefined);
    await this.#writeWhole(WAL, encodeWalHeader(dimensions, seq));
    this.#wal = await this.#openWal(this.#join(this.path, WAL));
    this.#walBytes = WAL_HEADER_BYTES;
  }

  async #writeWhole(name: string, bytes: Uint8Array): Promise<void> {
    const file = this.#join(this.path, name);
    const tmp = `${file}.tmp`;
    try {
      const h = await this.#fs.open(tmp, 'w');
      try {
        await h.writeFile(bytes);
        await h.sync();
      } finally {
        await h.close();
      }
      await this.#fs.rename(tmp, file);
      const dir = await this.#fs.open(this.path, 'r');
      try {
        await dir.sync();
      } finally {
        await dir.close();
      }
    } catch (error) {
      await this.#fs.rm(tmp, { force: true }).catch(() => undefined);
      throw ioError(`cannot write ${file}`, error);
    }
  }

  /** Syncs, closes the log and releases the lock. */
  async close(): Promise<void> {
    if (this.#syncTimer !== null) clearTimeout(this.#syncTimer);
    this.#syncTimer = null;
    try {
      await this.sync();
    } finally {
      await this.#wal?.close().catch(() => undefined);
      this.#wal = null;
      this.#unlock();
    }
  }
}

/** Stores in directories (Node, Bun, Deno). */
export const directoryStores: StoreFactory = {
  kind: 'directory',
  open: (path, durability) => DiskStore.open(path, durability),
  child: (store, name) => `${store.location}/${name}`,
  async exists(path) {
    const { existsSync } = await import('node:fs');
    return [SNAPSHOT, WAL].some((n) => existsSync(`${path}/${n}`));
  },
  async remove(path) {
    const fs = await import('node:fs/promises');
    await fs.rm(path, { recursive: true, force: true });
  },
};
