/**
 * One registry of opaque handles for every module that hands out backend resources (HNSW indexes
 * now, embedding models next). A handle is a frozen empty object; what it stands for lives in a
 * WeakMap private to one registry (one module of one runtime), so a handle of another runtime or
 * a made-up object is refused, a freed handle answers NOT_INITIALIZED, and a handle dropped
 * without `free` releases its backend resource when it is garbage-collected
 * (FinalizationRegistry); `free` is still the way to do it.
 *
 * Each check has one message, whatever the module: `<fn>: handle is not <what> of this runtime`,
 * `<fn>: the <noun> was freed`, `<fn>: a <reentrant> must not call into its own <noun>`.
 */
import { fail, typeName } from './check.js';

/** A backend resource a handle stands for. */
export interface Releasable {
  free(): void;
}

/** How a registry names its handles in messages. */
export interface HandleNaming {
  /** Symbol.toStringTag of the handles: 'HnswIndexHandle'. */
  tag: string;
  /** The handle kind with its article: 'an HNSW index handle'. */
  what: string;
  /** What the handle stands for: 'index'. */
  noun: string;
  /** What may run user code during a call and must not re-enter: 'filter predicate'. */
  reentrant: string;
}

/** One live handle's state: the module's record, its resource, and calls running user code. */
interface Slot<R extends Releasable, M> {
  resource: R | null;
  meta: M;
  /** Calls of this handle that are running user code now (a filter predicate, a callback). */
  busy: number;
}

/** What `use` returns: the live resource and the module's data about it. */
export interface Live<R, M> {
  resource: R;
  meta: M;
}

export interface HandleRegistry<H extends object, R extends Releasable, M> {
  /** A new handle for `resource`, with the module's data `meta` beside it. */
  open(resource: R, meta: M): H;
  /** The live resource of `handle`; throws INVALID_ARGUMENT / NOT_INITIALIZED (see the header). */
  use(fn: string, handle: unknown): Live<R, M>;
  /** True while `resource` is still the one of `handle` (false once freed or replaced). */
  isLive(handle: unknown, resource: R): boolean;
  /** Throws NOT_INITIALIZED when `handle` no longer holds `resource` (freed while a call ran). */
  stillLive(fn: string, handle: unknown, resource: R): void;
  /** Runs `call` with `handle` marked busy: any `use` of it meanwhile throws INVALID_ARGUMENT. */
  exclusive<T>(handle: unknown, call: () => T): T;
  /** Frees the resource now; freeing twice is harmless. */
  free(fn: string, handle: unknown): void;
}

/** A registry of handles named by `naming`. */
export function createHandleRegistry<H extends object, R extends Releasable, M>(
  naming: HandleNaming,
): HandleRegistry<H, R, M> {
  const slots = new WeakMap<object, Slot<R, M>>();
  const finalizer =
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry<R>((resource) => {
          try {
            resource.free();
          } catch {
            // nothing to report to: the handle is gone
          }
        })
      : undefined;

  function slotOf(fn: string, handle: unknown): Slot<R, M> {
    const slot = typeof handle === 'object' && handle !== null ? slots.get(handle) : undefined;
    if (slot === undefined) {
      throw fail(
        'INVALID_ARGUMENT',
        fn,
        `handle is not ${naming.what} of this runtime (got ${typeName(handle)})`,
      );
    }
    return slot;
  }

  function checkIdle(fn: string, slot: Slot<R, M>): void {
    if (slot.busy > 0)
      throw fail('INVALID_ARGUMENT', fn, `a ${naming.reentrant} must not call into its own ${naming.noun}`);
  }

  return {
    open(resource, meta) {
      const handle = Object.freeze(Object.create(null, { [Symbol.toStringTag]: { value: naming.tag } })) as H;
      slots.set(handle, { resource, meta, busy: 0 });
      finalizer?.register(handle, resource, handle);
      return handle;
    },

    use(fn, handle) {
      const slot = slotOf(fn, handle);
      if (slot.resource === null) throw fail('NOT_INITIALIZED', fn, `the ${naming.noun} was freed`);
      checkIdle(fn, slot);
      return { resource: slot.resource, meta: slot.meta };
    },

    isLive(handle, resource) {
      const slot = typeof handle === 'object' && handle !== null ? slots.get(handle) : undefined;
      return slot !== undefined && slot.resource === resource;
    },

    stillLive(fn, handle, resource) {
      if (!this.isLive(handle, resource))
        throw fail('NOT_INITIALIZED', fn, `the ${naming.noun} was freed during the call`);
    },

    exclusive(handle, call) {
      const slot = slots.get(handle as object)!;
      slot.busy++;
      try {
        return call();
      } finally {
        slot.busy--;
      }
    },

    free(fn, handle) {
      const slot = slotOf(fn, handle);
      if (slot.resource === null) return; // freeing twice is harmless
      checkIdle(fn, slot);
      const resource = slot.resource;
      slot.resource = null;
      finalizer?.unregister(handle as object);
      resource.free();
    },
  };
}
