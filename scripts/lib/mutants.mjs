// The planted-defect check (issue 23): applies each mutant of tests/mutants.txt to a clean clone,
// rebuilds what it touches, runs its test command and reports whether the tests caught it.
// Called by scripts/mutants.sh (which documents the options); the clone path comes as argv[2].
import { execSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [, , clone, listPath, only] = process.argv;
const full = process.env.RUV_MUTANTS_FULL === '1';
const timeoutMs = Number(process.env.RUV_MUTANTS_TIMEOUT ?? 900) * 1000;

/** Blocks of `key: value` lines separated by blank lines; `#` lines are comments. */
function parse(text) {
  const mutants = [];
  let current = null;
  text.split('\n').forEach((line, i) => {
    if (line.startsWith('#')) return;
    if (line.trim() === '') {
      current = null;
      return;
    }
    const m = /^([a-z]+):\s?(.*)$/.exec(line);
    if (m === null) throw new Error(`${listPath}:${i + 1}: expected "key: value", got: ${line}`);
    if (current === null) mutants.push((current = { line: i + 1 }));
    current[m[1]] = m[2];
  });
  for (const mu of mutants) {
    for (const key of ['name', 'file', 'find', 'replace', 'breaks', 'test']) {
      if (mu[key] === undefined) throw new Error(`${listPath}:${mu.line}: mutant without "${key}"`);
    }
    mu.find = mu.find.replaceAll('\\n', '\n');
    mu.replace = mu.replace.replaceAll('\\n', '\n');
  }
  const names = new Set();
  for (const mu of mutants) {
    if (names.has(mu.name)) throw new Error(`${listPath}:${mu.line}: duplicate name ${mu.name}`);
    names.add(mu.name);
  }
  return mutants;
}

function run(command, label) {
  const started = Date.now();
  const r = spawnSync('bash', ['-c', command], {
    cwd: clone,
    encoding: 'utf8',
    timeout: timeoutMs,
    maxBuffer: 256 * 1024 * 1024,
    env: { ...process.env, RUV_TEST_MODELS: join(clone, 'build/models') },
  });
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const timedOut = r.error?.code === 'ETIMEDOUT';
  if (process.env.RUV_MUTANTS_VERBOSE === '1') process.stderr.write(`--- ${label}\n${r.stdout}${r.stderr}`);
  const output = `${r.stdout}${r.stderr}`;
  return { ok: r.status === 0 && !timedOut, timedOut, seconds, output, tail: output.slice(-2000) };
}

/** True when a test command's output says it ran zero tests (gtest or node:test). */
function ranNoTest(output) {
  return /\[==========\] 0 tests? from|^# tests 0$|^ℹ tests 0$/m.test(output);
}

/** What rebuilding a changed file takes: the native core and addon, or the TypeScript package. */
function rebuild(file) {
  if (file.startsWith('js/src/')) return '(cd js && npx tsc -p .)';
  return 'cmake --build build/native -j2 && cp -f build/native/bindings/node/ruvector_native.node js/dist/native/';
}

const fullTest = 'bash scripts/test.sh';
let mutants = parse(readFileSync(listPath, 'utf8'));
if (only) {
  mutants = mutants.filter((mu) => only.split(',').includes(mu.name));
  if (mutants.length === 0) throw new Error(`no mutant named ${only}`);
}

// Every test command must pass without a mutant, or a failure would prove nothing.
const commands = [...new Set(mutants.map((mu) => (full ? fullTest : mu.test)))];
for (const command of commands) {
  const r = run(command, `baseline: ${command}`);
  if (!r.ok) {
    console.error(`mutants: the test command fails without any mutant:\n  ${command}\n${r.tail}`);
    process.exit(2);
  }
  // A filter that selects nothing passes whatever the code does (gtest names parameterized
  // suites Group/Suite.Test/Target, so 'Suite.*' alone matches none of them).
  if (ranNoTest(r.output)) {
    console.error(`mutants: the test command runs no test at all:\n  ${command}`);
    process.exit(2);
  }
}
console.log(`mutants: ${commands.length} test command(s) pass on the clean clone`);

const results = [];
for (const mu of mutants) {
  const path = join(clone, mu.file);
  const original = readFileSync(path, 'utf8');
  const at = original.indexOf(mu.find);
  let verdict;
  let detail = '';
  let seconds = '0';
  if (at < 0 || original.indexOf(mu.find, at + 1) >= 0) {
    verdict = 'STALE';
    detail =
      at < 0 ? 'the text to replace is not in the file' : 'the text to replace is there more than once';
  } else {
    writeFileSync(path, original.slice(0, at) + mu.replace + original.slice(at + mu.find.length));
    try {
      const built = run(rebuild(mu.file), `build ${mu.name}`);
      if (!built.ok) {
        verdict = 'INVALID';
        detail = 'the mutant does not build';
      } else {
        const r = run(full ? fullTest : mu.test, `test ${mu.name}`);
        seconds = r.seconds;
        verdict = r.ok ? (mu.survives ? 'ACCEPTED' : 'SURVIVED') : 'CAUGHT';
        if (r.timedOut) detail = 'timed out (counted as caught)';
        if (mu.survives) detail = mu.survives;
      }
    } finally {
      writeFileSync(path, original);
    }
  }
  results.push({ ...mu, verdict, detail, seconds });
  console.log(`${verdict.padEnd(8)} ${mu.name.padEnd(40)} ${seconds.padStart(4)} s  ${detail}`);
}
// Leave the clone built from clean sources.
execSync(`${rebuild('core/')} && ${rebuild('js/src/')}`, { cwd: clone, stdio: 'ignore', shell: '/bin/bash' });

const count = (v) => results.filter((r) => r.verdict === v).length;
console.log(
  `mutants: ${results.length} run, ${count('CAUGHT')} caught, ${count('SURVIVED')} survived, ` +
    `${count('ACCEPTED')} accepted survivors, ${count('STALE') + count('INVALID')} stale or invalid`,
);
for (const r of results.filter((x) => x.verdict === 'SURVIVED')) {
  console.log(`survived: ${r.name} (${r.file}): ${r.breaks}\n  test: ${r.test}`);
}
process.exit(count('SURVIVED') + count('STALE') + count('INVALID') === 0 ? 0 : 1);
