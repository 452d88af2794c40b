import { createRequire } from 'node:module';
import type {
  Client as ClientClass,
  Dispatcher,
  H2CClient as H2CClientClass,
  Pool as PoolClass,
} from 'undici';

/**
 * undici's dispatchers, loaded from their own files: undici's index also loads fetch, WebSocket, the
 * cache and the mocks, which proxying never uses (measured: 29 MB and 110 ms for the index, 16 MB and
 * 35 ms for these; issue 16's start-up). These paths are undici's layout, not its documented API: the
 * proxy, health check and shadow tests fail at once if an upgrade moves them. Types come from undici.
 */
const require = createRequire(import.meta.url);
export const Pool = require('undici/lib/dispatcher/pool.js') as typeof PoolClass;
export const Client = require('undici/lib/dispatcher/client.js') as typeof ClientClass;
export const H2CClient = require('undici/lib/dispatcher/h2c-client.js') as typeof H2CClientClass;
export type Pool = PoolClass;

/**
 * undici's request() (what its index puts on every dispatcher), called on `dispatcher`: health checks and
 * shadow copies read whole answers with it. Paths go as given, not normalised by a URL.
 */
const apiRequest = require('undici/lib/api/api-request.js') as (
  this: Dispatcher,
  opts: Dispatcher.RequestOptions,
) => Promise<Dispatcher.ResponseData>;

export function requestOn(
  dispatcher: Dispatcher,
  opts: Dispatcher.RequestOptions,
): Promise<Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, opts);
}
