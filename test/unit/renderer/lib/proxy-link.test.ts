import { describe, expect, it } from 'vitest';
import type { AppInfo } from '../../../../shared/api/contract.js';
import { proxyLink } from '../../../../renderer/src/lib/proxy-link.js';

const headless: AppInfo = { mode: 'headless', version: '0', settingsEditable: false };
const desktop: AppInfo = {
  mode: 'desktop',
  version: '0',
  settingsEditable: true,
  controlUrl: 'http://127.0.0.1:7701',
};

describe('"Open through" links', () => {
  it('are paths on the control server that serves the page, in a browser', () => {
    expect(proxyLink(headless, 'shop', 'v 2', '/cart?x=1')).toBe(
      '/proxy/gateways/shop/routes/v%202/cart?x=1',
    );
    expect(proxyLink(undefined, 'shop', 'a', '/')).toBe('/proxy/gateways/shop/routes/a/');
  });

  it("are the control server's absolute URL in the desktop app (whose page is app://), none while it is off", () => {
    expect(proxyLink(desktop, 'shop', 'a', '/x')).toBe(
      'http://127.0.0.1:7701/proxy/gateways/shop/routes/a/x',
    );
    expect(proxyLink({ ...desktop, controlUrl: undefined }, 'shop', 'a', '/x')).toBeUndefined();
  });
});
