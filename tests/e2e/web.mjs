// What the browser tests share: a static server on 127.0.0.1 and Debian's Chromium.
import { readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const enginesRequire = createRequire(join(root, 'tools/engines/package.json'));

const MIME = {
  '.js': 'text/javascript',
  '.mjs': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
  '.html': 'text/html',
  '.json': 'application/json',
  '.png': 'image/png',
};

/**
 * Serves the files under `dir` on 127.0.0.1 (a folder's index.html for a path ending in `/`),
 * plus `pages` (path -> HTML, or { type, body }), with the COOP/COEP headers that make a page crossOriginIsolated.
 * node_modules and anything outside `dir` are 404. Resolves to { origin, close }.
 */
export async function serveStatic(dir, pages = {}) {
  const server = createServer((request, response) => {
    const path = decodeURIComponent(new URL(request.url, 'http://127.0.0.1').pathname);
    const headers = {
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Cross-Origin-Embedder-Policy': 'require-corp',
      'Cache-Control': 'no-store',
    };
    const page = pages[path];
    if (page !== undefined) {
      const { type, body } = typeof page === 'string' ? { type: MIME['.html'], body: page } : page;
      response.writeHead(200, { ...headers, 'Content-Type': type });
      response.end(body);
      return;
    }
    let file = resolve(dir, `.${path}`);
    let body;
    try {
      if (!file.startsWith(dir) || file.includes('node_modules')) throw new Error('outside');
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      body = readFileSync(file);
    } catch {
      response.writeHead(404);
      response.end();
      return;
    }
    response.writeHead(200, {
      ...headers,
      'Content-Type': MIME[extname(file)] ?? 'application/octet-stream',
    });
    response.end(body);
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  return { origin: `http://127.0.0.1:${server.address().port}`, close: () => server.close() };
}

const CHROMIUM = {
  executablePath: '/usr/bin/chromium',
  // This machine's network is closed: no background connections, no component updates.
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
};

/** Debian's Chromium through playwright-core (tools/engines), headless. */
export async function launchChromium() {
  const { chromium } = enginesRequire('playwright-core');
  return chromium.launch(CHROMIUM);
}

/**
 * The same Chromium with a profile on disk in `userDataDir` (a browser context, not a browser):
 * storage behaves as for a person's profile, e.g. a quota set through the DevTools protocol
 * (Storage.overrideQuotaForOrigin) is enforced, which the throwaway contexts of launchChromium ignore.
 */
export async function launchChromiumProfile(userDataDir) {
  const { chromium } = enginesRequire('playwright-core');
  return chromium.launchPersistentContext(userDataDir, CHROMIUM);
}
