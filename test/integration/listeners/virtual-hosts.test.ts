import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { applyConfig, startEngine } from '../../helpers/engine.js';
import { startUpstream } from '../../helpers/upstream.js';

const cleanup = cleanupAfterEach();

async function upstream(name: string) {
  const u = await startUpstream(name);
  cleanup.push(() => u.close());
  return u;
}

function config(shop: string, api: string, extra = '') {
  return `listeners: {http: 0}
gateways:
  - name: shop
    virtual_hosts: [shop.localhost, "*.shop.localhost"]
    routes: { shop: { target: "${shop}" } }
  - name: api
    virtual_hosts: ["api.shop.localhost", "*.eu.shop.localhost"]
    routes: { api: { target: "${api}" } }
${extra}`;
}

async function engineWith(yaml: string) {
  const started = await startEngine(yaml);
  cleanup.push(() => started.engine.stop(100));
  const shared = started.engine.sharedStatus().find((l) => l.kind === 'http');
  if (!shared?.boundPort) throw new Error(`shared port not listening: ${shared?.error}`);
  return { engine: started.engine, port: shared.boundPort };
}

const nameOf = (body: string) => (JSON.parse(body) as { name: string }).name;

describe('virtual hosts on a shared port', () => {
  it('dispatches by Host: the exact name first, then the longest wildcard, any case and port', async () => {
    const [shop, api] = [await upstream('shop'), await upstream('api')];
    const { port } = await engineWith(config(shop.url, api.url));
    const at = async (host: string) => nameOf((await request(port, '/', { headers: { host } })).body);
    expect(await at('shop.localhost')).toBe('shop');
    expect(await at(`SHOP.localhost:${port}`)).toBe('shop');
    expect(await at('a.shop.localhost')).toBe('shop');
    expect(await at('api.shop.localhost')).toBe('api');
    // *.eu.shop.localhost is longer than *.shop.localhost
    expect(await at('x.eu.shop.localhost')).toBe('api');
    expect(await at('x.y.shop.localhost')).toBe('shop');
  });

  it('answers an unknown host 404 with the names it serves and their URLs, and logs it', async () => {
    const [shop, api] = [await upstream('shop'), await upstream('api')];
    const { engine, port } = await engineWith(config(shop.url, api.url));
    const text = await request(port, '/', { headers: { host: 'nope.localhost' } });
    expect(text.status).toBe(404);
    expect(text.body).toContain(`http://shop.localhost:${port}/`);
    expect(text.body).toContain('*.eu.shop.localhost');
    const html = await request(port, '/', { headers: { host: '<b>x</b>', accept: 'text/html' } });
    expect(html.status).toBe(404);
    expect(html.body).toContain(`<a href="http://api.shop.localhost:${port}/">`);
    expect(html.body).not.toContain('<b>x</b>');
    const entry = engine.log.page(0, 1000).find((e) => e.host === 'nope.localhost');
    expect(entry).toMatchObject({ status: 404, gateway: 'listeners.http', protocol: 'http/1.1' });
    expect(shop.requests).toHaveLength(0);
  });

  it('serves a gateway on its own port whatever the Host, and lists both URLs in its status', async () => {
    const [shop, api] = [await upstream('shop'), await upstream('api')];
    const yaml = config(shop.url, api.url).replace('  - name: api\n', '  - name: api\n    port: 0\n');
    const { engine, port } = await engineWith(yaml);
    const own = engine.status().find((s) => s.gateway === 'api')!;
    expect(nameOf((await request(own.boundPort!, '/', { headers: { host: 'whatever' } })).body)).toBe('api');
    expect(own.urls).toEqual([`http://127.0.0.1:${own.boundPort}/`, `http://api.shop.localhost:${port}/`]);
    expect(engine.status().find((s) => s.gateway === 'shop')).toMatchObject({
      state: 'listening',
      urls: [`http://shop.localhost:${port}/`],
    });
  });

  it('adds a virtual host by hot apply while traffic runs, losing nothing', async () => {
    const [shop, api] = [await upstream('shop'), await upstream('api')];
    const { engine, port } = await engineWith(config(shop.url, api.url));
    const statuses: number[] = [];
    let running = true;
    const load = (async () => {
      for (let i = 0; i < 2000 && running; i++)
        statuses.push((await request(port, '/', { headers: { host: 'shop.localhost' } })).status);
    })();
    await new Promise((r) => setTimeout(r, 100));
    const added = config(shop.url, api.url).replace(
      '[shop.localhost, "*.shop.localhost"]',
      '[shop.localhost, "*.shop.localhost", store.localhost]',
    );
    await applyConfig(engine, added);
    expect(nameOf((await request(port, '/', { headers: { host: 'store.localhost' } })).body)).toBe('shop');
    running = false;
    await load;
    expect(statuses.length).toBeGreaterThan(10);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
  });
});
