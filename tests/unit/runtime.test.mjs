// RuVectorRuntime's backend registry, driven by mock backends: order, forcing, recorded attempts,
// shared initialization, retries after failure, the environment variable, option checks.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, test } from 'node:test';

import { jsKernels } from '../../js/dist/backends/js/index.js';
import { RuVectorError, RuVectorRuntime, VERSION } from '../../js/dist/index.js';

const packageJson = new URL('../../js/package.json', import.meta.url);
const webEntry = new URL('../../js/dist/index.web.js', import.meta.url).href;

/** A mock backend: counts imports and loads, fails with `fail` (once, when `failOnce`). */
function mock(name, { fail, failOnce = false, delayMs = 0 } = {}) {
  const calls = { imports: 0, loads: 0, options: [] };
  let failures = 0;
  const registration = {
    name,
    async load() {
      calls.imports++;
      return async (options) => {
        calls.loads++;
        calls.options.push(options);
        if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
        if (fail && (!failOnce || failures++ === 0)) throw fail;
        return { ...jsKernels, name, simdTarget: `MOCK-${name}` };
      };
    },
  };
  return { registration, calls };
}

async function rejects(promise, code, pattern) {
  const e = await promise.then(
    () => assert.fail('expected a rejection'),
    (err) => err,
  );
  assert.ok(e instanceof RuVectorError, `not a RuVectorError: ${e}`);
  assert.equal(e.code, code, e.message);
  if (pattern) assert.match(e.message, pattern);
  return e;
}

let savedEnv;
beforeEach(() => {
  savedEnv = process.env.RUVECTOR_BACKEND;
  delete process.env.RUVECTOR_BACKEND;
  RuVectorRuntime.reset();
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env.RUVECTOR_BACKEND;
  else process.env.RUVECTOR_BACKEND = savedEnv;
  RuVectorRuntime.reset();
});

describe('backend registry', () => {
  test('tries backends in order and uses the first that loads, recording each failure', async () => {
    const native = mock('native', { fail: new Error('no addon here') });
    const wasm = mock('wasm');
    const js = mock('js-fallback');
    const runtime = await RuVectorRuntime.create({
      backends: [native.registration, wasm.registration, js.registration],
    });
    assert.equal(runtime.getBackend(), 'wasm');
    const d = runtime.describe();
    assert.equal(d.backend, 'wasm');
    assert.equal(d.simdTarget, 'MOCK-wasm');
    assert.equal(d.forced, false);
    assert.equal(d.version, VERSION);
    assert.match(d.reason, /after native failed/);
    assert.deepEqual(
      d.attempts.map(({ backend, ok, error }) => ({ backend, ok, error })),
      [
        { backend: 'native', ok: false, error: 'Error: no addon here' },
        { backend: 'wasm', ok: true, error: undefined },
      ],
    );
    assert.ok(d.attempts.every((a) => a.durationMs >= 0));
    assert.equal(js.calls.imports, 0, 'backends after the chosen one are never imported');
  });

  test('when every backend fails: BACKEND_UNAVAILABLE listing each, with all errors as cause', async () => {
    const errs = [new Error('a'), new RuVectorError('BACKEND_UNAVAILABLE', 'b')];
    const e = await rejects(
      RuVectorRuntime.create({
        backends: [
          mock('native', { fail: errs[0] }).registration,
          mock('wasm', { fail: errs[1] }).registration,
        ],
      }),
      'BACKEND_UNAVAILABLE',
      /no backend could be loaded \(native: Error: a; wasm: BACKEND_UNAVAILABLE: b\)/,
    );
    assert.ok(e.cause instanceof AggregateError);
    assert.deepEqual(e.cause.errors, errs);
  });

  test('a forced backend that fails throws BACKEND_UNAVAILABLE with the cause, never falling back', async () => {
    const cause = new Error('addon ABI mismatch');
    const native = mock('native', { fail: cause });
    const js = mock('js-fallback');
    const e = await rejects(
      RuVectorRuntime.create({ backend: 'native', backends: [native.registration, js.registration] }),
      'BACKEND_UNAVAILABLE',
      /^RuVectorRuntime\.create: backend 'native' \(forced by options\.backend = 'native'\) failed to load: Error: addon ABI mismatch$/,
    );
    assert.equal(e.cause, cause);
    assert.equal(js.calls.imports, 0);
  });

  test("forcing 'js' or 'js-fallback' picks js-fallback even when native works", async () => {
    for (const backend of ['js', 'js-fallback']) {
      const native = mock('native');
      const runtime = await RuVectorRuntime.create({
        backend,
        backends: [native.registration, mock('js-fallback').registration],
      });
      const d = runtime.describe();
      assert.equal(d.backend, 'js-fallback');
      assert.equal(d.forced, true);
      assert.equal(d.reason, `forced by options.backend = '${backend}'`);
      assert.equal(d.attempts.length, 1);
      assert.equal(native.calls.imports, 0);
    }
  });

  test('a forced backend the entry point does not offer is BACKEND_UNAVAILABLE', async () => {
    await rejects(
      RuVectorRuntime.create({
        backend: 'native',
        backends: [mock('wasm').registration, mock('js-fallback').registration],
      }),
      'BACKEND_UNAVAILABLE',
      /backend 'native' \(forced by options\.backend = 'native'\) is not offered by this entry point \(it offers: wasm, js-fallback\)/,
    );
  });

  test('RUVECTOR_BACKEND forces a backend; options.backend wins over it; bad values are rejected', async () => {
    const backends = [
      mock('native').registration,
      mock('wasm').registration,
      mock('js-fallback').registration,
    ];
    process.env.RUVECTOR_BACKEND = 'wasm';
    const fromEnv = (await RuVectorRuntime.create({ backends })).describe();
    assert.equal(fromEnv.backend, 'wasm');
    assert.equal(fromEnv.forced, true);
    assert.equal(fromEnv.reason, 'forced by RUVECTOR_BACKEND=wasm');
    process.env.RUVECTOR_BACKEND = 'js';
    assert.equal((await RuVectorRuntime.create({ backends })).getBackend(), 'js-fallback');
    assert.equal((await RuVectorRuntime.create({ backends, backend: 'native' })).getBackend(), 'native');
    process.env.RUVECTOR_BACKEND = 'gpu';
    await rejects(
      RuVectorRuntime.create({ backends }),
      'INVALID_ARGUMENT',
      /RUVECTOR_BACKEND='gpu' is not a backend/,
    );
    process.env.RUVECTOR_BACKEND = 'wasm';
    const failing = [mock('native').registration, mock('wasm', { fail: new Error('no wasm') }).registration];
    await rejects(
      RuVectorRuntime.create({ backends: failing }),
      'BACKEND_UNAVAILABLE',
      /forced by RUVECTOR_BACKEND=wasm\) failed to load/,
    );
  });

  test('a loader returning something other than its backend is a failed attempt', async () => {
    const wrongName = { name: 'native', load: async () => async () => ({ ...jsKernels }) };
    const incomplete = {
      name: 'wasm',
      load: async () => async () => ({ name: 'wasm', simdTarget: 'x', distance() {} }),
    };
    const d = (
      await RuVectorRuntime.create({ backends: [wrongName, incomplete, mock('js-fallback').registration] })
    ).describe();
    assert.equal(d.backend, 'js-fallback');
    assert.equal(d.attempts[0].error, "INTERNAL: the native loader returned the backend 'js-fallback'");
    assert.match(d.attempts[1].error, /^INTERNAL: the wasm backend lacks batchDistance, normalize/);
  });

  test('load options reach the loader; runtime-only options do not', async () => {
    const wasm = mock('wasm');
    const wasmBinary = new Uint8Array([0, 97, 115, 109]);
    const wasmUrl = new URL('file:///tmp/x.wasm');
    await RuVectorRuntime.create({
      backends: [wasm.registration],
      nativePath: '/x.node',
      wasmBinary,
      wasmUrl,
      wasmThreads: false,
      logger: {},
    });
    assert.deepEqual(wasm.calls.options, [
      { nativePath: '/x.node', wasmBinary, wasmUrl, wasmThreads: false },
    ]);
  });

  test('every option is checked: unknown names and wrong types are INVALID_ARGUMENT', async () => {
    const cases = [
      [{ backend: 'gpu' }, /unknown backend 'gpu' \(expected one of 'native', 'wasm', 'js', 'js-fallback'\)/],
      [{ backend: 3 }, /unknown backend number/],
      [{ backnd: 'js' }, /unknown option 'backnd'/],
      [{ logger: 'console' }, /options\.logger must be an object/],
      [{ logger: { warn: 'x' } }, /options\.logger\.warn must be a function/],
      [{ backends: [{ name: 'cuda', load() {} }] }, /options\.backends\[0\] must be/],
      [{ nativePath: '' }, /options\.nativePath must be a non-empty string/],
      [{ wasmModule: {} }, /options\.wasmModule must be a WebAssembly\.Module/],
      [{ wasmBinary: [0, 97] }, /options\.wasmBinary must be an ArrayBuffer or a Uint8Array/],
      [{ wasmUrl: 42 }, /options\.wasmUrl must be a string or a URL/],
      [{ wasmThreads: 'yes' }, /options\.wasmThreads must be a boolean \(got string\)/],
      ['wasm', /options must be an object \(got string\)/],
    ];
    for (const [options, pattern] of cases) {
      await rejects(RuVectorRuntime.create(options), 'INVALID_ARGUMENT', pattern);
      await rejects(RuVectorRuntime.initialize(options), 'INVALID_ARGUMENT', pattern);
    }
  });

  test('logs go to options.logger, and nothing goes to the console by default', async () => {
    const lines = [];
    const logger = {
      debug: (m) => lines.push(['debug', m]),
      info: (m) => lines.push(['info', m]),
      warn: (m) => lines.push(['warn', m]),
    };
    const backends = [
      mock('native', { fail: new Error('none') }).registration,
      mock('js-fallback').registration,
    ];
    await RuVectorRuntime.create({ backends, logger });
    assert.deepEqual(
      lines.map(([level]) => level),
      ['debug', 'debug', 'debug', 'warn'],
    );
    assert.match(lines[3][1], /using the js-fallback backend/);

    const original = {};
    const used = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
      original[level] = console[level];
      console[level] = (...args) => used.push([level, args]);
    }
    try {
      await RuVectorRuntime.create({ backends });
      await RuVectorRuntime.create({
        backends: [mock('native', { fail: new Error('x') }).registration],
      }).catch(() => {});
    } finally {
      Object.assign(console, original);
    }
    assert.deepEqual(used, []);
  });
});

describe('shared runtime (initialize)', () => {
  test('concurrent callers share one initialization and one instance', async () => {
    const wasm = mock('wasm', { delayMs: 20 });
    const options = { backends: [wasm.registration] };
    const p1 = RuVectorRuntime.initialize(options);
    const p2 = RuVectorRuntime.initialize();
    const p3 = RuVectorRuntime.initialize(options);
    assert.equal(p1, p2);
    assert.equal(p1, p3);
    const [r1, r2, r3] = await Promise.all([p1, p2, p3]);
    assert.equal(r1, r2);
    assert.equal(r1, r3);
    assert.equal(wasm.calls.loads, 1);
    assert.equal(await RuVectorRuntime.initialize(), r1);
  });

  test('a failed initialization is not cached: the next call tries again', async () => {
    const wasm = mock('wasm', { fail: new Error('transient'), failOnce: true });
    const options = { backends: [wasm.registration] };
    await rejects(RuVectorRuntime.initialize(options), 'BACKEND_UNAVAILABLE', /transient/);
    const runtime = await RuVectorRuntime.initialize(options);
    assert.equal(runtime.getBackend(), 'wasm');
    assert.equal(wasm.calls.loads, 2);
  });

  test('different options after the first call are rejected; reset() starts afresh', async () => {
    const backends = [mock('native').registration, mock('js-fallback').registration];
    const first = await RuVectorRuntime.initialize({ backends });
    await rejects(
      RuVectorRuntime.initialize({ backends, backend: 'js' }),
      'INVALID_ARGUMENT',
      /already initialized with other options/,
    );
    assert.equal(await RuVectorRuntime.initialize({ backends }), first, 'the same options are fine');
    RuVectorRuntime.reset();
    const second = await RuVectorRuntime.initialize({ backends, backend: 'js' });
    assert.notEqual(second, first);
    assert.equal(second.getBackend(), 'js-fallback');
    assert.equal(
      first.getModules().vectorOps.distance(new Float32Array([1]), new Float32Array([2]), 'euclidean'),
      1,
      'old runtimes keep working',
    );
  });

  test('create() gives a fresh runtime each time, apart from the shared one', async () => {
    const backends = [mock('js-fallback').registration];
    const shared = await RuVectorRuntime.initialize({ backends });
    const a = await RuVectorRuntime.create({ backends });
    const b = await RuVectorRuntime.create({ backends });
    assert.notEqual(a, b);
    assert.notEqual(a, shared);
  });
});

describe('runtime surface', () => {
  test('describe() returns a copy', async () => {
    const runtime = await RuVectorRuntime.create({ backend: 'js' });
    const d = runtime.describe();
    d.attempts[0].ok = false;
    d.attempts.push({ backend: 'native', ok: true, durationMs: 0 });
    assert.equal(runtime.describe().attempts.length, 1);
    assert.equal(runtime.describe().attempts[0].ok, true);
  });

  test('modules that do not exist yet throw UNSUPPORTED naming themselves, never made-up results', async () => {
    const runtime = await RuVectorRuntime.create({ backend: 'js' });
    const modules = runtime.getModules();
    assert.equal(typeof modules.vectorOps.distance, 'function');
    // js-fallback has no embedding model: every call says so (the async ones reject).
    const embeddingFunctions = [
      'loadModel',
      'embed',
      'embedBatch',
      'embedAsync',
      'embedBatchAsync',
      'tokenize',
      'chunk',
      'hiddenStates',
      'modelInfo',
      'unloadModel',
    ];
    assert.deepEqual(Object.keys(modules.embeddings).sort(), [...embeddingFunctions].sort());
    for (const fn of embeddingFunctions) {
      const want = {
        name: 'RuVectorError',
        code: 'UNSUPPORTED',
        message: `embeddings.${fn}: the js-fallback backend has no embedding model (it needs WebAssembly or the native addon; the js-fallback twins only small vector kernels). Use RuVectorRuntime.initialize({ backend: 'wasm' }) where WebAssembly exists`,
      };
      if (['loadModel', 'embedAsync', 'embedBatchAsync'].includes(fn))
        await assert.rejects(modules.embeddings[fn](), want);
      else assert.throws(() => modules.embeddings[fn](), want);
    }
    // js-fallback learning: patterns, the store, matching and applyLoRA work; what needs the core
    // (training, the Fisher, EWC) says so.
    const { learning } = modules;
    const p = learning.createPattern(new Float32Array([3, 4]), { note: 'x' }, { id: 'p' });
    assert.deepEqual([...p.embedding], [Math.fround(0.6), Math.fround(0.8)]);
    assert.equal(learning.matchPatterns(new Float32Array([3, 4]), [p], 0.75)[0].pattern.id, 'p');
    await assert.rejects(learning.computeFisher(), {
      code: 'UNSUPPORTED',
      message: /^computeFisher: needs the C\+\+ core/,
    });
    for (const fn of ['mergeFisher', 'applyEWC']) {
      assert.throws(() => learning[fn](), {
        name: 'RuVectorError',
        code: 'UNSUPPORTED',
        message: new RegExp(`^${fn}: needs the C\\+\\+ core`),
      });
    }
    await assert.rejects(learning.trainLoRA([]), { code: 'UNSUPPORTED' });
    assert.equal(
      learning.createPatternStore({ dimensions: 2 }).create(new Float32Array([1, 1])).confidence,
      0.5,
    );
    assert.doesNotThrow(() => runtime.noop());
  });

  test('hnsw on a backend without an index throws UNSUPPORTED naming the function and the backend', async () => {
    const bare = await RuVectorRuntime.create({
      backends: [
        { name: 'wasm', load: async () => async () => ({ ...jsKernels, name: 'wasm', hnsw: undefined }) },
      ],
    });
    const { hnsw } = bare.getModules();
    const functions = [
      'create',
      'insert',
      'insertBatch',
      'insertBatchAsync',
      'search',
      'searchAsync',
      'delete',
      'has',
      'model',
      'setModel',
      'stats',
      'serialize',
      'serializeAsync',
      'deserialize',
      'deserializeAsync',
      'free',
    ];
    assert.deepEqual(Object.keys(hnsw).sort(), [...functions].sort());
    for (const fn of functions) {
      assert.throws(() => hnsw[fn](), {
        name: 'RuVectorError',
        code: 'UNSUPPORTED',
        message: `hnsw.${fn} is not available on the wasm backend (it has no HNSW index yet)`,
      });
    }
  });

  test('VERSION matches package.json', () => {
    assert.equal(VERSION, JSON.parse(readFileSync(packageJson, 'utf8')).version);
  });
});

describe('entry points', () => {
  test('the node entry tries native first (registered order native, wasm, js-fallback)', async () => {
    const d = (await RuVectorRuntime.create()).describe();
    assert.equal(d.attempts[0].backend, 'native');
    assert.match(d.reason, /order: native, wasm, js-fallback/);
  });

  test('the web entry never offers native', () => {
    const script = `
      const { RuVectorRuntime } = await import(${JSON.stringify(webEntry)});
      const d = (await RuVectorRuntime.create()).describe();
      const forced = await RuVectorRuntime.create({ backend: 'native' }).then(() => 'loaded', (e) => e.code + ': ' + e.message);
      process.stdout.write(JSON.stringify({ tried: d.attempts.map((a) => a.backend), reason: d.reason, forced }));`;
    const env = { ...process.env };
    delete env.RUVECTOR_BACKEND;
    const out = JSON.parse(
      execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }),
    );
    assert.ok(!out.tried.includes('native'), JSON.stringify(out));
    assert.equal(out.tried[0], 'wasm');
    assert.match(out.reason, /order: wasm, js-fallback\)/);
    assert.match(
      out.forced,
      /^BACKEND_UNAVAILABLE: .*is not offered by this entry point \(it offers: wasm, js-fallback\)/,
    );
  });
});
