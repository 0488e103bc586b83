/**
 * ADR-006's embedding rows, per backend and dtype (fp32, q8): one text of 16 tokens and a batch
 * of 32 texts of 16 tokens each, text in and pooled vector out (tokenization included), with the
 * model's load time and the weight bytes it holds, on the project's
 * generated MiniLM-shaped model (tools/models/make_bert_model.py --preset minilm: the real
 * model's shapes, seeded weights). Nothing is downloaded: without a local model the rows are
 * skipped with a note saying how to make one. Node only (it looks for the model on disk).
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { BackendName } from '../backend.js';
import type { EmbeddingsModule } from '../embeddings/types.js';
import { measure, seededRandom, type Measurement } from './measure.js';

/** One backend under test; `embeddings` throws UNSUPPORTED when the backend has no model. */
export interface EmbedBenchTarget {
  backend: BackendName;
  embeddings: EmbeddingsModule;
}

/** Options of {@link runEmbedBench}. */
export interface EmbedBenchOptions {
  /** Model folder; default RUVECTOR_BENCH_MODEL, else build/models/minilm if it exists. */
  model?: string;
  /** Time budget per row in milliseconds (default 300; at least 10 samples are always taken). */
  budgetMs?: number;
}

/** One line of the embeddings table: figures, or why the backend could not run it. */
export interface EmbedBenchRow {
  operation: string;
  backend: BackendName;
  /** The weights' precision the model was loaded with. */
  dtype: 'fp32' | 'q8';
  /** Threads the model runs on (modelInfo().threads: every core natively, the pthreads wasm pool). */
  threads?: number;
  /** How long loadModel took (from the folder: read, hash, parse, pack or quantize). */
  loadMs?: number;
  /** Bytes of weights the loaded model holds (modelInfo().weightBytes). */
  weightBytes?: number;
  unavailable?: string;
  measurement?: Measurement;
  /** ADR-006 target, in milliseconds. */
  adrTargetMs: number;
  /** Tokens per second at the median (special tokens included). */
  tokensPerSecond?: number;
}

/** The rows and, when there are none, why. */
export interface EmbedBenchResult {
  model: string | null;
  note?: string;
  rows: EmbedBenchRow[];
}

const GENERATE =
  '/usr/bin/python3 tools/models/make_bert_model.py --preset minilm --out build/models/minilm (or bash scripts/make-test-models.sh)';

/** The model folder to benchmark, or null: the option, RUVECTOR_BENCH_MODEL, build/models/minilm. */
export function findBenchModel(explicit?: string): string | null {
  const given = explicit ?? process.env['RUVECTOR_BENCH_MODEL'];
  if (given !== undefined && given !== '') return resolve(given);
  // build/models/minilm under the working directory, else under the repository holding js/dist.
  const repo = fileURLToPath(new URL('../../../', import.meta.url));
  for (const dir of [resolve('build/models/minilm'), join(repo, 'build/models/minilm')]) {
    if (existsSync(join(dir, 'config.json'))) return dir;
  }
  return null;
}

// Words our tokenizer keeps whole in BERT's uncased vocab: 14 of them + [CLS] + [SEP] = 16 tokens.
const WORDS =
  'the city river water small music school light night road house great world people life time work year day state'.split(
    ' ',
  );

/** `count` seeded sentences of `words` words each. */
function sentences(count: number, words: number, seed: number): string[] {
  const rand = seededRandom(seed);
  return Array.from({ length: count }, () =>
    Array.from({ length: words }, () => WORDS[Math.floor(rand() * WORDS.length)]!).join(' '),
  );
}

export async function runEmbedBench(
  targets: EmbedBenchTarget[],
  options: EmbedBenchOptions = {},
): Promise<EmbedBenchResult> {
  const model = findBenchModel(options.model);
  if (model === null)
    return {
      model,
      note: `no local model (pass --model DIR or set RUVECTOR_BENCH_MODEL; generate one with ${GENERATE})`,
      rows: [],
    };
  if (!existsSync(join(model, 'config.json')))
    return { model, note: `${model} has no config.json (generate the model with ${GENERATE})`, rows: [] };
  const budgetMs = options.budgetMs ?? 300;
  const one = sentences(1, 14, 16)[0]!;
  const batch = sentences(32, 14, 32);
  const rows: EmbedBenchRow[] = [];
  const single = 'embed 1 text, 16 tokens';
  const many = 'embedBatch 32 texts x 16 tokens';
  for (const t of targets)
    for (const dtype of ['fp32', 'q8'] as const) {
      let handle;
      const started = performance.now();
      try {
        handle = await t.embeddings.loadModel(model, { dtype });
      } catch (e) {
        const unavailable = (e as Error).message;
        rows.push(
          { operation: single, backend: t.backend, dtype, unavailable, adrTargetMs: 10 },
          { operation: many, backend: t.backend, dtype, unavailable, adrTargetMs: 100 },
        );
        continue;
      }
      const loadMs = performance.now() - started;
      const { weightBytes, threads } = t.embeddings.modelInfo(handle);
      try {
        // The names say the token counts our tokenizer produced (16 with BERT's uncased vocab).
        const tokens = t.embeddings.tokenize(handle, one).ids.length;
        const batchTokens = batch.map((s) => t.embeddings.tokenize(handle, s).ids.length);
        const total = batchTokens.reduce((a, b) => a + b, 0);
        const m1 = measure(() => t.embeddings.embed(handle, one), budgetMs, 200);
        rows.push({
          operation: tokens === 16 ? single : `embed 1 text, ${tokens} tokens`,
          backend: t.backend,
          dtype,
          threads,
          loadMs,
          weightBytes,
          measurement: m1,
          adrTargetMs: 10,
          tokensPerSecond: (tokens * 1e6) / m1.medianUs,
        });
        const m32 = measure(() => t.embeddings.embedBatch(handle, batch), budgetMs, 200);
        const name = batchTokens.every((n) => n === 16) ? many : `embedBatch 32 texts, ${total} tokens`;
        rows.push({
          operation: name,
          backend: t.backend,
          dtype,
          threads,
          loadMs,
          weightBytes,
          measurement: m32,
          adrTargetMs: 100,
          tokensPerSecond: (total * 1e6) / m32.medianUs,
        });
      } finally {
        t.embeddings.unloadModel(handle);
      }
    }
  return { model, rows };
}

/** Renders the rows as a fixed-width table with the ADR targets beside (or the note). */
export function formatEmbedTable(result: EmbedBenchResult): string {
  const title = `Embeddings: ${result.model ?? 'no model'} (text in, pooled vector out; tokenization included)`;
  if (result.note !== undefined) return `${title}\nskipped: ${result.note}`;
  const header = [
    'operation',
    'backend',
    'dtype',
    'threads',
    'median',
    'p99',
    'tokens/s',
    'ADR target',
    'meets',
    'load',
    'weights',
  ];
  const lines = result.rows.map((r) =>
    r.measurement === undefined
      ? [r.operation, r.backend, r.dtype, `unavailable: ${r.unavailable}`]
      : [
          r.operation,
          r.backend,
          r.dtype,
          String(r.threads),
          `${(r.measurement.medianUs / 1000).toFixed(2)} ms`,
          `${(r.measurement.p99Us / 1000).toFixed(2)} ms`,
          Math.round(r.tokensPerSecond!).toLocaleString('en-US'),
          `< ${r.adrTargetMs} ms`,
          r.measurement.medianUs / 1000 < r.adrTargetMs ? 'yes' : 'no',
          `${Math.round(r.loadMs!)} ms`,
          `${(r.weightBytes! / 1e6).toFixed(1)} MB`,
        ],
  );
  const full = lines.filter((l) => l.length === header.length);
  const widths = header.map((h, i) => Math.max(h.length, ...full.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) =>
    cells.length < header.length
      ? `${cells[0]!.padEnd(widths[0]!)}  ${cells[1]!.padEnd(widths[1]!)}  ${cells[2]!.padEnd(widths[2]!)}  ${cells[3]}`
      : cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [title, '', fmt(header), widths.map((w) => '-'.repeat(w)).join('  '), ...lines.map(fmt)].join('\n');
}
