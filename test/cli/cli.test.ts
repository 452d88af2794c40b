import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import { eventually, request } from '../helpers/client.js';
import { startUpstream, type Upstream } from '../helpers/upstream.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/switchyard.js');

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist/main/cli/index.js')))
    throw new Error('the CLI is not built: run `npm run build` first (npm test does)');
});

const cleanup = cleanupAfterEach();

interface Running {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
}

function run(args: string[], cwd = ROOT): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanup.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  return { child, out: () => out, err: () => err, exited };
}

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-cli-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function upstream(name: string): Promise<Upstream> {
  const u = await startUpstream(name);
  cleanup.push(() => u.close());
  return u;
}

const listeningPort = (text: string, gateway: string) => {
  const m = new RegExp(`gateway '${gateway}' listening on http://127\\.0\\.0\\.1:(\\d+)`).exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('switchyard validate', () => {
  it('prints a one-line summary and exits 0 for a valid file', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'ok.yaml');
    await writeFile(
      file,
      'name: shop\nport: 8080/http\nroutes:\n  "[127.0.0.1:3001]": { weight: 90% }\n  "[127.0.0.1:3002]": { weight: 10% }\n',
    );
    const r = run(['validate', file]);
    expect(await r.exited).toBe(0);
    expect(r.out()).toBe(`${file}: valid: 1 gateway, 2 routes: shop (:8080)\n`);
  });

  it('prints every problem with its line and exits 1', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'bad.yaml');
    await writeFile(
      file,
      'gateways:\n  - name: shop\n    port: 8080\n    routes:\n      a: { targets: [127.0.0.1:1], weight: 33% }\n      b: { targets: [127.0.0.1:2], weight: 33%, condition: "user-agent Firefox" }\n      c: { targets: [127.0.0.1:3], weight: 33% }\n',
    );
    const r = run(['validate', file]);
    expect(await r.exited).toBe(1);
    expect(r.err()).toContain(`${file}:6: gateway 'shop': route 'b': condition: expected an operator`);
    expect(r.err()).toContain(
      `${file}:4: gateway 'shop': route weights total 99%; they must total 100% (a three-way split is 34/33/33)`,
    );
    expect(r.err()).toContain('2 problems; the configuration is not valid');
  });

  it('reads the top-level conditions: and resolves the routes that name them; an unknown name is a problem', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'named.yaml');
    const text =
      'conditions:\n  beta: has cookie beta\n  ff: user-agent == Firefox\ngateways:\n  - name: shop\n    port: 8080\n    routes:\n      a: { targets: [127.0.0.1:1], weight: 100% }\n      b: { targets: [127.0.0.1:2], weight: 0%, condition: beta }\n';
    await writeFile(file, text);
    const ok = run(['validate', file]);
    expect(await ok.exited).toBe(0);
    expect(ok.out()).toBe(
      `${file}: valid: 1 gateway, 2 routes: shop (:8080); 2 named conditions: beta, ff\n`,
    );
    await writeFile(file, text.replace('condition: beta', 'condition: gamma'));
    const bad = run(['validate', file]);
    expect(await bad.exited).toBe(1);
    expect(bad.err()).toContain(
      `${file}:9: gateway 'shop': route 'b': condition: 'gamma' is neither a stored condition nor a condition; stored conditions: beta, ff`,
    );
  });

  it('says so when the file cannot be read', async () => {
    const r = run(['validate', '/nonexistent/switchyard.yaml']);
    expect(await r.exited).toBe(1);
    expect(r.err()).toContain('/nonexistent/switchyard.yaml: cannot read');
  });
});

describe('switchyard serve', () => {
  it('runs a config, logs each request, re-applies edits within a second, keeps running on a bad edit, stops on SIGTERM', async () => {
    const [one, two] = [await upstream('one'), await upstream('two')];
    const dir = await tempDir();
    const file = path.join(dir, 'switchyard.yaml');
    await writeFile(
      file,
      `gateways:\n  - name: app\n    port: 0\n    routes:\n      "[${one.hostPort}]": {}\n`,
    );
    const r = run(['serve', '--config', file]);
    await eventually(() => listeningPort(r.out(), 'app') !== undefined, 5000, 'the listening line');
    const port = listeningPort(r.out(), 'app')!;
    expect((await request(port, '/hello')).json()).toMatchObject({ name: 'one' });
    await eventually(
      () => /app GET \/hello -> \[127\.0\.0\.1:\d+\] 200 \d+ms/.test(r.out()),
      2000,
      'the access line',
    );

    // An editor-style save: write a new file and rename it over the old one.
    await writeFile(
      `${file}.tmp`,
      `gateways:\n  - name: app\n    port: 0\n    routes:\n      "[${two.hostPort}]": {}\n`,
    );
    await rename(`${file}.tmp`, file);
    await eventually(
      async () => (await request(port, '/')).json<{ name: string }>().name === 'two',
      3000,
      'the edit to apply',
    );
    expect(r.out()).toContain(`${file} changed; applied`);

    await writeFile(
      file,
      'gateways:\n  - name: app\n    port: 0\n    routes:\n      broken: { weight: 50% }\n',
    );
    await eventually(
      () => r.err().includes('still running the previous configuration'),
      3000,
      'the rejection',
    );
    expect(r.err()).toContain("gateway 'app': route 'broken': has no targets");
    expect((await request(port, '/')).json()).toMatchObject({ name: 'two' });

    r.child.kill('SIGTERM');
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain('switchyard: stopping');
  });

  it('writes API changes back to the file, keeping comments, without re-applying its own write', async () => {
    const [one, two] = [await upstream('one'), await upstream('two')];
    const dir = await tempDir();
    const file = path.join(dir, 'switchyard.yaml');
    const original = `# team gateways\ngateways:\n  - name: app # the web app\n    port: 0\n    routes:\n      "[${one.hostPort}]":\n        weight: 100% # current\n      "[${two.hostPort}]":\n        weight: 0% # next\n`;
    await writeFile(file, original);
    const r = run(['serve', '--config', file, '--control-port', '0']);
    await eventually(
      () => /control server on http:\/\/127\.0\.0\.1:(\d+)/.test(r.out()),
      5000,
      'the control server line',
    );
    const control = Number(/control server on http:\/\/127\.0\.0\.1:(\d+)/.exec(r.out())![1]);
    const body = {
      name: 'app',
      port: 0,
      routes: { [`[${one.hostPort}]`]: { weight: '0%' }, [`[${two.hostPort}]`]: { weight: '100%' } },
    };
    const put = await request(control, '/api/v1/gateways/app', {
      method: 'PUT',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json', host: `127.0.0.1:${control}` },
    });
    expect(put.status).toBe(200);
    const written = await readFile(file, 'utf8');
    expect(written).toBe(
      original
        .replace('weight: 100% # current', 'weight: 0% # current')
        .replace('weight: 0% # next', 'weight: 100% # next'),
    );
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect(r.out()).not.toContain('changed; applied');
    const port = listeningPort(r.out(), 'app')!;
    expect((await request(port, '/')).json()).toMatchObject({ name: 'two' });
  });

  it('prints JSON access lines with --log json', async () => {
    const one = await upstream('one');
    const dir = await tempDir();
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, `name: app\nport: 0\nroutes:\n  "[${one.hostPort}]": {}\n`);
    const r = run(['serve', '--config', file, '--log', 'json']);
    await eventually(() => listeningPort(r.out(), 'app') !== undefined, 5000, 'the listening line');
    await request(listeningPort(r.out(), 'app')!, '/j');
    await eventually(() => r.out().includes('"path":"/j"'), 2000, 'the JSON line');
    const line = r
      .out()
      .split('\n')
      .find((l) => l.startsWith('{'))!;
    expect(JSON.parse(line)).toMatchObject({ gateway: 'app', method: 'GET', path: '/j', status: 200 });
  });

  it('refuses to start with an invalid config, naming the problem', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'bad.yaml');
    await writeFile(file, 'name: app\nport: 0\nsticky: sometimes\n');
    const r = run(['serve', '--config', file]);
    expect(await r.exited).toBe(1);
    expect(r.err()).toContain(`${file}:3: gateway 'app': sticky:`);
    expect(r.err()).toContain('nothing was started');
  });

  it('with no config starts the demo: blue and green split 80/20', async () => {
    const dir = await tempDir();
    const r = run(['serve', '--demo-port', '0'], dir);
    await eventually(() => listeningPort(r.out(), 'demo') !== undefined, 5000, 'the demo listening line');
    expect(r.out()).toContain('running the demo');
    expect(r.out()).toMatch(/gateway 'demo' listening on .* \(blue 80%, green 20%\)/);
    const port = listeningPort(r.out(), 'demo')!;
    const seen: Record<string, number> = {};
    for (let i = 0; i < 100; i++) {
      const name = (await request(port, '/', { headers: { accept: 'application/json' } })).json<{
        service: string;
      }>().service;
      seen[name] = (seen[name] ?? 0) + 1;
    }
    expect(seen.blue! + seen.green!).toBe(100);
    expect(seen.green).toBeGreaterThan(5);
    expect(seen.green).toBeLessThan(40);
    const page = await request(port, '/');
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toMatch(/<h1[^>]*>(blue|green)<\/h1>/);
  });
});

describe('switchyard export and import', () => {
  it('exports to nginx, HAProxy and the Gateway API with warnings on stderr, and refuses an unknown format', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'shop.yaml');
    await writeFile(
      file,
      'name: shop\nport: 8080\nsticky: route\nroutes:\n  "[127.0.0.1:3001]": { weight: 90% }\n  "[127.0.0.1:3002]": { weight: 10% }\n',
    );
    for (const [format, marker] of [
      ['nginx', 'split_clients'],
      ['haproxy', 'use_backend'],
      ['gateway-api', 'kind: HTTPRoute'],
    ] as const) {
      const r = run(['export', '--format', format, '--config', file]);
      expect(await r.exited).toBe(0);
      expect(r.out()).toMatch(
        new RegExp(
          `^# Exported by Switchyard \\S+ \\(${format}\\) from ${file.replace(/[.]/g, '\\.')}: gateways shop\\.`,
        ),
      );
      expect(r.out()).toContain(marker);
      if (format === 'gateway-api')
        expect(r.err()).toContain("warning: gateway 'shop': sticky route has no counterpart");
    }
    const bad = run(['export', '--format', 'apache', '--config', file]);
    expect(await bad.exited).toBe(1);
    expect(bad.err()).toContain("unknown format 'apache'; choose nginx, haproxy, gateway-api");
  });

  it('exports one chosen gateway with the shared port its virtual hosts are served on', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'hosts.yaml');
    await writeFile(
      file,
      'listeners: {http: 8000}\ngateways:\n  - name: shop\n    virtual_hosts: [shop.localhost]\n    routes: { web: { target: "http://127.0.0.1:3001" } }\n  - name: other\n    port: 8081\n    routes: { web: { target: "http://127.0.0.1:3002" } }\n',
    );
    const r = run(['export', '--format', 'nginx', '--config', file, '--gateway', 'shop']);
    expect(await r.exited).toBe(0);
    expect(r.out()).toMatch(/listen 127\.0\.0\.1:8000;/);
    expect(r.out()).toContain('server_name shop.localhost;');
    expect(r.out()).not.toContain('8081');
  });

  it('imports Vamp gateways, asking for the targets of deployment routes', async () => {
    const dir = await tempDir();
    const file = path.join(dir, 'sava.yaml');
    await writeFile(
      file,
      '---\nname: sava\nport: 9070/http\nkind: gateway\nroutes:\n  sava:1.0/sava/port:\n    weight: 90%\n  sava:1.1/sava/port:\n    weight: 10%\n',
    );
    const missing = run(['import', '--from', 'vamp', file]);
    expect(await missing.exited).toBe(1);
    expect(missing.err()).toContain("route 'sava:1.0/sava/port' names a Vamp deployment and needs a target");
    const done = run([
      'import',
      '--from',
      'vamp',
      file,
      '--target',
      'sava:1.0/sava/port=http://127.0.0.1:3001',
      '--target',
      'sava:1.1/sava/port=http://127.0.0.1:3002',
      '--target',
      'sava:1.1/sava/port=http://127.0.0.1:3003',
    ]);
    expect(await done.exited).toBe(0);
    expect(done.err()).toContain("Vamp's kind describes its deployment and is dropped");
    // --target twice for one route: both are its instances.
    expect(done.out()).toMatch(/- http:\/\/127\.0\.0\.1:3002\n\s+- http:\/\/127\.0\.0\.1:3003/);
    const out = path.join(dir, 'imported.yaml');
    await writeFile(out, done.out());
    const validated = run(['validate', out]);
    expect(await validated.exited).toBe(0);
    expect(validated.out()).toContain('valid: 1 gateway, 2 routes: sava (:9070)');
  });

  it('serves an AILERON configuration as it is, and imports it as Switchyard YAML', async () => {
    const local = await upstream('local');
    const dir = await tempDir();
    const file = path.join(dir, 'aileron.yaml');
    await writeFile(
      file,
      `apiVersion: core/v1\nkind: Entrypoint\nspec:\n  runners:\n    - apiVersion: core/v1\n      kind: HTTPServer\n---\napiVersion: core/v1\nkind: HTTPServer\nspec:\n  addr: ":0"\n  virtualHosts:\n    - handlers:\n        - handler:\n            apiVersion: core/v1\n            kind: ReverseProxyHandler\n---\napiVersion: core/v1\nkind: ReverseProxyHandler\nspec:\n  loadBalancers:\n    - pathMatcher:\n        match: "/"\n        matchType: Prefix\n      upstreams:\n        - url: ${local.url}\n`,
    );
    const printed = run(['import', '--from', 'aileron', file]);
    expect(await printed.exited).toBe(0);
    expect(printed.out()).toContain('no_route_status: 404');
    const r = run(['serve', '--config', file, '--no-control']);
    await eventually(() => listeningPort(r.out(), 'aileron') !== undefined, 5000, 'the listening line');
    expect(r.out()).toContain('is an AILERON configuration; running its Switchyard equivalent');
    expect((await request(listeningPort(r.out(), 'aileron')!, '/get')).json()).toMatchObject({
      name: 'local',
      url: '/get',
    });
  });

  it('imports a HAR file into the log of a running switchyard, and replays it through a gateway', async () => {
    const one = await upstream('one');
    const dir = await tempDir();
    const file = path.join(dir, 'c.yaml');
    await writeFile(file, `name: app\nport: 0\nroutes:\n  "[${one.hostPort}]": {}\n`);
    const r = run(['serve', '--config', file, '--control-port', '0', '--log', 'none']);
    await eventually(
      () => /control server on (http:\/\/127\.0\.0\.1:\d+)/.test(r.out()),
      5000,
      'the control server line',
    );
    const control = /control server on (http:\/\/127\.0\.0\.1:\d+)/.exec(r.out())![1]!;
    const har = {
      log: {
        version: '1.2',
        creator: { name: 'test', version: '1' },
        entries: [1, 2, 3].map((i) => ({
          startedDateTime: new Date(1_700_000_000_000 + i).toISOString(),
          time: 5,
          request: {
            method: i === 3 ? 'POST' : 'GET',
            url: `http://example.test/captured/${i}?q=${i}`,
            headers: [
              { name: 'X-Test', value: String(i) },
              { name: 'Host', value: 'example.test' },
            ],
            ...(i === 3 ? { postData: { mimeType: 'text/plain', text: 'hello' } } : {}),
          },
          response: { status: 201, headers: [], content: { size: 2, mimeType: 'text/plain', text: 'ok' } },
        })),
      },
    };
    const harFile = path.join(dir, 'session.har');
    await writeFile(harFile, JSON.stringify(har));
    const imported = run(['import', '--from', 'har', harFile, '--control', control]);
    expect(await imported.exited).toBe(0);
    expect(imported.out()).toContain('imported 3 requests into the log');
    const port = Number(new URL(control).port);
    const log = (await request(port, '/api/v1/log', { headers: { host: `127.0.0.1:${port}` } })).json<{
      entries: { path: string; status: number; gateway: string }[];
    }>();
    expect(log.entries.map((e) => [e.gateway, e.path, e.status])).toEqual([
      ['imported', '/captured/1?q=1', 201],
      ['imported', '/captured/2?q=2', 201],
      ['imported', '/captured/3?q=3', 201],
    ]);
    const replayed = run(['replay', harFile, '--gateway', 'app', '--rate', '50', '--control', control]);
    expect(await replayed.exited).toBe(0);
    expect(replayed.out()).toMatch(
      /replayed 3 requests through 'app': \[127\.0\.0\.1:\d+\] 3; statuses 200×3/,
    );
    expect(one.requests.map((x) => `${x.method} ${x.url} ${x.headers['x-test']}`)).toEqual([
      'GET /captured/1?q=1 1',
      'GET /captured/2?q=2 2',
      'POST /captured/3?q=3 3',
    ]);
    const refused = run(['replay', harFile, '--gateway', 'nope', '--control', control]);
    expect(await refused.exited).toBe(1);
    expect(refused.err()).toContain("there is no gateway 'nope'");
  });
});

describe('switchyard compare', () => {
  const har = JSON.stringify({
    log: {
      version: '1.2',
      entries: ['/items/1', '/items/2', '/items/3'].map((p) => ({
        request: { method: 'GET', url: `http://example.test${p}`, headers: [] },
        response: { status: 200, headers: [], content: { text: '' } },
      })),
    },
  });

  async function setup(changed: boolean) {
    const answer = (name: string, change: boolean) =>
      startUpstream(name, (req, res) => {
        req.resume();
        const id = Number(/\/items\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id, price: change && id === 2 ? 12 : 10 }));
      });
    const stable = await answer('stable', false);
    const candidate = await answer('candidate', changed);
    cleanup.push(() => stable.close());
    cleanup.push(() => candidate.close());
    const dir = await tempDir();
    const config = path.join(dir, 'switchyard.yaml');
    await writeFile(
      config,
      `name: shop\nport: 0\nroutes:\n  stable: { target: "${stable.url}", weight: 100% }\n  candidate: { target: "${candidate.url}", weight: 0% }\n`,
    );
    const harFile = path.join(dir, 'session.har');
    await writeFile(harFile, har);
    return { config, harFile };
  }

  it('exits 0 when both routes answer the same', async () => {
    const { config, harFile } = await setup(false);
    const r = run([
      'compare',
      harFile,
      '--gateway',
      'shop',
      '--routes',
      'stable,candidate',
      '--config',
      config,
    ]);
    expect(await r.exited).toBe(0);
    expect(r.out()).toContain(
      "compare 'shop': stable vs candidate: 3 requests, 3 same, 0 different, 0 errors",
    );
    expect(r.out()).toContain('GET /items/{id}  (3: 3 same, 0 different, 0 errors)');
    expect(r.out()).toContain('PASS');
  });

  it('exits 1 with the difference by shape and path when one route changed, in text, JSON and JUnit', async () => {
    const { config, harFile } = await setup(true);
    const args = [
      'compare',
      harFile,
      '--gateway',
      'shop',
      '--routes',
      'stable,candidate',
      '--config',
      config,
    ];
    const text = run(args);
    expect(await text.exited).toBe(1);
    expect(text.out()).toContain('GET /items/{id}  (3: 2 same, 1 different, 0 errors)');
    expect(text.out()).toContain('GET /items/2: 200 vs 200');
    expect(text.out()).toContain('body:$.price changed: 10 -> 12');
    expect(text.out()).toContain('FAIL');

    const json = run([...args, '--format', 'json']);
    expect(await json.exited).toBe(1);
    const report = JSON.parse(json.out()) as {
      different: number;
      shapes: { cases: { differences: unknown[] }[] }[];
    };
    expect(report.different).toBe(1);

    const junit = run([...args, '--format', 'junit']);
    expect(await junit.exited).toBe(1);
    expect(XMLValidator.validate(junit.out())).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(junit.out()) as {
      testsuites: { failures: string; testsuite: { testcase: { failure?: { '#text': string } }[] } };
    };
    expect(doc.testsuites.failures).toBe('1');
    const failure = doc.testsuites.testsuite.testcase.find((c) => c.failure)!.failure!;
    expect(failure['#text']).toContain('body:$.price changed: 10 -> 12');

    // With the difference ignored, it passes.
    const ignored = run([...args, '--ignore', 'body:$.price']);
    expect(await ignored.exited).toBe(0);
  });

  it('compares through a running switchyard, and exits 2 when it cannot run', async () => {
    const { config, harFile } = await setup(true);
    const r = run(['serve', '--config', config, '--control-port', '0', '--log', 'none']);
    await eventually(() => /control server on (http:\/\/127\.0\.0\.1:\d+)/.test(r.out()), 5000, 'control');
    const control = /control server on (http:\/\/127\.0\.0\.1:\d+)/.exec(r.out())![1]!;
    const c = run([
      'compare',
      harFile,
      '--gateway',
      'shop',
      '--routes',
      'stable,candidate',
      '--control',
      control,
    ]);
    expect(await c.exited).toBe(1);
    expect(c.out()).toContain('body:$.price changed: 10 -> 12');
    const bad = run([
      'compare',
      harFile,
      '--gateway',
      'shop',
      '--routes',
      'stable,nope',
      '--control',
      control,
    ]);
    expect(await bad.exited).toBe(2);
    expect(bad.err()).toContain("no route 'nope'");
  });
});
