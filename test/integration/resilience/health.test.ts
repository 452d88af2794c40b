import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { applyConfig, startEngine } from '../../helpers/engine.js';
import { startUpstream } from '../../helpers/upstream.js';

/**
 * Health: an instance failing its checks is skipped within its thresholds and comes back after they pass;
 * routes without a healthy instance leave the weighted draw. The state lives in the upstream registry, so
 * a config apply (a slider drag) keeps it, and keeps each route's round-robin position.
 */
const cleanup = cleanupAfterEach();

/** An upstream whose /health answers 200 or 503 as the test says. */
async function checkedUpstream(name: string) {
  const state = { healthy: true, failing: false };
  const u = await startUpstream(name, (req, res) => {
    req.resume();
    if (req.url === '/health') {
      res.writeHead(state.healthy ? 200 : 503);
      return void res.end();
    }
    res.writeHead(state.failing ? 500 : 200, { 'x-upstream': name });
    res.end(name);
  });
  cleanup.push(() => u.close());
  return { ...u, state };
}

async function hits(port: number, n: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await request(`http://127.0.0.1:${port}/x`);
    const text = await r.body.text();
    const key = r.statusCode === 200 ? text : String(r.statusCode);
    seen[key] = (seen[key] ?? 0) + 1;
  }
  return seen;
}

/** Polls `cond` every 50 ms for at most `ms`; the wait is bounded, the assertion is on the state reached. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return cond();
}

const check = { path: '/health', interval: '100ms', timeout: '500ms', unhealthy_after: 2, healthy_after: 2 };

function config(a: string, b: string, c: string, weights = ['50%', '50%']) {
  return {
    gateways: [
      {
        name: 'shop',
        port: 0,
        routes: {
          api: { weight: weights[0], targets: [a, b], health_check: check },
          web: { weight: weights[1], targets: [c], health_check: check },
        },
      },
    ],
  };
}

describe('health', () => {
  it('ejects a failing instance, brings it back, and traffic follows; an apply keeps health and rotation', async () => {
    const [a, b, c] = await Promise.all(['a', 'b', 'c'].map(checkedUpstream));
    const { engine, port } = await startEngine(config(a!.url, b!.url, c!.url));
    cleanup.push(() => engine.stop(500));
    const stateOf = (u: { url: string }) =>
      engine.status()[0]!.health?.find((h) => h.target === u.url)?.state;

    // Healthy: api's requests alternate a, b.
    const before = await hits(port(), 40);
    expect(before['a']).toBeGreaterThan(0);
    expect(before['b']).toBeGreaterThan(0);

    a!.state.healthy = false;
    // Two failed checks 100 ms apart: unhealthy well within a second.
    expect(await until(() => stateOf(a!) === 'unhealthy', 2000)).toBe(true);
    const during = await hits(port(), 40);
    expect(during['a']).toBeUndefined();
    expect((during['b'] ?? 0) + (during['c'] ?? 0)).toBe(40);

    // A slider drag: weights change, health and the rotation stay.
    const cursorBefore = engine.upstreams.cursor('shop', 'api', [a!.url, b!.url]);
    const nextBefore = cursorBefore.next;
    await applyConfig(engine, config(a!.url, b!.url, c!.url, ['60%', '40%']));
    expect(stateOf(a!)).toBe('unhealthy');
    expect(engine.upstreams.cursor('shop', 'api', [a!.url, b!.url])).toBe(cursorBefore);
    expect(cursorBefore.next).toBe(nextBefore);
    const afterApply = await hits(port(), 20);
    expect(afterApply['a']).toBeUndefined();

    // The route web loses its only instance: it leaves the draw, api takes everything, the trace says so.
    c!.state.healthy = false;
    expect(await until(() => stateOf(c!) === 'unhealthy', 2000)).toBe(true);
    const apiOnly = await hits(port(), 20);
    expect(apiOnly).toEqual({ b: 20 });
    engine.log.flush();
    const last = engine.log.page(0, 10_000).at(-1)!;
    expect(last.trace.map((s) => s.text)).toContain(
      "route 'web' has no healthy instance: left out of the draw, its 40% spread over the others",
    );

    // Nothing healthy: 503 naming each route's state.
    b!.state.healthy = false;
    expect(await until(() => stateOf(b!) === 'unhealthy', 2000)).toBe(true);
    const r = await request(`http://127.0.0.1:${port()}/x`);
    const text = await r.body.text();
    expect(r.statusCode).toBe(503);
    expect(text).toContain(
      "route 'api' has 0 of 2 instances healthy; route 'web' has 0 of 1 instances healthy",
    );

    // Checks pass again (two in a row): everyone is back and shares follow.
    for (const u of [a, b, c]) u!.state.healthy = true;
    expect(await until(() => [a, b, c].every((u) => stateOf(u!) === 'healthy'), 2000)).toBe(true);
    const back = await hits(port(), 60);
    expect(back['a']).toBeGreaterThan(0);
    expect(back['b']).toBeGreaterThan(0);
    expect(back['c']).toBeGreaterThan(0);
  });

  it('passive health ejects after consecutive failures and lets the instance back after eject_for', async () => {
    const [a, b] = await Promise.all(['a', 'b'].map(checkedUpstream));
    const { engine, port } = await startEngine({
      gateways: [
        {
          name: 'p',
          port: 0,
          routes: {
            api: { targets: [a!.url, b!.url], passive: { failures: 3, within: '10s', eject_for: '600ms' } },
          },
        },
      ],
    });
    cleanup.push(() => engine.stop(500));
    a!.state.failing = true;
    // Round-robin: a gets every other request; its third 500 ejects it.
    const first = await hits(port(), 6);
    expect(first).toEqual({ '500': 3, b: 3 });
    expect(engine.status()[0]!.health?.find((h) => h.target === a!.url)?.state).toBe('ejected');
    const ejected = await hits(port(), 10);
    expect(ejected).toEqual({ b: 10 });
    engine.log.flush();
    const trace = engine.log.page(0, 100).flatMap((e) => e.trace.map((s) => s.text));
    expect(trace.some((t) => /instance .* ejected for 600 ms after 3 failures in a row/.test(t))).toBe(true);
    a!.state.failing = false;
    expect(
      await until(
        () => engine.status()[0]!.health?.find((h) => h.target === a!.url)?.state === 'healthy',
        2000,
      ),
    ).toBe(true);
    const back = await hits(port(), 10);
    expect(back['a']).toBeGreaterThan(0);
  });

  it('closes the pools of targets no route uses after an apply', async () => {
    const [a, b] = await Promise.all(['a', 'b'].map(checkedUpstream));
    const { engine, port } = await startEngine({
      gateways: [{ name: 'g', port: 0, routes: { r: { targets: [a!.url, b!.url] } } }],
    });
    cleanup.push(() => engine.stop(500));
    await hits(port(), 4);
    const open = () => new Promise<number>((resolve) => a!.server.getConnections((_e, n) => resolve(n)));
    expect(await open()).toBeGreaterThan(0);
    await applyConfig(engine, { gateways: [{ name: 'g', port: 0, routes: { r: { targets: [b!.url] } } }] });
    const end = Date.now() + 2000;
    while ((await open()) > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 50));
    expect(await open()).toBe(0);
  });
});
