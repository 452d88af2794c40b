import type { MockResponse } from '../../shared/config/model.js';
import type { VirtualHost } from './virtual-hosts.js';

/**
 * The answer to a request on a shared port whose Host no gateway claims: 404, with the names that are
 * served and their URLs (a page for browsers, plain text otherwise), so a typo is one click from fixed.
 */
export function unknownHostPage(
  host: string | undefined,
  known: (VirtualHost & { url: string | undefined })[],
  accept: string | undefined,
): MockResponse {
  const asked = host ? `'${host}'` : 'no host';
  const heading = `No gateway answers to ${asked} here`;
  if (accept?.includes('text/html')) {
    const items = known.map(
      (v) =>
        `<li>${v.url ? `<a href="${escape(v.url)}">${escape(v.url)}</a>` : escape(v.name)} &mdash; gateway ${escape(v.gateway)}</li>`,
    );
    const list = items.length ? `<ul>${items.join('')}</ul>` : '<p>No gateway has virtual hosts yet.</p>';
    const body = `<!doctype html><html><head><meta charset="utf-8"><title>404 Not Found</title></head><body><h1>${escape(heading)}</h1><p>Known virtual hosts:</p>${list}</body></html>\n`;
    return {
      status: 404,
      headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' },
      body,
    };
  }
  const lines = known.map((v) => `  ${v.url ?? v.name}  (gateway ${v.gateway})`);
  const body = `404 Not Found\n${heading}. Known virtual hosts:\n${lines.join('\n') || '  (none)'}\n`;
  return {
    status: 404,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
    body,
  };
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
