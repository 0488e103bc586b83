// The writer of memory-crash.test.mjs: opens the store at argv[2] on backend argv[3] (seed argv[4],
// durability argv[5]) and changes
// it until killed, printing each change before it starts ("try") and once it resolved ("ack"),
// with a synchronous write (the parent reads every line a killed child wrote).
import { writeSync } from 'node:fs';

import { SemanticMemory } from '../../js/dist/index.js';
import { mulberry32 } from './support.mjs';

const [dir, backend, seedText, durability] = process.argv.slice(2);
const rand = mulberry32(Number(seedText));
const say = (line) => writeSync(1, `${line}\n`);

/** The vector a text is stored with (the parent recomputes it to search for the entry). */
export function vectorOf(text) {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  const r = mulberry32(h >>> 0);
  return Float32Array.from({ length: 8 }, () => r() * 2 - 1);
}

if (dir !== undefined) {
  const memory = await SemanticMemory.open({ backend, model: null, dimensions: 8, path: dir, durability });
  say(`ready ${memory.size}`);
  for (let n = 0; ; n++) {
    const r = rand();
    const version = `${seedText}.${n}`;
    if (r < 0.6) {
      const id = `id${Math.floor(rand() * 40)}`;
      const op = { op: 'put', ids: [id], text: `${id}@${version}` };
      say(`try ${JSON.stringify(op)}`);
      await memory.add(id, op.text, { version }, { vector: vectorOf(op.text) });
      say(`ack ${JSON.stringify(op)}`);
    } else if (r < 0.8) {
      const ids = Array.from({ length: 5 }, (_, i) => `b${(n + i) % 12}`);
      const op = { op: 'batch', ids, text: `batch@${version}` };
      say(`try ${JSON.stringify(op)}`);
      await memory.addBatch(
        ids.map((id) => ({ id, text: `${id}:${op.text}`, vector: vectorOf(`${id}:${op.text}`) })),
      );
      say(`ack ${JSON.stringify(op)}`);
    } else {
      const id = `id${Math.floor(rand() * 40)}`;
      const op = { op: 'delete', ids: [id] };
      say(`try ${JSON.stringify(op)}`);
      await memory.delete(id);
      say(`ack ${JSON.stringify(op)}`);
    }
  }
}
