import net from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { startEngine } from '../../helpers/engine.js';
import { startUpstream } from '../../helpers/upstream.js';
import { Stats } from '../../../main/api/stats.js';

/**
 * Faults: percentages drawn from the engine's seeded source land within statistical tolerance, header-
 * controlled faults are exact, and a bandwidth limit holds the response to within 10% of its rate.
 */
const cleanup = cleanupAfterEach();

async function gatewayWith(faults: object, body?: Buffer) {
  const u = await startUpstream('u', (req, res) => {
    req.resume();
    res.end(body ?? 'ok');
  });
  cleanup.push(() => u.close());
  const { engine, port } = await startEngine({
    gateways: [{ name: 'chaos', port: 0, routes: { api: { targets: [u.url], faults } } }],
  });
  cleanup.push(() => engine.stop(500));
  return { engine, port, upstream: u };
}

describe('faults', () => {
  it('delays and aborts about their percentage of 400 requests (seeded)', async () => {
    const { engine, port, upstream } = await gatewayWith({
      delay: { percent: 30, duration: '5ms' },
      abort: { percent: 20, status: 503 },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 400; i++) {
      const r = await request(`http://127.0.0.1:${port()}/`);
      await r.body.dump();
      statuses.push(r.statusCode);
    }
    engine.log.flush();
    const entries = engine.log.page(0, 1000);
    const delayed = entries.filter((e) => e.faults?.includes('delay')).length;
    const aborted = statuses.filter((s) => s === 503).length;
    // Binomial(400, p): four standard deviations either side.
    expect(delayed).toBeGreaterThan(120 - 4 * Math.sqrt(400 * 0.3 * 0.7));
    expect(delayed).toBeLessThan(120 + 4 * Math.sqrt(400 * 0.3 * 0.7));
    expect(aborted).toBeGreaterThan(80 - 4 * 8);
    expect(aborted).toBeLessThan(80 + 4 * 8);
    // Aborted requests never reach the upstream; the others all do.
    expect(upstream.requests.length).toBe(400 - aborted);
    const abortedEntry = entries.find((e) => e.faults?.includes('abort'))!;
    expect(abortedEntry.trace.some((s) => s.kind === 'fault' && /abort with 503 \(draw/.test(s.text))).toBe(
      true,
    );
    // Counted in stats, so the chart shows them.
    const stats = new Stats();
    stats.add(entries);
    const route = stats
      .snapshot(engine.current, 60)
      .gateways.find((g) => g.gateway === 'chaos')!
      .routes.find((r) => r.route === 'api')!;
    expect(route.faults).toBe(entries.filter((e) => e.faults?.length).length);
  });

  it('header-controlled faults are exact, and only where enabled', async () => {
    const { engine, port, upstream } = await gatewayWith({ header_control: true });
    for (let i = 0; i < 20; i++) {
      const r = await request(`http://127.0.0.1:${port()}/`, {
        headers: { 'x-switchyard-fault-abort': '418' },
      });
      await r.body.dump();
      expect(r.statusCode).toBe(418);
    }
    expect(upstream.requests.length).toBe(0);
    const started = Date.now();
    const r = await request(`http://127.0.0.1:${port()}/`, {
      headers: { 'x-switchyard-fault-delay': '300ms' },
    });
    await r.body.dump();
    expect(r.statusCode).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    // The fault headers are Switchyard's: never forwarded.
    expect(upstream.requests[0]!.headers['x-switchyard-fault-delay']).toBeUndefined();
    // reset: the connection is closed without an answer.
    const reset = await new Promise<string>((resolve) => {
      const s = net.connect(port(), '127.0.0.1', () =>
        s.write('GET / HTTP/1.1\r\nHost: x\r\nX-Switchyard-Fault-Abort: reset\r\n\r\n'),
      );
      let got = '';
      s.on('data', (d) => (got += d.toString()));
      s.on('close', () => resolve(got));
      s.on('error', () => undefined);
    });
    expect(reset).toBe('');
    engine.log.flush();
    expect(engine.log.page(0).at(-1)!.faults).toEqual(['reset']);

    const plain = await gatewayWith({});
    const p = await request(`http://127.0.0.1:${plain.port()}/`, {
      headers: { 'x-switchyard-fault-abort': '418' },
    });
    await p.body.dump();
    expect(p.statusCode).toBe(200);
  });

  it('holds a response to within 10% of the bandwidth limit', async () => {
    const body = Buffer.alloc(64_000, 'x');
    const { port } = await gatewayWith({ bandwidth: '256kbps' }, body);
    const started = Date.now();
    const r = await request(`http://127.0.0.1:${port()}/`);
    const got = Buffer.from(await r.body.arrayBuffer());
    const seconds = (Date.now() - started) / 1000;
    expect(got.length).toBe(64_000);
    const rate = got.length / seconds;
    // 256 kbps is 32,000 bytes a second: the 64 KB body takes about 2 s.
    expect(rate).toBeLessThanOrEqual(32_000 * 1.1);
    expect(rate).toBeGreaterThanOrEqual(32_000 * 0.9);
  });
});
