import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { MIME_TYPES } from '../../shared/mime-types.js';

/** The same CSP the desktop window uses: no inline or eval'd script, connections to this origin only. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

/**
 * Serves the built renderer in browser mode. Paths are resolved inside `root` (no traversal), unknown
 * paths get index.html (the UI routes itself). The page never carries the token: a browser authenticates
 * with ControlAuth's session cookie, which its stream upgrade sends by itself.
 */
export async function serveUi(req: IncomingMessage, res: ServerResponse, root: string): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD' }).end();
    return;
  }
  const pathname = decodePath(req.url ?? '/');
  if (pathname === undefined) {
    res
      .writeHead(400, { 'content-type': 'text/plain; charset=utf-8' })
      .end('the path has a malformed percent escape\n');
    return;
  }
  const file = path.resolve(root, `.${pathname}`);
  const inside = file === root || file.startsWith(root + path.sep);
  const candidates = !inside ? [] : path.extname(file) ? [file] : [path.join(root, 'index.html')];
  for (const candidate of candidates) {
    try {
      const body = await readFile(candidate);
      res.writeHead(200, {
        'content-type': MIME_TYPES[path.extname(candidate)] ?? 'application/octet-stream',
        'content-security-policy': CSP,
        'x-content-type-options': 'nosniff',
        'cache-control': candidate.endsWith('index.html') ? 'no-store' : 'max-age=3600',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    } catch {
      // fall through to 404
    }
  }
  res
    .writeHead(404, { 'content-type': 'text/plain; charset=utf-8' })
    .end(inside ? 'not found\n' : 'refused\n');
}

function decodePath(url: string): string | undefined {
  const q = url.indexOf('?');
  try {
    return decodeURIComponent(q < 0 ? url : url.slice(0, q));
  } catch {
    return undefined;
  }
}
