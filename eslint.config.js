// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The dependency direction of the design (shared <- main/engine <- ...; shared <- renderer) is enforced here.
const noElectron = { name: 'electron', message: 'only main/electron and main/preload depend on Electron.' };
/** An ES import of node:http loads Node's bundled undici at start-up; main/node-http.ts requires it instead. */
const noHttpImport = {
  name: 'node:http',
  allowTypeImports: true,
  message:
    "use `import { http } from '../node-http.js'` (main/node-http.ts says why); types may be imported.",
};
const noHttpImports = [noHttpImport, { ...noHttpImport, name: 'http' }];
/** The layers that run inside Electron: its main process, and the preload it loads into the page. */
const ELECTRON_LAYERS = ['electron', 'preload'];

/**
 * What each layer of main/ may import besides shared/, as data. A layer named with `face` may be
 * imported only through that one file (the engine is driven through engine.ts, not its internals).
 * Everything not listed is refused, so a new arrow between layers is a decision made here.
 */
const MAIN_LAYERS = {
  engine: [],
  export: [],
  import: [],
  demo: [],
  preload: [],
  api: ['engine', 'export', 'import'],
  control: ['api', { layer: 'engine', face: 'engine.js' }],
  // The host builds engine, control plane, demo and control server for both cli and electron, which
  // reach those only through it.
  host: ['api', 'control', { layer: 'engine', face: 'engine.js' }, 'demo'],
  cli: ['api', 'export', 'import', 'host'],
  electron: ['api', 'host'],
};

/** One no-restricted-imports rule per layer of main/, from MAIN_LAYERS. */
function mainLayerRules() {
  return Object.entries(MAIN_LAYERS).map(([layer, allowed]) => {
    const open = new Set(allowed.map((a) => (typeof a === 'string' ? a : a.layer)));
    const faces = allowed.filter((a) => typeof a !== 'string');
    const refused = Object.keys(MAIN_LAYERS).filter((l) => l !== layer && !open.has(l));
    const message = `main/${layer} may import ${[...allowed.map((a) => (typeof a === 'string' ? a : `${a.layer}/${a.face}`)), 'shared'].join(', ')} (eslint.config.js, MAIN_LAYERS)`;
    return {
      files: [`main/${layer}/**/*.ts`, `main/${layer}/**/*.cts`],
      rules: {
        'no-restricted-imports': [
          'error',
          {
            paths: ELECTRON_LAYERS.includes(layer) ? noHttpImports : [noElectron, ...noHttpImports],
            patterns: [
              ...refused.map((l) => ({ group: [`../${l}/*`, `../../main/${l}/*`], message })),
              ...faces.map((f) => ({ group: [`../${f.layer}/*`, `!../${f.layer}/${f.face}`], message })),
              { group: ['**/renderer/**'], message: 'main/ never imports the renderer.' },
              ...(ELECTRON_LAYERS.includes(layer)
                ? []
                : [{ group: ['electron/*'], message: noElectron.message }]),
            ],
          },
        ],
      },
    };
  });
}

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
  ...mainLayerRules(),
  {
    // What sits outside the layers (main/*.ts, main/tls) keeps the same rules on Electron and node:http.
    files: ['main/*.ts', 'main/tls/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { paths: [noElectron, ...noHttpImports] }] },
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
