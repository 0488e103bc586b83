// Test support for the model loader: fake model folders on disk and a node:http server on
// 127.0.0.1 serving them in the Hugging Face Hub's URL layout (/{org}/{name}/resolve/{rev}/{file}),
// with switches for the failures a real network has. Not a test file itself.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const tokenizerDir = fileURLToPath(
  new URL('../../../shared/models/all-MiniLM-L6-v2-tokenizer/', import.meta.url),
);
export const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

export function seededBytes(n, seed) {
  const out = new Uint8Array(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

function put(root, rel, bytes) {
  const path = join(root, ...rel.split('/'));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}

/**
 * Makes <root>/sentence-transformers/all-MiniLM-L6-v2 (real tokenizer files, random "weights" in
 * both formats, a pooling config) and <root>/Xenova/tiny-onnx (vocab.txt only, ONNX only).
 */
export function makeModelTree() {
  const root = mkdtempSync(join(tmpdir(), 'ruvector-models-'));
  const minilm = join(root, 'sentence-transformers', 'all-MiniLM-L6-v2');
  mkdirSync(minilm, { recursive: true });
  for (const f of ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json'])
    copyFileSync(join(tokenizerDir, f), join(minilm, f));
  put(minilm, 'model.safetensors', seededBytes(300_000, 1));
  put(minilm, 'onnx/model.onnx', seededBytes(200_001, 2));
  put(minilm, '1_Pooling/config.json', '{"word_embedding_dimension": 384, "pooling_mode_mean_tokens": true}');
  const tiny = join(root, 'Xenova', 'tiny-onnx');
  mkdirSync(tiny, { recursive: true });
  copyFileSync(join(tokenizerDir, 'config.json'), join(tiny, 'config.json'));
  copyFileSync(join(tokenizerDir, 'vocab.txt'), join(tiny, 'vocab.txt'));
  put(tiny, 'onnx/model.onnx', seededBytes(50_000, 3));
  return { root, minilm, tiny };
}

/** The files a load of `folder` should produce (name -> bytes), read independently of the loader. */
export function expectedFiles(folder, names) {
  return new Map(names.map((n) => [n, new Uint8Array(readFileSync(join(folder, ...n.split('/'))))]));
}

const LFS = /\.(safetensors|onnx|bin)$/;

/**
 * Serves `root`. Options: `dropAfter: { file, bytes }` closes the socket after that many body
 * bytes of `file`; `wrongBody: file` flips a byte of that file's body (its ETag stays the true
 * SHA-256); `status: { [file]: code }` answers that status; `chunked` omits Content-Length. LFS-like files (weights) get an
 * `x-linked-etag` of their SHA-256, others a 40-hex git-style `etag`. `requests` counts requests per
 * URL path; `port` reuses a port (so cache keys, which are URLs, stay the same). Also serves /plain/<org>/<name>/<file> (a plain folder URL).
 */
export async function startModelServer(root, options = {}) {
  const requests = new Map();
  const sockets = new Set();
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    requests.set(path, (requests.get(path) ?? 0) + 1);
    const hub = /^\/([^/]+)\/([^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(path);
    const plain = /^\/plain\/([^/]+)\/([^/]+)\/(.+)$/.exec(path);
    const [org, name, file] = hub ? [hub[1], hub[2], hub[4]] : plain ? [plain[1], plain[2], plain[3]] : [];
    if (file === undefined || file.includes('..')) return res.writeHead(400).end();
    if (options.status?.[file] !== undefined) return res.writeHead(options.status[file]).end('nope');
    let body;
    try {
      body = readFileSync(join(root, org, name, ...file.split('/')));
    } catch {
      return res.writeHead(404).end('Entry not found');
    }
    const headers = { 'content-type': 'application/octet-stream' };
    if (!options.chunked) headers['content-length'] = body.length;
    if (LFS.test(file)) headers['x-linked-etag'] = `"${sha256(body)}"`;
    else headers.etag = `"${sha256(body).slice(0, 40)}"`;
    res.writeHead(200, headers);
    if (options.dropAfter?.file === file) {
      res.write(body.subarray(0, options.dropAfter.bytes), () => setTimeout(() => req.socket.destroy(), 20));
      return;
    }
    if (options.wrongBody === file) {
      body = Buffer.from(body);
      body[body.length >> 1] ^= 0xff;
    }
    res.end(body);
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const host = `http://127.0.0.1:${server.address().port}`;
  return {
    host,
    requests,
    count: (path) => requests.get(path) ?? 0,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(resolve);
      }),
  };
}

/** A small in-memory Cache API (`caches`): open/match/put/delete, storing copies of bodies. */
export function memoryCaches({ quotaBytes = Infinity } = {}) {
  const stores = new Map();
  let used = 0;
  const keyOf = (req) => (typeof req === 'string' ? req : req.url);
  return {
    stores,
    async open(name) {
      if (!stores.has(name)) stores.set(name, new Map());
      const store = stores.get(name);
      return {
        async match(req) {
          const hit = store.get(keyOf(req));
          return hit === undefined
            ? undefined
            : new Response(hit.body.slice(), { status: hit.status, headers: hit.headers });
        },
        async put(req, response) {
          const body = new Uint8Array(await response.arrayBuffer());
          if (used + body.length > quotaBytes) {
            throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
          }
          used += body.length;
          store.set(keyOf(req), { body, status: response.status, headers: [...response.headers] });
        },
        async delete(req) {
          return store.delete(keyOf(req));
        },
      };
    },
  };
}
