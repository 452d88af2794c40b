import type { AppInfo } from '../../../shared/api/contract.js';

/**
 * The link "Open through" gives a GET: the control server's /proxy path to one route. In a browser the
 * UI comes from the control server, so the path alone is right; in the desktop app the page is
 * app://switchyard, so the link is the control server's own URL (the app opens http links in the
 * browser), and there is none while the control server is off.
 */
export function proxyLink(
  info: AppInfo | undefined,
  gateway: string,
  route: string,
  path: string,
): string | undefined {
  const base = info?.mode === 'desktop' ? info.controlUrl : '';
  if (base === undefined) return undefined;
  return `${base}/proxy/gateways/${encodeURIComponent(gateway)}/routes/${encodeURIComponent(route)}${path}`;
}
