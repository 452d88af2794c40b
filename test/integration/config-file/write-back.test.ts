import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiCallError, ApiClient } from '../../../shared/api/client.js';
import { websocketPipe } from '../../../shared/api/websocket-pipe.js';
import { cleanupAfterEach, upstreamsFor, type Cleanup } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { startServe } from '../../helpers/serve-process.js';

/**
 * The user's file is never older after a Switchyard write than before it: an API change made while the
 * file watcher has not yet seen the user's save is applied on top of that save, and a file the user left
 * invalid is never overwritten.
 */
const cleanup = cleanupAfterEach();

const config = (a: string, b: string, edit: number) => `# the shop team's gateways
gateways:
  - name: shop
    port: 0
    routes:
      blue: { target: "${a}", weight: 90% } # stable
      green: { target: "${b}", weight: 10% }
  # edited by hand
  - name: other
    port: 0
    timeout: ${edit + 1}s
    routes:
      "[${a.replace('http://', '')}]": {}
# edit ${edit}
`;

async function tempFile(c: Cleanup, text: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-write-back-'));
  c.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'switchyard.yaml');
  await writeFile(file, text);
  return file;
}

function putShop(port: number, a: string, b: string, blue: number) {
  const gateway = {
    name: 'shop',
    port: 0,
    routes: { blue: { target: a, weight: `${blue}%` }, green: { target: b, weight: `${100 - blue}%` } },
  };
  return request(port, '/api/v1/gateways/shop', {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(gateway),
  });
}

function streamClient(c: Cleanup, port: number): ApiClient {
  const socket = new globalThis.WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`);
  const client = new ApiClient(websocketPipe(socket));
  c.push(() => {
    client.close();
    socket.close();
  });
  return client;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('write-back into the YAML file', () => {
  it('keeps every file edit when 100 PUTs each come 0-200 ms after a save', async () => {
    const [a, b] = await upstreamsFor(cleanup, 'a', 'b');
    const file = await tempFile(cleanup, config(a!.url, b!.url, 0));
    const s = await startServe(cleanup, ['--config', file, '--log', 'none']);
    // A fixed sequence of delays, spread over 0-200 ms, so a failure can be repeated.
    let seed = 7;
    const delay = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) % 201) as number;
    for (let i = 1; i <= 100; i++) {
      // The user's save: their text as it is on disk now, with a new timeout and comment.
      const before = await readFile(file, 'utf8');
      await writeFile(
        file,
        before.replace(/timeout: \d+s/, `timeout: ${i + 1}s`).replace(/# edit \d+/, `# edit ${i}`),
      );
      await sleep(delay());
      const reply = await putShop(s.controlPort, a!.url, b!.url, i % 100);
      expect(reply.status, reply.body).toBe(200);
      const after = await readFile(file, 'utf8');
      expect(after, `PUT ${i}`).toContain(`timeout: ${i + 1}s`);
      expect(after, `PUT ${i}`).toContain(`# edit ${i}\n`);
      expect(after, `PUT ${i}`).toContain(`weight: ${i % 100}%`);
      expect(after).toContain('# edited by hand');
    }
    // The running configuration is the file's: the other gateway has the last edit's timeout.
    const other = await request(s.controlPort, '/api/v1/gateways/other');
    expect(other.json<{ timeout: string }>().timeout).toBe('101s');
  }, 60_000);

  it('refuses a slider change while the file is invalid, and keeps the invalid text byte for byte', async () => {
    const [a, b] = await upstreamsFor(cleanup, 'a', 'b');
    const file = await tempFile(cleanup, config(a!.url, b!.url, 0));
    const s = await startServe(cleanup, ['--config', file, '--log', 'none']);
    const client = streamClient(cleanup, s.controlPort);
    await client.call('gateways.setWeights', { name: 'shop', weights: { blue: 80, green: 20 } });

    // Half-typed: a weight that is not one, on line 7. Saved, and the slider moves at once and later.
    const invalid = (await readFile(file, 'utf8')).replace('weight: 20%', 'weight: twenty');
    await writeFile(file, invalid);
    for (const wait of [0, 400]) {
      await sleep(wait);
      const moved = client.call('gateways.setWeights', { name: 'shop', weights: { blue: 50, green: 50 } });
      const error = await moved.then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(ApiCallError);
      expect((error as ApiCallError).error.code).toBe('conflict');
      expect((error as ApiCallError).message).toMatch(/fix switchyard\.yaml line 7 first/);
      expect(await readFile(file, 'utf8')).toBe(invalid);
    }
    // REST says the same, as 409.
    const put = await putShop(s.controlPort, a!.url, b!.url, 30);
    expect(put.status).toBe(409);
    expect(put.body).toMatch(/switchyard\.yaml line 7/);
    expect(await readFile(file, 'utf8')).toBe(invalid);
    // The previous configuration still serves.
    const shop = await request(s.controlPort, '/api/v1/gateways/shop');
    expect(shop.json<{ routes: Record<string, { weight: string }> }>().routes.green!.weight).toBe('20%');

    // Once fixed, changes go through again, on top of the user's text.
    const fixed = invalid.replace('weight: twenty }', 'weight: 20% } # fixed');
    await writeFile(file, fixed);
    await client.call('gateways.setWeights', { name: 'shop', weights: { blue: 60, green: 40 } });
    expect(await readFile(file, 'utf8')).toBe(
      fixed.replace('weight: 80%', 'weight: 60%').replace('weight: 20% } # fixed', 'weight: 40% } # fixed'),
    );
  });
});
