// WasmHnswIndex and WasmEmbedder shells: arguments are checked now, and the operations reach the
// runtime's modules, which throw UNSUPPORTED on a backend without an HNSW index (here a mock
// backend: the js-fallback kernels without `hnsw`) and until embeddings land.
import assert from 'node:assert/strict';
import { afterEach, test } from 'node:test';

import { jsKernels } from '../../js/dist/backends/js/index.js';
import { RuVectorRuntime, WasmEmbedder, WasmHnswIndex } from '../../js/dist/index.js';

const config = { dimensions: 4, m: 16, efConstruction: 100, efSearch: 50, distanceMetric: 'cosine' };
const runtime = await RuVectorRuntime.create({ backend: 'js' });
/** A backend without an HNSW index. */
const bare = await RuVectorRuntime.create({
  backends: [{ name: 'js-fallback', load: async () => async () => ({ ...jsKernels, hnsw: undefined }) }],
});
const error = (code, message) => ({ name: 'RuVectorError', code, message });

afterEach(() => RuVectorRuntime.reset());

test('WasmHnswIndex checks its configuration', () => {
  assert.throws(
    () => new WasmHnswIndex({ ...config, dimensions: 0 }),
    error('INVALID_ARGUMENT', 'WasmHnswIndex: config.dimensions must be an integer in [1, 65536] (got 0)'),
  );
  assert.throws(
    () => new WasmHnswIndex({ ...config, m: 2.5 }),
    error('INVALID_ARGUMENT', 'WasmHnswIndex: config.m must be an integer in [2, 128] (got 2.5)'),
  );
  assert.throws(() => new WasmHnswIndex({ ...config, distanceMetric: 'l1' }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => new WasmHnswIndex(null), { code: 'INVALID_ARGUMENT' });
});

test('WasmHnswIndex on a backend without an index: initialize and deserialize reject with UNSUPPORTED; other calls need an index', async () => {
  const index = new WasmHnswIndex(config, { runtime: bare });
  await assert.rejects(
    index.initialize(),
    error(
      'UNSUPPORTED',
      'hnsw.create is not available on the js-fallback backend (it has no HNSW index yet)',
    ),
  );
  await assert.rejects(
    index.deserialize(new Uint8Array(4)),
    error(
      'UNSUPPORTED',
      'hnsw.deserializeAsync is not available on the js-fallback backend (it has no HNSW index yet)',
    ),
  );
  await assert.rejects(
    index.insert('a', new Float32Array(4)),
    error(
      'NOT_INITIALIZED',
      'WasmHnswIndex.insert: the index is not initialized (call initialize() or deserialize())',
    ),
  );
  await assert.rejects(index.search(new Float32Array(4), 3), { code: 'NOT_INITIALIZED' });
  assert.throws(() => index.getStats(), { code: 'NOT_INITIALIZED' });
  await index.dispose();
});

test('WasmHnswIndex uses the shared runtime when none is given', async () => {
  const shared = await RuVectorRuntime.initialize({
    backends: [{ name: 'js-fallback', load: async () => async () => ({ ...jsKernels, hnsw: undefined }) }],
  });
  const index = new WasmHnswIndex(config);
  await assert.rejects(
    index.initialize(),
    error(
      'UNSUPPORTED',
      'hnsw.create is not available on the js-fallback backend (it has no HNSW index yet)',
    ),
  );
  assert.equal(shared.getBackend(), 'js-fallback');
});

test('WasmEmbedder on js-fallback: initialize rejects with UNSUPPORTED naming WebAssembly; nothing is made up', async () => {
  assert.throws(() => new WasmEmbedder({ modelPath: '' }), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => new WasmEmbedder({}), { code: 'INVALID_ARGUMENT' });
  assert.throws(() => new WasmEmbedder({ modelPath: 'a', model: new Uint8Array(1) }), {
    code: 'INVALID_ARGUMENT',
  });
  assert.throws(() => new WasmEmbedder({ modelPath: 'm', dimensions: -1 }), { code: 'INVALID_ARGUMENT' });
  const embedder = new WasmEmbedder({ modelPath: 'models/all-MiniLM-L6-v2' }, { runtime });
  assert.equal(embedder.getDimensions(), 384);
  await assert.rejects(
    embedder.initialize(),
    error(
      'UNSUPPORTED',
      "embeddings.loadModel: the js-fallback backend has no embedding model (it needs WebAssembly or the native addon; the js-fallback twins only small vector kernels). Use RuVectorRuntime.initialize({ backend: 'wasm' }) where WebAssembly exists",
    ),
  );
  await assert.rejects(
    embedder.embed('hello'),
    error('NOT_INITIALIZED', 'WasmEmbedder.embed: the embedder is not initialized (call initialize())'),
  );
  await assert.rejects(embedder.embedBatch(['a', 'b']), { code: 'NOT_INITIALIZED' });
  await embedder.dispose();
});
