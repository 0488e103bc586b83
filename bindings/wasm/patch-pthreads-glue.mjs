// Post-link patch of Emscripten 3.1.6's pthreads glue (ruvector_wasm_mt.mjs and its worker) so
// that it loads as an ES module in Node as well as in browsers and Deno. As emitted, the glue's
// Node branch calls require() and reads __dirname (both undefined in an ES module), makes
// `Worker` a global of the user's process, and its worker file is CommonJS named .js (an ES module
// inside a "type": "module" package). Each edit must match exactly as many times as stated, so a
// different Emscripten fails the build here instead of shipping a glue that breaks at run time.
//
// Usage: node patch-pthreads-glue.mjs <dir> <name>   (patches <dir>/<name>.mjs in place and
// writes <dir>/<name>.worker.cjs from <dir>/<name>.worker.js)
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [dir, name] = process.argv.slice(2);
if (!dir || !name) {
  console.error('usage: node patch-pthreads-glue.mjs <dir> <name>');
  process.exit(2);
}

const MARKER = '/* ruvector: patched pthreads glue */';

/** Replaces every `from` in `text` by `to`, requiring exactly `count` occurrences. */
function replaceExactly(text, from, to, count, what) {
  const found = text.split(from).length - 1;
  if (found !== count) {
    throw new Error(
      `patch-pthreads-glue: expected ${count} x ${what} (${JSON.stringify(from)}), found ${found}`,
    );
  }
  return text.split(from).join(to);
}

const gluePath = join(dir, `${name}.mjs`);
let glue = readFileSync(gluePath, 'utf8');
if (!glue.includes(MARKER)) {
  // The factory's own locals: `require` is the pthread worker's global (set by the worker file)
  // or the one the adapter passes as Module.ruvRequire (createRequire, main thread in Node);
  // __dirname is only used to locate files, which the adapter always does (locateFile).
  const head = `createRuvectorWasm = createRuvectorWasm || {};`;
  glue = replaceExactly(
    glue,
    head,
    `${head}\n${MARKER}\nvar require = typeof globalThis.require == "function" ? globalThis.require : createRuvectorWasm["ruvRequire"], __dirname = "", RuvWorker = typeof Worker == "function" ? Worker : undefined;`,
    1,
    'factory head',
  );
  // Node's worker_threads.Worker stays the glue's own instead of becoming globalThis.Worker.
  glue = replaceExactly(
    glue,
    'global.Worker=nodeWorkerThreads.Worker',
    'RuvWorker=nodeWorkerThreads.Worker',
    1,
    'global Worker',
  );
  glue = replaceExactly(glue, 'new Worker(', 'new RuvWorker(', 2, 'worker construction');
  // std::thread::hardware_concurrency: Deno's os.cpus() throws without --allow-sys, and a throw
  // there is std::terminate; its navigator says the same without a permission.
  glue = replaceExactly(
    glue,
    'if(ENVIRONMENT_IS_NODE)return require("os").cpus().length;return navigator["hardwareConcurrency"]',
    'if(ENVIRONMENT_IS_NODE)try{return require("os").cpus().length}catch(e){}return typeof navigator=="object"&&navigator["hardwareConcurrency"]||1',
    1,
    'logical cores',
  );
  writeFileSync(gluePath, glue);
}

let worker = readFileSync(join(dir, `${name}.worker.js`), 'utf8');
// CommonJS by content: the .cjs name makes Node load it as such inside a "type": "module" package.
replaceExactly(worker, 'require("worker_threads")', 'require("worker_threads")', 1, 'CommonJS worker');
// The Node branch sets the worker's browser-like globals with Object.assign, which stops at the
// first one that is read-only: Deno's workers have their own `location` and `self`. Set each one
// that can be set.
worker = replaceExactly(
  worker,
  'Object.assign(global,{self:global,',
  '(function(to,from){for(var key in from){try{to[key]=from[key]}catch(e){}}})(global,{self:global,',
  1,
  'worker globals',
);
writeFileSync(join(dir, `${name}.worker.cjs`), worker);
console.log(`patch-pthreads-glue: ${gluePath} and ${name}.worker.cjs`);
