/**
 * Where a SemanticMemory with a `path` keeps its snapshot and write-ahead log: a directory
 * (disk-store.ts: Node, Bun, Deno) or, in a browser, an IndexedDB database (browser-store.ts).
 * Both hold the same bytes (the snapshot of core/src/memory/FORMAT.md and wal.ts's records) and
 * keep the same promises; SemanticMemory sees only this interface.
 */
import { RuVectorError } from '../errors.js';
import type { WalRecord } from './wal.js';

/** What opening a store found. */
export interface StoreContents {
  snapshot: Uint8Array | null;
  /** The log's records (all of them; the caller skips those the snapshot already holds). */
  records: WalRecord[];
  /** Bytes of log dropped on open (a torn tail, or everything after a changed byte). */
  droppedBytes: number;
  /** The dimensions the log's header records (null without a log). */
  logDimensions: number | null;
}

/** One open store, held by one writer. */
export interface MemoryStore {
  /** Where it is: the directory, or `indexeddb:<name>`. */
  readonly location: string;
  readonly kind: StorageKind;
  /** Whether the browser granted persistent storage (null where that does not apply). */
  readonly persisted: boolean | null;
  /** Bytes of log written since the last checkpoint (records only). */
  readonly logBytes: number;
  /**
   * Reads the snapshot and the log (cutting a damaged tail off). `snapshot: false` leaves the
   * snapshot to {@link snapshotFile} (a backend that loads the file itself: native).
   */
  read(options?: { snapshot?: boolean }): Promise<StoreContents>;
  /** The snapshot's file, for a backend that reads it itself; null where it is not a file. */
  readonly snapshotFile: string | null;
  /** Reads what is durable now, changing nothing (verify() compares the memory with it). */
  inspect(): Promise<StoreContents>;
  /** Appends records: resolves once they are durable as the store's durability promises. */
  append(records: readonly WalRecord[]): Promise<void>;
  /** Forces what was appended onto the medium. */
  sync(): Promise<void>;
  /** Starts a log after sequence `seq` unless read() found one. */
  ensureLog(dimensions: number, seq: number): Promise<void>;
  /** Replaces snapshot and log by `snapshot` (holding every change up to `seq`), atomically. */
  checkpoint(snapshot: Uint8Array, seq: number, dimensions: number): Promise<void>;
  /** Syncs and releases the lock. */
  close(): Promise<void>;
}

/** What kind of place holds a store. */
export type StorageKind = 'directory' | 'indexeddb';

/** How to open, find and remove stores of one kind (reembed keeps its shadow beside the store). */
export interface StoreFactory {
  readonly kind: StorageKind;
  open(path: string, durability: 'fsync' | 'batch'): Promise<MemoryStore>;
  /** The path of a store kept beside `store` under `name`. */
  child(store: MemoryStore, name: string): string;
  /** True when a store at `path` holds anything. */
  exists(path: string): Promise<boolean>;
  /** Removes the store at `path` (it must be closed). */
  remove(path: string): Promise<void>;
}

/** True where `node:fs` is there to keep a directory (Node, Bun, Deno). */
function hasFileSystem(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process;
  return typeof p?.versions?.node === 'string';
}

/** True where IndexedDB keeps data (browsers, their workers). */
function hasIndexedDb(): boolean {
  return typeof (globalThis as { indexedDB?: unknown }).indexedDB === 'object';
}

/** The kind of store `path` means here, or null where nothing can keep one. */
export function storageHere(): StorageKind | null {
  if (hasFileSystem()) return 'directory';
  if (hasIndexedDb()) return 'indexeddb';
  return null;
}

/** The factory for this engine's stores. */
export async function storeFactory(): Promise<StoreFactory> {
  const kind = storageHere();
  if (kind === 'indexeddb') return (await import('./browser-store.js')).indexedDbStores;
  if (kind === 'directory') {
    // A computed specifier: bundlers and workerd's module list leave node:fs out of the graph.
    const module = './disk-store.js';
    return ((await import(module)) as typeof import('./disk-store.js')).directoryStores;
  }
  throw new RuVectorError(
    'UNSUPPORTED',
    'a store needs a file system (Node, Bun, Deno) or IndexedDB (browsers); elsewhere use export() and SemanticMemory.import',
  );
}
