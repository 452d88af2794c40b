// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The dependency direction of the design (shared <- main/engine <- ...; shared <- renderer) is enforced here.
const noElectron = { name: 'electron', message: 'main/engine and shared must not depend on Electron.' };

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', '.tools/', 'release/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain-JS entry points run in Node.
    files: ['bin/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
  },
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['main/engine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { paths: [noElectron], patterns: [{ group: ['electron/*'], message: noElectron.message }] },
      ],
    },
  },
  {
    files: ['shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['node:*'], message: 'shared/ runs in the renderer too: no Node built-ins.' },
            {
              group: ['**/main/**', '**/renderer/**'],
              message: 'shared/ depends on nothing in the project.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.ts', 'renderer/**/*.tsx'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [noElectron],
          patterns: [
            { group: ['node:*'], message: 'The renderer runs in a browser: no Node built-ins.' },
            {
              group: ['**/main/**'],
              message: 'The renderer talks to main only through the contract client.',
            },
          ],
        },
      ],
    },
  },
);
