import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveAppPath } from '../../../../main/electron/app-protocol.js';

const ROOT = path.resolve('/opt/switchyard/renderer');

describe('app:// path resolver', () => {
  it.each([
    ['app://switchyard/index.html', path.join(ROOT, 'index.html')],
    ['app://switchyard/assets/index-abc.js', path.join(ROOT, 'assets/index-abc.js')],
    ['app://switchyard/gateways/shop', path.join(ROOT, 'index.html')],
    ['app://switchyard/', path.join(ROOT, 'index.html')],
  ])('%s -> %s', (url, file) => {
    expect(resolveAppPath(ROOT, url)).toBe(file);
  });

  it.each([
    'app://switchyard/..%2F..%2Fetc%2Fpasswd',
    'app://switchyard/%2E%2E%5C%2E%2E%5Cwindows%5Cwin.ini',
    'app://switchyard/a%00.js',
    'app://evil/index.html',
    'file:///etc/passwd',
    'https://switchyard/index.html',
    'app://switchyard/%E0%A4%A',
  ])('refuses %s', (url) => {
    expect(resolveAppPath(ROOT, url)).toBeUndefined();
  });

  it.each(['app://switchyard/../../etc/passwd', 'app://switchyard/%2e%2e/%2e%2e/etc/passwd'])(
    'keeps %s inside the root',
    (url) => {
      const file = resolveAppPath(ROOT, url);
      expect(file === undefined || file.startsWith(ROOT + path.sep)).toBe(true);
    },
  );
});
