import { describe, expect, it } from 'vitest';
import {
  allowNavigation,
  allowPermission,
  CONTENT_SECURITY_POLICY,
  externalUrl,
  isTrustedSender,
  secureWebPreferences,
  windowOpenDecision,
} from '../../../../main/electron/security.js';

describe('window options', () => {
  it('are the secure set, nothing left to defaults', () => {
    expect(secureWebPreferences('/app/preload.cjs')).toEqual({
      preload: '/app/preload.cjs',
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
    });
  });
});

describe('Content-Security-Policy', () => {
  const directives = new Map(
    CONTENT_SECURITY_POLICY.split(';').map((d) => {
      const [name, ...values] = d.trim().split(/\s+/);
      return [name!, values] as const;
    }),
  );

  it('parses into known directives, each once', () => {
    expect([...directives.keys()].sort()).toEqual(
      [
        'base-uri',
        'connect-src',
        'default-src',
        'font-src',
        'form-action',
        'frame-ancestors',
        'img-src',
        'object-src',
        'script-src',
        'style-src',
      ].sort(),
    );
    expect(CONTENT_SECURITY_POLICY.split(';')).toHaveLength(directives.size);
  });

  it('allows only our own scripts: no eval, no inline script, no plugins, no framing', () => {
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-eval');
    for (const [name, values] of directives)
      if (name !== 'style-src') expect(values).not.toContain("'unsafe-inline'");
  });
});

describe('navigation and new windows', () => {
  it.each([
    ['app://switchyard/index.html', true],
    ['app://switchyard/gateways/shop', true],
    ['https://app.example.attacker.com', false],
    ['https://switchyard.attacker.com/', false],
    ['app://evil/index.html', false],
    ['javascript:alert(1)', false],
    ['file:///etc/passwd', false],
    ['http://127.0.0.1:7700/', false],
    ['not a url', false],
  ])('navigating to %s allowed: %s', (url, allowed) => {
    expect(allowNavigation(url)).toBe(allowed);
  });

  it.each([
    ['https://app.example.attacker.com', 'https://app.example.attacker.com/'],
    ['http://127.0.0.1:8080/x', 'http://127.0.0.1:8080/x'],
    ['javascript:alert(1)', undefined],
    ['file:///etc/passwd', undefined],
    ['app://switchyard/index.html', undefined],
    ['https://user:secret@example.com/', undefined],
    ['mailto:someone@example.com', undefined],
  ])('window.open(%s) never opens an app window; external: %s', (url, external) => {
    const decision = windowOpenDecision(url);
    expect(decision.action).toBe('deny');
    expect(decision.openExternally).toBe(external);
    expect(externalUrl(url)).toBe(external);
  });
});

describe('IPC sender check', () => {
  const app = { url: 'app://switchyard/index.html', parent: null };
  it('accepts the app top-level frame only', () => {
    expect(isTrustedSender(app)).toBe(true);
    expect(isTrustedSender({ url: 'https://attacker.example/', parent: null })).toBe(false);
    expect(isTrustedSender({ url: 'app://switchyard/frame.html', parent: app })).toBe(false);
    expect(isTrustedSender({ url: 'https://attacker.example/', parent: app })).toBe(false);
    expect(isTrustedSender(null)).toBe(false);
    expect(isTrustedSender(undefined)).toBe(false);
  });
});

describe('permissions', () => {
  it('grant clipboard writes ("Copy as cURL") to the app page itself, and nothing else', () => {
    expect(allowPermission('clipboard-sanitized-write', 'app://switchyard/index.html', true)).toBe(true);
    expect(allowPermission('clipboard-sanitized-write', 'app://switchyard', true)).toBe(true);
    expect(allowPermission('clipboard-sanitized-write', 'app://switchyard/', false)).toBe(false);
    expect(allowPermission('clipboard-sanitized-write', 'https://example.com/', true)).toBe(false);
    expect(allowPermission('clipboard-sanitized-write', 'app://other/', true)).toBe(false);
    expect(allowPermission('clipboard-sanitized-write', undefined, true)).toBe(false);
    for (const p of ['clipboard-read', 'notifications', 'media', 'openExternal', 'fullscreen', 'unknown'])
      expect(allowPermission(p, 'app://switchyard/index.html', true), p).toBe(false);
  });
});
