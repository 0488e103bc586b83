/**
 * HnswKernels of the js-fallback backend: argument checks, error mapping and filters around
 * Graph, with the core's (ruv::HnswIndex) checks and messages. Compatible with the core, not
 * identical (core/src/hnsw/FORMAT.md "Backends"): the same bytes load everywhere and give the
 * same search results; the graphs each backend builds may differ. Inserts are serial.
 */
import type {
  HnswBackendIndex,
  HnswBackendStats,
  HnswFilterSpec,
  HnswHits,
  HnswKernels,
  HnswParams,
} from '../../../backend.js';
import { RuVectorError } from '../../../errors.js';
import { Graph, NONE, type SlotFilter } from './graph.js';
import { validateParams } from './params.js';
import { removeSlot } from './remove.js';
import { Query } from './vector-store.js';
import { deserializeGraph, MAX_ANNOTATION, serializeGraph } from './serialize.js';

const SURROGATE = /[\uD800-\uDFFF]/;
const encoder = new TextEncoder();
// ignoreBOM: an id may begin with U+FEFF, which a default decoder would strip.
const decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * Ids are stored as their UTF-8 bytes, where a lone surrogate becomes U+FFFD (as in the native
 * binding); ids are canonicalized the same way so that two ids equal as bytes are equal here.
 */
function canonicalId(id: string): string {
  return SURROGATE.test(id) ? decoder.decode(encoder.encode(id)) : id;
}

function allFinite(v: Float32Array, off: number, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const x = v[off + i]!;
    // x - x is NaN exactly for NaN and +-Infinity: one comparison per element.
    if (x - x !== 0) return false;
  }
  return true;
}

export class JsHnswIndex implements HnswBackendIndex {
  #g: Graph | null;
  /** True while a predicate filter runs: the walk's scratch and graph must not change under it. */
  #inPredicate = false;

  constructor(g: Graph) {
    this.#g = g;
  }

  #graph(): Graph {
    if (this.#g === null) throw new RuVectorError('NOT_INITIALIZED', 'hnsw: the index has been freed');
    if (this.#inPredicate) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        'hnsw: a filter predicate must not call into its own index',
      );
    }
    return this.#g;
  }

  /** Checks one entry; returns its canonical id. Throws before anything changes. */
  #check(g: Graph, id: string, v: Float32Array, off: number): string {
    if (typeof id !== 'string' || id.length === 0)
      throw new RuVectorError('INVALID_ARGUMENT', 'hnsw: empty id');
    if (v.length < off + g.params.dimensions) {
      throw new RuVectorError('DIMENSION_MISMATCH', `hnsw: vector must have ${g.params.dimensions} values`);
    }
    if (!allFinite(v, off, g.params.dimensions))
      throw new RuVectorError('NON_FINITE', 'hnsw: vector holds NaN or Inf');
    return canonicalId(id);
  }

  /** Replaces or adds one checked entry. int8 codes are made first, so a failure changes nothing. */
  #insertChecked(g: Graph, id: string, v: Float32Array, off: number): void {
    g.vectors.prepareInto(v, off, g.query);
    const codes = g.vectors.int8 ? g.vectors.encode(g.query.v) : null;
    const old = g.idMap.get(id);
    if (old !== undefined) removeSlot(g, old);
    g.insertPrepared(id, codes);
  }

  insert(id: string, vector: Float32Array): void {
    const g = this.#graph();
    const key = this.#check(g, id, vector, 0);
    if (vector.length !== g.params.dimensions) {
      throw new RuVectorError('DIMENSION_MISMATCH', `hnsw: vector must have ${g.params.dimensions} values`);
    }
    this.#insertChecked(g, key, vector, 0);
  }

  insertBatch(ids: readonly string[], flat: Float32Array): void {
    const g = this.#graph();
    const dim = g.params.dimensions;
    if (flat.length !== ids.length * dim) {
      throw new RuVectorError('DIMENSION_MISMATCH', `hnsw: batch must hold ${ids.length} x ${dim} values`);
    }
    // Every entry is validated before any is inserted (ruv::HnswIndex::InsertBatch).
    const keys = ids.map((id, i) => this.#check(g, id, flat, i * dim));
    if (g.vectors.int8) {
      for (let i = 0; i < keys.length; i++) {
        g.vectors.prepareInto(flat, i * dim, g.query);
        g.vectors.encode(g.query.v); // throws INVALID_ARGUMENT for a row int8 cannot code
      }
    }
    for (let i = 0; i < keys.length; i++) this.#insertChecked(g, keys[i]!, flat, i * dim);
  }

  search(query: Float32Array, k: number, ef: number, filter?: HnswFilterSpec): HnswHits {
    const g = this.#graph();
    if (query.length !== g.params.dimensions) {
      throw new RuVectorError('DIMENSION_MISMATCH', `hnsw: query must have ${g.params.dimensions} values`);
    }
    if (!allFinite(query, 0, query.length))
      throw new RuVectorError('NON_FINITE', 'hnsw: query holds NaN or Inf');
    let allow: SlotFilter = null;
    let listed: number[] | null = null;
    if (filter?.kind === 'ids') {
      const slots = new Set<number>();
      for (const id of filter.ids) {
        const slot = g.idMap.get(canonicalId(id));
        if (slot !== undefined) slots.add(slot);
      }
      allow = (slot) => slots.has(slot);
      listed = [...slots].sort((a, b) => a - b);
    } else if (filter?.kind === 'predicate') {
      const fn = filter.allow;
      const ids = g.ids;
      // Truthiness, as the native binding reads the predicate's result (ToBoolean).
      allow = (slot) => Boolean(fn(ids[slot]!));
    }
    g.vectors.prepareInto(query, 0, g.query);
    this.#inPredicate = filter?.kind === 'predicate';
    try {
      g.searchPrepared(k, ef === 0 ? g.params.efSearch : ef, allow, listed);
    } finally {
      this.#inPredicate = false;
    }
    const found = g.found;
    const n = found.size;
    const hits: HnswHits = {
      ids: new Array<string>(n),
      scores: new Float32Array(n),
      distances: new Float32Array(n),
    };
    for (let i = 0; i < n; i++) {
      const od = found.dist[i]!;
      hits.ids[i] = g.ids[found.slot[i]!]!;
      hits.scores[i] = g.vectors.score(od);
      hits.distances[i] = g.vectors.metricDistance(od);
    }
    return hits;
  }

  remove(id: string): boolean {
    const g = this.#graph();
    const slot = g.idMap.get(canonicalId(id));
    if (slot === undefined) return false;
    removeSlot(g, slot);
    return true;
  }

  contains(id: string): boolean {
    const g = this.#graph();
    return g.idMap.has(canonicalId(id));
  }

  annotation(): string {
    return this.#graph().annotation;
  }

  setAnnotation(text: string): void {
    const g = this.#graph();
    // As the other bindings hand it to the core: UTF-8, a lone surrogate becoming U+FFFD.
    const bytes = new TextEncoder().encode(text);
    if (bytes.length > MAX_ANNOTATION)
      throw new RuVectorError('INVALID_ARGUMENT', 'hnsw: an annotation is at most 1 MiB');
    g.annotation = new TextDecoder().decode(bytes);
  }

  /** The stored vector of `id` (as the core's HnswIndex::GetVector: prepared, decoded), or undefined. */
  vectorOf(id: string): Float32Array | undefined {
    const g = this.#graph();
    const slot = g.idMap.get(canonicalId(id));
    if (slot === undefined) return undefined;
    const q = g.vectors.rowQuery(slot, new Query(g.params.dimensions));
    return q.v.slice(q.off, q.off + g.params.dimensions);
  }

  /** Live ids no walk over level-0 links from the entry point reaches (HnswIndex::Unreachable). */
  unreachable(): string[] {
    const g = this.#graph();
    const seen = new Uint8Array(g.slotCount);
    const queue: number[] = [];
    if (g.entry !== NONE) {
      seen[g.entry] = 1;
      queue.push(g.entry);
    }
    for (let i = 0; i < queue.length; i++) {
      const ll = g.linkArray(queue[i]!, 0);
      const off = g.linkOffset(queue[i]!, 0);
      for (let j = 1; j <= ll[off]!; j++) {
        const n = ll[off + j]!;
        if (seen[n] === 0) {
          seen[n] = 1;
          queue.push(n);
        }
      }
    }
    const out: string[] = [];
    for (let slot = 0; slot < g.slotCount; slot++)
      if (g.live[slot] !== 0 && seen[slot] === 0) out.push(g.ids[slot]!);
    return out;
  }

  listIds(start: number, max: number): { ids: string[]; next: number } {
    const g = this.#graph();
    const ids: string[] = [];
    let slot = start;
    for (; slot < g.slotCount && ids.length < max; slot++) if (g.live[slot] !== 0) ids.push(g.ids[slot]!);
    return { ids, next: Math.max(slot, start) };
  }

  serialize(): Uint8Array {
    return serializeGraph(this.#graph());
  }

  count(): number {
    return this.#graph().liveCount;
  }

  stats(): HnswBackendStats {
    const g = this.#graph();
    const vectorBytes = g.vectors.bytes();
    let upperBytes = 0;
    let idBytes = 0;
    let holderBytes = 0;
    for (let slot = 0; slot < g.slotCount; slot++) {
      upperBytes += g.upper[slot]?.byteLength ?? 0;
      idBytes += 2 * (g.ids[slot]?.length ?? 0);
      // Holder lists: JS arrays of small integers, ~8 bytes per entry and ~32 per array.
      holderBytes += 32 + 8 * (g.holders0[slot]?.length ?? 0);
      for (const h of g.holdersUp[slot] ?? []) holderBytes += 32 + 8 * h.length;
    }
    // Approximate, like the core's: typed arrays, link blocks, holder lists, ids twice (array +
    // map key is the same string in V8, counted once) plus ~48 bytes of Map entry per id.
    const memoryBytes =
      vectorBytes +
      g.link0.byteLength +
      g.parent.byteLength +
      holderBytes +
      g.levels.byteLength +
      g.live.byteLength +
      4 * g.free.length +
      upperBytes +
      idBytes +
      48 * g.idMap.size;
    return {
      count: g.liveCount,
      slots: g.slotCount,
      dimensions: g.params.dimensions,
      m: g.params.m,
      efConstruction: g.params.efConstruction,
      efSearch: g.params.efSearch,
      maxLevel: g.maxLevel,
      metric: g.params.metric,
      storage: g.params.storage,
      vectorBytes,
      memoryBytes,
    };
  }

  free(): void {
    if (this.#inPredicate) {
      throw new RuVectorError(
        'INVALID_ARGUMENT',
        'hnsw: a filter predicate must not call into its own index',
      );
    }
    this.#g = null;
  }
}

/** The js-fallback HNSW entry points. */
export const jsHnswKernels: HnswKernels = Object.freeze({
  create(params: HnswParams): HnswBackendIndex {
    const reason = validateParams(params);
    if (reason !== null) throw new RuVectorError('INVALID_ARGUMENT', reason);
    return new JsHnswIndex(new Graph({ ...params }));
  },
  deserialize(bytes: Uint8Array): HnswBackendIndex {
    if (!(bytes instanceof Uint8Array))
      throw new RuVectorError('INVALID_ARGUMENT', 'hnsw: bytes must be a Uint8Array');
    return new JsHnswIndex(deserializeGraph(bytes));
  },
});
