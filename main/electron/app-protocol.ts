import path from 'node:path';
import { APP_HOST, APP_SCHEME } from './security.js';

/**
 * Maps an app:// URL to a file inside the built renderer, or undefined when it would leave it
 * (`..`, encoded or not, absolute paths, another host). Unknown paths without an extension get
 * index.html, since the UI routes itself.
 */
export function resolveAppPath(root: string, url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== `${APP_SCHEME}:` || u.host !== APP_HOST) return undefined;
  let pathname: string;
  try {
    pathname = decodeURIComponent(u.pathname);
  } catch {
    return undefined;
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return undefined;
  const base = path.resolve(root);
  const file = path.resolve(base, `.${pathname}`);
  if (file !== base && !file.startsWith(base + path.sep)) return undefined;
  return path.extname(file) ? file : path.join(base, 'index.html');
}

export { MIME_TYPES } from '../../shared/mime-types.js';
