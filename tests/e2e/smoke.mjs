// End to end, as a user's program sees the package: imported by name ('ruvector-runtime') in a
// fresh Node process, the registry picks the backend the process allows, and that backend runs
// the engine suite (engine-suite.mjs: the vectorOps case tables, error codes, HNSW recall and
// bytes, learning). scripts/test-e2e.sh copies tests/ into a scratch project whose node_modules
// links js/, and runs this once per backend with EXPECT_BACKEND set. Prints "ok - ..." /
// "not ok - ..." and, on the last line, the JSON of the run (the engines harness compares other
// engines' serialized bytes with it).
import * as pkg from 'ruvector-runtime';
import { runEngineSuite } from './engine-suite.mjs';

const run = await runEngineSuite(pkg, { expect: process.env.EXPECT_BACKEND });
const flags = process.execArgv.join(' ') || 'no flags';
for (const r of run.results) {
  const name = r.name.startsWith('the registry picks') ? `${r.name} (${flags})` : r.name;
  console.log(`${r.ok ? 'ok' : 'not ok'} - ${name}${r.detail ? `: ${r.detail}` : ''}`);
}
console.log(
  `# run ${JSON.stringify({ backend: run.backend, initializeMs: run.initializeMs, digests: run.digests })}`,
);
process.exitCode = run.results.every((r) => r.ok) ? 0 : 1;
