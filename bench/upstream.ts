import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The benchmark's upstream, in its own process: /small answers a small body, /large 1 MiB, /stream?bytes=N
 * streams N bytes, /sink consumes an upload. Bodies are preallocated so the upstream costs little.
 */
const SMALL = Buffer.from(JSON.stringify({ ok: true, service: 'bench', note: 'a small JSON body' }));
const LARGE = Buffer.alloc(1024 * 1024, 'x');
const CHUNK = Buffer.alloc(64 * 1024, 'y');

const server = http.createServer((req, res) => {
  const url = req.url ?? '/';
  if (url.startsWith('/large')) {
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': LARGE.length });
    res.end(LARGE);
  } else if (url.startsWith('/stream')) {
    let left = Number(new URL(url, 'http://x').searchParams.get('bytes') ?? 0);
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': left });
    const pump = () => {
      while (left > 0) {
        const part = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
        left -= part.length;
        if (!res.write(part)) return res.once('drain', pump);
      }
      res.end();
    };
    pump();
  } else if (url.startsWith('/sink')) {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => res.end(JSON.stringify({ received: n })));
  } else {
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': SMALL.length });
    res.end(SMALL);
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as AddressInfo).port }));
process.on('disconnect', () => process.exit(0));
