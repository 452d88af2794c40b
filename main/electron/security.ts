/**
 * The desktop window's security settings, as data and small pure functions so that each can be tested
 * without Electron (Electron's security checklist: isolation, sandbox, no Node in the page, a strict CSP,
 * no navigation or new windows, external links only after validation, IPC only from our own frame).
 */

/** The renderer is served from this origin by the app:// protocol handler, never from file://. */
export const APP_SCHEME = 'app';
export const APP_HOST = 'switchyard';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/** No inline or eval'd script; the page may only talk to its own origin (IPC needs no network). */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The BrowserWindow's webPreferences: nothing here is left to a default. */
export function secureWebPreferences(preload: string) {
  return {
    preload,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webviewTag: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    spellcheck: false,
  } as const;
}

/** True for URLs of the app's own pages. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Navigation away from the app is denied; in-app navigation (the UI routing itself) is allowed. */
export function allowNavigation(url: string): boolean {
  return isAppUrl(url);
}

/**
 * Links the user may open in their browser: http(s) only, with a host, without credentials. Anything
 * else (javascript:, file:, app:, custom schemes) is refused.
 */
export function externalUrl(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (!u.hostname || u.username || u.password) return undefined;
  return u.href;
}

/** What to do with window.open and target=_blank: never a new Electron window; valid links go to the browser. */
export function windowOpenDecision(url: string): { action: 'deny'; openExternally?: string } {
  const external = externalUrl(url);
  return external ? { action: 'deny', openExternally: external } : { action: 'deny' };
}

/** The parts of Electron's WebFrameMain an IPC sender check looks at. */
export interface SenderFrame {
  url: string;
  parent: SenderFrame | null;
}

/** IPC is accepted only from the app's own top-level frame: not a subframe, not another origin. */
export function isTrustedSender(frame: SenderFrame | null | undefined): boolean {
  return !!frame && frame.parent === null && isAppUrl(frame.url);
}

/**
 * The one permission the app grants: `clipboard-sanitized-write` (navigator.clipboard.writeText, used by
 * "Copy as cURL"), to the app's own top-level page only. Everything else, and any other origin or a
 * subframe, is denied. `url` is the requesting URL or origin Electron passes to the permission handlers.
 */
export const GRANTED_PERMISSIONS: readonly string[] = ['clipboard-sanitized-write'];

export function allowPermission(permission: string, url: string | undefined, isMainFrame: boolean): boolean {
  return GRANTED_PERMISSIONS.includes(permission) && isMainFrame && url !== undefined && isAppUrl(url);
}
