// Semantic memory in a page: notes are embedded by a BERT model (all-MiniLM-L6-v2 by default, or
// the folder URL in ?model=) and kept in an HNSW index; a search embeds the query and shows the
// nearest notes with their score (cosine similarity) and distance. Everything runs in this tab
// through ruvector-runtime (wasm in browsers); the badge says which backend, the latency table
// how long each operation took, and the model panel where the model came from and whether the
// ModelCache (the browser's Cache API) already had it.
import { ModelCache, RuVectorRuntime, WasmEmbedder, WasmHnswIndex } from 'ruvector-runtime';

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
let embedder;
let index;
const notes = new Map();

async function updateIndexSize() {
  const s = index.getStats();
  $('index-size').textContent = `(${s.vectorCount} in the index, ${(s.memoryBytes / 1024).toFixed(1)} KiB)`;
}

async function loadModel(source) {
  $('load').disabled = true;
  const cache = new ModelCache();
  // Requests that reach the network (the rest of the files come from the ModelCache).
  let fetched = 0;
  const bar = $('progress');
  bar.hidden = false;
  bar.value = 0;
  const next = new WasmEmbedder(
    {
      // A Hub id as it is; anything else is a folder URL, relative to this page.
      modelPath: /^[\w.-]+\/[\w.-]+$/.test(source) ? source : new URL(source, location.href).href,
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
    { runtime },
  );
  await timed('load model', () => next.initialize());
  bar.value = 1;
  $('progress-label').textContent = 'loaded';
  await embedder?.dispose();
  embedder = next;
  const info = embedder.getModelInfo();
  describeModel(info, cache, fetched);
  await index?.dispose();
  index = new WasmHnswIndex(
    { dimensions: info.dimensions, m: 16, efConstruction: 100, efSearch: 64, distanceMetric: 'cosine' },
    { runtime },
  );
  await index.initialize();
  notes.clear();
  $('notes').replaceChildren();
  await updateIndexSize();
  for (const id of ['note', 'add', 'query', 'search']) $(id).disabled = false;
  $('load').disabled = false;
  document.body.dataset.state = 'ready';
}

async function addNote(text) {
  const vector = await timed('embed note', () => embedder.embed(text));
  const id = `n${notes.size + 1}`;
  await timed('index insert', () => index.insert(id, vector));
  notes.set(id, text);
  const li = document.createElement('li');
  li.textContent = text;
  $('notes').append(li);
  await updateIndexSize();
}

async function search(text) {
  const q = await timed('embed query', () => embedder.embed(text));
  const hits = await timed('search (k = 5)', () => index.search(q, 5));
  $('results').tBodies[0].replaceChildren(
    ...hits.map((h) => {
      const row = document.createElement('tr');
      row.innerHTML = `<td></td><td class="num">${h.score.toFixed(3)}</td><td class="num">${h.distance.toFixed(3)}</td>`;
      row.cells[0].textContent = notes.get(h.id) ?? h.id;
      return row;
    }),
  );
  document.body.dataset.results = String(hits.length);
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
  document.body.dataset.state = 'started';
} catch (e) {
  showError(e);
}
