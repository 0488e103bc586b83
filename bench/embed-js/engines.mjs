// The engines of the table. Each one, given a case's inputs ({ text, ids, typeIds }[]), returns
// `run()` (the timed call; may return a Promise) and `check()` (untimed: its output for the
// accuracy column, as { hidden: Float32Array[] per text } or { embeddings: Float32Array[] }).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
// Where the built package lives (scripts/build.sh writes js/dist).
const DIST = new URL('../../js/dist/index.js', import.meta.url);

function installedVersion(name) {
  return JSON.parse(readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;
}

/** Ours on one backend: the embed rows (text in, pooled vector out) and hiddenStates (ids in). */
async function oursOn(backend, modelDir) {
  const { RuVectorRuntime } = await import(DIST.href);
  const runtime = await RuVectorRuntime.create({ backend });
  const { embeddings } = runtime.getModules();
  const t0 = performance.now();
  // weights: 'onnx', maxTokens: 512 so ours reads the very onnx/model.onnx that onnxruntime runs; threads: 1 so
  // the rows compare with onnxruntime's 1-thread session (the default-threads rows are below).
  const handle = await embeddings.loadModel(modelDir, { weights: 'onnx', maxTokens: 512, threads: 1 });
  const loadMs = performance.now() - t0;
  const info = embeddings.modelInfo(handle);
  const simd = runtime.describe().simdTarget;
  const embedRows = (inputs) => (inputs.length === 1 ? [embeddings.embed(handle, inputs[0].text)] : embeddings.embedBatch(handle, inputs.map((x) => x.text)));
  const hidden = (inputs) => embeddings.hiddenStates(handle, inputs.map((x) => x.ids), inputs.map((x) => x.typeIds));
  const engines = [
    {
      name: `ours ${backend} embed`,
      family: 'ours',
      backend,
      prepare: (inputs) => ({ run: () => embedRows(inputs), check: () => ({ embeddings: embedRows(inputs) }) }),
    },
  ];
  if (backend === 'native') {
    engines.push({
      name: 'ours native embedAsync',
      family: 'ours',
      backend,
      prepare: (inputs) => ({
        run: () => (inputs.length === 1 ? embeddings.embedAsync(handle, inputs[0].text) : embeddings.embedBatchAsync(handle, inputs.map((x) => x.text))),
        check: async () => ({ embeddings: inputs.length === 1 ? [await embeddings.embedAsync(handle, inputs[0].text)] : await embeddings.embedBatchAsync(handle, inputs.map((x) => x.text)) }),
      }),
    });
  }
  engines.push(
    {
      name: `ours ${backend} hiddenStates`,
      family: 'ours',
      backend,
      prepare: (inputs) => ({ run: () => hidden(inputs), check: () => ({ hidden: hidden(inputs) }) }),
    },
    {
      // Reported on its own (issue 12: tokenization is included in ours and shown separately).
      name: `ours ${backend} tokenize`,
      family: 'tokenize',
      backend,
      prepare: (inputs) => ({ run: () => inputs.map((x) => embeddings.tokenize(handle, x.text)) }),
    },
  );
  // q8 (int8 weights, quantized at load from the same onnx/model.onnx), 1 thread: beside our
  // fp32 (issue 12's bar: >= 1.7x faster) and the rivals.
  const q8 = await embeddings.loadModel(modelDir, { weights: 'onnx', maxTokens: 512, threads: 1, dtype: 'q8' });
  const embedQ8 = (inputs) => (inputs.length === 1 ? [embeddings.embed(q8, inputs[0].text)] : embeddings.embedBatch(q8, inputs.map((x) => x.text)));
  engines.push({
    name: `ours ${backend} embed q8`,
    family: 'ours',
    backend,
    prepare: (inputs) => ({ run: () => embedQ8(inputs), check: () => ({ embeddings: embedQ8(inputs) }) }),
  });
  // Natively, the same with the default thread count (every core, or RUVECTOR_THREADS), beside
  // onnxruntime-node's default-threads session (the ours/node-dflt column); in wasm when the
  // pthreads build runs (describe().wasm), the same on its pool (the ADR's batch with threads).
  if (backend === 'native' || runtime.describe().wasm?.build === 'pthreads') {
    const many = await embeddings.loadModel(modelDir, { weights: 'onnx', maxTokens: 512 });
    const threads = embeddings.modelInfo(many).threads;
    const embedMany = (inputs) => (inputs.length === 1 ? [embeddings.embed(many, inputs[0].text)] : embeddings.embedBatch(many, inputs.map((x) => x.text)));
    const hiddenMany = (inputs) => embeddings.hiddenStates(many, inputs.map((x) => x.ids), inputs.map((x) => x.typeIds));
    const manyQ8 = await embeddings.loadModel(modelDir, { weights: 'onnx', maxTokens: 512, dtype: 'q8' });
    const embedManyQ8 = (inputs) => (inputs.length === 1 ? [embeddings.embed(manyQ8, inputs[0].text)] : embeddings.embedBatch(manyQ8, inputs.map((x) => x.text)));
    engines.push(
      {
        name: `ours ${backend} embed q8, ${threads} threads`,
        family: 'ours',
        backend,
        prepare: (inputs) => ({ run: () => embedManyQ8(inputs), check: () => ({ embeddings: embedManyQ8(inputs) }) }),
      },
      {
        name: `ours ${backend} embed, ${threads} threads`,
        family: 'ours',
        backend,
        prepare: (inputs) => ({ run: () => embedMany(inputs), check: () => ({ embeddings: embedMany(inputs) }) }),
      },
      {
        name: `ours ${backend} hiddenStates, ${threads} threads`,
        family: 'ours',
        backend,
        prepare: (inputs) => ({ run: () => hiddenMany(inputs), check: () => ({ hidden: hiddenMany(inputs) }) }),
      },
    );
  }
  const wasmBuild = runtime.describe().wasm;
  const build = wasmBuild === undefined ? simd : `${simd}, ${wasmBuild.build} build, ${wasmBuild.threads} threads`;
  return { engines, loadMs, info, simd: build, tokenize: (text) => embeddings.tokenize(handle, text) };
}

/** A padded [batch, maxLen] int64 feed (attention_mask 0 on padding), built outside the timing. */
function feedsOf(Tensor, inputs) {
  const width = Math.max(...inputs.map((x) => x.ids.length));
  const ids = new BigInt64Array(inputs.length * width);
  const mask = new BigInt64Array(inputs.length * width);
  const types = new BigInt64Array(inputs.length * width);
  inputs.forEach((x, r) => {
    x.ids.forEach((id, c) => {
      ids[r * width + c] = BigInt(id);
      mask[r * width + c] = 1n;
      types[r * width + c] = BigInt(x.typeIds[c]);
    });
  });
  const dims = [inputs.length, width];
  return { width, feeds: { input_ids: new Tensor('int64', ids, dims), attention_mask: new Tensor('int64', mask, dims), token_type_ids: new Tensor('int64', types, dims) } };
}

/** last_hidden_state [batch, width, d] cut back to each text's own tokens. */
function unpad(output, inputs, width) {
  const t = output.last_hidden_state;
  const d = t.dims[2];
  return inputs.map((x, r) => t.data.slice(r * width * d, (r * width + x.ids.length) * d));
}

function ortEngine(name, ort, session, backend) {
  return {
    name,
    family: 'ort',
    backend,
    prepare(inputs) {
      const { width, feeds } = feedsOf(ort.Tensor, inputs);
      return { run: () => session.run(feeds), check: async () => ({ hidden: unpad(await session.run(feeds), inputs, width) }) };
    },
  };
}

/** onnxruntime-node at 1 thread and at its default threads, and onnxruntime-web (wasm, SIMD, 1 thread). */
async function ortEngines(onnxPath) {
  const bytes = new Uint8Array(readFileSync(onnxPath));
  const node = require('onnxruntime-node');
  const t0 = performance.now();
  const one = await node.InferenceSession.create(onnxPath, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const nodeLoadMs = performance.now() - t0;
  const dflt = await node.InferenceSession.create(onnxPath);
  const web = await import('onnxruntime-web'); // Node entry: the wasm backend, .wasm from its dist/
  web.env.wasm.numThreads = 1;
  web.env.wasm.simd = true;
  const t1 = performance.now();
  const webSession = await web.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
  const webLoadMs = performance.now() - t1;
  return {
    engines: [ortEngine('onnxruntime-node 1 thread', node, one, 'native'), ortEngine('onnxruntime-node default threads', node, dflt, 'native'), ortEngine('onnxruntime-web wasm 1 thread', web, webSession, 'wasm')],
    loadMs: { 'onnxruntime-node': nodeLoadMs, 'onnxruntime-web': webLoadMs },
    versions: { 'onnxruntime-node': installedVersion('onnxruntime-node'), 'onnxruntime-web': installedVersion('onnxruntime-web') },
  };
}

export async function loadEngines(modelDir, onnxPath, backends) {
  const ours = [];
  const skipped = [];
  for (const backend of backends) {
    try {
      ours.push(await oursOn(backend, modelDir));
    } catch (e) {
      skipped.push(`ours ${backend}: ${e.message}`);
    }
  }
  if (ours.length === 0) throw new Error(`no backend of ours loaded (${skipped.join('; ')}); build js/dist first (scripts/build.sh)`);
  const ort = await ortEngines(onnxPath);
  return { ours, ort, skipped, engines: [...ours.flatMap((o) => o.engines), ...ort.engines] };
}
