// `ruvector pack-model <folder>`: writes a bundle that decodes to exactly the folder's model files.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

import { decodeBundle } from '../../js/dist/embeddings/bundle.js';
import { expectedFiles, makeModelTree } from './embeddings-model-server.mjs';

const cli = fileURLToPath(new URL('../../js/dist/cli.js', import.meta.url));
const tree = makeModelTree();
after(() => rmSync(tree.root, { recursive: true, force: true }));

test('pack-model writes a bundle of the folder (weights choice honoured, model id recorded)', async () => {
  const out = join(tree.root, 'mini.ruvmodel');
  const printed = execFileSync(
    process.execPath,
    [
      cli,
      'pack-model',
      tree.minilm,
      '-o',
      out,
      '--weights',
      'onnx',
      '--model-id',
      'sentence-transformers/all-MiniLM-L6-v2',
    ],
    { encoding: 'utf8' },
  );
  assert.match(printed, /mini\.ruvmodel: \d+ bytes, 6 files .*content sha256 [0-9a-f]{64}/);
  const decoded = await decodeBundle(new Uint8Array(readFileSync(out)));
  assert.deepEqual(decoded.meta, { modelId: 'sentence-transformers/all-MiniLM-L6-v2', revision: '' });
  const names = [
    '1_Pooling/config.json',
    'config.json',
    'onnx/model.onnx',
    'special_tokens_map.json',
    'tokenizer.json',
    'tokenizer_config.json',
  ];
  assert.deepEqual(
    decoded.files.map((f) => f.name),
    names,
  );
  for (const [name, bytes] of expectedFiles(tree.minilm, names))
    assert.deepEqual(decoded.fileMap.get(name), bytes, name);
});

test('pack-model errors: a folder without a model, no folder, a bad --weights', () => {
  const run = (...args) => spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8', cwd: tree.root });
  const missing = run('pack-model', tree.root);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /required model file config\.json is missing/);
  assert.equal(run('pack-model').status, 2);
  assert.equal(run('pack-model', tree.minilm, '--weights', 'gguf').status, 2);
  assert.equal(run('info', '--weights', 'onnx').status, 2);
});
