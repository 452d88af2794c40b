// Module resolution hooks: `electron` resolves to the recording stand-in; everything else as usual, so
// every other import of the app under test resolves from its own node_modules.
import { URL } from 'node:url';

const STAND_IN = new URL('./electron.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'electron') return { url: STAND_IN, shortCircuit: true };
  return nextResolve(specifier, context);
}
