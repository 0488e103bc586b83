// Runs the engine suite (engine-suite.mjs) in every engine the package claims, each reaching it
// the way a user's program there does (its own resolution of the package's export conditions),
// and checks that each picks the backend it should and that wasm engines write the same bytes as
// Node's wasm backend (HNSW index, pattern store, adapter). Prints "ok - <engine>: ..." /
// "not ok - ..." and each engine's cold start.
//   node tests/e2e/engines.mjs [engine ...]     (default: every engine in ENGINES)
// Deno, Bun and workerd come from npm (tools/engines, installed by scripts/setup.sh); nothing
// else is fetched.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { moduleGraph } from './module-graph.mjs';
import { launchChromium, serveStatic } from './web.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const packageDir = join(root, 'js');
const enginesRequire = createRequire(join(root, 'tools/engines/package.json'));
const exportsMap = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).exports['.'];

/** The test models (scripts/make-test-models.sh): tiny.ruvmodel and tiny/reference.json. */
const models = process.env.RUV_TEST_MODELS ?? join(root, 'build/models');
const modelFiles = {
  bundle: join(models, 'tiny.ruvmodel'),
  reference: join(models, 'tiny/reference.json'),
};
function testModel() {
  return {
    bundle: new Uint8Array(readFileSync(modelFiles.bundle)),
    reference: JSON.parse(readFileSync(modelFiles.reference, 'utf8')),
  };
}

/** The file the package's exports give for `condition` (the first listed condition that matches). */
function entryFor(condition) {
  const file = exportsMap[condition];
  if (typeof file !== 'string') throw new Error(`package.json exports has no "${condition}" entry`);
  return join(packageDir, file);
}

/**
 * Node's own wasm backend's run: its digests are the bytes every wasm engine must reproduce, its
 * embedding of the suite's sentence the vector a native engine must reproduce within float error.
 */
async function nodeWasmRun() {
  const pkg = await import(pathToFileURL(entryFor('node')).href);
  const { runEngineSuite } = await import('./engine-suite.mjs');
  return runEngineSuite(pkg, { expect: 'wasm', options: { backend: 'wasm' }, model: testModel() });
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
import bundle from './__model__.ruvmodel';
const model = { bundle: new Uint8Array(bundle), reference: ${readFileSync(modelFiles.reference, 'utf8')} };
export default {
  async fetch(request) {
    const url = new URL(request.url);
    if (url.pathname === '/initialize') {
      return Response.json((await pkg.RuVectorRuntime.create()).describe());
    }
    return Response.json(await runEngineSuite(pkg, { expect: url.searchParams.get('expect'), model }));
  },
};`;
  const modules = [
    { type: 'ESModule', path: main, contents: script },
    { type: 'Data', path: join(root, '__model__.ruvmodel'), contents: readFileSync(modelFiles.bundle) },
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
    const { version } = JSON.parse(readFileSync(enginesRequire.resolve('miniflare/package.json'), 'utf8'));
    return {
      ...run,
      version: `workerd (miniflare ${version})`,
      coldStart: `${initializeMs.toFixed(1)} ms for the first request (initialize the runtime) once workerd has loaded the modules (${readyMs.toFixed(0)} ms, the process included)`,
    };
  } finally {
    await mf.dispose();
  }
}

/** Vercel's Edge Runtime: edge-runner.mjs loads the "edge-light" entry into an EdgeVM context. */
async function edgeRuntime() {
  const runner = fileURLToPath(new URL('./edge-runner.mjs', import.meta.url));
  const suite = fileURLToPath(new URL('./engine-suite.mjs', import.meta.url));
  const started = performance.now();
  const r = spawnSync(
    process.execPath,
    [
      '--experimental-vm-modules',
      '--no-warnings',
      runner,
      entryFor('edge-light'),
      suite,
      join(root, 'tools/engines/package.json'),
      modelFiles.bundle,
      modelFiles.reference,
    ],
    { encoding: 'utf8', timeout: 300_000 },
  );
  const elapsed = performance.now() - started;
  const runLine = /^# run (.*)$/m.exec(r.stdout ?? '');
  if (runLine === null)
    throw new Error(`edge-runner.mjs printed no run (status ${r.status}): ${r.stdout}${r.stderr}`);
  const run = JSON.parse(runLine[1]);
  const { version } = JSON.parse(
    readFileSync(enginesRequire.resolve('@edge-runtime/vm/package.json'), 'utf8'),
  );
  return {
    ...run,
    version: `@edge-runtime/vm ${version}`,
    coldStart: `initialize ${run.initializeMs.toFixed(1)} ms (the whole run ${elapsed.toFixed(0)} ms)`,
  };
}

/** The page that imports the package by name (import map to its "browser" entry) and runs the suite. */
function suitePage() {
  const browserEntry = `/${relative(root, entryFor('browser'))}`;
  return `<!doctype html><meta charset="utf-8"><title>ruvector engine suite</title>
<script type="importmap">${JSON.stringify({ imports: { 'ruvector-runtime': browserEntry } })}</script>
<script type="module">
const before = performance.now();
await import('/tests/e2e/floor.mjs');
const floorMs = performance.now() - before;
const started = performance.now();
const pkg = await import('ruvector-runtime');
const importMs = performance.now() - started;
const { runEngineSuite } = await import('/tests/e2e/engine-suite.mjs');
const model = {
  bundle: new Uint8Array(await (await fetch('/__model__/tiny.ruvmodel')).arrayBuffer()),
  reference: await (await fetch('/__model__/reference.json')).json(),
};
const run = await runEngineSuite(pkg, { expect: 'wasm', model });
window.__run = { ...run, importMs, floorMs, crossOriginIsolated: globalThis.crossOriginIsolated === true };
</script>`;
}

async function serve() {
  const server = await serveStatic(root, {
    '/engine.html': suitePage(),
    '/__model__/tiny.ruvmodel': { type: 'application/octet-stream', body: readFileSync(modelFiles.bundle) },
    '/__model__/reference.json': { type: 'application/json', body: readFileSync(modelFiles.reference) },
  });
  return { url: `${server.origin}/engine.html`, close: server.close };
}

/** Runs the page in a browser driven by `open(url)` -> { run, close }. */
function browserEngine(open) {
  return async () => {
    const server = await serve();
    let close = async () => {};
    try {
      const started = performance.now();
      const opened = await open(server.url);
      close = opened.close;
      const run = await opened.run();
      const total = performance.now() - started;
      return {
        ...run,
        version: opened.version,
        coldStart: `import ${run.importMs.toFixed(1)} ms (an empty module: ${run.floorMs.toFixed(1)} ms) + initialize ${run.initializeMs.toFixed(1)} ms (crossOriginIsolated: ${run.crossOriginIsolated}; browser start and whole run ${total.toFixed(0)} ms)`,
      };
    } finally {
      await close();
      server.close();
    }
  };
}

/** Debian's Chromium through playwright-core. */
async function openChromium(url) {
  const browser = await launchChromium();
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return {
    version: `Chromium ${browser.version()}`,
    close: () => browser.close(),
    run: async () => {
      try {
        await page.waitForFunction(() => globalThis.__run !== undefined, null, { timeout: 120_000 });
      } catch (e) {
        throw new Error(`the page did not finish: ${errors.join('; ') || e}`);
      }
      return page.evaluate(() => globalThis.__run);
    },
  };
}

/** Debian's Firefox ESR through puppeteer-core (WebDriver BiDi; there is no geckodriver here). */
async function openFirefox(url) {
  const puppeteer = enginesRequire('puppeteer-core');
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath: '/usr/bin/firefox-esr',
    headless: true,
    extraPrefsFirefox: { 'network.captive-portal-service.enabled': false, 'app.update.enabled': false },
  });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  return {
    version: (await browser.version()).replace('/', ' '),
    close: () => browser.close(),
    run: async () => {
      try {
        await page.waitForFunction(() => globalThis.__run !== undefined, { timeout: 180_000 });
      } catch (e) {
        throw new Error(`the page did not finish: ${errors.join('; ') || e}`);
      }
      return page.evaluate(() => globalThis.__run);
    },
  };
}

/** A child process that must not outlive the run. */
function start(command, args, env) {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: 'ignore' });
  return () => child.kill('SIGKILL');
}

/** A free TCP port on 127.0.0.1. */
async function freePort() {
  const { createServer } = await import('node:net');
  const probe = createServer();
  await new Promise((ok) => probe.listen(0, '127.0.0.1', ok));
  const { port } = probe.address();
  await new Promise((ok) => probe.close(ok));
  return port;
}

/**
 * WebKitGTK (Safari's engine) through WebKitWebDriver and selenium-webdriver, its MiniBrowser on
 * a virtual X display (Xvfb). SharedArrayBuffer needs JSC_useSharedArrayBuffer=1 here.
 */
async function openWebKit(url) {
  const { Builder } = enginesRequire('selenium-webdriver');
  const display = `:${90 + Math.floor(Math.random() * 9)}`;
  const stops = [start('Xvfb', [display, '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {})];
  const port = await freePort();
  stops.push(
    start('WebKitWebDriver', [`--port=${port}`], { DISPLAY: display, JSC_useSharedArrayBuffer: '1' }),
  );
  const stopAll = () => stops.reverse().forEach((stop) => stop());
  let driver;
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        driver = await new Builder()
          .usingServer(`http://127.0.0.1:${port}`)
          .withCapabilities({
            browserName: 'MiniBrowser',
            'webkitgtk:browserOptions': {
              binary: '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
              args: ['--automation'],
            },
          })
          .build();
        break;
      } catch (e) {
        if (attempt >= 40) throw e; // the driver and the display take a moment to come up
        await new Promise((ok) => setTimeout(ok, 250));
      }
    }
    await driver.get(url);
  } catch (e) {
    await driver?.quit().catch(() => {});
    stopAll();
    throw e;
  }
  const capabilities = await driver.getCapabilities();
  return {
    version: `WebKitGTK ${capabilities.get('browserVersion')}`,
    close: async () => {
      await driver.quit().catch(() => {});
      stopAll();
    },
    run: async () => {
      await driver.wait(async () => driver.executeScript('return globalThis.__run !== undefined'), 180_000);
      return driver.executeScript('return globalThis.__run');
    },
  };
}

let project;
/** A scratch project with the package in node_modules (a symlink to js/, as `npm install <path>` makes) and tests/. */
function scratchProject() {
  if (project !== undefined) return project;
  project = mkdtempSync(join(tmpdir(), 'ruvector-engines-'));
  mkdirSync(join(project, 'node_modules'));
  symlinkSync(packageDir, join(project, 'node_modules', 'ruvector-runtime'), 'dir');
  // Deno resolves bare specifiers through node_modules only for dependencies a package.json names.
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({
      name: 'engines-probe',
      private: true,
      type: 'module',
      dependencies: { 'ruvector-runtime': '*' },
    }),
  );
  for (const dir of ['e2e', 'conformance'])
    cpSync(join(root, 'tests', dir), join(project, 'tests', dir), { recursive: true });
  return project;
}

/**
 * An engine with a process of its own (Node, Deno, Bun) running tests/e2e/smoke.mjs, which
 * imports the package by name: the engine's own resolver picks the entry.
 */
function processEngine(expect, command, args, env = {}) {
  return async () => {
    const cwd = scratchProject();
    const environment = { ...process.env, RUV_TEST_MODELS: models, ...env, EXPECT_BACKEND: expect };
    if (!('RUVECTOR_BACKEND' in env)) delete environment.RUVECTOR_BACKEND;
    const r = spawnSync(command, [...args, 'tests/e2e/smoke.mjs'], {
      cwd,
      env: environment,
      encoding: 'utf8',
      timeout: 300_000,
    });
    const output = `${r.stdout ?? ''}${r.stderr ?? ''}`;
    const results = [...output.matchAll(/^(ok|not ok) - (.*)$/gm)].map((m) => ({
      ok: m[1] === 'ok',
      name: m[2],
    }));
    const runLine = /^# run (.*)$/m.exec(output);
    if (r.status !== 0 && !results.some((x) => !x.ok)) {
      results.push({
        ok: false,
        name: `exits 0 (status ${r.status}, ${r.error ?? r.signal ?? ''}): ${output.slice(-2000)}`,
      });
    }
    if (runLine === null)
      return { results: [...results, { ok: false, name: `reports its run: ${output.slice(-2000)}` }] };
    const run = JSON.parse(runLine[1]);
    const version = spawnSync(command, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0].trim();
    return {
      ...run,
      version:
        command === process.execPath ? `Node ${version}` : /^\d/.test(version) ? `Bun ${version}` : version,
      results,
      coldStart: `import ${run.importMs.toFixed(1)} ms + initialize ${run.initializeMs.toFixed(1)} ms`,
    };
  };
}

const bin = (pkg, file) => join(dirname(enginesRequire.resolve(`${pkg}/package.json`)), file);
const ENGINES = {
  // Node: the native addon; without Node-API, wasm; without WebAssembly, js-fallback, and said so.
  node: processEngine('native', process.execPath, []),
  'node --no-addons': processEngine('wasm', process.execPath, ['--no-addons']),
  // --jitless leaves no WebAssembly; the addon still loads, so --no-addons too to reach js-fallback.
  'node --jitless --no-addons': processEngine('js-fallback', process.execPath, ['--jitless', '--no-addons']),
  'node RUVECTOR_BACKEND=js': processEngine('js-fallback', process.execPath, [], { RUVECTOR_BACKEND: 'js' }),
  deno: processEngine('wasm', bin('deno', 'deno'), ['run', '--allow-read', '--allow-env']),
  // Bun loads Node-API addons: the native backend, through the "bun" condition.
  bun: processEngine('native', bin('bun', 'bin/bun.exe'), []),
  workerd,
  'edge-runtime': edgeRuntime,
  chromium: browserEngine(openChromium),
  firefox: browserEngine(openFirefox),
  webkit: browserEngine(openWebKit),
};

/**
 * The wasm build each engine runs (threads.ts): pthreads in Node, Deno 2 and cross-origin-isolated
 * pages.
 */
const WASM_BUILD = {
  'node --no-addons': 'pthreads',
  deno: 'pthreads',
  chromium: 'pthreads',
  firefox: 'pthreads',
  webkit: 'pthreads',
};

const wanted = process.argv.slice(2);
const names = wanted.length > 0 ? wanted : Object.keys(ENGINES);
let failed = 0;
const rows = [];
const report = (ok, line) => {
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - ${line}`);
};
const wasmRun = await nodeWasmRun();
const reference = wasmRun.digests;
// Native and wasm embed with different SIMD kernels: equal within float32 error, not bit for bit.
const NATIVE_VS_WASM = 1e-5;
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
  if (run.backend === undefined) continue;
  if (run.backend === 'js-fallback' && run.attempts !== undefined && !name.includes('RUVECTOR_BACKEND')) {
    // Never silently: the fallback says why each faster backend could not run.
    const reasons = run.attempts.filter((a) => !a.ok).map((a) => `${a.backend}: ${a.error}`);
    report(
      reasons.some((r) => r.startsWith('wasm:')),
      `${name}: describe() says why wasm did not load (${reasons.join('; ')})`,
    );
  }
  if (run.backend === 'wasm') {
    // The pthreads build where SharedArrayBuffer and workers allow it, reported by describe().
    const build = run.describe?.wasm;
    const want = WASM_BUILD[name] ?? 'single';
    report(
      build?.build === want,
      `${name}: describe() says the ${want} wasm build runs (${JSON.stringify(build)})`,
    );
    for (const [what, want] of Object.entries(reference)) {
      const got = run.digests?.[what];
      report(got === want, `${name}: ${what} bytes equal Node's wasm backend's (${got} vs ${want})`);
    }
  }
  if (run.backend === 'native') {
    const got = run.embedding ?? [];
    const want = wasmRun.embedding ?? [];
    const diff =
      got.length === want.length && got.length > 0
        ? Math.max(...got.map((x, i) => Math.abs(x - want[i])))
        : Infinity;
    report(
      diff <= NATIVE_VS_WASM,
      `${name}: the embedding equals Node's wasm backend's within ${NATIVE_VS_WASM} (max |diff| ${diff}, ${got.length} values)`,
    );
  }
  const build =
    run.describe?.wasm === undefined
      ? ''
      : ` (${run.describe.wasm.build}, ${run.describe.wasm.threads} threads)`;
  console.log(`# ${name}: backend ${run.backend}${build}; cold start: ${run.coldStart}`);
  const checks = run.results.length;
  rows.push(
    `| ${name} | ${run.version ?? ''} | ${run.backend}${build} | ${run.results.filter((r) => r.ok).length} / ${checks} | ${run.coldStart} |`,
  );
}
// The table README.md's compatibility section is filled from (this run's own output).
console.log('# engines tested here');
console.log('# | engine | version | backend picked | suite checks passed | cold start |');
console.log('# |---|---|---|---|---|');
for (const row of rows) console.log(`# ${row}`);
if (project !== undefined) rmSync(project, { recursive: true, force: true });
process.exitCode = failed === 0 ? 0 : 1;
