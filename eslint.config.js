// ESLint flat config for js/src (TypeScript, via typescript-eslint), tests/ and the .mjs
// benchmarks. The linters are installed in tools/lint (see its package.json for why); run them
// with `bash scripts/lint.sh` (check) or `bash scripts/lint.sh --fix`. Formatting is prettier's
// job (.prettierrc): no stylistic rules here.
import js from './tools/lint/node_modules/@eslint/js/src/index.js';
import globals from './tools/lint/node_modules/globals/index.js';
import tseslint from './tools/lint/node_modules/typescript-eslint/dist/index.js';

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'build/**', 'bench/hnsw-js/results/**'] },
  {
    files: ['**/*.{js,mjs,cjs}'],
    extends: [js.configs.recommended],
    languageOptions: { ecmaVersion: 2022, sourceType: 'module', globals: { ...globals.node } },
    rules: {
      // `_`-prefixed names are deliberately unused (destructuring a field away, a placeholder arg).
      'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
    },
  },
  {
    // Browser code: the example pages, and the test files whose functions run inside a page.
    files: ['examples/**/*.mjs', 'tests/e2e/demo-page.mjs', 'tests/e2e/memory-browser.mjs'],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
  },
  {
    files: ['js/src/**/*.ts'],
    extends: [js.configs.recommended, ...tseslint.configs.recommended],
    languageOptions: { globals: { ...globals.node, ...globals.browser } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      // The wasm and native adapters talk to untyped Emscripten / Node-API objects.
      '@typescript-eslint/no-explicit-any': 'off',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
);
