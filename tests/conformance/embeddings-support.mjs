// Shared pieces of the embeddings conformance file: where the generated test models are, the
// reference runtimes (onnxruntime-node, transformers.js: independent of our C++ core), one runtime
// per backend, float64 pooling formulas and the difference measures the tolerances apply to.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import { RuVectorRuntime } from '../../js/dist/index.js';
import { requiredBackends } from './support.mjs';

/** Backends that compute embeddings (js-fallback has none: it is checked for UNSUPPORTED). */
export const EMBED_BACKENDS = ['native', 'wasm'];

/**
 * The generated models folder (scripts/test.sh exports RUV_TEST_MODELS): { dir } when set, else
 * { missing } saying why; CI must have it, so there a missing folder fails instead of skipping.
 */
export function testModels() {
  const dir = process.env.RUV_TEST_MODELS;
  if (dir === undefined || dir === '') {
    return {
      missing: 'RUV_TEST_MODELS is not set (scripts/test.sh generates the models and sets it)',
      mustRun: process.env.CI !== undefined,
    };
  }
  return { dir, mustRun: true };
}

/** The reference runtimes from tools/node_modules (installed by scripts/setup.sh). */
export async function loadOracles() {
  const require = createRequire(new URL('../../tools/package.json', import.meta.url));
  const ort = require('onnxruntime-node');
  const transformers = await import(require.resolve('@huggingface/transformers'));
  return { ort, transformers };
}

/**
 * Every embedding backend with { name, runtime?, embeddings?, skip?, mustRun }: a backend that does
 * not load is skipped with its reason unless RUVECTOR_REQUIRE_BACKENDS names it.
 */
export async function loadEmbedBackends() {
  const required = requiredBackends();
  const out = [];
  for (const name of EMBED_BACKENDS) {
    try {
      const runtime = await RuVectorRuntime.create({ backend: name });
      out.push({ name, runtime, embeddings: runtime.getModules().embeddings, mustRun: required.has(name) });
    } catch (error) {
      out.push({
        name,
        skip: `${name} backend did not load: ${error?.message}`,
        mustRun: required.has(name),
      });
    }
  }
  return out;
}

/** The files of a model folder a bundle holds (sources.ts's list for safetensors weights). */
export const BUNDLE_FILES = [
  'config.json',
  'tokenizer.json',
  'tokenizer_config.json',
  'special_tokens_map.json',
  'modules.json',
  '1_Pooling/config.json',
  'sentence_bert_config.json',
  'model.safetensors',
];

export function readFolderFiles(dir, names = BUNDLE_FILES) {
  return new Map(names.map((name) => [name, new Uint8Array(readFileSync(join(dir, name)))]));
}

export function readJson(dir, name) {
  return JSON.parse(readFileSync(join(dir, name), 'utf8'));
}

/** One ONNX session per model file, single-threaded (the machine is shared). */
export function ortSessions(ort) {
  const sessions = new Map();
  return (path) => {
    if (!sessions.has(path))
      sessions.set(path, ort.InferenceSession.create(path, { intraOpNumThreads: 1, interOpNumThreads: 1 }));
    return sessions.get(path);
  };
}

/**
 * last_hidden_state of sequences from onnxruntime, as one batch padded to the longest (pad id 0,
 * attention mask 0, type 0): for each sequence its real tokens' rows (tokens x dim, float32).
 */
export async function ortHiddenStates(ort, session, sequences, typeIds) {
  const n = sequences.length;
  const len = Math.max(...sequences.map((s) => s.length));
  const ids = new BigInt64Array(n * len);
  const mask = new BigInt64Array(n * len);
  const types = new BigInt64Array(n * len);
  sequences.forEach((seq, b) => {
    seq.forEach((id, i) => {
      ids[b * len + i] = BigInt(id);
      mask[b * len + i] = 1n;
      types[b * len + i] = BigInt(typeIds?.[b]?.[i] ?? 0);
    });
  });
  const dims = [n, len];
  const out = await session.run({
    input_ids: new ort.Tensor('int64', ids, dims),
    attention_mask: new ort.Tensor('int64', mask, dims),
    token_type_ids: new ort.Tensor('int64', types, dims),
  });
  const hidden = out.last_hidden_state;
  const dim = hidden.dims[2];
  return sequences.map((seq, b) => hidden.data.slice(b * len * dim, (b * len + seq.length) * dim));
}

/** The pooled, L2-normalized embedding (float64) of tokens x dim rows: mean over rows, or row 0. */
export function pool(rows, dim, pooling, normalize = true) {
  const tokens = rows.length / dim;
  const v = new Float64Array(dim);
  if (pooling === 'cls') {
    for (let j = 0; j < dim; j++) v[j] = rows[j];
  } else {
    for (let t = 0; t < tokens; t++) for (let j = 0; j < dim; j++) v[j] += rows[t * dim + j];
    for (let j = 0; j < dim; j++) v[j] /= tokens;
  }
  if (!normalize) return v;
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  for (let j = 0; j < dim; j++) v[j] /= norm;
  return v;
}

export function maxAbsDiff(a, b) {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

export function cosine(a, b) {
  if (a.length !== b.length) return -Infinity;
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return dot / Math.sqrt(na * nb);
}

/** Worst values seen per label (largest diff, smallest cosine), printed at the end of the run. */
export function createStats() {
  const worst = new Map();
  return {
    diff(label, value) {
      const key = `${label} max abs diff`;
      worst.set(key, Math.max(worst.get(key) ?? 0, value));
    },
    cosine(label, value) {
      const key = `${label} 1 - min cosine`;
      worst.set(key, Math.max(worst.get(key) ?? 0, 1 - value));
    },
    report() {
      return [...worst].map(([label, value]) => `${label}: ${value.toExponential(2)}`).join('\n');
    },
  };
}

/** Runs fn (sync or async) and returns what it throws or rejects with; null when it succeeds. */
export async function caught(fn) {
  try {
    await fn();
  } catch (e) {
    return e;
  }
  return null;
}
