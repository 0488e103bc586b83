#!/usr/bin/env node
// Latency against sequence length, per engine, from a run.mjs --json file (best after
// `--cases lengths`: single texts of 8..512 tokens): a table of medians and a text plot with a
// log2 time axis, so BENCHMARKS.md can hold it as it is.
//   node bench/embed-js/plot.mjs out.json [--engines 'substring,substring']
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { engines: { type: 'string' } } });
if (positionals.length !== 1) {
  console.error('usage: node bench/embed-js/plot.mjs out.json [--engines a,b]');
  process.exit(2);
}
const { env, rows } = JSON.parse(readFileSync(positionals[0], 'utf8'));
const single = rows.filter((r) => /^1 x \d+$/.test(r.case) && r.family !== 'tokenize' && !/hiddenStates|embedAsync/.test(r.engine));
const wanted = values.engines?.split(',').map((s) => s.trim());
const engines = [...new Set(single.map((r) => r.engine))].filter((e) => wanted === undefined || wanted.some((w) => e.includes(w)));
const lengths = [...new Set(single.map((r) => Number(r.case.slice(4))))].sort((a, b) => a - b);
const median = (engine, n) => single.find((r) => r.engine === engine && r.case === `1 x ${n}`)?.medianMs;

const out = [`latency (median ms) against tokens, one text  commit ${env.commit}  ${env.cpu} x${env.cores}  node ${env.node}`, ''];
const nameWidth = Math.max(6, ...engines.map((e) => e.length));
out.push(['engine'.padEnd(nameWidth), ...lengths.map((n) => String(n).padStart(8))].join('  '));
for (const e of engines) out.push([e.padEnd(nameWidth), ...lengths.map((n) => (median(e, n)?.toFixed(2) ?? '-').padStart(8))].join('  '));

// The plot: one column per length, one row per power-of-two millisecond band; each engine a letter.
const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const all = engines.flatMap((e) => lengths.map((n) => median(e, n)).filter((x) => x !== undefined));
const top = Math.ceil(Math.log2(Math.max(...all)));
const bottom = Math.floor(Math.log2(Math.min(...all)));
const rowsPerOctave = 2;
out.push('', `log2 time axis (${rowsPerOctave} rows per doubling); x: tokens`);
for (let level = top * rowsPerOctave; level >= bottom * rowsPerOctave; level--) {
  const cells = lengths.map((n) => {
    const here = engines.map((e, i) => ({ i, t: median(e, n) })).filter(({ t }) => t !== undefined && Math.round(Math.log2(t) * rowsPerOctave) === level);
    return here.map(({ i }) => letters[i]).join('').padEnd(6);
  });
  const label = level % rowsPerOctave === 0 ? `${2 ** (level / rowsPerOctave)} ms`.padStart(10) : ''.padStart(10);
  out.push(`${label} | ${cells.join('  ')}`);
}
out.push(`${''.padStart(10)} +-${lengths.map(() => '------').join('--')}`);
out.push(`${''.padStart(10)}   ${lengths.map((n) => String(n).padEnd(6)).join('  ')}`);
out.push('', ...engines.map((e, i) => `${letters[i]}: ${e}`));
console.log(out.join('\n'));
