import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { eventually, request } from '../helpers/client.js';
import { closedPort } from '../helpers/upstream.js';
import { CHROMIUM, startUiSession, type UiSession } from '../helpers/ui-session.js';

/**
 * Learned noise (issue 14, Diffy's idea): with `noise: true`, fields that differ between two answers of the
 * primary are ignored from then on, and the Compare view lists what was learned.
 */
describe.skipIf(!existsSync(CHROMIUM))('learned noise in the Compare view', () => {
  let s: UiSession;
  let upstream: http.Server;
  let port: number;

  beforeAll(async () => {
    let n = 0;
    // Every answer carries a fresh requestId: noise, by any measure.
    upstream = http.createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ path: req.url, requestId: ++n }));
    });
    await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
    port = await closedPort();
    s = await startUiSession(
      [
        'gateways:',
        '  - name: shop',
        `    port: ${port}`,
        '    routes:',
        `      stable: { target: "${url}", weight: 100% }`,
        '      candidate:',
        `        target: "${url}"`,
        '        weight: 0%',
        '        shadow: 100%',
        '        compare: { noise: true }',
        '',
      ].join('\n'),
    );
  }, 30_000);

  afterAll(async () => {
    await s?.close();
    await new Promise((r) => upstream?.close(r));
  });

  it('lists the field it learned to ignore', async () => {
    for (let i = 0; i < 6; i++) await request(port, `/items/${i}`);
    await s.page.getByRole('tab', { name: 'Compare' }).click();
    const noise = s.page.getByRole('region', { name: 'Learned noise' });
    await eventually(
      async () => ((await noise.textContent().catch(() => '')) ?? '').includes('body:$.requestId'),
      8000,
      'body:$.requestId in the learned noise',
    );
    await eventually(
      async () =>
        (await s.page
          .locator('.compare-shapes')
          .getByLabel(/^[1-9]\d* same$/)
          .count()) > 0,
      5000,
      'requests compared as same once the noise is ignored',
    );
  });
});
