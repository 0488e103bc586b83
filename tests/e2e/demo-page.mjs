// Clicks through examples/semantic-memory in Chromium as a person would: the backend badge, loading
// the model (progress bar, model panel, ModelCache state), adding notes, searching them (a note's
// own text must come back first with score 1), the store and the latency of each step; then
// loads the model again, which must come entirely from the ModelCache and keep the notes; then
// reloads the page: the notes come back from IndexedDB and are found again. Takes a screenshot: into
// docs/semantic-memory.png with RUVECTOR_UPDATE_SCREENSHOT=1, else into a temporary file.
// Prints "ok - ..." / "not ok - ...". The model is the seeded MiniLM-shaped one that
// scripts/make-test-models.sh writes (build/models/minilm; RUV_TEST_MODELS overrides build/models).
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchChromium, serveStatic } from './web.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const models = process.env.RUV_TEST_MODELS ?? join(root, 'build/models');
const model = join(models, 'minilm');

let failed = 0;
const report = (ok, line) => {
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - demo page: ${line}`);
};

if (!existsSync(join(model, 'config.json')) || !model.startsWith(root)) {
  report(false, `the test model is at ${model} (run scripts/make-test-models.sh)`);
  process.exit(1);
}

const notes = [
  'The dentist appointment is on Tuesday at 9',
  'Buy oat milk and coffee beans',
  'The wifi password at the office is on the fridge',
];
const server = await serveStatic(root);
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1000, height: 1200 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${server.origin}/examples/semantic-memory/?model=/${relative(root, model)}`);
  await page.waitForSelector('body[data-state="started"], body[data-state="error"]', { timeout: 60_000 });
  const badge = await page.textContent('#backend');
  report(/^wasm · WASM_SIMD128$/.test(badge), `the badge names the backend (${badge})`);

  await page.click('#load');
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 120_000 });
  const state = await page.getAttribute('body', 'data-state');
  report(
    state === 'ready',
    `the model loads (${state}${state === 'error' ? `: ${await page.textContent('#error')}` : ''})`,
  );
  const info = await page.textContent('#model-info');
  report(/dimensions384/.test(info) && /computed bywasm/.test(info), `the model panel (${info})`);
  report(/request\(s\) to the network/.test(info), 'the first load fetches the files');
  report((await page.getAttribute('#progress', 'value')) === '1', 'the progress bar reaches the end');

  for (const note of notes) {
    await page.fill('#note', note);
    await page.click('#add');
    await page.waitForFunction(
      (n) => document.querySelectorAll('#notes li').length === n,
      notes.indexOf(note) + 1,
    );
  }
  const size = await page.textContent('#index-size');
  report(
    /^\(3 kept in indexeddb:semantic-memory-example, (persistent|evictable under storage pressure)\)$/.test(
      size,
    ),
    `the store (${size})`,
  );

  await page.fill('#query', notes[1]);
  await page.click('#search');
  await page.waitForSelector('body[data-results]');
  const first = await page.$$eval('#results tbody tr:first-child td', (tds) =>
    tds.map((td) => td.textContent),
  );
  report(
    first[0] === notes[1] && first[1] === '1.000' && first[2] === '0.000',
    `a note's own text comes first, score 1 (${first})`,
  );
  const rows = await page.$$eval('#results tbody tr', (trs) => trs.length);
  report(rows === 3, `every note is ranked (${rows} rows)`);

  const steps = await page.$$eval('#latency td:first-child', (tds) => tds.map((td) => td.textContent));
  const wanted = [
    'initialize runtime',
    'open memory (load model)',
    'add note (embed + store)',
    'search (embed + k = 5)',
  ];
  report(
    wanted.every((w) => steps.includes(w)),
    `the latency of each operation (${steps.join(', ')})`,
  );

  const screenshot =
    process.env.RUVECTOR_UPDATE_SCREENSHOT === '1'
      ? join(root, 'docs/semantic-memory.png')
      : join(mkdtempSync(join(tmpdir(), 'ruvector-demo-')), 'semantic-memory.png');
  await page.screenshot({ path: screenshot, fullPage: true });
  report(existsSync(screenshot), `screenshot ${screenshot}`);

  // Loading again: every file from the ModelCache (the browser's Cache API), nothing fetched.
  await page.click('#load');
  await page.waitForFunction(
    () =>
      /every file came from the cache|ERROR/.test(
        document.querySelector('#model-info').textContent +
          (document.body.dataset.state === 'error' ? 'ERROR' : ''),
      ),
    null,
    { timeout: 120_000 },
  );
  report(
    /cache-api: every file came from the cache/.test(await page.textContent('#model-info')),
    'a second load comes from the ModelCache',
  );
  const listed = () => page.$$eval('#notes li', (lis) => lis.map((li) => li.textContent));
  report(
    JSON.stringify(await listed()) === JSON.stringify(notes),
    'loading again keeps the notes (the store was closed and opened again)',
  );

  // A reload: the notes come back from IndexedDB.
  await page.reload();
  await page.waitForSelector('body[data-state="started"], body[data-state="error"]', { timeout: 60_000 });
  await page.click('#load');
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 120_000 });
  const kept = await listed();
  report(
    JSON.stringify([...kept].sort()) === JSON.stringify([...notes].sort()),
    `a reload keeps the notes (${kept.join(' | ')})`,
  );
  await page.fill('#query', notes[2]);
  await page.click('#search');
  await page.waitForSelector('body[data-results]');
  const top = await page.textContent('#results tbody tr:first-child td');
  report(top === notes[2], `after the reload a note's own text comes first (${top})`);

  // Forgetting deletes the kept notes: the next open starts empty.
  await page.click('#forget');
  await page.waitForFunction(() => document.querySelectorAll('#notes li').length === 0);
  await page.click('#load');
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 120_000 });
  const afterForget = await page.textContent('#index-size');
  report(
    /^\(0 kept in /.test(afterForget) && (await listed()).length === 0,
    `forgetting the notes (${afterForget})`,
  );
  report(
    errors.length === 0 && !(await page.isVisible('#error')),
    `no errors (${errors.join('; ')}${await page.textContent('#error')})`,
  );
} catch (e) {
  report(false, `the click-through finished: ${e?.stack ?? e}`);
} finally {
  await browser.close();
  server.close();
}
process.exitCode = failed === 0 ? 0 : 1;
