// Model sources and ModelCache against a local Hub-layout server on 127.0.0.1: which files are
// taken, each requested once, progress, the file cache and the Cache API (with integrity checks,
// offline use, a full quota), and every network failure reported as MODEL_LOAD_FAILED.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

import {
  ModelCache,
  resolveModel,
  resolveModelBundle,
  hubFileUrl,
  resolveModelId,
} from '../../js/dist/embeddings/index.js';
import { decodeBundle } from '../../js/dist/embeddings/bundle.js';
import { resolveModelForLoad } from '../../js/dist/embeddings/sources.js';
import {
  expectedFiles,
  makeModelTree,
  memoryCaches,
  sha256,
  startModelServer,
} from './embeddings-model-server.mjs';

const tree = makeModelTree();
const tempDirs = [tree.root];
after(() => tempDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
const cacheDir = () => {
  const d = mkdtempSync(join(tmpdir(), 'ruvector-cache-'));
  tempDirs.push(d);
  return d;
};
const failed = (pattern) => ({ name: 'RuVectorError', code: 'MODEL_LOAD_FAILED', message: pattern });
const MINILM = 'sentence-transformers/all-MiniLM-L6-v2';
const MINILM_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  '1_Pooling/config.json',
  'model.safetensors',
];
const OPTIONAL_ABSENT = ['modules.json', 'sentence_bert_config.json'];
const hubPath = (model, file, rev = 'main') => `/${model}/resolve/${rev}/${file}`;

function recorder() {
  const warnings = [];
  return { warnings, logger: { warn: (m) => warnings.push(m) } };
}

function assertFiles(files, folder, names) {
  assert.deepEqual([...files.keys()].sort(), [...names].sort());
  for (const [name, bytes] of expectedFiles(folder, names)) assert.deepEqual(files.get(name), bytes, name);
}

test('a hub id loads from a custom host: the right files, each requested once, optional 404s fine, provenance', async () => {
  const server = await startModelServer(tree.root);
  try {
    const events = [];
    const cache = new ModelCache({ dir: cacheDir() });
    const { files, provenance } = await resolveModel(MINILM, {
      host: server.host,
      cache,
      onProgress: (p) => events.push(p),
    });
    assertFiles(files, tree.minilm, MINILM_FILES);
    for (const f of [...MINILM_FILES, ...OPTIONAL_ABSENT])
      assert.equal(server.count(hubPath(MINILM, f)), 1, f);
    assert.equal(
      server.count(hubPath(MINILM, 'onnx/model.onnx')),
      0,
      'auto prefers safetensors and never asks for ONNX then',
    );
    assert.equal(server.count(hubPath(MINILM, 'vocab.txt')), 0);
    assert.equal(provenance.kind, 'hub');
    assert.equal(provenance.modelId, MINILM);
    assert.equal(provenance.revision, 'main');
    assert.equal(provenance.host, server.host);
    for (const [name, bytes] of files) assert.equal(provenance.filesSha256[name], sha256(bytes), name);

    // Progress: one model total from the first event, monotone counts, per-file totals = sizes.
    const sizes = new Map([...files].map(([n, b]) => [n, b.length]));
    const modelSize = [...sizes.values()].reduce((a, b) => a + b, 0);
    assert.ok(events.length >= files.size);
    assert.ok(
      events.every((e) => e.modelTotal === modelSize),
      'modelTotal known and constant',
    );
    for (let i = 1; i < events.length; i++)
      assert.ok(events[i].modelLoaded >= events[i - 1].modelLoaded, 'modelLoaded monotone');
    assert.equal(events.at(-1).modelLoaded, modelSize);
    for (const [name, size] of sizes) {
      const mine = events.filter((e) => e.file === name);
      assert.ok(
        mine.every((e) => e.total === size),
        name,
      );
      assert.equal(mine.at(-1).loaded, size, name);
      for (let i = 1; i < mine.length; i++) assert.ok(mine[i].loaded > mine[i - 1].loaded, name);
    }
  } finally {
    await server.close();
  }
});

test('offline after a first load: the file cache serves everything (remembered 404s included); a tampered entry is re-downloaded', async () => {
  const dir = cacheDir();
  let server = await startModelServer(tree.root);
  await resolveModel(MINILM, { host: server.host, cache: new ModelCache({ dir }) });
  const host = server.host;
  await server.close();

  const events = [];
  const offline = await resolveModel(MINILM, {
    host,
    cache: new ModelCache({ dir }),
    onProgress: (e) => events.push(e),
  });
  assertFiles(offline.files, tree.minilm, MINILM_FILES);
  assert.equal(events.at(-1).modelLoaded, events.at(-1).modelTotal);

  // Not cached and offline: a clear error naming the file.
  await assert.rejects(
    resolveModel('Xenova/tiny-onnx', { host, cache: new ModelCache({ dir }) }),
    failed(
      /model file config\.json \(http:\/\/127\.0\.0\.1:\d+\/Xenova\/tiny-onnx\/resolve\/main\/config\.json\) is not in the cache and the network failed/,
    ),
  );

  // Tamper with the cached weights (same length, one byte changed): detected, deleted, fetched again.
  const weightsUrl = hubFileUrl(MINILM, 'model.safetensors', { host });
  const entry = join(dir, sha256(weightsUrl).slice(0, 32));
  const bytes = readFileSync(entry);
  bytes[bytes.length - 10] ^= 1;
  writeFileSync(entry, bytes);
  server = await startModelServer(tree.root, { port: Number(new URL(host).port) });
  try {
    const { warnings, logger } = recorder();
    const again = await resolveModel(MINILM, {
      host: server.host,
      cache: new ModelCache({ dir, logger }),
      logger,
    });
    assertFiles(again.files, tree.minilm, MINILM_FILES);
    assert.equal(
      server.count(hubPath(MINILM, 'model.safetensors')),
      1,
      'the tampered file is downloaded again',
    );
    assert.equal(server.requests.size, 1, 'and nothing else');
    assert.ok(
      warnings.some((w) => /model\.safetensors is damaged \(its SHA-256 does not match/.test(w)),
      warnings.join('\n'),
    );
  } finally {
    await server.close();
  }
  // A truncated (torn) entry and garbage are never used either.
  const good = readFileSync(entry);
  assert.deepEqual(
    await new ModelCache({ dir }).get(weightsUrl),
    new Uint8Array(readFileSync(join(tree.minilm, 'model.safetensors'))),
    'the re-downloaded entry is good',
  );
  for (const damage of [
    (b) => b.subarray(0, b.length - 1),
    () => Buffer.from('garbage'),
    (b) => Buffer.concat([b, Buffer.from([0])]),
  ]) {
    writeFileSync(entry, damage(good));
    const cache = new ModelCache({ dir });
    assert.equal(await cache.get(weightsUrl), null);
    assert.deepEqual(
      readdirSync(dir).filter((n) => n === entry.split('/').at(-1)),
      [],
      'the bad entry was deleted',
    );
  }
});

test('a connection dropped mid-file fails the load and caches nothing of that file; a retry succeeds', async () => {
  const dir = cacheDir();
  const bad = await startModelServer(tree.root, { dropAfter: { file: 'model.safetensors', bytes: 100_000 } });
  const weightsUrl = hubFileUrl(MINILM, 'model.safetensors', { host: bad.host });
  try {
    await assert.rejects(
      resolveModel(MINILM, { host: bad.host, cache: new ModelCache({ dir }) }),
      failed(
        /model file model\.safetensors: the download from http:\S+model\.safetensors failed after \d+ of 300000 bytes/,
      ),
    );
    assert.equal(await new ModelCache({ dir }).lookup(weightsUrl), null, 'nothing partial cached');
    assert.ok(!readdirSync(dir).some((n) => n.includes('.tmp-')), 'no temp files left');
  } finally {
    await bad.close();
  }
  const good = await startModelServer(tree.root);
  try {
    const { files } = await resolveModel(MINILM, { host: good.host, cache: new ModelCache({ dir }) });
    assertFiles(files, tree.minilm, MINILM_FILES);
  } finally {
    await good.close();
  }
});

test("a body that does not match the ETag's SHA-256 is rejected and not cached; HTTP errors name the status", async () => {
  const dir = cacheDir();
  const server = await startModelServer(tree.root, { status: { 'modules.json': 500 } });
  try {
    await assert.rejects(
      resolveModel(MINILM, { host: server.host, cache: new ModelCache({ dir }) }),
      failed(/modules\.json: HTTP 500/),
    );
    const wrong = await startModelServer(tree.root, { wrongBody: 'model.safetensors' });
    try {
      await assert.rejects(
        resolveModel(MINILM, { host: wrong.host, cache: new ModelCache({ dir }) }),
        failed(
          /model\.safetensors: the body from \S+ has SHA-256 [0-9a-f]{64}, but the server's ETag says [0-9a-f]{64}/,
        ),
      );
      assert.equal(
        await new ModelCache({ dir }).lookup(hubFileUrl(MINILM, 'model.safetensors', { host: wrong.host })),
        null,
      );
    } finally {
      await wrong.close();
    }
    assert.equal(
      await new ModelCache({ dir }).lookup(hubFileUrl(MINILM, 'model.safetensors', { host: server.host })),
      null,
    );
    await assert.rejects(
      resolveModel('nobody/nothing', { host: server.host, cache: false }),
      failed(
        /required model file config\.json is missing: http:\S+\/nobody\/nothing\/resolve\/main\/config\.json \(404\)/,
      ),
    );
  } finally {
    await server.close();
  }
});

test('fallbacks: vocab.txt without tokenizer.json, ONNX without safetensors; explicit weights choices', async () => {
  const server = await startModelServer(tree.root);
  try {
    const tiny = await resolveModel('Xenova/tiny-onnx', { host: server.host, cache: false });
    assertFiles(tiny.files, tree.tiny, ['config.json', 'vocab.txt', 'onnx/model.onnx']);
    assert.equal(server.count(hubPath('Xenova/tiny-onnx', 'model.safetensors')), 1);
    const onnx = await resolveModel(MINILM, { host: server.host, cache: false, weights: 'onnx' });
    assert.ok(onnx.files.has('onnx/model.onnx') && !onnx.files.has('model.safetensors'));
    await assert.rejects(
      resolveModel('Xenova/tiny-onnx', { host: server.host, cache: false, weights: 'safetensors' }),
      failed(/required model file model\.safetensors is missing/),
    );
  } finally {
    await server.close();
  }
});

test('short names and a custom path template; a plain folder URL; a local folder; bundles of each agree', async () => {
  assert.equal(resolveModelId('minilm-l6-v2'), MINILM);
  assert.equal(resolveModelId('bge-small-en-v1.5'), 'BAAI/bge-small-en-v1.5');
  assert.equal(resolveModelId('gte-small'), 'thenlper/gte-small');
  assert.equal(resolveModelId('e5-small-v2'), 'intfloat/e5-small-v2');
  assert.equal(resolveModelId('paraphrase-MiniLM-L3-v2'), 'sentence-transformers/paraphrase-MiniLM-L3-v2');
  assert.throws(() => resolveModelId('a/../b'), { code: 'INVALID_ARGUMENT' });
  assert.equal(
    hubFileUrl('a/b', '1_Pooling/config.json', {
      host: 'https://m.example/',
      pathTemplate: '/models/{model}@{revision}/{file}',
      revision: 'v1/x',
    }),
    'https://m.example/models/a/b@v1%2Fx/1_Pooling/config.json',
  );

  const server = await startModelServer(tree.root);
  try {
    const seen = [];
    const viaTemplate = await resolveModel('minilm-l6-v2', {
      host: server.host,
      pathTemplate: '/plain/{model}/{file}',
      cache: false,
      fetch: (url) => (seen.push(url), fetch(url)),
    });
    assertFiles(viaTemplate.files, tree.minilm, MINILM_FILES);
    assert.ok(
      seen.every((u) => u.startsWith(`${server.host}/plain/${MINILM}/`)),
      seen.join('\n'),
    );
    const viaUrl = await resolveModel(`${server.host}/plain/${MINILM}`, { cache: false });
    assertFiles(viaUrl.files, tree.minilm, MINILM_FILES);
    assert.equal(viaUrl.provenance.kind, 'url');

    const viaFolder = await resolveModel(tree.minilm);
    assertFiles(viaFolder.files, tree.minilm, MINILM_FILES);
    assert.equal(viaFolder.provenance.kind, 'folder');
    assert.equal(viaFolder.provenance.modelId, 'all-MiniLM-L6-v2');
    assert.equal(
      viaFolder.provenance.contentSha256,
      viaUrl.provenance.contentSha256,
      'same files, same content id',
    );
    await assert.rejects(
      resolveModel({ folder: tree.root }),
      failed(/required model file config\.json is missing in/),
    );

    const { bundle, provenance } = await resolveModelBundle({ folder: tree.minilm }, { modelId: 'mini' });
    const decoded = await decodeBundle(bundle);
    assert.deepEqual(decoded.meta, { modelId: 'mini', revision: '' });
    assertFiles(decoded.fileMap, tree.minilm, MINILM_FILES);
    const back = await resolveModel(bundle);
    assert.equal(back.provenance.kind, 'bundle');
    assert.equal(back.provenance.contentSha256, provenance.contentSha256);
    const bundlePath = join(cacheDir(), 'm.ruvmodel');
    writeFileSync(bundlePath, bundle);
    assertFiles((await resolveModel(bundlePath)).files, tree.minilm, MINILM_FILES);
  } finally {
    await server.close();
  }
});

test('a folder load reads a large file in chunks side by side: every byte in its place', async () => {
  // 8 MiB chunks, four in flight: a file of 2 full chunks and a partial one, and small files.
  const folder = mkdtempSync(join(tmpdir(), 'ruvector-chunks-'));
  tempDirs.push(folder);
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'])
    writeFileSync(join(folder, f), readFileSync(join(tree.minilm, f)));
  const big = new Uint8Array((16 << 20) + 12_345);
  for (let i = 0, x = 7; i < big.length; i++) {
    x = (Math.imul(x, 1_103_515_245) + 12_345) >>> 0;
    big[i] = x >>> 24;
  }
  writeFileSync(join(folder, 'model.safetensors'), big);
  const { bundle, provenance } = await resolveModelForLoad(folder, { weights: 'safetensors' });
  const { filesSha256 } = await provenance(); // hashed from the bundle's own bytes
  assert.equal(filesSha256['model.safetensors'], sha256(big));
  assert.equal(filesSha256['tokenizer.json'], sha256(readFileSync(join(folder, 'tokenizer.json'))));
  assert.ok(bundle.length > big.length);
});

test('Cache API tier: stores verified entries, serves offline, detects tampering, and a full quota falls back to memory with a warning', async () => {
  const caches = memoryCaches();
  const server = await startModelServer(tree.root);
  const host = server.host;
  try {
    const cache = new ModelCache({ caches, memory: false });
    assert.equal(cache.persistence, 'cache-api');
    await resolveModel(MINILM, { host, cache });
    const store = caches.stores.get('ruvector-models');
    assert.equal(store.size, MINILM_FILES.length + OPTIONAL_ABSENT.length, 'files plus remembered 404s');
  } finally {
    await server.close();
  }
  const offline = await resolveModel(MINILM, { host, cache: new ModelCache({ caches, memory: false }) });
  assertFiles(offline.files, tree.minilm, MINILM_FILES);

  const url = hubFileUrl(MINILM, 'config.json', { host });
  const store = caches.stores.get('ruvector-models');
  store.get(url).body[3] ^= 1;
  const { warnings, logger } = recorder();
  assert.equal(await new ModelCache({ caches, logger }).get(url), null);
  assert.ok(warnings.some((w) => /Cache API entry for .*config\.json is damaged/.test(w)));
  assert.equal(store.has(url), false, 'deleted');

  const full = memoryCaches({ quotaBytes: 100_000 });
  const again = await startModelServer(tree.root);
  try {
    const quota = recorder();
    const cache = new ModelCache({ caches: full, memory: false, logger: quota.logger });
    const loaded = await resolveModel(MINILM, { host: again.host, cache });
    assertFiles(loaded.files, tree.minilm, MINILM_FILES);
    assert.ok(
      quota.warnings.some((w) =>
        /the Cache API is full storing \S+model\.safetensors \(QuotaExceededError/.test(w),
      ),
      quota.warnings.join('\n'),
    );
    const weightsUrl = hubFileUrl(MINILM, 'model.safetensors', { host: again.host });
    assert.deepEqual(await cache.get(weightsUrl), loaded.files.get('model.safetensors'), 'kept in memory');
    assert.equal(full.stores.get('ruvector-models').has(weightsUrl), false);
  } finally {
    await again.close();
  }
});

test('ModelCache get/set round trip in each tier, keyed by any string', async () => {
  const data = new Uint8Array([1, 2, 3, 4]);
  for (const options of [{ dir: cacheDir() }, { caches: memoryCaches() }, { persistence: 'none' }]) {
    const cache = new ModelCache(options);
    assert.equal(await cache.get('model-a'), null);
    await cache.set('model-a', data);
    assert.deepEqual(await cache.get('model-a'), data);
    if (options.persistence !== 'none')
      assert.deepEqual(await new ModelCache({ ...options, memory: false }).get('model-a'), data, 'persisted');
    await cache.delete('model-a');
    assert.equal(await cache.get('model-a'), null);
  }
});

test('environment defaults: a global caches selects the Cache API; RUVECTOR_CACHE_DIR and RUVECTOR_MODEL_HOST are honoured', async (t) => {
  const dir = cacheDir();
  const saved = { dir: process.env.RUVECTOR_CACHE_DIR, host: process.env.RUVECTOR_MODEL_HOST };
  t.after(() => {
    for (const [name, value] of [
      ['RUVECTOR_CACHE_DIR', saved.dir],
      ['RUVECTOR_MODEL_HOST', saved.host],
    ]) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    delete globalThis.caches;
  });
  process.env.RUVECTOR_CACHE_DIR = dir;
  const fileCache = new ModelCache();
  assert.equal(fileCache.persistence, 'file');
  await fileCache.set('https://example.test/a', new Uint8Array([9]));
  assert.deepEqual(
    readdirSync(dir),
    [sha256('https://example.test/a').slice(0, 32)],
    "the ADR's hashed name, in RUVECTOR_CACHE_DIR",
  );

  globalThis.caches = memoryCaches();
  assert.equal(new ModelCache().persistence, 'cache-api');

  process.env.RUVECTOR_MODEL_HOST = 'https://mirror.example/';
  assert.equal(
    hubFileUrl(MINILM, 'config.json'),
    `https://mirror.example/${MINILM}/resolve/main/config.json`,
  );
  assert.equal(
    hubFileUrl(MINILM, 'config.json', { host: 'http://h' }),
    `http://h/${MINILM}/resolve/main/config.json`,
    'the option wins',
  );
});

test('without Content-Length the sizes are reported as unknown (null) and the load still completes', async () => {
  const server = await startModelServer(tree.root, { chunked: true });
  try {
    const events = [];
    const { files } = await resolveModel(MINILM, {
      host: server.host,
      cache: false,
      onProgress: (e) => events.push(e),
    });
    assertFiles(files, tree.minilm, MINILM_FILES);
    assert.ok(events.length > 0 && events.every((e) => e.total === null && e.modelTotal === null));
    assert.equal(
      events.at(-1).modelLoaded,
      [...files.values()].reduce((a, b) => a + b.length, 0),
    );
  } finally {
    await server.close();
  }
});
