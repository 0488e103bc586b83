// Writes tests/fixtures/tokenizer/vocab-added-golden.json: a vocab.txt-only BertTokenizer folder
// whose tokenizer_config.json lists added tokens in `added_tokens_decoder` (as transformers >=
// 4.34 saves them: id -> {content, lstrip, rstrip, single_word, normalized, special}) and
// `truncation_side`, with the token ids the pinned reference gives for a corpus of texts.
//
// The reference: `tokenizers` (npm build of Hugging Face's Rust crate) on the all-MiniLM-L6-v2
// tokenizer.json with the same tokens appended to its `added_tokens` (what transformers'
// conversion of such a folder to a fast tokenizer produces) and truncation on the same side.
// Run from the repository root: node tools/tokenizer/added-golden.mjs   (after npm ci in tools/)
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modelDir = path.resolve(root, '../shared/models/all-MiniLM-L6-v2-tokenizer');
const out = path.join(root, 'tests/fixtures/tokenizer/vocab-added-golden.json');

const vocabSize = fs
  .readFileSync(path.join(modelDir, 'vocab.txt'), 'utf8')
  .split('\n')
  .filter((l, i, a) => i < a.length - 1 || l !== '').length;
// New tokens past the vocabulary (ids vocabSize, vocabSize + 1, ...), one of each kind of flag,
// and one that re-registers a vocabulary word with flags of its own.
const added = [
  { content: '<ent>', special: true, normalized: false, lstrip: false, rstrip: false, single_word: false },
  { content: '<sep2>', special: true, normalized: false, lstrip: true, rstrip: true, single_word: false },
  { content: 'RuVector', special: false, normalized: true, lstrip: false, rstrip: false, single_word: false },
  { content: 'agentmem', special: false, normalized: true, lstrip: false, rstrip: false, single_word: true },
  {
    content: '[[NOTE]]',
    special: false,
    normalized: false,
    lstrip: false,
    rstrip: false,
    single_word: false,
  },
].map((t, i) => ({ id: vocabSize + i, ...t }));

const config = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer_config.json'), 'utf8'));
config.added_tokens_decoder = Object.fromEntries(
  added.map(({ id, ...t }) => [
    String(id),
    {
      content: t.content,
      lstrip: t.lstrip,
      normalized: t.normalized,
      rstrip: t.rstrip,
      single_word: t.single_word,
      special: t.special,
    },
  ]),
);
config.truncation_side = 'left';

const tj = JSON.parse(fs.readFileSync(path.join(modelDir, 'tokenizer.json'), 'utf8'));
tj.added_tokens.push(...added.map((t) => ({ ...t })));
tj.truncation = null;
tj.padding = null;
const rust = Tokenizer.fromString(JSON.stringify(tj));

const cases = [];
const add = (name, text, maxTokens = 0) => cases.push({ name, text, max_tokens: maxTokens });
add('special_alone', '<ent>');
add('special_in_text', 'the <ent> is here');
add('special_glued', 'x<ent>y<ent><ent>');
add('strips_spaces', 'before   <sep2>   after');
add('normalized_case', 'ruvector RUVECTOR RuVector ruVector');
add('normalized_in_word', 'myruvectorthing');
add('single_word_alone', 'agentmem works');
add('single_word_inside', 'xagentmemx agentmem, (agentmem)');
add('raw_not_normalized', '[[NOTE]] [[note]] a[[NOTE]]b');
add('mixed', 'Ask <ent> about RuVector [[NOTE]] agentmem <sep2> ok');
add('plain', 'Nothing added here, just words.');
add('accents_with_added', 'Déjà vu: RUVÉCTOR ruvector <ent>');
const long = Array.from({ length: 40 }, (_, i) => `word${i} <ent> RuVector`).join(' ');
add('truncated_left_32', long, 32);
add('truncated_left_64', long, 64);

for (const c of cases) {
  if (c.max_tokens > 0) rust.setTruncation(c.max_tokens, { direction: 'left' });
  else rust.disableTruncation();
  const e = await rust.encode(c.text);
  c.ids = Array.from(e.getIds(), Number);
  c.tokens = e.getTokens();
}
const pkg = JSON.parse(fs.readFileSync(require.resolve('tokenizers/package.json'), 'utf8')).version;
const fixture = {
  generator: 'tools/tokenizer/added-golden.mjs',
  vocab: '../shared/models/all-MiniLM-L6-v2-tokenizer/vocab.txt',
  reference: `tokenizers ${pkg} (Hugging Face's Rust crate) on that folder's tokenizer.json plus these added tokens, truncation direction left`,
  tokenizer_config: config,
  max_tokens_note: '0 = no truncation; otherwise the total length including [CLS]/[SEP], cut on the left',
};
const head = JSON.stringify(fixture, null, 1).replace(/\n}$/, ',\n "cases": [\n');
fs.writeFileSync(out, head + cases.map((c) => JSON.stringify(c)).join(',\n') + '\n]}\n');
console.log(`wrote ${out}: ${cases.length} cases`);
