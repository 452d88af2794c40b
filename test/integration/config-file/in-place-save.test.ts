import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { startServe } from '../../helpers/serve-process.js';

/**
 * Editors that save in place truncate the file and then write it. A read in between must not count as
 * the user's new configuration: an empty file would stop every gateway until the write lands.
 */
const cleanup = cleanupAfterEach();

const text = (target: string, n: number) =>
  `gateways:\n  - name: shop\n    port: 0\n    routes:\n      a: { target: "${target}" }\n# save ${n}\n`;

/** An in-place save that leaves the file empty for `gapMs` between the truncation and the write. */
async function slowSave(file: string, content: string, gapMs: number): Promise<void> {
  const handle = await open(file, 'w'); // truncates
  await new Promise((r) => setTimeout(r, gapMs));
  await handle.writeFile(content);
  await handle.close();
}

describe('a file saved in place', () => {
  it('is not read while it is empty: the gateways keep serving through slow saves', async () => {
    const [up] = await upstreamsFor(cleanup, 'up');
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-in-place-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'switchyard.yaml');
    await writeFile(file, text(up!.url, 0));
    const s = await startServe(cleanup, ['--config', file, '--log', 'none']);
    const port = s.gatewayPort('shop');
    const failures: string[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const r = await request(port, '/').catch((e: Error) => ({ status: 0, body: e.message }));
        if (r.status !== 200) failures.push(`${r.status} ${r.body.slice(0, 80)}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    for (let n = 1; n <= 5; n++) {
      await slowSave(file, text(up!.url, n), 220);
      await new Promise((r) => setTimeout(r, 300));
    }
    polling = false;
    await poll;
    expect(failures).toEqual([]);
    expect(s.err()).not.toMatch(/not valid/);
  }, 30_000);
});
