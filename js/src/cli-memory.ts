/**
 * `ruvector memory ...`: a SemanticMemory store on disk from the command line (cli.ts parses the
 * options and hands them here).
 *   memory add <id> "text" [--meta '{json}']   memory add --file notes.jsonl   (progress on stderr)
 *   memory search "text" [-k 10] [--filter '{json}']   (JSON lines: id, score, distance, text, metadata)
 *   memory delete <id>   memory stats
 * Every one takes --store DIR and --model (else RUVECTOR_MODEL): a store's vectors are only ever
 * compared with vectors of the model that made them (MODEL_MISMATCH otherwise).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

import type { BackendChoice } from './runtime.js';
import { SemanticMemory, type MemoryInput, type SemanticMemoryOptions } from './index.js';

/** A usage mistake (exit code 2, usage printed). */
export class MemoryUsageError extends Error {}

type Values = Record<string, string | boolean | undefined>;

function json(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new MemoryUsageError(`${what} is not JSON: ${(error as Error).message}`);
  }
}

/** --dtype fp32|q8 (absent: the library's default, fp32). */
export function dtypeOf(values: Values): 'fp32' | 'q8' | undefined {
  const dtype = values['dtype'];
  if (dtype === undefined) return undefined;
  if (dtype !== 'fp32' && dtype !== 'q8')
    throw new MemoryUsageError(`--dtype must be fp32 or q8 (got ${String(dtype)})`);
  return dtype;
}

function modelOf(values: Values): SemanticMemoryOptions['model'] {
  const model = (values['model'] as string | undefined) ?? process.env['RUVECTOR_MODEL'];
  if (model === undefined || model === '')
    throw new MemoryUsageError('memory needs a model: --model <folder|url|Hub id> or RUVECTOR_MODEL');
  // As for embed: a name that is a folder here means that folder.
  return existsSync(model) && !/^https?:/i.test(model) ? { folder: model } : model;
}

/** A progress bar on stderr: redrawn in place on a terminal, a line per 10% elsewhere. */
function progressBar(): (done: number, total: number) => void {
  let lastTenth = -1;
  return (done, total) => {
    const fraction = total === 0 ? 1 : done / total;
    if (process.stderr.isTTY) {
      const filled = Math.round(fraction * 30);
      process.stderr.write(`\r[${'#'.repeat(filled)}${' '.repeat(30 - filled)}] ${done}/${total} embedded`);
      if (done === total) process.stderr.write('\n');
    } else if (Math.floor(fraction * 10) > lastTenth) {
      lastTenth = Math.floor(fraction * 10);
      process.stderr.write(`embedded ${done}/${total}\n`);
    }
  };
}

/** The memories of a JSON-lines file: one { id, text, metadata? } per line. */
async function readNotes(file: string): Promise<MemoryInput[]> {
  const lines = (await readFile(file, 'utf8')).split('\n');
  const out: MemoryInput[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const note = json(`${file} line ${i + 1}`, line) as { id?: unknown; text?: unknown; metadata?: unknown };
    out.push({
      id: note.id as string,
      text: note.text as string,
      metadata: note.metadata as MemoryInput['metadata'],
    });
  });
  return out;
}

export async function memoryCommand(args: string[], values: Values): Promise<void> {
  const [sub, ...rest] = args;
  const store = values['store'] as string | undefined;
  if (store === undefined || store === '') throw new MemoryUsageError('memory needs --store <directory>');
  const k = values['k'] === undefined ? 10 : Number(values['k']);
  if (!Number.isSafeInteger(k) || k <= 0)
    throw new MemoryUsageError(`-k must be a positive integer (got ${values['k']})`);
  const backend = values['backend'] as BackendChoice | undefined;
  const dtype = dtypeOf(values);
  const open = (): Promise<SemanticMemory> =>
    SemanticMemory.open({
      path: store,
      model: modelOf(values),
      ...(backend === undefined ? {} : { backend }),
      ...(dtype === undefined ? {} : { dtype }),
    });
  const out = (line: unknown): boolean => process.stdout.write(`${JSON.stringify(line)}\n`);
  switch (sub) {
    case 'add': {
      const file = values['file'] as string | undefined;
      if (file !== undefined ? rest.length !== 0 : rest.length !== 2)
        throw new MemoryUsageError('memory add takes <id> "text", or --file notes.jsonl');
      const inputs =
        file !== undefined
          ? await readNotes(file)
          : [
              {
                id: rest[0]!,
                text: rest[1]!,
                metadata: (values['meta'] === undefined
                  ? undefined
                  : json('--meta', values['meta'] as string)) as MemoryInput['metadata'] | undefined,
              },
            ];
      const memory = await open();
      try {
        const bar = progressBar();
        await memory.addBatch(inputs, { onProgress: ({ embedded, total }) => bar(embedded, total) });
        // A CLI run is short: it links what it added before it ends, so the store it leaves is
        // indexed (later runs would search the unlinked memories exactly, and each link a few).
        const pending = memory.describe().pending;
        if (pending > 0) {
          process.stderr.write(`linking ${pending} into the index\n`);
          await memory.flush({ index: true });
        }
        out({ added: inputs.length, size: memory.size, pending: memory.describe().pending });
      } finally {
        await memory.close();
      }
      return;
    }
    case 'search': {
      if (rest.length !== 1) throw new MemoryUsageError('memory search takes one text (quote it)');
      const filter =
        values['filter'] === undefined ? undefined : json('--filter', values['filter'] as string);
      const memory = await open();
      try {
        const hits = await memory.search(rest[0]!, {
          k,
          ...(filter === undefined ? {} : { filter: filter as never }),
        });
        for (const h of hits)
          out({ id: h.id, score: h.score, distance: h.distance, text: h.text, metadata: h.metadata });
      } finally {
        await memory.close();
      }
      return;
    }
    case 'delete': {
      if (rest.length !== 1) throw new MemoryUsageError('memory delete takes one id');
      const memory = await open();
      try {
        out({ deleted: await memory.delete(rest[0]!), size: memory.size });
      } finally {
        await memory.close();
      }
      return;
    }
    case 'stats': {
      if (rest.length !== 0) throw new MemoryUsageError('memory stats takes no arguments');
      const memory = await open();
      try {
        out(memory.describe());
      } finally {
        await memory.close();
      }
      return;
    }
    default:
      throw new MemoryUsageError(`unknown memory command '${sub ?? ''}' (add, search, delete, stats)`);
  }
}
