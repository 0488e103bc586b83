// `ruvector memory add|search|delete|stats`: a store on disk from the command line, on the
// generated tiny model: a JSON-lines file added with progress, a filtered search, a delete, stats,
// and a store refused to another model (exit 1) and bad usage (exit 2).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';

import { testModels } from '../conformance/embeddings-support.mjs';

const cli = new URL('../../js/dist/cli.js', import.meta.url).pathname;
const models = testModels();

function run(...args) {
  const r = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('memory add --file, search --filter, delete, stats; another model and bad usage refused', (t) => {
  if (models.missing) {
    if (models.mustRun) throw new Error(models.missing);
    return t.skip(models.missing);
  }
  const dir = mkdtempSync(join(tmpdir(), 'ruvector-cli-'));
  const store = join(dir, 'store');
  const notes = join(dir, 'notes.jsonl');
  const lines = Array.from({ length: 40 }, (_, i) =>
    JSON.stringify({
      id: `n${i}`,
      text: `note ${i} about ${i % 2 ? 'cats' : 'rain'}`,
      metadata: { kind: i % 2 ? 'pet' : 'weather', i },
    }),
  );
  writeFileSync(notes, `${lines.join('\n')}\n`);
  const model = ['--store', store, '--model', join(models.dir, 'tiny')];
  const add = run('memory', 'add', '--file', notes, ...model);
  assert.equal(add.code, 0, add.err);
  // Linked before the command ends (memory.describe().pending 0), so the store left is indexed.
  assert.deepEqual(JSON.parse(add.out), { added: 40, size: 40, pending: 0 });
  assert.match(add.err, /embedded 32\/40\nembedded 40\/40\nlinking 40 into the index/);
  const one = run('memory', 'add', 'x1', 'a single note', '--meta', '{"kind":"pet","i":99}', ...model);
  assert.deepEqual(JSON.parse(one.out), { added: 1, size: 41, pending: 0 });
  const search = run(
    'memory',
    'search',
    'note 3 about cats',
    '-k',
    '5',
    '--filter',
    '{"kind":"pet","i":{"$lt":20}}',
    ...model,
  );
  assert.equal(search.code, 0, search.err);
  const hits = search.out
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(hits.length, 5);
  for (const h of hits) assert.ok(h.metadata.kind === 'pet' && h.metadata.i < 20, JSON.stringify(h));
  assert.equal(hits[0].id, 'n3', 'its own text is nearest');
  for (let i = 1; i < hits.length; i++) assert.ok(hits[i - 1].score >= hits[i].score);
  assert.deepEqual(JSON.parse(run('memory', 'delete', 'n3', ...model).out), { deleted: true, size: 40 });
  const stats = JSON.parse(run('memory', 'stats', ...model).out);
  assert.equal(stats.size, 40);
  assert.equal(stats.model.modelId, 'tiny');
  assert.equal(stats.durability, 'fsync');
  const other = run('memory', 'stats', '--store', store, '--model', join(models.dir, 'tiny-variant'));
  assert.equal(other.code, 1);
  assert.match(other.err, /made by tiny .* the model given is tiny-variant/);
  // --dtype: the store was made with fp32, so q8 is refused (never mixed), and a bad one is usage.
  const q8 = run('memory', 'stats', ...model, '--dtype', 'q8');
  assert.equal(q8.code, 1);
  assert.match(q8.err, /made by tiny .*, fp32, .* the model given is tiny .*, q8, /);
  assert.equal(JSON.parse(run('memory', 'stats', ...model, '--dtype', 'fp32').out).size, 40);
  assert.equal(run('memory', 'stats', ...model, '--dtype', 'q4').code, 2);
  assert.equal(run('memory', 'search', ...model).code, 2);
  assert.equal(run('memory', 'add', 'only-id', ...model).code, 2);
  assert.equal(run('memory', 'stats', '--model', join(models.dir, 'tiny')).code, 2, 'no --store');
  assert.equal(run('memory', 'add', 'a', 'b', '--meta', '{bad', ...model).code, 2);
  assert.equal(run('info', '--store', store).code, 2, '--store applies to memory only');
});
