import js from '@eslint/js';
import { readdirSync } from 'node:fs';
import tseslint from 'typescript-eslint';
import noImportCycle from './scripts/eslint/no-import-cycle.mjs';

// The layers of src/, bottom first (docs/architecture.md). A folder imports from the layers below
// its own and from its own layer, never from above or the root files; everything not listed is a
// feature, above them all. Cycles are refused everywhere.
const LAYERS = [
  ['kite', 'clock', 'common'],
  ['contracts'],
  ['events'],
  ['config'],
  ['http', 'logging'],
  ['metrics', 'redis'],
];
const FOLDERS = readdirSync(new URL('./src', import.meta.url), { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name);
/** One config block per lower folder and depth: the folders (and root files) it must not import. */
function layerRules() {
  return LAYERS.flatMap((layer, i) => {
    const allowed = new Set(LAYERS.slice(0, i).flat());
    const forbidden = FOLDERS.filter((f) => !allowed.has(f) && !layer.includes(f));
    return layer.flatMap((folder) =>
      ['../', '../../'].map((up, depth) => ({
        files: [`src/${folder}/${depth === 0 ? '' : '*/'}*.ts`],
        rules: {
          'no-restricted-imports': [
            'error',
            {
              patterns: [
                {
                  group: [...forbidden.map((f) => `${up}${f}/*`), `${up}*.js`],
                  message: `src/${folder} is below these folders and the root files (docs/architecture.md, layers).`,
                },
              ],
            },
          ],
        },
      })),
    );
  });
}

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.build/', 'test-artifacts/', '.tools/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-extraneous-class': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      curly: ['error', 'multi-line'],
      eqeqeq: ['error', 'always'],
    },
  },
  { plugins: { local: { rules: { 'no-import-cycle': noImportCycle } } } },
  { files: ['src/**/*.ts'], rules: { 'local/no-import-cycle': 'error' } },
  {
    // A production file is read in one sitting: split it before it passes 250 lines (docs/architecture.md).
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: { 'max-lines': ['error', { max: 250, skipBlankLines: false, skipComments: false }] },
  },
  ...layerRules(),
  {
    // The codec and REST wrapper stay framework-free: no Nest, no rxjs, nothing else of ours.
    files: ['src/kite/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@nestjs/*', 'rxjs', 'rxjs/*'],
              message: 'src/kite is framework-free (ARCHITECTURE.md).',
            },
            { group: ['../*', '!../kite'], message: 'src/kite imports nothing else of ours.' },
          ],
        },
      ],
    },
  },
  {
    // The dashboard's browser code loads only its own folder (public/js): of the rest of src/ it
    // imports types only, and only the contracts and the tick (docs/architecture.md); packages are
    // globals the page loads (socket.io, lightweight-charts), so they are type imports too.
    files: ['src/dashboard/client/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\./(contracts/[\\w.-]+\\.contract\\.js|kite/tick\\.js)$)',
              message:
                'src/dashboard/client imports only src/contracts/, src/kite/tick.ts and its own folder.',
            },
          ],
        },
      ],
      // A type-only import matching an allowTypeImports pattern passes all of this rule's patterns,
      // so the folders allowed above are the core rule's, and this one only refuses values. One
      // value import is allowed: the compact tick decoder, which scripts/copy-assets.mjs serves
      // as /contracts/compact-tick.contract.js (where the browser resolves this path), so that the
      // page decodes ticks_compact with the gateway's own code; the copy refuses the file if it
      // ever imports something at run time.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./|\\.\\./\\.\\./contracts/compact-tick\\.contract\\.js$)',
              allowTypeImports: true,
              message:
                'The browser loads only src/dashboard/client and the compact tick decoder: import types from elsewhere.',
            },
          ],
        },
      ],
    },
  },
  {
    // A spec runs under node, not in the browser.
    files: ['src/dashboard/client/**/*.spec.ts'],
    rules: { 'no-restricted-imports': 'off', '@typescript-eslint/no-restricted-imports': 'off' },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      parserOptions: { projectService: false, program: null, project: false },
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly' },
    },
  },
);
