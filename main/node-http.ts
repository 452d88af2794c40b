import { createRequire } from 'node:module';

/**
 * node:http, required rather than imported. An ES import of a built-in reads every one of its exports,
 * and since Node 22 node:http's include lazy getters (WebSocket, CloseEvent, MessageEvent) that load
 * Node's bundled undici: 20 ms of `serve`'s start-up for a module nothing here uses (issue 16). Types
 * still come from `import type ... from 'node:http'`, which costs nothing at run time.
 */
export const http = createRequire(import.meta.url)('node:http') as typeof import('node:http');
