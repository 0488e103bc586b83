#!/usr/bin/env node
/**
 * The `ruvector` command (Node only):
 *   ruvector info  [--backend native|wasm|js]   which backend loads here, and why (JSON)
 *   ruvector bench [--backend list] [--suite vector-ops,hnsw,embeddings,learning] [--budget-ms N] [--rows N]
 *                  [--dimensions N] [--hnsw-n N] [--hnsw-queries N] [--model DIR] [--json]
 *                                              the ADR-006 benchmarks (vector ops, HNSW, embeddings) on each backend
 *   ruvector embed "text" [--model <folder|url|id>] [--backend native|wasm] [--dtype fp32|q8]
 *                                              the text's embedding (JSON array; model info on stderr)
 *   ruvector pack-model <folder> [-o out.ruvmodel] [--weights auto|onnx|safetensors|onnx-quantized] [--model-id ID]
 *                                              packs a model folder into one .ruvmodel bundle
 *   ruvector memory add|search|delete|stats --store DIR [--model M] [--dtype fp32|q8] ...   a semantic memory on disk (cli-memory.ts)
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { basename, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { gzipSync } from 'node:zlib';

import {
  formatHnswTable,
  runHnswBench,
  type HnswBenchOptions,
  type HnswBenchRow,
  type HnswBenchTarget,
} from './bench/hnsw-suite.js';
import {
  formatEmbedTable,
  runEmbedBench,
  type EmbedBenchResult,
  type EmbedBenchTarget,
} from './bench/embed-suite.js';
import {
  formatLearnTable,
  runLearnBench,
  type LearnBenchRow,
  type LearnBenchTarget,
} from './bench/learn-suite.js';
import { formatBenchTable, runVectorOpsBench, type BenchRow, type BenchTarget } from './bench/suite.js';
import { dtypeOf, memoryCommand, MemoryUsageError } from './cli-memory.js';
import {
  resolveModelBundle,
  WEIGHTS_CHOICES,
  WEIGHTS_CHOICES_TEXT,
  type WeightsChoice,
} from './embeddings/index.js';
import { RuVectorRuntime, VERSION, type BackendChoice } from './index.js';

const USAGE = `ruvector ${VERSION}
usage:
  ruvector info  [--backend native|wasm|js]
      Loads the runtime (the backend given, else the first that loads) and prints describe().
  ruvector bench [--backend native,wasm,js] [--suite vector-ops,hnsw,embeddings,learning] [--budget-ms 300] [--rows 10000]
                 [--dimensions 384] [--hnsw-n 10000] [--hnsw-queries 500] [--model DIR] [--json]
      Benchmarks vectorOps on each backend that loads, beside a plain-JS baseline, the
      ADR-006 HNSW benchmark (build, search p50/p99, QPS, recall@10; --hnsw-n scales it down),
      and embeddings (1 text and 32 texts of 16 tokens per dtype, fp32 and q8, with load time and
      weight bytes, beside the ADR's < 10 ms and < 100 ms) on
      a local model: --model, else RUVECTOR_BENCH_MODEL, else build/models/minilm (made by
      scripts/make-test-models.sh); never downloads, skips the rows when there is none.
  ruvector embed "text" [--model <folder|url|Hub id>] [--backend native|wasm] [--dtype fp32|q8]
      Prints the text's embedding as a JSON array, and on stderr the model (id, dimensions,
      pooling, max tokens, dtype, backend). The model is --model, else RUVECTOR_MODEL (a Hub id is
      downloaded into the model cache; a folder or a .ruvmodel bundle is read as it is).
  ruvector pack-model <folder> [-o <folder name>.ruvmodel] [--weights auto|onnx|safetensors|onnx-quantized] [--model-id ID]
      Packs a Hugging Face model folder (config.json, tokenizer.json or vocab.txt, weights, and the
      optional tokenizer/sentence-transformers files) into one checksummed .ruvmodel bundle
      (core/src/embed/model/BUNDLE.md), the single Uint8Array that loadModel takes.
  ruvector memory add <id> "text" [--meta '{"k":"v"}'] --store DIR [--model M] [--dtype fp32|q8]
  ruvector memory add --file notes.jsonl --store DIR [--model M] [--dtype fp32|q8]
  ruvector memory search "text" [-k 10] [--filter '{"kind":"note"}'] --store DIR [--model M] [--dtype fp32|q8]
  ruvector memory delete <id> --store DIR [--model M] [--dtype fp32|q8]
  ruvector memory stats --store DIR [--model M] [--dtype fp32|q8]
      A SemanticMemory kept in the directory --store (created if missing; one process at a time).
      Texts are embedded with --model (else RUVECTOR_MODEL) at --dtype (fp32 or q8: int8 weights,
      faster and smaller), the model and dtype the store was made with (another is refused:
      MODEL_MISMATCH). --file reads one {"id","text","metadata"} per line and
      shows progress on stderr; search prints one JSON line per hit, best first.
  ruvector --version | --help
`;

class UsageError extends Error {}

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(`--${name} must be a positive integer (got ${value})`);
  return n;
}

function backendList(value: string | undefined): BackendChoice[] {
  const names = (value ?? 'native,wasm,js').split(',').map((s) => s.trim());
  for (const name of names) {
    if (!['native', 'wasm', 'js', 'js-fallback'].includes(name))
      throw new UsageError(`unknown backend '${name}' (expected native, wasm or js)`);
  }
  return names as BackendChoice[];
}

async function info(backend: string | undefined): Promise<void> {
  const options = backend === undefined ? {} : { backend: backendList(backend)[0]! };
  const runtime = await RuVectorRuntime.create(options);
  process.stdout.write(`${JSON.stringify(runtime.describe(), null, 2)}\n`);
}

const SUITES = ['vector-ops', 'hnsw', 'embeddings', 'learning'] as const;

function suiteList(value: string | undefined): Set<string> {
  const names = (value ?? SUITES.join(',')).split(',').map((s) => s.trim());
  for (const name of names) {
    if (!(SUITES as readonly string[]).includes(name))
      throw new UsageError(`unknown suite '${name}' (expected ${SUITES.join(' or ')})`);
  }
  return new Set(names);
}

async function bench(values: Record<string, string | boolean | undefined>): Promise<void> {
  const str = (key: string) => values[key] as string | undefined;
  const suites = suiteList(str('suite'));
  const options = {
    budgetMs: positiveInt('budget-ms', str('budget-ms'), 300),
    batchRows: positiveInt('rows', str('rows'), 10_000),
    dimensions: positiveInt('dimensions', str('dimensions'), 384),
  };
  const hnswOptions: HnswBenchOptions = {
    n: positiveInt('hnsw-n', str('hnsw-n'), 10_000),
    queries: positiveInt('hnsw-queries', str('hnsw-queries'), 500),
  };
  const targets: BenchTarget[] = [];
  const hnswTargets: HnswBenchTarget[] = [];
  const embedTargets: EmbedBenchTarget[] = [];
  const learnTargets: LearnBenchTarget[] = [];
  const skipped: string[] = [];
  for (const backend of backendList(str('backend'))) {
    try {
      const runtime = await RuVectorRuntime.create({ backend });
      const d = runtime.describe();
      const { vectorOps, hnsw } = runtime.getModules();
      // wasm: which build (pthreads or single) and its threads, beside the SIMD target.
      const simdTarget =
        d.wasm === undefined
          ? d.simdTarget
          : `${d.simdTarget}, ${d.wasm.build} build, ${d.wasm.threads} threads`;
      targets.push({
        backend: d.backend,
        simdTarget,
        vectorOps,
        noop: () => runtime.noop(),
        createVectorBuffer: (n) => runtime.createVectorBuffer(n),
      });
      hnswTargets.push({ backend: d.backend, simdTarget, vectorOps, hnsw });
      learnTargets.push({ backend: d.backend, vectorOps, hnsw, learning: runtime.getModules().learning });
      if (d.backend !== 'js-fallback')
        embedTargets.push({ backend: d.backend, embeddings: runtime.getModules().embeddings });
    } catch (e) {
      skipped.push(`${backend}: ${(e as Error).message}`);
    }
  }
  const rows: BenchRow[] = suites.has('vector-ops') ? runVectorOpsBench(targets, options) : [];
  const hnswRows: HnswBenchRow[] = suites.has('hnsw') ? await runHnswBench(hnswTargets, hnswOptions) : [];
  const model = str('model');
  const embed: EmbedBenchResult | undefined = suites.has('embeddings')
    ? await runEmbedBench(embedTargets, {
        budgetMs: options.budgetMs,
        ...(model === undefined ? {} : { model }),
      })
    : undefined;
  const learnRows: LearnBenchRow[] = suites.has('learning')
    ? await runLearnBench(learnTargets, { budgetMs: options.budgetMs })
    : [];
  if (values['json'] === true) {
    const out = {
      version: VERSION,
      node: process.version,
      cpu: cpus()[0]?.model,
      targets: targets.map(({ backend, simdTarget }) => ({ backend, simdTarget })),
      skipped,
      options,
      rows,
      hnswOptions,
      hnswRows,
      embeddings: embed,
      learnRows,
      wasmSizes: wasmSizes(),
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    return;
  }
  const lines = [
    `ruvector ${VERSION} benchmark  node ${process.version}  ${cpus()[0]?.model ?? 'unknown CPU'}`,
    `backends: ${targets.map((t) => `${t.backend} (${t.simdTarget})`).join(', ') || 'none'}`,
    ...skipped.map((s) => `skipped ${s}`),
    ...wasmSizes().map(
      (w) =>
        `wasm module ${w.file}: ${w.bytes} bytes, ${w.gzipBytes} gzipped (budget ${WASM_GZIP_BUDGET} gzipped: ${w.gzipBytes <= WASM_GZIP_BUDGET ? 'within' : 'OVER'})`,
    ),
  ];
  if (suites.has('vector-ops')) lines.push('', formatBenchTable(rows));
  if (suites.has('hnsw')) lines.push('', formatHnswTable(hnswRows, hnswOptions));
  if (embed !== undefined) lines.push('', formatEmbedTable(embed));
  if (suites.has('learning')) lines.push('', formatLearnTable(learnRows));
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Issue 13's size budget: each wasm module, without weights, at most 1 MB gzipped. */
const WASM_GZIP_BUDGET = 1024 * 1024;

/** The size of each .wasm this package ships, raw and gzipped (level 9, as CDNs serve it). */
function wasmSizes(): { file: string; bytes: number; gzipBytes: number }[] {
  const dir = new URL('./wasm/', import.meta.url);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.wasm'))
    .map((file) => {
      const bytes = readFileSync(new URL(file, dir));
      return { file, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
    });
}

async function packModel(
  folder: string,
  values: Record<string, string | boolean | undefined>,
): Promise<void> {
  const weights = (values['weights'] as string | undefined) ?? 'auto';
  if (!Object.hasOwn(WEIGHTS_CHOICES, weights))
    throw new UsageError(`--weights must be ${WEIGHTS_CHOICES_TEXT} (got ${weights})`);
  const modelId = values['model-id'] as string | undefined;
  const output = resolve((values['output'] as string | undefined) ?? `${basename(resolve(folder))}.ruvmodel`);
  const { bundle, provenance } = await resolveModelBundle(
    { folder },
    { weights: weights as WeightsChoice, ...(modelId === undefined ? {} : { modelId }) },
  );
  await writeFile(output, bundle);
  const files = Object.keys(provenance.filesSha256).sort();
  process.stdout.write(
    `${output}: ${bundle.length} bytes, ${files.length} files (${files.join(', ')}), model ${provenance.modelId}, content sha256 ${provenance.contentSha256}\n`,
  );
}

async function embed(text: string, values: Record<string, string | boolean | undefined>): Promise<void> {
  const model = (values['model'] as string | undefined) ?? process.env['RUVECTOR_MODEL'];
  if (model === undefined || model === '') {
    throw new UsageError(
      'embed needs a model: --model <folder|url|Hub id> or RUVECTOR_MODEL (nothing is downloaded unless you name it)',
    );
  }
  const backend = values['backend'] as string | undefined;
  if (backend !== undefined && backend !== 'native' && backend !== 'wasm')
    throw new UsageError(`embed runs on native or wasm (got --backend ${backend})`);
  const dtype = dtypeOf(values);
  const runtime = await RuVectorRuntime.create(backend === undefined ? {} : { backend });
  const { embeddings } = runtime.getModules();
  // On the command line a name that is a folder here means that folder (the library itself never
  // probes the file system: there `./models/x` is a path and `org/name` a Hub id).
  const handle = await embeddings.loadModel(
    existsSync(model) && !/^https?:/i.test(model) ? { folder: model } : model,
    dtype === undefined ? undefined : { dtype },
  );
  try {
    const info = embeddings.modelInfo(handle);
    const vector = embeddings.embed(handle, text);
    const revision = info.revision === null ? '' : `@${info.revision}`;
    const how = `${info.pooling} pooling${info.normalize ? ', normalized' : ''}, max ${info.maxTokens} tokens (${info.maxTokensSource}), ${info.weights} weights, ${info.dtype}`;
    process.stderr.write(
      `model ${info.modelId}${revision}: ${info.dimensions} dims, ${how}, backend ${info.backend} (${runtime.describe().simdTarget})\n`,
    );
    process.stdout.write(`${JSON.stringify(Array.from(vector))}\n`);
  } finally {
    embeddings.unloadModel(handle);
  }
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      backend: { type: 'string' },
      'budget-ms': { type: 'string' },
      rows: { type: 'string' },
      dimensions: { type: 'string' },
      suite: { type: 'string' },
      'hnsw-n': { type: 'string' },
      'hnsw-queries': { type: 'string' },
      json: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      weights: { type: 'string' },
      'model-id': { type: 'string' },
      model: { type: 'string' },
      dtype: { type: 'string' },
      store: { type: 'string' },
      file: { type: 'string' },
      meta: { type: 'string' },
      filter: { type: 'string' },
      k: { type: 'string', short: 'k' },
      version: { type: 'boolean', short: 'v' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (command === 'pack-model') {
    if (rest.length !== 1) throw new UsageError('pack-model takes one model folder');
    await packModel(rest[0]!, values);
    return 0;
  }
  if (command === 'memory') {
    rejectBenchOptions(values, 'memory');
    await memoryCommand(rest, values);
    return 0;
  }
  for (const key of ['store', 'file', 'meta', 'filter', 'k'] as const) {
    if (values[key] !== undefined) throw new UsageError(`--${key} applies to memory only`);
  }
  for (const key of ['output', 'weights', 'model-id'] as const) {
    if (values[key] !== undefined) throw new UsageError(`--${key} applies to pack-model only`);
  }
  if (command === 'embed') {
    if (rest.length !== 1) throw new UsageError('embed takes one text (quote it)');
    rejectBenchOptions(values, 'embed');
    await embed(rest[0]!, values);
    return 0;
  }
  if (rest.length > 0) throw new UsageError(`unexpected argument '${rest[0]}'`);
  if (command === 'info') {
    rejectBenchOptions(values, 'info');
    if (values.model !== undefined) throw new UsageError('--model does not apply to info');
    await info(values.backend);
    return 0;
  }
  if (command === 'bench') {
    await bench(values);
    return 0;
  }
  throw new UsageError(`unknown command '${command}'`);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      error instanceof UsageError ||
      error instanceof MemoryUsageError ||
      (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`ruvector: ${(error as Error).message}\n${usage ? USAGE : ''}`);
    process.exitCode = usage ? 2 : 1;
  },
);

/** The bench-only options, refused by the commands they do not apply to. */
function rejectBenchOptions(values: Record<string, unknown>, command: string): void {
  for (const key of ['budget-ms', 'rows', 'dimensions', 'suite', 'hnsw-n', 'hnsw-queries', 'json'] as const) {
    if (values[key] !== undefined) throw new UsageError(`--${key} does not apply to ${command}`);
  }
}
