// The benchmark's texts and token ids: deterministic sentences of an exact token length, made of
// words that our tokenizer keeps whole (one id each), so every engine sees the same ids.

import { seededRandom } from '../../js/dist/bench/measure.js'; // mulberry32: the same sentences on every run

// Common lowercase English words; any that is not a single wordpiece of the model's vocabulary is
// dropped at run time (checked with the model's own tokenizer).
const WORDS = (
  'the of and to in is was for on that with as by at from his her they this which have are not ' +
  'but had one were all we when there can an said been would will more who their has time about ' +
  'new other some could these first into only made over after also did many before must through ' +
  'back years where much your way well down should because each just those people how too little ' +
  'state good very make world still own see men work long get here between both life being under ' +
  'never day same another know while last might us great old year off come since against go came ' +
  'right used take three house city river water small music school light night road'
).split(' ');


/**
 * `lengths.length` texts whose token counts (CLS and SEP included) are exactly `lengths`, with
 * their ids and type ids from `tokenize(text) -> { ids, typeIds }` (ours). Throws if the
 * tokenizer disagrees with the construction, so a table never rests on other lengths than it says.
 */
export function makeInputs(tokenize, lengths, seed) {
  const words = WORDS.filter((w) => tokenize(w).ids.length === 3);
  if (words.length < 20) throw new Error(`only ${words.length} single-piece words in this vocabulary: not a BERT uncased vocab?`);
  const rand = seededRandom(seed);
  return lengths.map((n) => {
    const text = Array.from({ length: n - 2 }, () => words[Math.floor(rand() * words.length)]).join(' ');
    const { ids, typeIds } = tokenize(text);
    if (ids.length !== n) throw new Error(`'${text}' has ${ids.length} tokens, expected ${n}`);
    return { text, ids, typeIds };
  });
}

/** The cases of the table: name, token lengths per text, and the issue-12 bar where it sets one. */
export const CASES = [
  { name: '1 x 16', lengths: [16] },
  { name: '32 x 16', lengths: Array(32).fill(16) },
  // Issue 12's batch: 10..16 tokens (ORT pads every row to 16; ours packs them).
  { name: '32 x 10..16', lengths: Array.from({ length: 32 }, (_, i) => 10 + (i % 7)) },
  { name: '1 x 128', lengths: [128] },
];

/** Single texts of 8..512 tokens: latency against sequence length (`--cases` picks them by name). */
export const LENGTH_CASES = [8, 16, 32, 64, 128, 256, 512].map((n) => ({ name: `1 x ${n}`, lengths: [n] }));
