import WebSocket, { WebSocketServer } from 'ws';
import type { Cleanup } from './cleanup.js';

/** A WebSocket upstream on 127.0.0.1:0 that echoes every message; closed after the test. */
export async function echoWebSocketServer(cleanup: Cleanup): Promise<number> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  wss.on('connection', (s) => s.on('message', (d) => s.send(d)));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  return (wss.address() as { port: number }).port;
}

/** Opens a WebSocket; `closed` resolves with the close code it gets. Terminated after the test. */
export function openWebSocket(
  cleanup: Cleanup,
  url: string,
): Promise<{ ws: WebSocket; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.on('error', () => undefined);
    ws.once('open', () => resolve({ ws, closed }));
    ws.once('unexpected-response', () => reject(new Error('no upgrade')));
    cleanup.push(() => ws.terminate());
  });
}
