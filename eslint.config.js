// ESLint (flat config): syntax-level checks on every TypeScript file, and the process boundaries of ARCHITECTURE.md
// as import rules — src/shared imports nothing with side effects on a process, the engine never loads Electron or
// llama.cpp, the inference host never opens SQLite, the renderer reaches the engine only through the contract.
// No type-aware rules: `tsc` already runs in `npm test`, and type-aware linting would double its time.
import js from '@eslint/js';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ({ 'no-restricted-imports': ['error', { patterns }] });
const electron = { group: ['electron', 'electron/*'], message: 'Only electron/ may import Electron (ARCHITECTURE.md: src/ never imports electron).' };
const llama = { group: ['node-llama-cpp', 'node-llama-cpp/*', '@node-llama-cpp/*'], message: 'node-llama-cpp is loaded only in src/inference/ (the expendable inference host).' };
const sqlite = { group: ['better-sqlite3'], message: 'better-sqlite3 is imported only under src/engine/ (the engine host owns the database).' };
const nodeBuiltins = { group: ['node:*'], message: 'src/shared runs in every process, the sandboxed renderer included: no Node built-ins.' };
const engineFromRenderer = { group: ['**/src/engine/**', '**/src/inference/**'], message: 'The renderer talks to the engine only through the contract (src/shared/contract).' };
const clientMessage = "Components render; a feature's store (features/X/X-store.ts) or hook module (features/X/use-*.ts) sends its requests (ARCHITECTURE.md: one data layer in the renderer).";
const clientOutsideStores = { group: ['**/stores/connection.js', '**/stores/connection'], importNames: ['getClient'], message: clientMessage };
/** The files that may hold the engine client: the shared stores, and each feature's store and hook modules. */
const clientHolders = ['renderer/stores/**', 'renderer/features/*/*-store.ts', 'renderer/features/*/use-*.ts', '**/*.test.ts'];

const dateMessage = 'Show dates with formatDateTime or formatRelative (renderer/lib/format.ts): one date format in the UI.';
const oneDateFormat = [
  { selector: "CallExpression[callee.property.name=/^toLocale(Date|Time)String$/]", message: dateMessage },
  { selector: "CallExpression[callee.property.name='toLocaleString'][callee.object.type='NewExpression'][callee.object.callee.name='Date']", message: dateMessage },
  { selector: "NewExpression[callee.object.name='Intl'][callee.property.name='DateTimeFormat']", message: dateMessage },
];
const clientThroughConnection = [
  { selector: "MemberExpression[property.name='client'][object.callee.property.name='getState'][object.callee.object.name='useConnection']", message: clientMessage },
  { selector: "CallExpression[callee.name='useConnection'] > ArrowFunctionExpression > MemberExpression[property.name='client']", message: clientMessage },
];

export default tseslint.config(
  { linterOptions: { reportUnusedDisableDirectives: 'off' } },
  { ignores: ['node_modules/', 'renderer/dist/', '.vite/', 'dist/', 'out/', 'test-artifacts/', 'resources/', '.venv/', '**/*.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', URL: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly' } },
    rules: {
      // TypeScript checks these (and knows the DOM and Node globals).
      'no-undef': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/ban-ts-comment': ['error', { 'ts-expect-error': 'allow-with-description' }],
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      // Data cleaning matches control characters on purpose (filters, readers).
      'no-control-regex': 'off',
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    // The hook rules; dependency lists stay the author's call (effects here run on ids, not on every object).
    rules: { 'react-hooks/rules-of-hooks': 'error', 'react-hooks/exhaustive-deps': 'off' },
  },
  { files: ['tests/unit/electron-hosts.test.ts'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['src/shared/**/*.ts'], ignores: ['**/*.test.ts'], rules: restrict([electron, llama, sqlite, nodeBuiltins]) },
  { files: ['src/engine/**/*.ts'], rules: restrict([electron, llama]) },
  { files: ['src/inference/**/*.ts'], rules: restrict([electron, sqlite]) },
  { files: ['src/cli/**/*.ts'], rules: restrict([electron, llama]) },
  { files: ['renderer/**/*.{ts,tsx}'], ignores: ['**/*.test.ts'], rules: restrict([electron, llama, sqlite, engineFromRenderer]) },
  // Only stores and feature hooks reach the client (a later entry replaces the rule's options for these files).
  { files: ['renderer/**/*.{ts,tsx}'], ignores: clientHolders, rules: restrict([electron, llama, sqlite, engineFromRenderer, clientOutsideStores]) },
  { files: ['electron/**/*.ts'], rules: restrict([llama, sqlite]) },
  {
    // One date format in the UI: every date and time goes through renderer/lib/format.ts.
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/lib/format.ts', '**/*.test.ts'],
    rules: {
      'no-restricted-syntax': ['error', ...oneDateFormat],
    },
  },
  {
    // The same date rule, plus: no reaching the client through the connection store outside stores and hooks.
    files: ['renderer/**/*.{ts,tsx}'],
    ignores: ['renderer/lib/format.ts', ...clientHolders],
    rules: {
      'no-restricted-syntax': ['error',
        ...oneDateFormat,
        ...clientThroughConnection,
      ],
    },
  },
);
