// SemanticMemory kept in a browser (issue 22): headless Chromium, the one-file browser build
// (js/dist/ruvector.web.js) in a page. A store under a name lives in IndexedDB and survives a
// page reload (the log replayed without close(), the snapshot after close()); a second tab
// opening it gets LOCKED while the first holds it, and opens it once the first is gone (the Web
// Lock goes with the tab); a write over the storage quota (set small through the DevTools
// protocol, on a profile on disk) is QUOTA_EXCEEDED with everything acknowledged before still there, and the store
// goes on taking writes. Vectors are given (model: null), so no model is needed here; the
// example page (demo-page.mjs) runs the same store with a model.
// Prints "ok - ..." / "not ok - ...".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { launchChromiumProfile, serveStatic } from './web.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));

let failed = 0;
const report = (ok, line) => {
  if (!ok) failed++;
  console.log(`${ok ? 'ok' : 'not ok'} - memory in a browser: ${line}`);
};

// The page exposes the package and a few helpers; each step runs in it through evaluate().
const page = `<!doctype html><meta charset="utf-8"><title>memory</title>
<script type="importmap">{ "imports": { "ruvector-runtime": "/js/dist/ruvector.web.js" } }</script>
<script type="module">
  import * as ruv from 'ruvector-runtime';
  window.ruv = ruv;
  window.vec = (i) => new Float32Array([1, i, i * i % 7, (i * 3) % 5]);
  window.open4 = (name, extra = {}) =>
    ruv.SemanticMemory.open({ path: name, model: null, dimensions: 4, backend: 'wasm', ...extra });
  window.outcome = async (fn) => {
    try {
      return { ok: true, value: await fn() };
    } catch (e) {
      return { ok: false, code: e.code, message: e.message };
    }
  };
  document.body.dataset.ready = '1';
</script>`;

const server = await serveStatic(root, { '/memory.html': page });
// A profile on disk: a throwaway context ignores the quota set in step 4.
const profile = mkdtempSync(join(tmpdir(), 'ruvector-chromium-'));
const context = await launchChromiumProfile(profile);
try {
  const url = `${server.origin}/memory.html`;
  const open = async (p) => {
    await p.goto(url);
    await p.waitForSelector('body[data-ready="1"]', { state: 'attached' });
  };
  const tab = await context.newPage();
  // Chromium reads an origin's quota when the origin first uses storage: set it before. 3 MiB
  // holds steps 1 to 3 with room to spare; step 4 fills it.
  // (The override lasts as long as the DevTools session: held by a blank page kept open.)
  const keeper = context.pages().find((p) => p !== tab) ?? (await context.newPage());
  const cdp = await context.newCDPSession(keeper);
  await cdp.send('Storage.overrideQuotaForOrigin', { origin: server.origin, quotaSize: 3 << 20 });
  const errors = [];
  tab.on('pageerror', (e) => errors.push(String(e)));
  await open(tab);

  // 1. Writes, then a reload without close(): the log is replayed.
  const first = await tab.evaluate(async () => {
    const m = await window.open4('notes');
    for (let i = 0; i < 20; i++) await m.add(`n${i}`, `note ${i}`, { i }, { vector: window.vec(i) });
    await m.delete('n3');
    await m.add('n4', 'note four, replaced', { i: 4, replaced: true }, { vector: window.vec(4) });
    const d = m.describe();
    return {
      size: m.size,
      storage: d.storage,
      path: d.path,
      persisted: d.persisted,
      durability: d.durability,
    };
  });
  report(
    first.size === 19 && first.storage === 'indexeddb' && first.path === 'indexeddb:notes',
    `a store under a name is in IndexedDB (${JSON.stringify(first)})`,
  );
  report(
    typeof first.persisted === 'boolean',
    `describe() says whether persist() was granted (${first.persisted})`,
  );
  report(first.durability === 'fsync', `'fsync' durability by default (${first.durability})`);

  await open(tab); // reload: the lock and the open memory go with the page
  const again = await tab.evaluate(async () => {
    const m = await window.open4('notes');
    const hits = await m.search(window.vec(7), { k: 1 });
    const out = {
      size: m.size,
      recovered: m.describe().recovered,
      n3: m.has('n3'),
      n4: m.get('n4'),
      n19: m.get('n19'),
      top: hits[0]?.id,
      all: [],
    };
    for await (const e of m) out.all.push(e.id);
    const v = await m.verify();
    out.verify = { ok: v.ok, checked: v.checked, against: v.against };
    await m.close();
    return out;
  });
  report(
    again.size === 19 && again.recovered.replayed === 22 && !again.recovered.snapshot,
    `a reload replays the log (${JSON.stringify({ size: again.size, recovered: again.recovered })})`,
  );
  report(
    !again.n3 && again.n4?.text === 'note four, replaced' && again.n4?.metadata.replaced === true,
    `deletes and replacements survive (${JSON.stringify(again.n4)})`,
  );
  report(again.n19?.text === 'note 19' && again.n19.metadata.i === 19, 'texts and metadata survive');
  report(again.top === 'n7' && again.all.length === 19, `every id is findable (top ${again.top})`);
  report(
    again.verify.ok && again.verify.checked === 19 && again.verify.against === 'log',
    `verify() checks the memory against the IndexedDB log (${JSON.stringify(again.verify)})`,
  );

  // 2. After close(): one snapshot, nothing to replay.
  await open(tab);
  const closed = await tab.evaluate(async () => {
    const m = await window.open4('notes');
    const out = { size: m.size, recovered: m.describe().recovered };
    return out; // left open: the next step needs the lock held
  });
  report(
    closed.size === 19 && closed.recovered.snapshot && closed.recovered.replayed === 0,
    `after close() a reload loads the snapshot (${JSON.stringify(closed.recovered)})`,
  );

  // 3. One writer: a second tab gets LOCKED while this one holds the store.
  const other = await context.newPage();
  await open(other);
  const locked = await other.evaluate(() => window.outcome(() => window.open4('notes')));
  report(
    locked.code === 'LOCKED' && /another tab/.test(locked.message),
    `a second tab: ${locked.code}: ${locked.message}`,
  );
  const elsewhere = await other.evaluate(() =>
    window.outcome(async () => {
      const m = await window.open4('notes-2');
      await m.close();
      return 'ok';
    }),
  );
  report(elsewhere.ok, `another name opens meanwhile (${JSON.stringify(elsewhere)})`);
  await tab.close(); // the holder goes away without close()
  // The browser lets the lock go shortly after the tab: give it 5 s.
  const after = await other.evaluate(async () => {
    for (const started = Date.now(); ;) {
      const r = await window.outcome(async () => {
        const m = await window.open4('notes');
        const size = m.size;
        await m.close();
        return size;
      });
      if (r.ok || r.code !== 'LOCKED' || Date.now() - started > 5000)
        return { ...r, ms: Date.now() - started };
      await new Promise((ok) => setTimeout(ok, 50));
    }
  });
  report(after.ok && after.value === 19, `once the holder's tab is gone it opens (${JSON.stringify(after)})`);

  // 4. A full quota: QUOTA_EXCEEDED, nothing acknowledged lost, the store still takes writes.
  const quota = await other.evaluate(async () => {
    const m = await window.open4('notes');
    // Random letters: Chromium compresses what IndexedDB keeps, and a repeated letter is nothing.
    let seed = 1;
    const letter = () => String.fromCharCode(97 + ((seed = (seed * 48271) % 2147483647) % 26));
    const big = Array.from({ length: 900_000 }, letter).join('');
    const results = [];
    for (let i = 0; i < 6; i++)
      results.push(await window.outcome(() => m.add(`big${i}`, big, {}, { vector: window.vec(100 + i) })));
    const failedAt = results.findIndex((r) => !r.ok);
    const error = results[failedAt];
    const small = await window.outcome(() =>
      m.add('after', 'a small note after the full quota', {}, { vector: window.vec(9) }),
    );
    const stored = results.slice(0, failedAt).length;
    const state = { size: m.size, has: m.has(`big${failedAt}`), n19: m.get('n19')?.text };
    return { failedAt, error, small, stored, state };
  });
  report(
    quota.failedAt > 0 &&
      quota.error?.code === 'QUOTA_EXCEEDED' &&
      /nothing was changed/.test(quota.error.message),
    `a write over the quota: ${quota.error?.code}: ${quota.error?.message} (after ${quota.failedAt} writes)`,
  );
  report(
    !quota.state.has &&
      quota.state.n19 === 'note 19' &&
      quota.state.size === 19 + quota.stored + (quota.small.ok ? 1 : 0),
    `the refused write is not there, the rest is (${JSON.stringify(quota.state)})`,
  );
  await open(other);
  const reopened = await other.evaluate(async (stored) => {
    const m = await window.open4('notes');
    const out = { size: m.size, bigs: [] };
    for (let i = 0; i < stored; i++) out.bigs.push(m.get(`big${i}`)?.text.length);
    out.after = m.has('after');
    // close() checkpoints: the snapshot does not fit in what is left of the quota either, and
    // the log it would replace stays (the next open replays it).
    out.close = await window.outcome(() => m.close());
    return out;
  }, quota.stored);
  report(
    reopened.size === 19 + quota.stored + (quota.small.ok ? 1 : 0) &&
      reopened.bigs.every((n) => n === 900_000),
    `after a reload every acknowledged write is there (${JSON.stringify(reopened)}; small write after: ${quota.small.ok})`,
  );

  // The failed checkpoint left the log in place: the next open replays it.
  await open(other);
  const replayed = await other.evaluate(async () => {
    const m = await window.open4('notes');
    return { size: m.size, recovered: m.describe().recovered };
  });
  report(
    replayed.size === reopened.size && replayed.recovered.replayed > 0,
    `a checkpoint refused for quota loses nothing (${JSON.stringify(replayed)})`,
  );
  await open(other);

  // 5. Bad bytes in the database: refused as CORRUPT_DATA, never a crash or wrong texts.
  const corrupt = await other.evaluate(async () => {
    const db = await new Promise((ok, no) => {
      const r = indexedDB.open('ruvector-memory:notes', 1);
      r.onsuccess = () => ok(r.result);
      r.onerror = () => no(r.error);
    });
    const snapshot = await new Promise((ok) => {
      const r = db.transaction('files').objectStore('files').get('snapshot');
      r.onsuccess = () => ok(r.result);
    });
    snapshot[Math.floor(snapshot.length / 2)] ^= 0x40;
    await new Promise((ok) => {
      const tx = db.transaction('files', 'readwrite');
      tx.objectStore('files').put(snapshot, 'snapshot');
      tx.oncomplete = ok;
    });
    db.close();
    const damaged = await window.outcome(() => window.open4('notes'));
    return damaged;
  });
  report(
    corrupt.code === 'CORRUPT_DATA',
    `a changed byte in the snapshot: ${corrupt.code}: ${corrupt.message}`,
  );
  report(errors.length === 0, `no page errors (${errors.join('; ')})`);
} catch (e) {
  report(false, `the run finished: ${e?.stack ?? e}`);
} finally {
  await context.close();
  server.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exitCode = failed === 0 ? 0 : 1;
