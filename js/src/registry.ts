/**
 * The backends an entry point offers. Each entry point registers what it can load (index.ts:
 * native, wasm, js-fallback; index.web.ts: wasm, js-fallback) and the runtime tries them in
 * priority order, loading each lazily (the loader module is imported only when tried).
 * Registering is idempotent per name, so loading both entry points in one process still gives
 * one deterministic order.
 */
import type { BackendLoader, BackendName } from './backend.js';

/** One entry of the backend registry: a name and a lazy import of its loader. */
export interface BackendRegistration {
  readonly name: BackendName;
  /** Imports the backend's loader module (called only when the backend is tried). */
  load(): Promise<BackendLoader>;
}

/** Priorities used by the entry points: higher is tried first. */
export const BACKEND_PRIORITY: Readonly<Record<BackendName, number>> = Object.freeze({
  native: 300,
  wasm: 200,
  'js-fallback': 100,
});

const registered: Array<{ registration: BackendRegistration; priority: number }> = [];

/**
 * Adds a backend to the registry of this process, or replaces the one of the same name. Backends
 * are tried by descending priority (ties: first registered first).
 */
export function registerBackend(
  registration: BackendRegistration,
  priority = BACKEND_PRIORITY[registration.name],
): void {
  const at = registered.findIndex((r) => r.registration.name === registration.name);
  if (at >= 0) registered.splice(at, 1);
  let insert = registered.findIndex((r) => r.priority < priority);
  if (insert < 0) insert = registered.length;
  registered.splice(insert, 0, { registration, priority });
}

/** The registered backends, in the order they are tried. */
export function registeredBackends(): readonly BackendRegistration[] {
  return registered.map((r) => r.registration);
}
