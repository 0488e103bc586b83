// The engines of the memory benchmark, each doing the same job through its own public API: keep
// memories (id, text, metadata { group, n }, a 384-d vector) in a directory, durably as the engine
// offers it, reopen the directory, search the k nearest with and without a metadata filter.
import { readFileSync } from 'node:fs';

/** A package's version from its package.json (some packages do not export that file). */
const version = (pkg) =>
  JSON.parse(
    readFileSync(
      new URL(
        pkg.startsWith('.') ? `${pkg}/package.json` : `./node_modules/${pkg}/package.json`,
        import.meta.url,
      ),
      'utf8',
    ),
  ).version;

/** ruvector-runtime's SemanticMemory on one backend (vectors given: the rivals do not embed either). */
function ours(backend) {
  return {
    name: `ruvector ${backend}`,
    durability: 'fsync before each addBatch resolves',
    async load() {
      // The module and its backend load here, as the rivals' native modules load at import.
      this.lib = await import('../../js/dist/index.js');
      this.runtime = await this.lib.RuVectorRuntime.create({ backend });
      return version('../../js');
    },
    async create(dir, dim) {
      this.m = await this.lib.SemanticMemory.open({
        runtime: this.runtime,
        model: null,
        dimensions: dim,
        path: dir,
      });
    },
    async addBatch(items) {
      await this.m.addBatch(items);
    },
    async settle() {
      await this.m.flush({ index: true });
    },
    async close() {
      await this.m.close();
    },
    async open(dir) {
      this.m = await this.lib.SemanticMemory.open({ runtime: this.runtime, model: null, path: dir });
    },
    async search(q, k, filter) {
      const hits = await this.m.search(q, filter ? { k, filter: { group: filter } } : { k });
      return hits.map((h) => h.id);
    },
  };
}

const vectra = {
  name: 'vectra',
  durability: 'index.json rewritten at each endUpdate (no fsync)',
  async load() {
    this.lib = await import('vectra');
    return version('vectra');
  },
  async create(dir) {
    this.index = new this.lib.LocalIndex(dir);
    await this.index.createIndex({ version: 1, deleteIfExists: true });
  },
  async addBatch(items) {
    await this.index.beginUpdate();
    for (const it of items)
      await this.index.insertItem({
        id: it.id,
        vector: Array.from(it.vector),
        metadata: { ...it.metadata, text: it.text },
      });
    await this.index.endUpdate();
  },
  async close() {},
  async open(dir) {
    this.index = new this.lib.LocalIndex(dir);
    await this.index.getIndexStats(); // loads index.json
  },
  async search(q, k, filter) {
    const v = Array.from(q);
    const hits = await this.index.queryItems(v, '', k, filter ? { group: { $eq: filter } } : undefined);
    return hits.map((h) => h.item.id);
  },
};

const lancedb = {
  name: 'lancedb',
  durability: 'a data file per add (its defaults)',
  async load() {
    this.lib = await import('@lancedb/lancedb');
    return version('@lancedb/lancedb');
  },
  async create(dir) {
    this.db = await this.lib.connect(dir);
    this.table = null;
  },
  async addBatch(items) {
    const rows = items.map((it) => ({
      id: it.id,
      text: it.text,
      grp: it.metadata.group,
      n: it.metadata.n,
      vector: Array.from(it.vector),
    }));
    if (this.table === null) this.table = await this.db.createTable('memories', rows);
    else await this.table.add(rows);
  },
  async close() {
    this.table?.close();
    this.db.close();
  },
  async open(dir) {
    this.db = await this.lib.connect(dir);
    this.table = await this.db.openTable('memories');
    await this.table.countRows();
  },
  async search(q, k, filter) {
    let query = this.table.vectorSearch(Array.from(q)).distanceType('cosine').limit(k);
    if (filter !== undefined) query = query.where(`grp = ${filter}`);
    const rows = await query.select(['id']).toArray();
    return rows.map((r) => r.id);
  },
};

export const ENGINES = [ours('native'), ours('wasm'), ours('js'), vectra, lancedb];
