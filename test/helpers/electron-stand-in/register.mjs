// `node --import <this file> main.js` runs main.js with the electron stand-in (see electron.mjs).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
