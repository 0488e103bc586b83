// The one-file ESM build for browsers (the package's "browser" export): js/dist/index.web.js and
// everything it imports, the wasm glue included, in js/dist/ruvector.web.js, so a page loads one
// module instead of a waterfall of them; the .wasm stays a file beside it (dist/wasm/), fetched
// once. Run by scripts/build.sh after tsc. esbuild comes from js/node_modules (npm).
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const js = fileURLToPath(new URL('../js/', import.meta.url));
const { build } = createRequire(`${js}package.json`)('esbuild');

const result = await build({
  entryPoints: [`${js}dist/index.web.js`],
  outfile: `${js}dist/ruvector.web.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  // Only reached under Node/Deno (locate.ts reads files there); a browser never evaluates them.
  external: ['node:*'],
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
  plugins: [
    {
      // The bundle sits at dist/, not dist/backends/wasm/: its own idea of where the .wasm is.
      name: 'bundle-wasm-url',
      setup(b) {
        b.onResolve({ filter: /\/wasm-url\.js$/ }, () => ({ path: `${js}dist/bundle/wasm-url.js` }));
        // The pthreads glue stays its own file (dist/wasm/): its workers import it by its URL.
        b.onResolve({ filter: /ruvector_wasm_mt\.mjs$/ }, () => ({
          path: './wasm/ruvector_wasm_mt.mjs',
          external: true,
        }));
        // The glue names its .wasm relative to itself (dist/wasm/); from the bundle it is ./wasm/.
        // It never reads it (the loader passes the bytes or the module), but bundlers that copy
        // `new URL(..., import.meta.url)` assets must find the file.
        b.onLoad({ filter: /ruvector_wasm\.mjs$/ }, async (args) => {
          const code = await readFile(args.path, 'utf8');
          const from = 'new URL("ruvector_wasm.wasm",import.meta.url)';
          if (!code.includes(from)) throw new Error(`${args.path}: the glue no longer says ${from}`);
          return {
            contents: code.replace(from, 'new URL("./wasm/ruvector_wasm.wasm",import.meta.url)'),
            loader: 'js',
          };
        });
      },
    },
  ],
});
const bytes = Object.values(result.metafile.outputs).find((o) => o.entryPoint)?.bytes;
console.log(
  `bundle-web: js/dist/ruvector.web.js (${bytes} bytes, ${Object.keys(result.metafile.inputs).length} modules)`,
);
