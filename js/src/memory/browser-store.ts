/**
 * A SemanticMemory's store in a browser: an IndexedDB database named `ruvector-memory:<path>`
 * holding the same bytes a directory holds (store.ts), one writer at a time under a Web Lock.
 *
 *   files  'snapshot'    the last checkpoint (absent until the first one)
 *          'wal-header'  the log's header (wal.ts: dimensions, the sequence it follows)
 *   log    one entry per append: wal.ts records, each with its own CRC
 *
 * Why IndexedDB rather than OPFS: it is in every browser and in their workers, and its
 * transactions are atomic, which gives what the directory gets from temp files and rename: an
 * append is all there or not at all, and a checkpoint replaces snapshot and log in one
 * transaction. Durability: 'fsync' commits with `durability: 'strict'` (the browser flushes to
 * the disk before the write resolves); 'batch' with 'relaxed' (handed to the OS, as on disk; a
 * browser has no call to force it later, so flush() waits only for what is in flight). The
 * CRCs still guard the bytes against damage below the browser.
 *
 * The Web Lock (`navigator.locks`) is released by the browser when the tab goes away, so a
 * crashed or reloaded tab never blocks the next open; a second tab gets LOCKED. Opening asks
 * `navigator.storage.persist()` so the browser does not evict the store under storage pressure
 * (waiting a moment at most: a browser that asks the person answers later); describe() reports
 * whether it had agreed by then. A full quota is QUOTA_EXCEEDED: the transaction is
 * aborted, nothing of it is kept, and nothing stored before is touched.
 */
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

const FILES = 'files';
const LOG = 'log';
const SNAPSHOT_KEY = 'snapshot';
const HEADER_KEY = 'wal-header';

/** The IndexedDB database of the store `path`. */
const databaseName = (path: string): string => `ruvector-memory:${path}`;

/** A browser storage error as a RuVectorError naming the store and the reason. */
function storageError(what: string, error: unknown): RuVectorError {
  const name = (error as { name?: string } | null)?.name;
  const reason = (error as Error | null)?.message ?? String(error);
  if (name === 'QuotaExceededError')
    return new RuVectorError(
      'QUOTA_EXCEEDED',
      `${what}: the browser's storage quota is used up${reason ? ` (${reason})` : ''}; nothing was changed`,
    );
  return new RuVectorError('IO_ERROR', `${what}: ${name ?? 'Error'}: ${reason}`, { cause: error });
}

function request<T>(r: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
}

/** Resolves when `tx` commits; rejects with its error when it aborts. */
function committed(tx: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    tx.oncomplete = () => resolve();
    tx.onabort = () => reject(tx.error ?? new Error('the transaction was aborted'));
    tx.onerror = (event) => event.preventDefault(); // reported by onabort
  });
}

function openDatabase(path: string): Promise<IDBDatabase> {
  const r = indexedDB.open(databaseName(path), 1);
  r.onupgradeneeded = () => {
    r.result.createObjectStore(FILES);
    r.result.createObjectStore(LOG, { autoIncrement: true });
  };
  return request(r);
}

/** Holds the Web Lock of `path` until the returned function is called (LOCKED when taken). */
function lockStore(path: string): Promise<() => void> {
  const locks = (globalThis as { navigator?: { locks?: LockManager } }).navigator?.locks;
  if (locks === undefined)
    return Promise.reject(
      new RuVectorError(
        'UNSUPPORTED',
        'a store in IndexedDB needs Web Locks (navigator.locks) to keep one writer at a time; this browser has none',
      ),
    );
  return new Promise((resolve, reject) => {
    locks
      .request(databaseName(path), { ifAvailable: true }, (lock) => {
        if (lock === null) {
          reject(new RuVectorError('LOCKED', `${path} is open for writing in another tab or worker`));
          return undefined;
        }
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(reject);
  });
}

/** Asks the browser to keep this origin's storage under pressure; false when it says no. */
async function askPersistence(): Promise<boolean> {
  const storage = (globalThis as { navigator?: { storage?: StorageManager } }).navigator?.storage;
  try {
    if (storage?.persisted !== undefined && (await storage.persisted())) return true;
    const asked = storage?.persist?.();
    if (asked === undefined) return false;
    // Some browsers (Firefox) ask the person, and the answer may take as long as they like:
    // open does not wait for it beyond a moment; the grant, when it comes, applies all the same.
    const later = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 250));
    return await Promise.race([asked.catch(() => false), later]);
  } catch {
    return false;
  }
}

export class IndexedDbStore implements MemoryStore {
  readonly kind = 'indexeddb' as const;
  readonly persisted: boolean;
  readonly #path: string;
  readonly #db: IDBDatabase;
  readonly #unlock: () => void;
  readonly #durability: IDBTransactionDurability;
  #hasLog = false;
  #logBytes = 0;
  /** The last write in flight (flush waits for it). */
  #pending: Promise<unknown> = Promise.resolve();

  private constructor(path: string, db: IDBDatabase, unlock: () => void, batch: boolean, persisted: boolean) {
    this.#path = path;
    this.#db = db;
    this.#unlock = unlock;
    this.#durability = batch ? 'relaxed' : 'strict';
    this.persisted = persisted;
  }

  /** Takes the store's Web Lock (LOCKED when another tab has it) and opens its database. */
  static async open(path: string, durability: 'fsync' | 'batch'): Promise<IndexedDbStore> {
    const unlock = await lockStore(path);
    try {
      const persisted = await askPersistence();
      let db: IDBDatabase;
      try {
        db = await openDatabase(path);
      } catch (error) {
        throw storageError(`cannot open the IndexedDB database ${databaseName(path)}`, error);
      }
      return new IndexedDbStore(path, db, unlock, durability === 'batch', persisted);
    } catch (error) {
      unlock();
      throw error;
    }
  }

  get location(): string {
    return `indexeddb:${this.#path}`;
  }

  readonly snapshotFile = null;

  get logBytes(): number {
    return this.#logBytes;
  }

  async read(): Promise<StoreContents> {
    const { contents, wal, validBytes } = await this.#load();
    if (wal === null) return contents;
    if (contents.droppedBytes > 0) await this.#rewriteLog(wal.subarray(WAL_HEADER_BYTES, validBytes));
    this.#hasLog = true;
    this.#logBytes = validBytes - WAL_HEADER_BYTES;
    return contents;
  }

  async inspect(): Promise<StoreContents> {
    return (await this.#load()).contents;
  }

  /** The snapshot and the decoded log as the database holds them. */
  async #load(): Promise<{ contents: StoreContents; wal: Uint8Array | null; validBytes: number }> {
    let snapshot: unknown;
    let header: unknown;
    let chunks: unknown[];
    try {
      const tx = this.#db.transaction([FILES, LOG], 'readonly');
      const files = tx.objectStore(FILES);
      [snapshot, header, chunks] = await Promise.all([
        request(files.get(SNAPSHOT_KEY)),
        request(files.get(HEADER_KEY)),
        request(tx.objectStore(LOG).getAll()),
      ]);
    } catch (error) {
      throw storageError(`cannot read ${this.location}`, error);
    }
    const snapshotBytes = snapshot instanceof Uint8Array ? snapshot : null;
    if (header === undefined)
      return {
        contents: { snapshot: snapshotBytes, records: [], droppedBytes: 0, logDimensions: null },
        wal: null,
        validBytes: 0,
      };
    const parts = [header, ...chunks];
    if (!parts.every((p) => p instanceof Uint8Array))
      throw new RuVectorError('CORRUPT_DATA', `${this.location}: the log holds something other than bytes`);
    const wal = concat(parts as Uint8Array[]);
    const decoded = decodeWalHeader(wal);
    if (decoded === null)
      throw new RuVectorError('CORRUPT_DATA', `${this.location}: not a memory log (bad header)`);
    const log = decodeWalRecords(wal, decoded.dimensions);
    const contents = {
      snapshot: snapshotBytes,
      records: log.records,
      droppedBytes: log.droppedBytes,
      logDimensions: decoded.dimensions,
    };
    return { contents, wal, validBytes: log.validBytes };
  }

  /** Keeps only `records` (the valid part) in the log: what read() found damaged goes. */
  async #rewriteLog(records: Uint8Array): Promise<void> {
    const tx = this.#db.transaction([LOG], 'readwrite', { durability: 'strict' });
    const done = committed(tx);
    const log = tx.objectStore(LOG);
    log.clear();
    if (records.length > 0) log.add(records.slice());
    try {
      await done;
    } catch (error) {
      throw storageError(`cannot cut the damaged tail off ${this.location}'s log`, error);
    }
  }

  async append(records: readonly WalRecord[]): Promise<void> {
    if (!this.#hasLog) throw new RuVectorError('INTERNAL', 'memory log: append before the log is open');
    const bytes = encodeWalRecords(records);
    const write = this.#transact([LOG], (tx) => tx.objectStore(LOG).add(bytes));
    this.#pending = write.catch(() => undefined);
    try {
      await write;
    } catch (error) {
      throw storageError(`cannot write to ${this.location}`, error);
    }
    this.#logBytes += bytes.length;
  }

  /** Runs `fill` in one readwrite transaction of the store's durability; resolves at commit. */
  #transact(stores: string[], fill: (tx: IDBTransaction) => void): Promise<void> {
    let tx: IDBTransaction;
    try {
      tx = this.#db.transaction(stores, 'readwrite', { durability: this.#durability });
    } catch (error) {
      return Promise.reject(error);
    }
    const done = committed(tx);
    fill(tx);
    return done;
  }

  async sync(): Promise<void> {
    await this.#pending;
  }

  async ensureLog(dimensions: number, seq: number): Promise<void> {
    if (this.#hasLog) return;
    try {
      await this.#transact([FILES], (tx) =>
        tx.objectStore(FILES).put(encodeWalHeader(dimensions, seq), HEADER_KEY),
      );
    } catch (error) {
      throw storageError(`cannot start the log of ${this.location}`, error);
    }
    this.#hasLog = true;
    this.#logBytes = 0;
  }

  /** Snapshot, new log header and the emptied log in one transaction: all of it or none. */
  async checkpoint(snapshot: Uint8Array, seq: number, dimensions: number): Promise<void> {
    const write = this.#transact([FILES, LOG], (tx) => {
      const files = tx.objectStore(FILES);
      files.put(snapshot, SNAPSHOT_KEY);
      files.put(encodeWalHeader(dimensions, seq), HEADER_KEY);
      tx.objectStore(LOG).clear();
    });
    this.#pending = write.catch(() => undefined);
    try {
      await write;
    } catch (error) {
      throw storageError(`cannot write a checkpoint of ${this.location}`, error);
    }
    this.#hasLog = true;
    this.#logBytes = 0;
  }

  async close(): Promise<void> {
    try {
      await this.sync();
    } finally {
      this.#db.close();
      this.#unlock();
    }
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Stores in IndexedDB (browsers and their workers). */
export const indexedDbStores: StoreFactory = {
  kind: 'indexeddb',
  open: (path, durability) => IndexedDbStore.open(path, durability),
  child: (store, name) => `${store.location.slice('indexeddb:'.length)}/${name}`,
  async exists(path) {
    const names = await indexedDB.databases?.();
    if (names !== undefined && !names.some((d) => d.name === databaseName(path))) return false;
    const db = await openDatabase(path);
    try {
      const tx = db.transaction([FILES], 'readonly');
      return (await request(tx.objectStore(FILES).count())) > 0;
    } finally {
      db.close();
    }
  },
  async remove(path) {
    await request(indexedDB.deleteDatabase(databaseName(path)));
  },
};
