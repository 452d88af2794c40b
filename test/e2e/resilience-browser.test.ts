import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import { startEngine } from '../helpers/engine.js';
import { startUpstream } from '../helpers/upstream.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/ui-session.js';

/**
 * Header rules, mock routes and CORS as a browser sees them: a page on another origin (localhost) fetches
 * through the gateway (127.0.0.1) with credentials, a preflighted PUT included, and reads what the rules
 * and the mock route answered. Chromium decides whether the CORS answers are good enough; nothing is faked.
 */
const cleanup = cleanupAfterEach();
let browser: Browser;

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
});
afterAll(async () => {
  await browser?.close();
});

async function pageServer(): Promise<string> {
  const server = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html' });
    res.end('<!doctype html><title>app</title><p>app on another origin</p>');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://localhost:${(server.address() as AddressInfo).port}`;
}

describe('CORS, header rules and mock routes in Chromium', () => {
  it('a page on another origin fetches through the gateway with credentials', async () => {
    const api = await startUpstream('api');
    cleanup.push(() => api.close());
    const origin = await pageServer();
    const { engine, port } = await startEngine({
      gateways: [
        {
          name: 'shop',
          port: 0,
          cors: { origins: [origin], credentials: true, expose: ['X-Variant'] },
          headers: { request: { set: { 'X-Env': 'dev' }, remove: ['X-Debug'] } },
          routes: {
            maintenance: {
              condition: 'has header X-Maintenance',
              respond: { status: 503, headers: { 'Retry-After': '30' }, body: 'back soon' },
              weight: '0%',
            },
            api: {
              targets: [api.url],
              weight: '100%',
              headers: { response: { set: { 'Cache-Control': 'no-store' }, add: { 'X-Variant': 'api' } } },
            },
          },
        },
      ],
    });
    cleanup.push(() => engine.stop(500));
    const gateway = `http://127.0.0.1:${port()}`;
    const context = await browser.newContext();
    cleanup.push(() => context.close());
    const page = await context.newPage();
    await page.goto(origin);

    const results = await page.evaluate(async (gw) => {
      const get = await fetch(`${gw}/items`, { credentials: 'include', headers: { 'X-Debug': '1' } });
      const put = await fetch(`${gw}/items/1`, {
        method: 'PUT',
        credentials: 'include',
        headers: { 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      const mock = await fetch(`${gw}/`, { credentials: 'include', headers: { 'X-Maintenance': '1' } });
      let refused = '';
      try {
        await fetch(`${gw}/items`, { credentials: 'include', headers: { 'X-Debug': '1' }, method: 'DELETE' });
      } catch (err) {
        refused = String(err);
      }
      return {
        get: {
          status: get.status,
          variant: get.headers.get('x-variant'),
          body: (await get.json()) as { headers: Record<string, string> },
        },
        put: { status: put.status, variant: put.headers.get('x-variant') },
        mock: { status: mock.status, body: await mock.text() },
        refused,
      };
    }, gateway);

    expect(results.get.status).toBe(200);
    // Exposed, so the page may read it.
    expect(results.get.variant).toBe('api');
    expect(results.get.body.headers['x-env']).toBe('dev');
    expect(results.get.body.headers['x-debug']).toBeUndefined();
    expect(results.put).toEqual({ status: 200, variant: 'api' });
    expect(results.mock).toEqual({ status: 503, body: 'back soon' });
    // DELETE is among the default methods: allowed, so nothing was refused.
    expect(results.refused).toBe('');
    engine.log.flush();
    const preflights = engine.log.page(0, 100).filter((e) => e.method === 'OPTIONS');
    expect(preflights.length).toBeGreaterThan(0);
    expect(preflights.every((e) => e.status === 204 && e.trace[0]?.kind === 'cors')).toBe(true);
    // The preflights never reached the upstream; the actual requests did.
    expect(api.requests.every((r) => r.method !== 'OPTIONS')).toBe(true);
    expect(api.requests.map((r) => r.method).sort()).toEqual(['DELETE', 'GET', 'PUT']);
  });

  it('Chromium refuses a response when the origin is not allowed', async () => {
    const api = await startUpstream('api');
    cleanup.push(() => api.close());
    const origin = await pageServer();
    const { engine, port } = await startEngine({
      gateways: [
        {
          name: 'shop',
          port: 0,
          cors: { origins: ['http://localhost:1'], credentials: true },
          routes: { api: { targets: [api.url] } },
        },
      ],
    });
    cleanup.push(() => engine.stop(500));
    const context = await browser.newContext();
    cleanup.push(() => context.close());
    const page = await context.newPage();
    await page.goto(origin);
    const error = await page.evaluate(async (gw) => {
      try {
        await fetch(`${gw}/items`, { credentials: 'include' });
        return '';
      } catch (err) {
        return String(err);
      }
    }, `http://127.0.0.1:${port()}`);
    expect(error).toMatch(/TypeError/);
  });
});
