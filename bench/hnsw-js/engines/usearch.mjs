// usearch (unum-cloud) from npm: prebuilt Node-API binary, multi-threaded add.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { installedVersion } from './version.mjs';
const require = createRequire(import.meta.url);

/** The usearch engine. */
export function engines() {
  let lib = null;
  return [
    {
      name: 'usearch',
      version: installedVersion('usearch'),
      // add() takes a thread count.
      canBuildWith: () => true,
      async open() {
        lib = require('usearch');
      },
      async build(base, { n, dim, m, efConstruction, efSearch, threads }) {
        const config = (ef) => ({
          dimensions: dim,
          metric: lib.MetricKind.Cos,
          // f32 storage, like hnswlib-node and ours: the comparison is between graphs, not codecs.
          quantization: lib.ScalarKind.F32,
          connectivity: m,
          expansion_add: efConstruction,
          expansion_search: ef,
        });
        let index = new lib.Index(config(efSearch));
        const keys = BigUint64Array.from({ length: n }, (_, i) => BigInt(i));
        const t0 = process.hrtime.bigint();
        // threads = 0 would mean "all cores"; pass the count so 1 really is single-threaded.
        index.add(keys, base, threads);
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        let ef = efSearch;
        let dir = null;
        return {
          seconds,
          index: {
            // The JS API fixes expansion_search at construction; the saved file does not store
            // it, so a new Index with the wanted ef loads the same graph (no rebuild).
            async setEf(next) {
              if (next === ef) return;
              if (dir === null) {
                dir = mkdtempSync(join(tmpdir(), 'usearch-bench-'));
                index.save(join(dir, 'index.usearch'));
              }
              index = new lib.Index(config(next));
              index.load(join(dir, 'index.usearch'));
              ef = next;
            },
            prepare: (q) => q,
            // One query on the calling thread: threads = 1 avoids a pool hand-off per query.
            search: (q, k) => index.search(q, k, 1),
            ids: (r) => Array.from(r.keys, Number),
            async free() {
              if (dir !== null) rmSync(dir, { recursive: true, force: true });
            },
          },
        };
      },
    },
  ];
}
