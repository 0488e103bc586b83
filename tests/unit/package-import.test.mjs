// The package as a user imports it: by name, through package.json "exports", as ESM, from a
// project folder that has it in node_modules (a symlink to js/, as `npm install <path>` makes).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

const packageDir = fileURLToPath(new URL('../../js/', import.meta.url));
const project = mkdtempSync(join(tmpdir(), 'ruvector-import-'));
mkdirSync(join(project, 'node_modules'));
symlinkSync(packageDir, join(project, 'node_modules', 'ruvector-runtime'), 'dir');
after(() => rmSync(project, { recursive: true, force: true }));

function runInProject(args, script) {
  const env = { ...process.env };
  delete env.RUVECTOR_BACKEND;
  return execFileSync(process.execPath, [...args, '-e', script], { cwd: project, env, encoding: 'utf8' });
}

test("import 'ruvector-runtime' by name resolves the node entry and runs", () => {
  const out = runInProject(
    ['--input-type=module'],
    `
    const m = await import('ruvector-runtime');
    const runtime = await m.RuVectorRuntime.create({ backend: 'js' });
    const d = runtime.getModules().vectorOps.distance(new Float32Array([1, 0]), new Float32Array([0, 1]), 'cosine');
    const keys = ['RuVectorRuntime', 'RuVectorError', 'MemoryPool', 'WasmHnswIndex', 'WasmEmbedder', 'VERSION'];
    process.stdout.write(JSON.stringify({ missing: keys.filter((k) => !(k in m)), d, url: import.meta.resolve('ruvector-runtime') }));`,
  );
  const { missing, d, url } = JSON.parse(out);
  assert.deepEqual(missing, []);
  assert.equal(d, 1);
  assert.match(url, /\/dist\/index\.js$/);
});

test('Node takes the node entry even with --conditions=browser; the web entry imports on its own', () => {
  const out = runInProject(
    ['--input-type=module', '--conditions=browser'],
    `
    process.stdout.write(import.meta.resolve('ruvector-runtime'));`,
  );
  // "node" is listed before "default", so Node itself always takes the node entry; other
  // runtimes (Deno, browsers, workerd) match "default": check that file imports on its own.
  assert.match(out, /\/dist\/index\.js$/);
  const web = runInProject(
    ['--input-type=module'],
    `
    const m = await import(${JSON.stringify(join(packageDir, 'dist', 'index.web.js'))});
    const d = (await m.RuVectorRuntime.create({ backend: 'js' })).describe();
    process.stdout.write(d.backend);`,
  );
  assert.equal(web, 'js-fallback');
});

test('package.json is importable for its version', () => {
  const out = runInProject(
    ['--input-type=module'],
    `
    const { createRequire } = await import('node:module');
    const require = createRequire(process.cwd() + '/');
    process.stdout.write(require('ruvector-runtime/package.json').version);`,
  );
  assert.match(out, /^\d+\.\d+\.\d+$/);
});
