// Which wasm build runs (js/src/backends/wasm/locate.ts, threads.ts): the pthreads build by
// default in Node, the single-thread one when asked (option or RUVECTOR_WASM_THREADS) or when the
// caller hands over a module, bytes or URL (those are the single-thread build's); every choice is
// reported by describe(), and a request that cannot be met is refused, never ignored.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

import { RuVectorRuntime } from '../../js/dist/index.js';

const singleWasm = new URL('../../js/dist/wasm/ruvector_wasm.wasm', import.meta.url);

async function withEnv(value, fn) {
  const before = process.env.RUVECTOR_WASM_THREADS;
  if (value === undefined) delete process.env.RUVECTOR_WASM_THREADS;
  else process.env.RUVECTOR_WASM_THREADS = value;
  try {
    return await fn();
  } finally {
    if (before === undefined) delete process.env.RUVECTOR_WASM_THREADS;
    else process.env.RUVECTOR_WASM_THREADS = before;
  }
}

const describeWasm = async (options) =>
  (await RuVectorRuntime.create({ backend: 'wasm', ...options })).describe().wasm;

test('Node runs the pthreads build by default and says so', async () => {
  await withEnv(undefined, async () => {
    const d = await describeWasm({});
    assert.equal(d.build, 'pthreads', d.reason);
    assert.ok(d.threads >= 2, `threads ${d.threads}`);
    assert.match(d.reason, /SharedArrayBuffer/);
  });
});

test('RUVECTOR_WASM_THREADS=0|1 chooses the build; the option overrides it; other values are refused', async () => {
  await withEnv('0', async () => {
    const d = await describeWasm({});
    assert.deepEqual([d.build, d.threads], ['single', 1]);
    assert.match(d.reason, /RUVECTOR_WASM_THREADS is off/);
    assert.equal((await describeWasm({ wasmThreads: true })).build, 'pthreads');
  });
  await withEnv('1', async () => {
    assert.equal((await describeWasm({})).build, 'pthreads');
    assert.match((await describeWasm({ wasmThreads: false })).reason, /options\.wasmThreads is off/);
  });
  await withEnv('yes', async () => {
    await assert.rejects(describeWasm({}), (e) => {
      assert.equal(e.code, 'BACKEND_UNAVAILABLE');
      assert.match(e.message, /RUVECTOR_WASM_THREADS='yes' must be 0 or 1/);
      return true;
    });
  });
});

test('a module, bytes or URL given is the single-thread build; wasmThreads: true with one is refused', async () => {
  await withEnv(undefined, async () => {
    const wasmBinary = readFileSync(singleWasm);
    for (const given of [
      { wasmBinary },
      { wasmModule: await WebAssembly.compile(wasmBinary) },
      { wasmUrl: singleWasm },
    ]) {
      const what = Object.keys(given)[0];
      const d = await describeWasm(given);
      assert.deepEqual([d.build, d.threads], ['single', 1], what);
      assert.match(d.reason, /wasmModule, wasmBinary or wasmUrl given/, what);
      await assert.rejects(describeWasm({ ...given, wasmThreads: true }), (e) => {
        assert.equal(e.code, 'BACKEND_UNAVAILABLE', what);
        assert.match(e.message, /wasmThreads: true, but the pthreads build cannot run here/, what);
        return true;
      });
    }
  });
});

test('the pthreads glue leaves the process alone: no global Worker, no process-wide handlers', async () => {
  await withEnv(undefined, async () => {
    const listeners = ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e));
    assert.equal((await describeWasm({ wasmThreads: true })).build, 'pthreads');
    assert.equal(typeof globalThis.Worker, 'undefined');
    assert.deepEqual(
      ['uncaughtException', 'unhandledRejection'].map((e) => process.listenerCount(e)),
      listeners,
    );
  });
});
