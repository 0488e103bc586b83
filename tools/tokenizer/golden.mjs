// Writes tests/fixtures/tokenizer/minilm-golden.json: token ids and type ids of a corpus of hard
// texts for the real all-MiniLM-L6-v2 tokenizer files, from two pinned reference tools:
//   - `tokenizers` (npm build of Hugging Face's Rust crate, what sentence-transformers runs):
//     the expected ids (`ids`, `type_ids`), with truncation as the crate does it;
//   - transformers.js (`@huggingface/transformers`): its ids (untruncated cases) are recorded
//     too, with `transformers_js_agrees`; where it differs from the Rust crate the case says so.
// Run from the repository root: node tools/tokenizer/golden.mjs   (after npm ci in tools/)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { Tokenizer } = require('tokenizers');
const { AutoTokenizer, env } = await import('@huggingface/transformers');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const modelDir = path.resolve(root, '../shared/models/all-MiniLM-L6-v2-tokenizer');
const out = path.join(root, 'tests/fixtures/tokenizer/minilm-golden.json');

env.allowRemoteModels = false;
env.localModelPath = path.dirname(modelDir) + path.sep;
const js = await AutoTokenizer.from_pretrained(path.basename(modelDir));
const rust = Tokenizer.fromFile(path.join(modelDir, 'tokenizer.json'));
rust.disablePadding();

const long = (n) => Array.from({ length: n }, (_, i) => `word${i % 37} déjà-vu ${i}`).join(' ');
const words = 'The quick brown fox jumps over the lazy dog while naïve café owners discuss Zürich.';
const cases = [];
const add = (name, text, pair = null, maxTokens = 0, truncation = 'right') =>
  cases.push({ name, text, pair, max_tokens: maxTokens, truncation });

// Plain, case, accents.
add('ascii', 'Hello, world!');
add('sentence', words);
add('empty', '');
add('spaces_only', '   \t \n ');
add('mixed_case', 'HeLLo WoRLD iPhone McDonald macOS');
add('all_caps', 'THIS IS SHOUTING');
add('accents_fr', 'Ça été très déçu, naïve façade à Noël');
add('accents_de', 'Müller Straße Größe Äpfel Öl Übung');
add('accents_es', 'España niño acción ¿Qué? ¡Sí!');
add('accents_vi', 'Tiếng Việt có nhiều dấu thanh: ả ạ ắ ặ ẫ');
add('precomposed_vs_combining', 'e\u0301cole vs \u00e9cole');
add('combining_stack', 'a\u0301\u0323\u0308 o\u0302\u0303 Z\u0351\u0352\u0353');
add('dotted_capital_i', 'İstanbul İİ iİ');
add('greek', 'Αθήνα ΟΔΟΣ σοφία ΣΑΣ');
add('cyrillic', 'Привет, мир! Ёлка ЁЖИК');
add('turkish_i', 'ısı IŞIK ılık');
add('ligatures', 'ﬁnance ﬂower Æsir œuvre');
add('fullwidth', 'ＡＢＣ１２３ ｈｅｌｌｏ');
add('roman_numerals', 'Ⅻ ⅳ Ⅷ');
add('math_letters', '𝐀𝐁𝐂 𝑥𝑦𝑧');
// CJK, Hangul, Japanese, other scripts.
add('chinese', '我爱北京天安门。今天天气很好！');
add('chinese_mixed', 'BERT模型在NLP任务中表现很好2019年');
add('cjk_ext_a', '㐀㐁㐂 mixed');
add('cjk_ext_b', '𠀀𠀁𠀂 text');
add('cjk_compat', '豈更車 and 丽丸乁');
add('cjk_ext_e_gap', '\u{2B820}\u{2B920} x');
add('japanese', 'こんにちは、世界！カタカナとひらがな。');
add('halfwidth_katakana', 'ｶﾀｶﾅ ﾞﾟ');
add('hangul', '안녕하세요 세계');
add('hangul_jamo', '\u1112\u1161\u11ab\u1100\u1173\u11af');
add('thai', 'สวัสดีครับ ภาษาไทย');
add('arabic', 'مرحبا بالعالم، كيف حالك؟');
add('arabic_diacritics', 'مَرْحَبًا');
add('hebrew', 'שָׁלוֹם עולם');
add('hindi', 'नमस्ते दुनिया। हिन्दी');
add('tamil', 'வணக்கம் உலகம்');
add('georgian_armenian', 'გამარჯობა Բարեւ');
// Emoji.
add('emoji', 'I love pizza 🍕🍕 and 😀!');
add('emoji_zwj_family', 'family: 👨\u200d👩\u200d👧\u200d👦 ok');
add('emoji_skin_tone', '👍🏽 👋🏿');
add('emoji_flags', '🇫🇷🇯🇵 flags');
add('emoji_keycap_vs16', '1\ufe0f\u20e3 ❤\ufe0f ☺\ufe0e');
add('emoji_in_word', 'hello🤗world');
// Zero-width, control, whitespace variants.
add('zero_width', 'zero\u200bwidth\u200cjoin\u200dword\u2060x');
add('bom', '\ufeffstart and mid\ufeffdle');
add('soft_hyphen', 'hy\u00adphen\u00adated');
add('controls', 'a\u0001b\u0007c\u001bd\u007fe\u0085f');
add('nul', 'before\u0000after \u0000');
add('replacement_char', 'bad\ufffdbyte');
add('bidi_controls', 'abc\u202edef\u202c \u200fgh');
add('private_use', 'pu\ue000a \u{F0000}');
add('unassigned', 'un\u0378as');
add('tabs_newlines', 'line1\nline2\r\nline3\ttabbed\fform\vvert');
add('nbsp', 'non\u00a0breaking\u00a0space');
add('ideographic_space', '全角\u3000スペース\u3000x');
add('other_spaces', 'en\u2002em\u2003thin\u2009hair\u200anarrow\u202fmath\u205fogham\u1680x');
add('line_para_sep', 'a\u2028b\u2029c');
add('mongolian_vs', 'a\u180eb');
// Punctuation and ASCII symbols.
add('ascii_symbols', '!"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~');
add('symbols_in_words', 'e-mail a+b=c x^2 C++ C# $100 50% user@example.com');
add('url', 'https://example.com/path?query=1&b=2#frag');
add('unicode_punct', '“quoted” ‘single’ — dash – en … ellipsis «guillemets» 「括弧」');
add('currency', '€100 £50 ¥1000 ₹20 ₿1');
add('math_symbols', '∑∫√∞ ≤ ≥ ≠ ± × ÷');
add('repeated_punct', '?!?!... ---- ***');
add('numbers', '3.14159 1,000,000 2nd 42 0x1F 1e-5');
add('contractions', "don't can't I'm we're it's");
add('code', 'def f(x): return x**2  # square');
add('json_like', '{"key": [1, 2, {"a": null}]}');
// Long words.
add('long_word_100', 'a'.repeat(100));
add('long_word_101', 'a'.repeat(101));
add('long_word_mixed', 'x ' + 'supercalifragilistic'.repeat(6) + ' y');
add('long_word_accents', 'é'.repeat(101) + ' ok');
add('long_word_nfd_grows', 'e\u0301'.repeat(60));
add('unknown_chars', '☃☄ ⚡ 𓀀');
// Literal special tokens.
add('literal_cls', '[CLS] starts here');
add('literal_sep_mid', 'first [SEP] second');
add('literal_mask', 'The capital of France is [MASK].');
add('literal_mask_lower', 'The capital of France is [mask].');
add('literal_unk_pad', '[UNK] and [PAD] tokens');
add('literal_adjacent', 'x[CLS]y[SEP][MASK]z');
add('literal_partial', '[CLS [SEP ] [ MASK] [CLSX]');
add('literal_with_spaces', '  [SEP]  spaced  [SEP]  ');
add('literal_in_cjk', '中[MASK]文');
// Pairs.
add('pair_simple', 'How old are you?', 'I am 6 years old.');
add('pair_empty_b', 'Only the first', '');
add('pair_empty_a', '', 'Only the second');
add('pair_cjk', '你好', '안녕하세요');
add('pair_specials', '[CLS] a', 'b [SEP]');
// Truncation (Rust crate rules: special tokens counted; longest_first for pairs).
for (const n of [128, 256, 512]) {
  add(`trunc_${n}`, long(n), null, n);
  add(`trunc_pair_${n}_long_short`, long(n), 'short second sentence', n);
  add(`trunc_pair_${n}_both_long`, long(n), long(n / 2 + 7), n);
  add(`trunc_pair_${n}_short_long`, 'tiny', long(n), n);
}
add('trunc_exact_fit', 'one two three', null, 5);
add('trunc_to_specials', 'one two three', null, 2);
add('trunc_pair_odd', 'a b c d e f g', 'h i j k l m n', 8);
add('trunc_pair_small', 'a b c d e f g', 'h', 6);
add('untruncated_long', long(300));
// Truncation from the left (keeps the end: the Rust crate's direction Left).
for (const n of [16, 128]) {
  add(`trunc_left_${n}`, long(n), null, n, 'left');
  add(`trunc_left_pair_${n}_long_short`, long(n), 'short second sentence', n, 'left');
  add(`trunc_left_pair_${n}_both_long`, long(n), long(n / 2 + 7), n, 'left');
}
add('trunc_left_to_specials', 'one two three', null, 2, 'left');
add('trunc_left_fits', 'one two three', null, 64, 'left');

const arr = (x) => Array.from(x, Number);
for (const c of cases) {
  const direction = c.truncation; // 'left' | 'right', as this binding spells it
  if (c.max_tokens > 0) rust.setTruncation(c.max_tokens, { strategy: 'LongestFirst', direction });
  else rust.disableTruncation();
  const e = await rust.encode(c.text, c.pair);
  c.ids = arr(e.getIds());
  c.type_ids = arr(e.getTypeIds());
  c.tokens = e.getTokens();
  if (c.max_tokens === 0) {
    const r = js(c.text, { text_pair: c.pair, return_tensor: false });
    c.transformers_js_ids = arr(r.input_ids);
    c.transformers_js_agrees =
      JSON.stringify(c.transformers_js_ids) === JSON.stringify(c.ids) &&
      JSON.stringify(arr(r.token_type_ids)) === JSON.stringify(c.type_ids);
  } else {
    // transformers.js cuts the assembled ids at max_length (dropping the last [SEP]); HF does not.
    c.transformers_js_ids = null;
    c.transformers_js_agrees = null;
  }
}
const pkg = (name) => JSON.parse(fs.readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version;
const fixture = {
  generator: 'tools/tokenizer/golden.mjs',
  tokenizer_files: '../shared/models/all-MiniLM-L6-v2-tokenizer',
  reference: `tokenizers ${pkg('tokenizers')} (Hugging Face's Rust crate)`,
  cross_check: `@huggingface/transformers ${JSON.parse(fs.readFileSync(path.join(path.dirname(require.resolve('@huggingface/transformers')), '../package.json'), 'utf8')).version}`,
  max_tokens_note:
    "0 = no truncation; otherwise the total length including [CLS]/[SEP], content cut on the side `truncation` names ('left' keeps the end)",
  cases,
};
fs.mkdirSync(path.dirname(out), { recursive: true });
// One case a line: reviewable diffs without a line per id.
const { cases: all, ...meta } = fixture;
const head = JSON.stringify(meta, null, 1).replace(/\n}$/, ',\n "cases": [\n');
fs.writeFileSync(out, head + all.map((c) => JSON.stringify(c)).join(',\n') + '\n]}\n');
const disagree = cases.filter((c) => c.transformers_js_agrees === false).map((c) => c.name);
console.log(`wrote ${out}: ${cases.length} cases; transformers.js differs on: ${disagree.join(', ') || 'none'}`);
