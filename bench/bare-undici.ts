import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Dispatcher } from 'undici';
import { Pool } from '../main/engine/undici.js';

/**
 * The floor of a Node proxy: undici's dispatch with the raw header arrays, no routing, no log, no
 * per-request objects beyond what Node and undici make. Issue 16's baseline. It loads undici's
 * dispatchers from the same files the engine does, so its memory is the floor of the engine's too.
 * Run on its own (argv: upstream port) it reports its port over IPC: `bench/startup.ts` measures its idle
 * memory that way, in a process that loads nothing else.
 */
export async function startBareUndici(upstream: string): Promise<number> {
  const pool = new Pool(upstream, { connections: 256 });
  const hopByHop = new Set([
    'connection',
    'keep-alive',
    'transfer-encoding',
    'upgrade',
    'proxy-connection',
    'te',
    'trailer',
  ]);
  const server = http.createServer((req, res) => {
    const headers: string[] = [];
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2)
      if (!hopByHop.has(raw[i]!.toLowerCase())) headers.push(raw[i]!, raw[i + 1]!);
    const hasBody =
      req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    if (!hasBody) req.resume();
    pool.dispatch(
      {
        method: req.method as Dispatcher.HttpMethod,
        path: req.url ?? '/',
        headers,
        body: hasBody ? req : null,
      },
      {
        onRequestStart() {},
        onResponseStart(controller, status, responseHeaders) {
          const out: Record<string, string | string[]> = {};
          for (const name in responseHeaders)
            if (!hopByHop.has(name)) out[name] = responseHeaders[name] as string;
          res.writeHead(status, out);
          res.on('drain', () => controller.resume());
        },
        onResponseData(controller, chunk) {
          if (!res.write(chunk)) controller.pause();
        },
        onResponseEnd() {
          res.end();
        },
        onResponseError(_controller, _err) {
          if (!res.headersSent) res.writeHead(502);
          res.end();
        },
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

if (process.argv[1] === import.meta.filename) {
  const port = await startBareUndici(`http://127.0.0.1:${Number(process.argv[2])}`);
  process.send?.({ port });
  process.on('disconnect', () => process.exit(0));
}
