import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfigText } from '../../../shared/config/load.js';
import { exportConfig } from '../../../main/export/export.js';
import { eventually, request } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import { closedPort, startUpstream, type Upstream } from '../../helpers/upstream.js';

/**
 * The nginx export checked by nginx itself: `nginx -t` on every exported configuration, and a
 * differential test that runs the export on loopback against the same upstreams as Switchyard, sends
 * both the same requests, and compares where they went.
 */
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
if (!NGINX)
  console.warn("nginx export tests skipped: nginx is not installed (.ci/run installs Debian's nginx).");

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanup.length) await cleanup.pop()!();
});

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
// 400 requests per split; a 50% share has a standard deviation of 2.5 points, so 10 points between
// nginx and Switchyard (each a random draw) is about three standard deviations of their difference.
const N = 400;
const TOLERANCE = 10;

async function upstreams(...names: string[]): Promise<Upstream[]> {
  const list = await Promise.all(names.map((n) => startUpstream(n)));
  for (const u of list) cleanup.push(() => u.close());
  return list;
}

/** Writes a full nginx.conf around the exported fragment. */
async function nginxConf(fragment: string): Promise<{ dir: string; conf: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-nginx-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const conf = path.join(dir, 'nginx.conf');
  await writeFile(path.join(dir, 'switchyard.conf'), fragment);
  await writeFile(
    conf,
    `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents {}\nhttp {\n    access_log off;\n    client_body_temp_path ${dir}/body;\n    proxy_temp_path ${dir}/proxy;\n    include ${dir}/switchyard.conf;\n}\n`,
  );
  return { dir, conf };
}

function nginxTest(conf: string, dir: string): { ok: boolean; output: string } {
  const r = spawnSync(NGINX!, ['-t', '-c', conf, '-p', dir], { encoding: 'utf8' });
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}

async function runNginx(yaml: string): Promise<{ port: number; warnings: string[] }> {
  const loaded = loadConfigText(yaml);
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  const result = exportConfig(loaded.config, 'nginx', { fragment: true, version: 'test' });
  const { dir, conf } = await nginxConf(result.text);
  const checked = nginxTest(conf, dir);
  expect(checked.output).toContain('syntax is ok');
  const child: ChildProcess = spawn(NGINX!, ['-c', conf, '-p', dir], { stdio: 'ignore' });
  cleanup.push(
    () =>
      new Promise<void>((resolve) =>
        child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGQUIT')),
      ),
  );
  const port = loaded.config.gateways[0]!.port;
  await eventually(
    () =>
      new Promise<boolean>((resolve) =>
        net
          .connect(port, '127.0.0.1')
          .on('connect', function (this: net.Socket) {
            this.destroy();
            resolve(true);
          })
          .on('error', () => resolve(false)),
      ),
    5000,
    'nginx to listen',
  );
  return { port, warnings: result.warnings };
}

/** Sends n requests and counts the answering upstream's name. */
async function tally(
  port: number,
  n: number,
  headers: Record<string, string> = {},
  p = '/',
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await request(port, p, { headers });
    const name = r.status === 200 ? r.json<{ name: string }>().name : String(r.status);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

const share = (c: Record<string, number>, name: string) => ((c[name] ?? 0) / N) * 100;

async function bothWays(yaml: (port: number) => string, headers: Record<string, string> = {}) {
  const nginxPort = await closedPort();
  const nginx = await runNginx(yaml(nginxPort));
  const { engine, port } = await startEngine(yaml(0));
  cleanup.push(() => engine.stop(100));
  return {
    nginx: await tally(nginx.port, N, headers),
    switchyard: await tally(port(), N, headers),
    warnings: nginx.warnings,
  };
}

describe.skipIf(!NGINX)('the nginx export, checked by nginx', () => {
  it('passes nginx -t for every feature at once', async () => {
    const yaml = `gateways:
  - name: shop/web
    port: 18400
    sticky: route
    timeout: 2500ms
    routes:
      a: { targets: [127.0.0.1:3001, "127.0.0.1:3002"], weight: 70% }
      b:
        targets: [127.0.0.1:3003]
        weight: 30%
        condition: (user-agent == Firefox or user-agent == Safari) and has cookie beta and not header x-debug has yes
        condition_strength: 50%
        rewrites:
          - path: /v2%[path] if path starts-with /api
          - strip_prefix: /old
          - add_prefix: /base
          - replace: { regex: "/u/", with: "/users/" }
      c:
        targets: [127.0.0.1:3004]
        weight: 0%
        condition: "< hdr_sub(user-agent) -i bot > or method == POST or query debug == 1 or host == api.local or path matches '^/x/[0-9]+$'"
  - name: keyed
    port: 18401
    sticky_by: header X-User
    preserve_host: true
    routes:
      "[127.0.0.1:3005]": {}
      "[127.0.0.1:3006]": {}
`;
    const loaded = loadConfigText(yaml);
    expect(loaded.ok).toBe(true);
    if (!loaded.ok) return;
    const whole = exportConfig(loaded.config, 'nginx', { version: 'test', source: 'test.yaml' });
    expect(whole.text).toMatch(
      /^# Exported by Switchyard test \(nginx\) from test\.yaml: gateways shop\/web, keyed\./,
    );
    expect(whole.text).toContain('split_clients');
    const { dir, conf } = await nginxConf(
      exportConfig(loaded.config, 'nginx', { fragment: true, version: 'test' }).text,
    );
    const checked = nginxTest(conf, dir);
    expect(checked.output).toContain('test is successful');
    expect(whole.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('sticky_by header X-User: requests without the key share one bucket'),
      ]),
    );
  });

  it('splits by weight like Switchyard', async () => {
    const [a, b] = await upstreams('a', 'b');
    const r = await bothWays(
      (port) =>
        `name: g\nport: ${port}\nroutes:\n  "[${a!.hostPort}]": { weight: 70% }\n  "[${b!.hostPort}]": { weight: 30% }\n`,
    );
    expect(Math.abs(share(r.nginx, 'b') - share(r.switchyard, 'b'))).toBeLessThan(TOLERANCE);
    expect(Math.abs(share(r.nginx, 'b') - 30)).toBeLessThan(TOLERANCE);
  });

  it('routes by condition without strength, and with 50% strength, like Switchyard', async () => {
    const [a, b] = await upstreams('a', 'b');
    const only = (port: number) =>
      `name: g\nport: ${port}\nroutes:\n  "[${a!.hostPort}]": { weight: 100% }\n  "[${b!.hostPort}]": { weight: 0%, condition: user-agent == Firefox }\n`;
    const firefox = await bothWays(only, { 'user-agent': FIREFOX });
    expect(firefox.nginx).toEqual({ b: N });
    expect(firefox.switchyard).toEqual({ b: N });
    const chrome = await bothWays(only, { 'user-agent': CHROME });
    expect(chrome.nginx).toEqual({ a: N });
    expect(chrome.switchyard).toEqual({ a: N });
    const half = (port: number) =>
      `name: g\nport: ${port}\nroutes:\n  "[${a!.hostPort}]": { weight: 80% }\n  "[${b!.hostPort}]": { weight: 20%, condition: user-agent == Firefox, condition_strength: 50% }\n`;
    const r = await bothWays(half, { 'user-agent': FIREFOX });
    expect(Math.abs(share(r.nginx, 'b') - share(r.switchyard, 'b'))).toBeLessThan(TOLERANCE);
    expect(Math.abs(share(r.nginx, 'b') - 60)).toBeLessThan(TOLERANCE);
  });

  it('keeps a client on its route with the sticky cookie, and rewrites paths', async () => {
    const [a, b] = await upstreams('a', 'b');
    const port = await closedPort();
    const { port: p } = await runNginx(`name: g
port: ${port}
sticky: route
routes:
  a: { targets: [${a!.url}], weight: 50% }
  b:
    targets: [${b!.url}]
    weight: 50%
    rewrites:
      - path: /v2%[path] if path starts-with /api
`);
    const first = await request(p, '/api/items?x=1');
    const cookie = String(first.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
    expect(cookie).toMatch(/^sy_[a-z0-9]+=[a-z0-9]+$/);
    const name = first.json<{ name: string }>().name;
    const again = await tally(p, 30, { cookie });
    expect(again).toEqual({ [name]: 30 });
    // Route b rewrites; the override header reaches it whatever the cookie says.
    const forced = await request(p, '/api/items?x=1', { headers: { 'x-switchyard-route': 'b' } });
    expect(forced.json()).toMatchObject({ name: 'b', url: '/v2/api/items?x=1' });
    expect(b!.requests.at(-1)!.headers['x-switchyard-route']).toBeUndefined();
    expect(b!.requests.at(-1)!.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('keeps a sticky_by key on one route', async () => {
    const [a, b] = await upstreams('a', 'b');
    const port = await closedPort();
    const { port: p } = await runNginx(
      `name: g\nport: ${port}\nsticky_by: header X-User\nroutes:\n  "[${a!.hostPort}]": { weight: 50% }\n  "[${b!.hostPort}]": { weight: 50% }\n`,
    );
    const seen = new Set<string>();
    for (let user = 0; user < 20; user++) {
      const routes = await tally(p, 5, { 'x-user': `user-${user}` });
      expect(Object.keys(routes)).toHaveLength(1);
      seen.add(Object.keys(routes)[0]!);
    }
    expect(seen.size).toBe(2);
  });
});
