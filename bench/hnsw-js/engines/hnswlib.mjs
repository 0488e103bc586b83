// hnswlib-node (the Node binding of nmslib/hnswlib): single-threaded addPoint, ef set per index.
import { createRequire } from 'node:module';

import { installedVersion } from './version.mjs';
const require = createRequire(import.meta.url);

/** The hnswlib-node engine. */
export function engines() {
  let lib = null;
  return [
    {
      name: 'hnswlib-node',
      version: installedVersion('hnswlib-node'),
      // Its JS API has addPoint only (one point per call, on the JS thread): no parallel build.
      canBuildWith: (threads) => threads === 1,
      async open() {
        lib = require('hnswlib-node');
      },
      async build(base, { n, dim, m, efConstruction }) {
        const index = new lib.HierarchicalNSW('cosine', dim);
        // hnswlib's own default seed (100), fixed so the graph is the same on every run.
        index.initIndex({ maxElements: n, m, efConstruction, randomSeed: 100 });
        // addPoint takes a plain Array only; one reused Array keeps memory flat at 100k, and
        // copying 384 numbers is ~0.1% of an insertion, so it stays inside the timing.
        const point = new Array(dim);
        const t0 = process.hrtime.bigint();
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < dim; j++) point[j] = base[i * dim + j];
          index.addPoint(point, i);
        }
        const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
        return {
          seconds,
          index: {
            async setEf(ef) {
              index.setEf(ef);
            },
            // Converted before timing: it is the rival's best case (a caller holding Arrays).
            prepare: (q) => Array.from(q),
            search: (q, k) => index.searchKnn(q, k),
            // searchKnn returns neighbours in no guaranteed order; sort by distance, best first.
            ids: (r) => r.neighbors.map((id, i) => [r.distances[i], id]).sort((a, b) => a[0] - b[0]).map((p) => p[1]),
            async free() {},
          },
        };
      },
    },
  ];
}
