import { createRequire } from 'node:module';
import type { Client as ClientClass, H2CClient as H2CClientClass, Pool as PoolClass } from 'undici';

/**
 * undici's dispatchers, loaded from their own files: undici's index also loads fetch, WebSocket, the
 * cache and the mocks, which Switchyard never uses (measured: 29 MB and 110 ms for the index, 16 MB and
 * 35 ms for these; issue 16's start-up). Types still come from undici's own declarations.
 */
const require = createRequire(import.meta.url);
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof PoolClass;
export const Client = require('undici/lib/dispatcher/client.js') as typeof ClientClass;
export const H2CClient = require('undici/lib/dispatcher/h2c-client.js') as typeof H2CClientClass;
export type Pool = PoolClass;
