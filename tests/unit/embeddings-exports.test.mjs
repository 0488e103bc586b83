// The model-loading API as a user reaches it: by package name from both entries, and the web
// entry's static import graph free of Node built-ins (fs is imported lazily, for folders only).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const packageDir = fileURLToPath(new URL('../../js/', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'ruvector-embed-import-'));
mkdirSync(join(project, 'node_modules'));
symlinkSync(packageDir, join(project, 'node_modules', 'ruvector-runtime'), 'dir');
after(() => rmSync(project, { recursive: true, force: true }));

test("import 'ruvector-runtime': ModelCache, bundles and sources are exported; a bundle round trips", () => {
  const script = (specifier) => `
    const m = await import('${specifier}');
    const keys = ['ModelCache', 'encodeBundle', 'decodeBundle', 'resolveModel', 'resolveModelBundle', 'resolveModelId', 'hubFileUrl', 'MODEL_SHORT_NAMES'];
    const bundle = await m.encodeBundle(new Map([['config.json', new TextEncoder().encode('{}')]]), { modelId: 'x', revision: 'r' });
    const back = await m.decodeBundle(bundle);
    const resolved = await m.resolveModel(bundle);
    process.stdout.write(JSON.stringify({ missing: keys.filter((k) => typeof m[k] === 'undefined'), names: back.files.map((f) => f.name), meta: back.meta, kind: resolved.provenance.kind }));`;
  // By name (the node entry), and the web entry (what browsers, Workers and Deno get) by its file.
  for (const specifier of ['ruvector-runtime', new URL('../../js/dist/index.web.js', import.meta.url).href]) {
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script(specifier)], {
        cwd: project,
        encoding: 'utf8',
      }),
    );
    assert.deepEqual(out, {
      missing: [],
      names: ['config.json'],
      meta: { modelId: 'x', revision: 'r' },
      kind: 'bundle',
    });
  }
});

test('the web entry statically imports no node: module (bundlers and browsers never see fs)', () => {
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const code = readFileSync(file, 'utf8');
    for (const [, spec] of code.matchAll(/^\s*(?:import|export)\s[^'";]*?from\s+['"]([^'"]+)['"]/gm)) {
      assert.ok(
        !spec.startsWith('node:') && !['fs', 'path', 'os', 'crypto'].includes(spec),
        `${file} imports ${spec} at top level`,
      );
      if (spec.startsWith('.')) walk(resolve(dirname(file), spec));
    }
  };
  walk(fileURLToPath(new URL('../../js/dist/index.web.js', import.meta.url)));
  assert.ok(
    [...seen].some((f) => f.endsWith('model-cache.js')) && [...seen].some((f) => f.endsWith('sources.js')),
    'the walk reached the embeddings files',
  );
});
