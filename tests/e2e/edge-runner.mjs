// Vercel's Edge Runtime (npm edge-runtime / @edge-runtime/vm): the engine suite inside an EdgeVM
// context, the package's "edge-light" entry and the suite loaded as real ES modules
// (vm.SourceTextModule, so run with `node --experimental-vm-modules`). The context is made with
// `codeGeneration: { strings: false, wasm: false }`, as real Edge: neither eval nor compiling wasm
// from bytes works there, so the backend must take the .wasm as an imported WebAssembly.Module
// (compiled here, outside the context, as Vercel's bundler does at deploy time).
// Prints "# run {json}" with the suite's results. Called by engines.mjs with the entry's path.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import vm from 'node:vm';

const [entry, suite, enginesPackage, modelBundle, modelReference] = process.argv.slice(2);
const { EdgeVM } = createRequire(enginesPackage)('@edge-runtime/vm');
const edge = new EdgeVM({ codeGeneration: { strings: false, wasm: false } });
const context = edge.context;

const modules = new Map();
/** The module at `file` in the Edge context; a .wasm is a compiled WebAssembly.Module (its default export). */
function moduleAt(file) {
  let m = modules.get(file);
  if (m !== undefined) return m;
  if (file.endsWith('.wasm')) {
    const compiled = new WebAssembly.Module(readFileSync(file));
    m = new vm.SyntheticModule(
      ['default'],
      function init() {
        this.setExport('default', compiled);
      },
      { context, identifier: file },
    );
  } else {
    m = new vm.SourceTextModule(readFileSync(file, 'utf8'), {
      context,
      identifier: file,
      initializeImportMeta(meta) {
        meta.url = `file://${file}`;
      },
      importModuleDynamically: (specifier) => load(specifier, file),
    });
  }
  modules.set(file, m);
  return m;
}

/** The linker: `referrer` is a module (static imports) or a file path (import()). */
function linked(specifier, referrer) {
  const from = typeof referrer === 'string' ? referrer : referrer.identifier;
  if (!/^\.{0,2}\//.test(specifier)) throw new Error(`${from}: '${specifier}' is not available in Edge`);
  return moduleAt(resolve(dirname(from), specifier));
}

/** import(): links and evaluates the module on first use. */
async function load(specifier, referrer) {
  const m = linked(specifier, referrer);
  if (m.status === 'unlinked') await m.link(linked);
  if (m.status === 'linked') await m.evaluate();
  return m;
}

// The test model, as bytes of the context's own Uint8Array (the package checks `instanceof`).
const bytes = readFileSync(modelBundle);
context.__model = {
  bundle: vm.runInContext(`new Uint8Array(${bytes.length})`, context),
  reference: JSON.parse(readFileSync(modelReference, 'utf8')),
};
context.__model.bundle.set(bytes);

const main = new vm.SourceTextModule(
  `import * as pkg from ${JSON.stringify(entry)};
   import { runEngineSuite } from ${JSON.stringify(suite)};
   globalThis.__run = runEngineSuite(pkg, { expect: 'wasm', model: globalThis.__model });`,
  { context, identifier: join(dirname(suite), '__edge_main__.mjs') },
);
await main.link(linked);
await main.evaluate();
const run = await context.__run;
// The Module import path is what ran: this context refuses bytes, as real Edge does.
const refused = await vm
  .runInContext('WebAssembly.compile(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0]))', context)
  .then(
    () => false,
    () => true,
  );
run.results.push({ name: 'the Edge context refuses to compile wasm from bytes (as real Edge)', ok: refused });
console.log(`# run ${JSON.stringify(run)}`);
