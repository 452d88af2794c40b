import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { startServe } from '../../helpers/serve-process.js';
import { echoWebSocketServer, openWebSocket } from '../../helpers/websocket-echo.js';

/**
 * `serve` stops on SIGTERM even with WebSocket tunnels open: they get a close frame (1001, going away)
 * once in-flight requests are done, and the process exits; a second signal exits at once.
 */
const cleanup = cleanupAfterEach();

async function serving() {
  const port = await echoWebSocketServer(cleanup);
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-stop-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'switchyard.yaml');
  await writeFile(
    file,
    `gateways:\n  - name: ws\n    port: 0\n    routes:\n      "[127.0.0.1:${port}]": {}\n`,
  );
  return startServe(cleanup, ['--config', file, '--log', 'none']);
}

describe('stopping serve with WebSocket tunnels open', () => {
  it('closes them with 1001 (going away) and exits', async () => {
    const s = await serving();
    const direct = await openWebSocket(cleanup, `ws://127.0.0.1:${s.gatewayPort('ws')}/`);
    const viaProxy = await openWebSocket(cleanup, `ws://127.0.0.1:${s.controlPort}/proxy/gateways/ws/`);
    direct.ws.send('hi');
    await new Promise((r) => direct.ws.once('message', r));
    const started = Date.now();
    s.child.kill('SIGTERM');
    expect(await direct.closed).toBe(1001);
    expect(await viaProxy.closed).toBe(1001);
    expect(await s.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('exits at once on a second signal', async () => {
    const s = await serving();
    await openWebSocket(cleanup, `ws://127.0.0.1:${s.gatewayPort('ws')}/`);
    s.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 100));
    s.child.kill('SIGTERM');
    const started = Date.now();
    await s.exited;
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
