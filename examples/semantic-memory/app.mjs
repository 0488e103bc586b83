// Semantic memory in a page: a SemanticMemory keeps notes, embedded by a BERT model
// (all-MiniLM-L6-v2 by default, or the folder URL in ?model=), in IndexedDB, so a reload keeps
// them; a search embeds the query and shows the nearest notes with their score (cosine
// similarity) and distance. Everything runs in this tab
// through ruvector-runtime (wasm in browsers); the badge says which backend, the latency table
// how long each operation took, and the model panel where the model came from and whether the
// ModelCache (the browser's Cache API) already had it.
import { ModelCache, RuVectorRuntime, SemanticMemory } from 'ruvector-runtime';

const $ = (id) => document.getElementById(id);
const DEFAULT_MODEL = 'Xenova/all-MiniLM-L6-v2';

const latencies = new Map();
/** Runs `fn`, records its duration under `label` and shows it. */
async function timed(label, fn) {
  const started = performance.now();
  const result = await fn();
  const ms = performance.now() - started;
  latencies.set(label, ms);
  const body = $('latency').tBodies[0];
  body.replaceChildren(
    ...[...latencies].map(([name, value]) => {
      const row = document.createElement('tr');
      row.innerHTML = `<td></td><td class="num">${value < 10 ? value.toFixed(2) : value.toFixed(0)} ms</td>`;
      row.cells[0].textContent = name;
      return row;
    }),
  );
  return result;
}

function showError(e) {
  const box = $('error');
  box.hidden = false;
  box.textContent = `${e?.code ? `${e.code}: ` : ''}${e?.message ?? e}`;
  document.body.dataset.state = 'error';
}

function describeModel(info, cache, fetched) {
  const rows = [
    ['model', info.modelId],
    ['dimensions', info.dimensions],
    ['max tokens', `${info.maxTokens} (${info.maxTokensSource})`],
    ['pooling', `${info.pooling}${info.normalize ? ', normalized' : ''}`],
    ['weights', `${info.weights}, ${info.dtype}, ${info.layers} layers`],
    ['computed by', info.backend],
    [
      'ModelCache',
      `${cache.persistence}: ${fetched === 0 ? 'every file came from the cache' : `${fetched} request(s) to the network, the files now cached`}`,
    ],
  ];
  $('model-info').replaceChildren(
    ...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = k;
      dd.textContent = String(v);
      return [dt, dd];
    }),
  );
}

let runtime;
let memory;
/** The IndexedDB name the notes are kept under (a reload opens them again). */
const STORE = 'semantic-memory-example';

function showNote(text) {
  const li = document.createElement('li');
  li.textContent = text;
  $('notes').append(li);
}

function updateStoreInfo() {
  const d = memory.describe();
  $('index-size').textContent =
    `(${d.size} kept in ${d.path}, ${d.persisted ? 'persistent' : 'evictable under storage pressure'})`;
}

async function loadModel(source) {
  $('load').disabled = true;
  const cache = new ModelCache();
  // Requests that reach the network (the rest of the files come from the ModelCache).
  let fetched = 0;
  const bar = $('progress');
  bar.hidden = false;
  bar.value = 0;
  // The store is held by one SemanticMemory at a time (a Web Lock): let the current one go.
  await memory?.close();
  memory = undefined;
  const next = await timed('open memory (load model)', () =>
    SemanticMemory.open({
      path: STORE,
      // A Hub id as it is; anything else is a folder URL, relative to this page.
      model: /^[\w.-]+\/[\w.-]+$/.test(source) ? source : { url: new URL(source, location.href).href },
      modelOptions: {
        cache,
        fetch: (url, init) => {
          fetched++;
          return fetch(url, init);
        },
        onProgress: (p) => {
          if (p.modelTotal) bar.value = p.modelLoaded / p.modelTotal;
          $('progress-label').textContent = `${p.file}: ${(p.loaded / 1e6).toFixed(1)} MB`;
        },
      },
      runtime,
    }),
  );
  bar.value = 1;
  $('progress-label').textContent = 'loaded';
  memory = next;
  describeModel(memory.describe().model, cache, fetched);
  // The notes kept from earlier visits.
  $('notes').replaceChildren();
  for await (const note of memory) showNote(note.text);
  updateStoreInfo();
  for (const id of ['note', 'add', 'query', 'search']) $(id).disabled = false;
  $('load').disabled = false;
  document.body.dataset.state = 'ready';
}

async function addNote(text) {
  const id = `n${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  await timed('add note (embed + store)', () => memory.add(id, text));
  showNote(text);
  updateStoreInfo();
}

async function search(text) {
  const hits = await timed('search (embed + k = 5)', () => memory.search(text, { k: 5 }));
  $('results').tBodies[0].replaceChildren(
    ...hits.map((h) => {
      const row = document.createElement('tr');
      row.innerHTML = `<td></td><td class="num">${h.score.toFixed(3)}</td><td class="num">${h.distance.toFixed(3)}</td>`;
      row.cells[0].textContent = h.text;
      return row;
    }),
  );
  document.body.dataset.results = String(hits.length);
}

/** Deletes the kept notes (e.g. after MODEL_MISMATCH: they were embedded by another model). */
async function forgetNotes() {
  await memory?.close();
  memory = undefined;
  await new Promise((resolve, reject) => {
    const r = indexedDB.deleteDatabase(`ruvector-memory:${STORE}`);
    r.onsuccess = resolve;
    r.onerror = () => reject(r.error);
  });
  $('notes').replaceChildren();
  $('index-size').textContent = '(forgotten: load a model to start again)';
  for (const id of ['note', 'add', 'query', 'search']) $(id).disabled = true;
  $('error').hidden = true;
  document.body.dataset.state = 'started';
}

const on = (form, fn) =>
  $(form).addEventListener('submit', (event) => {
    event.preventDefault();
    fn().catch(showError);
  });

try {
  runtime = await timed('initialize runtime', () => RuVectorRuntime.initialize());
  const d = runtime.describe();
  const badge = $('backend');
  badge.textContent = `${d.backend} · ${d.simdTarget}`;
  badge.className = `badge ${d.backend}`;
  badge.title = d.reason;
  $('model').value = new URLSearchParams(location.search).get('model') ?? DEFAULT_MODEL;
  on('model-form', () => loadModel($('model').value.trim()));
  on('note-form', async () => {
    const text = $('note').value.trim();
    if (text) await addNote(text);
    $('note').value = '';
  });
  on('search-form', () => search($('query').value.trim()));
  $('forget').addEventListener('click', () => forgetNotes().catch(showError));
  document.body.dataset.state = 'started';
} catch (e) {
  showError(e);
}
