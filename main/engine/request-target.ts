/**
 * Checks that a request target is an origin-form path and normalises it for routing, so that a `/api`
 * prefix never matches `/api/../admin`: percent-encoded unreserved characters are decoded, other escapes
 * upper-cased, and dot segments removed (RFC 3986 sections 6.2.2 and 5.2.4).
 */
export type RequestTarget = { path: string; search: string } | { error: string };

export function parseRequestTarget(url: string): RequestTarget {
  if (!url.startsWith('/')) {
    return {
      error:
        url === '*'
          ? 'asterisk-form targets are not proxied'
          : `request target ${JSON.stringify(url.slice(0, 80))} is not a path (absolute-form is not accepted by a reverse proxy)`,
    };
  }
  if (url.startsWith('//')) return { error: 'request target starts with "//", which would name a host' };
  const q = url.indexOf('?');
  const rawPath = q < 0 ? url : url.slice(0, q);
  const search = q < 0 ? '' : url.slice(q);
  if (rawPath.includes('\\') || /%5c/i.test(rawPath)) return { error: 'request path contains a backslash' };
  if (/%(?![0-9a-f]{2})/i.test(rawPath)) return { error: 'request path contains a malformed percent escape' };
  const path = removeDotSegments(decodeUnreserved(rawPath));
  if (path.startsWith('//')) return { error: 'request path resolves to "//", which would name a host' };
  return { path, search };
}

function decodeUnreserved(path: string): string {
  if (!path.includes('%')) return path;
  return path.replace(/%([0-9a-f]{2})/gi, (m, hex: string) => {
    const ch = String.fromCharCode(parseInt(hex, 16));
    return /[A-Za-z0-9\-._~]/.test(ch) ? ch : m.toUpperCase();
  });
}

function removeDotSegments(path: string): string {
  if (!path.includes('.')) return path;
  const out: string[] = [];
  const segments = path.split('/');
  segments.forEach((seg, i) => {
    const last = i === segments.length - 1;
    if (seg === '.' || seg === '..') {
      if (seg === '..' && out.length > 1) out.pop();
      if (last) out.push('');
    } else out.push(seg);
  });
  const joined = out.join('/');
  return joined.startsWith('/') ? joined : `/${joined}`;
}
