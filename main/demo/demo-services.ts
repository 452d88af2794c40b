import { http } from '../node-http.js';
import type { AddressInfo } from 'node:net';
import { httpOrigin } from '../../shared/wire/host.js';
import { DEMO_PORTS } from '../../shared/wire/ports.js';

/**
 * The embedded demo: two tiny services, blue and green, each answering with a small page (or JSON when
 * asked) that says which one answered, so the first run shows a split at once.
 */
export interface DemoService {
  name: string;
  url: string;
  close(): Promise<void>;
}

const COLORS: Record<string, string> = { blue: '#2563eb', green: '#16a34a' };

/** Listens on `port` when it is free (the desktop app keeps its demo on stable ports), else on any free port. */
export async function startDemoService(name: string, host = '127.0.0.1', port = 0): Promise<DemoService> {
  let served = 0;
  const server = http.createServer((req, res) => {
    served++;
    const body = {
      service: name,
      served,
      method: req.method,
      path: req.url,
      forwardedFor: req.headers['x-forwarded-for'] ?? null,
    };
    if ((req.headers.accept ?? '').includes('application/json') || req.url?.startsWith('/api')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body) + '\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(page(name, served));
  });
  await new Promise<void>((resolve, reject) => {
    const retryAnywhere = () => server.listen(0, host, resolve);
    server.once('error', (err: Error & { code?: string }) =>
      err.code === 'EADDRINUSE' && port !== 0 ? retryAnywhere() : reject(err),
    );
    server.listen(port, host, resolve);
  });
  const bound = (server.address() as AddressInfo).port;
  return {
    name,
    url: httpOrigin(host, bound),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function page(name: string, served: number): string {
  const color = COLORS[name] ?? '#444';
  return `<!doctype html><html><head><meta charset="utf-8"><title>${name}</title></head>
<body style="font-family:system-ui,sans-serif;background:${color};color:#fff;display:grid;place-items:center;height:100vh;margin:0">
<main style="text-align:center"><h1 style="font-size:4rem;margin:0">${name}</h1>
<p>This answer came from the <b>${name}</b> demo service (request ${served}). Reload to see the split.</p></main></body></html>\n`;
}

/** The demo gateway: `demo` on `port`, 80% blue and 20% green. */
export function demoConfig(
  blue: string,
  green: string,
  port: number = DEMO_PORTS.gateway,
  shared: { http: number; https?: number | undefined } = { http: DEMO_PORTS.http },
): string {
  const named = shared.http ? ` or http://demo.localhost:${shared.http}/` : '';
  const https = shared.https === undefined ? '' : `\n  https: ${shared.https}`;
  return `# Switchyard demo: reload http://127.0.0.1:${port}/${named} a few times and watch the split.
listeners:
  http: ${shared.http}${https}
gateways:
  - name: demo
    port: ${port}
    virtual_hosts: [demo.localhost]
    routes:
      blue:
        targets: [${blue}]
        weight: 80%
      green:
        targets: [${green}]
        weight: 20%
`;
}
