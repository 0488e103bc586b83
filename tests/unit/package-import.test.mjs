// The package as a user imports it: by name, through package.json "exports", as ESM, from a
// project folder that has it in node_modules (a symlink to js/, as `npm install <path>` makes).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, test } from 'node:test';

import { moduleGraph, specifiers } from '../e2e/module-graph.mjs';

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

test('each environment condition resolves to its entry; the web entry imports on its own', () => {
  // What Node resolves with a runtime's or bundler's condition set first (they list more, but the
  // first match in package.json order decides): Workers/Edge get the wasm-only entry that imports
  // its .wasm as a module, browsers the one-file web build, Deno the web entry, Bun and Node the
  // native-first one.
  const entries = {
    '': 'index.js',
    workerd: 'index.worker.js',
    worker: 'index.worker.js',
    'edge-light': 'index.worker.js',
    browser: 'ruvector.web.js', // the one-file build (scripts/bundle-web.mjs)
    deno: 'index.web.js',
    bun: 'index.js',
  };
  for (const [condition, file] of Object.entries(entries)) {
    const out = runInProject(
      ['--input-type=module', ...(condition ? [`--conditions=${condition}`] : [])],
      `process.stdout.write(import.meta.resolve('ruvector-runtime'));`,
    );
    assert.ok(out.endsWith(`/dist/${file}`), `${condition || 'node'}: ${out}`);
  }
  // The web entry runs in Node too (a test runner with the browser condition): wasm from the file.
  const web = runInProject(
    ['--input-type=module', '--conditions=browser'],
    `
    const m = await import('ruvector-runtime');
    const d = (await m.RuVectorRuntime.create()).describe();
    process.stdout.write(d.backend);`,
  );
  assert.equal(web, 'wasm');
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

test('the Workers/Edge entry and the browser build reach no native code, no fs, no eval or new Function', () => {
  const dist = join(packageDir, 'dist');
  const worker = moduleGraph([join(dist, 'index.worker.js')]);
  assert.ok(
    worker.some((f) => f.endsWith('.wasm')),
    'the worker entry imports the .wasm',
  );
  assert.ok(
    worker.some((f) => f.endsWith('ruvector_wasm.mjs')),
    'and the glue, statically',
  );
  for (const file of worker.filter((f) => /\.m?js$/.test(f))) {
    const code = readFileSync(file, 'utf8');
    assert.ok(!file.includes(`${join('backends', 'native')}`), `${file} is native code`);
    assert.deepEqual(
      specifiers(code).filter((s) => s.startsWith('node:')),
      [],
      `${file} imports node:`,
    );
    assert.ok(!/\beval\s*\(|new Function\s*\(/.test(code), `${file} evaluates strings`);
  }
  // One file: node: only behind import() on the Node/Deno path of locate.ts, never statically;
  // the pthreads glue (its own file: its workers import it by URL) only where it can run.
  const bundle = readFileSync(join(dist, 'ruvector.web.js'), 'utf8');
  assert.deepEqual(
    specifiers(bundle).filter((s) => !s.startsWith('node:')),
    ['./wasm/ruvector_wasm_mt.mjs'],
    'the browser build imports nothing else',
  );
  assert.ok(!/^\s*import[^(]*from\s*['"]\.\/wasm\//m.test(bundle), 'a static import of the pthreads glue');
  const threadsGlue = readFileSync(join(dist, 'wasm', 'ruvector_wasm_mt.mjs'), 'utf8');
  assert.ok(!/\beval\s*\(|new Function\s*\(/.test(threadsGlue), 'the pthreads glue evaluates strings');
  assert.ok(!/^\s*import[^(]*from\s*['"]node:/m.test(bundle), 'a static node: import in the browser build');
  assert.ok(!/\beval\s*\(|new Function\s*\(/.test(bundle), 'the browser build evaluates strings');
});
