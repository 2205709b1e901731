import js from '@eslint/js';
import pluginVue from 'eslint-plugin-vue';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'out/**', 'release/**', 'node_modules/**', 'renderer/dist/**', 'test-results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  ...pluginVue.configs['flat/recommended'],
  {
    // Single-file components: the template through vue-eslint-parser, the <script lang="ts"> through
    // the TypeScript parser, so the same TypeScript rules hold in .vue files as in .ts ones.
    files: ['**/*.vue'],
    languageOptions: { parserOptions: { parser: tseslint.parser, extraFileExtensions: ['.vue'], sourceType: 'module' } },
    rules: {
      ...pluginVue.configs['no-layout-rules'].rules,
      // TypeScript checks names (vue-tsc in npm run typecheck); no-undef knows neither its types nor the browser's globals.
      'no-undef': 'off',
      // Views and panels are named by what they are (History, Flags…), as the router and the tests know them.
      'vue/multi-word-component-names': 'off',
    },
  },
  {
    // Plain Node scripts (npm start, the security gate, the CLI shim).
    files: ['scripts/**/*.{js,mjs,cjs}', 'bin/**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly', URL: 'readonly', setTimeout: 'readonly' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.ts', '**/*.vue'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Only the Electron shell may touch Electron; see DESIGN §1.
    files: ['main/**/*.ts', 'shared/**/*.ts', 'renderer/**/*.{ts,vue}'],
    ignores: ['main/electron/**'],
    rules: {
      'no-restricted-imports': ['error', { paths: [{ name: 'electron', message: 'Only main/electron/ imports electron.' }] }],
    },
  },
  ...['sqlite', 'postgres'].map((driver, i, drivers) => ({
    // The two store drivers never import each other: what they share lives in the one query layer above them.
    files: [`main/store/${driver}/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'Only main/electron/ imports electron.' }],
        patterns: [{ group: [`**/${drivers[1 - i]}/**`], message: `main/store/${driver} must not import main/store/${drivers[1 - i]}; share code through main/store.` }],
      }],
    },
  })),
  {
    // The renderer and shared code run in a sandbox: no Node, no main/.
    files: ['renderer/**/*.{ts,vue}', 'shared/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'electron', message: 'Only main/electron/ imports electron.' }],
        patterns: [
          { group: ['**/main/**', 'node:*'], message: 'renderer/ and shared/ cannot import main/ or Node built-ins.' },
        ],
      }],
    },
  },
  {
    // The evaluation must not share what it measures (issue 10 item 8): the harness imports its own
    // folder and Node only; the audit world that, and the harness.
    files: ['bench/validation/harness/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['../*', '**/main/**', '**/shared/**'], message: 'bench/validation/harness/ imports nothing outside its own folder (no validator, no world).' }],
      }],
    },
  },
  {
    files: ['bench/validation/audit/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['../*', '!../harness', '!../harness/*', '**/main/**', '**/shared/**'], message: 'bench/validation/audit/ imports only its own folder and the harness (no main/validation, no shared types, not the development world).' }],
      }],
    },
  },
);
