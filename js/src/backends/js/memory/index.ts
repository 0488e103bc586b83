/**
 * MemoryKernels of the js-fallback backend: the twin of core/src/memory (memory.cc,
 * record_store.cc, filtered_search.cc) over the js HNSW index, with the same checks, messages
 * and search strategy (a 256-record sample estimates the matches; a selective filter ranks its
 * matches exactly; a broad one runs during the walk; a short walk is completed exactly).
 */
import type {
  HnswBackendIndex,
  HnswHits,
  HnswParams,
  MemoryBackend,
  MemoryKernels,
  MemoryVerifyCounts,
} from '../../../backend.js';
import { RuVectorError } from '../../../errors.js';
import { JsHnswIndex, jsHnswKernels } from '../hnsw/index.js';
import { Bm25Index, fuseRankings } from './bm25.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';
import { compileFilter, type CompiledFilter, depthWithin, type Json } from './metadata-filter.js';

const MAX_METADATA_TEXT = 1 << 20;
const MAX_METADATA_DEPTH = 32;
const SELECTIVITY_SAMPLE = 256;
const EXACT_FACTOR = 16;

interface Entry {
  text: string;
  metadata: Json;
  /** Index in `byPosition`. */
  position: number;
}

const encoder = new TextEncoder();
const invalid = (message: string): RuVectorError => new RuVectorError('INVALID_ARGUMENT', message);

/** Metadata text parsed and bounded as record_store.cc's ParseMetadata does. */
function parseMetadata(text: string): Json {
  if (text === '') return {};
  if (text.length > MAX_METADATA_TEXT && encoder.encode(text).length > MAX_METADATA_TEXT)
    throw invalid(`metadata is longer than ${MAX_METADATA_TEXT} bytes of JSON`);
  let parsed: Json;
  try {
    parsed = JSON.parse(text) as Json;
  } catch {
    throw invalid('metadata is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalid('metadata must be a JSON object');
  if (!depthWithin(parsed, MAX_METADATA_DEPTH))
    throw invalid(`metadata nests deeper than ${MAX_METADATA_DEPTH} levels`);
  return parsed;
}

class JsMemory implements MemoryBackend {
  readonly #index: HnswBackendIndex;
  readonly #efSearch: number;
  readonly #records = new Map<string, Entry>();
  readonly #byPosition: string[] = [];
  readonly #bm25 = new Bm25Index();
  #freed = false;

  constructor(index: HnswBackendIndex, efSearch: number) {
    this.#index = index;
    this.#efSearch = efSearch;
  }

  #live(fn: string): HnswBackendIndex {
    if (this.#freed) throw new RuVectorError('NOT_INITIALIZED', `memory.${fn}: the memory was freed`);
    return this.#index;
  }

  put(id: string, text: string, metadataJson: string, vector: Float32Array | null): void {
    const index = this.#live('put');
    const metadata = parseMetadata(metadataJson);
    if (vector === null) {
      if (!this.#records.has(id)) throw invalid('no vector given, and no stored memory to keep one from');
    } else {
      index.insert(id, vector); // checks the id and the vector before it changes anything
    }
    this.putRecord(id, text, metadata);
  }

  putBatch(
    ids: string[],
    texts: string[],
    metas: string[],
    flat: Float32Array,
    keep: Uint8Array | null,
  ): void {
    const index = this.#live('putBatch');
    const count = ids.length;
    if (count === 0) return;
    const dim = flat.length / count;
    // Everything checked first (as the core's PutBatch): one bad entry changes nothing.
    const metadata = metas.map((json, i) => {
      if (ids[i] === '') throw invalid(`entry ${i}: empty id`);
      try {
        return parseMetadata(json);
      } catch (e) {
        throw invalid(`entry ${i}: ${(e as Error).message}`);
      }
    });
    const added = new Set<string>();
    const withVectors: string[] = [];
    const rows: number[] = [];
    ids.forEach((id, i) => {
      if (keep === null || keep[i] === 0) {
        added.add(id);
        withVectors.push(id);
        rows.push(i);
      } else if (!added.has(id) && !this.#records.has(id)) {
        throw invalid(`entry ${i}: no vector given, and no stored memory to keep one from`);
      }
    });
    // Rows that keep their vector are left out (a copy only then).
    let vectors = flat;
    if (rows.length !== count) {
      vectors = new Float32Array(rows.length * dim);
      rows.forEach((row, j) => vectors.set(flat.subarray(row * dim, (row + 1) * dim), j * dim));
    }
    index.insertBatch(withVectors, vectors); // checks every vector before inserting any
    ids.forEach((id, i) => this.putRecord(id, texts[i]!, metadata[i]!));
  }

  /** The record of an id the index holds. */
  putRecord(id: string, text: string, metadata: Json): void {
    this.#bm25.put(id, text);
    const old = this.#records.get(id);
    if (old !== undefined) {
      old.text = text;
      old.metadata = metadata;
      return;
    }
    this.#records.set(id, { text, metadata, position: this.#byPosition.length });
    this.#byPosition.push(id);
  }

  remove(id: string): boolean {
    const inIndex = this.#live('remove').remove(id);
    const entry = this.#records.get(id);
    if (entry !== undefined) {
      const last = this.#byPosition.pop()!;
      if (last !== id) {
        this.#byPosition[entry.position] = last;
        this.#records.get(last)!.position = entry.position;
      }
      this.#records.delete(id);
      this.#bm25.erase(id);
    }
    return inIndex || entry !== undefined;
  }

  get(id: string) {
    this.#live('get');
    const e = this.#records.get(id);
    return e === undefined ? undefined : { text: e.text, metadataJson: JSON.stringify(e.metadata) };
  }

  getMany(ids: readonly string[]) {
    this.#live('getMany');
    return ids.map((id) => this.get(id));
  }

  contains(id: string): boolean {
    this.#live('contains');
    return this.#records.has(id);
  }

  count(): number {
    this.#live('count');
    return this.#records.size;
  }

  listIds(start: number, max: number): { ids: string[]; next: number } {
    return this.#live('listIds').listIds!(start, max);
  }

  /** The core's Memory::Verify (memory_verify.cc), step for step: the same counts and ids. */
  verify(reference: MemoryBackend | null, repair: boolean): MemoryVerifyCounts {
    const index = this.#live('verify') as JsHnswIndex;
    if (reference === this) throw invalid('verify: a memory is not its own reference');
    if (reference !== null && !(reference instanceof JsMemory))
      throw invalid('memory.verify: the reference is not a js-fallback memory');
    const ref = reference;
    const r: MemoryVerifyCounts = {
      checked: 0,
      unreachable: 0,
      orphans: 0,
      lost: 0,
      restored: 0,
      unlogged: 0,
      ids: [],
    };
    const note = (key: Exclude<keyof MemoryVerifyCounts, 'ids' | 'checked'>, id: string): void => {
      r[key]++;
      if (r.ids.length < 100) r.ids.push(id);
    };
    for (let start = 0; ;) {
      const { ids, next } = index.listIds(start, 4096);
      if (ids.length === 0) break;
      for (const id of ids) {
        if (this.#records.has(id)) continue;
        note('orphans', id);
        if (repair) index.remove(id);
      }
      start = next;
    }
    r.checked = this.#records.size;
    const lost = new Set(this.#byPosition.filter((id) => !index.contains(id)));
    for (const id of index.unreachable()) {
      note('unreachable', id);
      const v = repair ? index.vectorOf(id) : undefined;
      if (v !== undefined) index.insert(id, v);
    }
    if (ref !== null) {
      const refIndex = ref.#live('verify') as JsHnswIndex;
      for (const id of [...ref.#byPosition]) {
        const want = ref.#records.get(id)!;
        const theirs = refIndex.vectorOf(id);
        if (theirs === undefined) continue; // the reference's own loss
        const have = this.#records.get(id);
        const mine = index.vectorOf(id);
        const same =
          have !== undefined &&
          mine !== undefined &&
          have.text === want.text &&
          JSON.stringify(have.metadata) === JSON.stringify(want.metadata) &&
          mine.every((x, i) => x === theirs[i]); // as the core compares floats
        if (same) continue;
        note('restored', id);
        lost.delete(id);
        if (!repair) continue;
        index.insert(id, theirs);
        this.putRecord(id, want.text, JSON.parse(JSON.stringify(want.metadata)) as Json);
      }
      for (const id of this.#byPosition) if (!ref.#records.has(id)) note('unlogged', id);
    }
    for (const id of lost) note('lost', id);
    return r;
  }

  search(query: Float32Array, k: number, ef: number, filterJson: string): HnswHits {
    const index = this.#live('search');
    const filter = compileFilter(filterJson);
    const n = this.#byPosition.length;
    const walkEf = Math.max(ef !== 0 ? ef : this.#efSearch, k);
    if (!filter.matchesAll) {
      const sample = Math.min(n, SELECTIVITY_SAMPLE);
      let hits = 0;
      for (let i = 0; i < sample; i++) {
        if (filter.matches(this.#records.get(this.#byPosition[Math.floor((i * n) / sample)]!)!.metadata))
          hits++;
      }
      const estimated = sample === 0 ? 0 : Math.ceil((hits * n) / sample);
      if (estimated <= EXACT_FACTOR * walkEf) return this.#exact(index, query, k, filter);
    }
    const records = this.#records;
    const out = index.search(query, k, walkEf, {
      kind: 'predicate',
      allow: (id) => {
        const r = records.get(id);
        return r !== undefined && filter.matches(r.metadata);
      },
    });
    if (out.ids.length < k && out.ids.length < n) return this.#exact(index, query, k, filter);
    return out;
  }

  searchHybrid(
    query: Float32Array,
    text: string,
    k: number,
    ef: number,
    filterJson: string,
  ): { hits: HnswHits; fused: Float64Array } {
    const index = this.#live('searchHybrid');
    const filter = compileFilter(filterJson);
    const none = {
      hits: { ids: [], scores: new Float32Array(0), distances: new Float32Array(0) },
      fused: new Float64Array(0),
    };
    if (k === 0) return none;
    const depth = Math.max(4 * k, 50);
    const byVector = this.search(query, depth, ef, filterJson);
    const byKeyword = this.#bm25.search(text, depth, (id) => {
      const r = this.#records.get(id);
      return r !== undefined && filter.matches(r.metadata);
    });
    const fused = fuseRankings([byVector.ids, byKeyword.map((h) => h.id)], k);
    const ids: string[] = [];
    const scores: number[] = [];
    const distances: number[] = [];
    const fusedScores: number[] = [];
    for (const f of fused) {
      let i = byVector.ids.indexOf(f.id);
      let from = byVector;
      if (i < 0) {
        from = index.search(query, 1, 1, { kind: 'ids', ids: [f.id] });
        i = 0;
        if (from.ids.length === 0) continue;
      }
      ids.push(f.id);
      scores.push(from.scores[i]!);
      distances.push(from.distances[i]!);
      fusedScores.push(f.score);
    }
    return {
      hits: { ids, scores: Float32Array.from(scores), distances: Float32Array.from(distances) },
      fused: Float64Array.from(fusedScores),
    };
  }

  /** Every matching record ranked exactly (an allow-list no longer than ef is ranked without a walk). */
  #exact(index: HnswBackendIndex, query: Float32Array, k: number, filter: CompiledFilter): HnswHits {
    const ids = this.#byPosition.filter((id) => filter.matches(this.#records.get(id)!.metadata));
    if (ids.length === 0) return { ids: [], scores: new Float32Array(0), distances: new Float32Array(0) };
    return index.search(query, k, Math.min(Math.max(ids.length, k), 0xffffffff), { kind: 'ids', ids });
  }

  serialize(header: string): Uint8Array {
    const index = this.#live('serialize');
    const records = this.#byPosition.map((id) => {
      const e = this.#records.get(id)!;
      return { id, text: e.text, metadataJson: JSON.stringify(e.metadata) };
    });
    return writeSnapshot(header, index.serialize(), records);
  }

  free(): void {
    if (this.#freed) return;
    this.#freed = true;
    this.#index.free();
  }
}

export const jsMemoryKernels: MemoryKernels = Object.freeze({
  create: (params: HnswParams): MemoryBackend => new JsMemory(jsHnswKernels.create(params), params.efSearch),
  deserialize(bytes: Uint8Array) {
    const loaded = readSnapshot(bytes, parseMetadata);
    const memory = new JsMemory(loaded.index, loaded.index.stats().efSearch);
    for (const r of loaded.records) memory.putRecord(r.id, r.text, parseMetadata(r.metadataJson));
    return { memory, header: loaded.header };
  },
});
