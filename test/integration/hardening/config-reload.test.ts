import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { eventually, request } from '../../helpers/client.js';
import { startServe } from '../../helpers/serve-process.js';

/** An edit that the YAML library refuses (an anchor used too often) is reported; the old config serves on. */
const cleanup = cleanupAfterEach();
const BIN = path.resolve(import.meta.dirname, '../../../bin/switchyard.js');

const bomb = (target: string) =>
  `x-route: &r { target: "${target}" }\ngateways:\n  - name: shop\n    port: 0\n    routes:\n${Array.from(
    { length: 120 },
    (_, i) => `      r${i}: *r`,
  ).join('\n')}\n`;

describe('a configuration the YAML library refuses', () => {
  it('is reported by validate, and does not stop a running serve', async () => {
    const [up] = await upstreamsFor(cleanup, 'up');
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-reload-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'switchyard.yaml');

    await writeFile(file, bomb(up!.url));
    const validate = spawnSync(process.execPath, [BIN, 'validate', file], { encoding: 'utf8' });
    expect(validate.status).toBe(1);
    expect(validate.stderr + validate.stdout).toMatch(/alias/i);

    await writeFile(
      file,
      `gateways:\n  - name: shop\n    port: 0\n    routes:\n      a: { target: "${up!.url}" }\n`,
    );
    const s = await startServe(cleanup, ['--config', file, '--log', 'none']);
    const port = s.gatewayPort('shop');
    await writeFile(file, bomb(up!.url));
    await eventually(() => /not valid/.test(s.err()), 5000, 'the reload to be refused');
    expect(s.alive()).toBe(true);
    expect((await request(port, '/')).status).toBe(200);
  });
});
