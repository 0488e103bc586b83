// Runs the engine suite (engine-suite.mjs) inside real engines other than Node, each reaching the
// package through the export condition it uses, and checks each picks the backend it should and
// writes the same bytes as Node's wasm backend (HNSW index, pattern store, adapter). Prints
// "ok - <engine>: ..." / "not ok - ..." and each engine's cold start.
//   node tests/e2e/engines.mjs [workerd ...]     (default: every engine below)
// The engines come from npm (tools/engines, installed by scripts/setup.sh); nothing else is fetched.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const packageDir = join(root, 'js');
const enginesRequire = createRequire(join(root, 'tools/engines/package.json'));
const exportsMap = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).exports['.'];

/** The file the package's exports give for `condition` (the first listed condition that matches). */
function entryFor(condition) {
  const file = exportsMap[condition];
  if (typeof file !== 'string') throw new Error(`package.json exports has no "${condition}" entry`);
  return join(packageDir, file);
}

/**
 * Every module a file reaches through literal imports (static, re-exports and import('...')), as
 * a bundler or workerd's module list sees them; `node:` built-ins and computed specifiers (only
 * evaluated on paths an engine never takes) are left out.
 */
function moduleGraph(entries) {
  const seen = new Set();
  const pattern =
    /(?:^|[;\s])(?:import|export)\s[^'"`;]*?from\s*['"]([^'"]+)['"]|import\s*\(\s*['"]([^'"]+)['"]\s*\)|(?:^|[;\s])import\s*['"]([^'"]+)['"]/g;
  const visit = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (!/\.m?js$/.test(file)) return;
    const code = readFileSync(file, 'utf8');
    for (const m of code.matchAll(pattern)) {
      const spec = m[1] ?? m[2] ?? m[3];
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec));
    }
  };
  entries.forEach(visit);
  return [...seen];
}

/** The digests Node's own wasm backend gives (the bytes every wasm engine must reproduce). */
async function nodeDigests() {
  const pkg = await import(pathToFileURL(entryFor('node')).href);
  const { runEngineSuite } = await import('./engine-suite.mjs');
  return (await runEngineSuite(pkg, { expect: 'wasm', options: { backend: 'wasm' } })).digests;
}

/** Cloudflare's workerd through miniflare: the modules listed explicitly, the .wasm as CompiledWasm. */
async function workerd() {
  const { Miniflare } = await import(pathToFileURL(enginesRequire.resolve('miniflare')).href);
  const entry = entryFor('workerd');
  const suite = fileURLToPath(new URL('./engine-suite.mjs', import.meta.url));
  const main = join(root, '__worker__.mjs');
  const script = `
import * as pkg from './${relative(root, entry)}';
import { runEngineSuite } from './${relative(root, suite)}';
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/initialize') {
      return Response.json((await pkg.RuVectorRuntime.create()).describe());
    }
    return Response.json(await runEngineSuite(pkg, { expect: url.searchParams.get('expect') }));
  },
};`;
  const modules = [
    { type: 'ESModule', path: main, contents: script },
    ...moduleGraph([entry, suite]).map((path) => ({
      type: path.endsWith('.wasm') ? 'CompiledWasm' : 'ESModule',
      path,
    })),
  ];
  const started = performance.now();
  const mf = new Miniflare({ modules, modulesRoot: root, compatibilityDate: '2026-07-01' });
  try {
    await mf.ready;
    const readyMs = performance.now() - started;
    // Time inside a Worker only moves with I/O, so the first request is timed from outside.
    const before = performance.now();
    await (await mf.dispatchFetch('http://localhost/initialize')).text();
    const initializeMs = performance.now() - before;
    const response = await mf.dispatchFetch('http://localhost/?expect=wasm');
    const text = await response.text();
    let run;
    try {
      run = JSON.parse(text);
    } catch {
      throw new Error(`the worker answered HTTP ${response.status}: ${text.slice(0, 2000)}`);
    }
    return {
      ...run,
      coldStart: `${initializeMs.toFixed(1)} ms for the first request (initialize the runtime) once workerd has loaded the modules (${readyMs.toFixed(0)} ms, the process included)`,
    };
  } finally {
    await mf.dispose();
  }
}

const ENGINES = { workerd };

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(ENGINES);
let failed = 0;
const report = (ok, line) => {
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${line}`);
};
const reference = await nodeDigests();
for (const name of names) {
  const engine = ENGINES[name];
  if (engine === undefined) {
    report(false, `${name}: no such engine (known: ${Object.keys(ENGINES).join(', ')})`);
    continue;
  }
  let run;
  try {
    run = await engine();
  } catch (e) {
    report(false, `${name}: the engine ran the suite: ${e?.stack ?? e}`);
    continue;
  }
  for (const r of run.results) report(r.ok, `${name}: ${r.name}${r.detail ? `: ${r.detail}` : ''}`);
  if (run.backend === 'wasm') {
    for (const [what, want] of Object.entries(reference)) {
      const got = run.digests?.[what];
      report(got === want, `${name}: ${what} bytes equal Node's wasm backend's (${got} vs ${want})`);
    }
  }
  console.log(`# ${name}: backend ${run.backend}; cold start: ${run.coldStart}`);
}
process.exitCode = failed === 0 ? 0 : 1;
