// End to end, as a user's program sees the package: imported by name ('ruvector-runtime') in a
// fresh process of Node, Deno or Bun (each resolving the package's exports itself), the registry
// picks the backend the process allows, and that backend runs the engine suite (engine-suite.mjs:
// the vectorOps case tables, error codes, HNSW recall and bytes, learning). engines.mjs copies
// tests/ into a scratch project whose node_modules links js/ and runs this once per engine with
// EXPECT_BACKEND set. Prints "ok - ..." / "not ok - ..." and, last, "# run {json}" (backend,
// import and initialize times, digests of the serialized bytes, the embedding of one sentence).
import { existsSync, readFileSync } from 'node:fs';

import { runEngineSuite } from './engine-suite.mjs';

/** The tiny test model (scripts/make-test-models.sh) from RUV_TEST_MODELS, else undefined. */
function readTestModel() {
  const dir = process.env.RUV_TEST_MODELS;
  if (!dir || !existsSync(`${dir}/tiny.ruvmodel`)) return undefined;
  return {
    bundle: new Uint8Array(readFileSync(`${dir}/tiny.ruvmodel`)),
    reference: JSON.parse(readFileSync(`${dir}/tiny/reference.json`, 'utf8')),
  };
}

const started = performance.now();
const pkg = await import('ruvector-runtime');
const importMs = performance.now() - started;
const run = await runEngineSuite(pkg, { expect: process.env.EXPECT_BACKEND, model: readTestModel() });
const flags = process.execArgv.join(' ') || 'no flags';
for (const r of run.results) {
  const name = r.name.startsWith('the registry picks') ? `${r.name} (${flags})` : r.name;
  console.log(`${r.ok ? 'ok' : 'not ok'} - ${name}${r.detail ? `: ${r.detail}` : ''}`);
}
const { backend, initializeMs, digests, embedding } = run;
const attempts = run.describe?.attempts;
const describe = { wasm: run.describe?.wasm };
console.log(
  `# run ${JSON.stringify({ backend, importMs, initializeMs, digests, embedding, attempts, describe })}`,
);
process.exitCode = run.results.every((r) => r.ok) ? 0 : 1;
