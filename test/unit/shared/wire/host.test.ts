import { describe, expect, it } from 'vitest';
import {
  bareHost,
  hostPort,
  httpOrigin,
  loopbackFor,
  targetHostPort,
  urlHost,
} from '../../../../shared/wire/host.js';
import { portOf, SCHEME_PORTS } from '../../../../shared/wire/ports.js';

describe('host formatting', () => {
  it('brackets an IPv6 address before a port, once', () => {
    expect(urlHost('::1')).toBe('[::1]');
    expect(urlHost('[::1]')).toBe('[::1]');
    expect(urlHost('127.0.0.1')).toBe('127.0.0.1');
    expect(urlHost('localhost')).toBe('localhost');
    expect(hostPort('::1', 8080)).toBe('[::1]:8080');
    expect(hostPort('fe80::1', '80')).toBe('[fe80::1]:80');
    expect(httpOrigin('::', 7700)).toBe('http://[::]:7700');
    expect(httpOrigin('127.0.0.1', 0)).toBe('http://127.0.0.1:0');
  });

  it('takes the brackets off where an address alone is meant', () => {
    expect(bareHost('[::1]')).toBe('::1');
    expect(bareHost('::1')).toBe('::1');
    expect(bareHost('example.com')).toBe('example.com');
  });

  it("writes a target's port, the scheme's when the URL names none", () => {
    expect(targetHostPort('http://127.0.0.1:3000')).toBe('127.0.0.1:3000');
    expect(targetHostPort('http://example.com')).toBe('example.com:80');
    expect(targetHostPort('https://example.com/base')).toBe('example.com:443');
    expect(targetHostPort('https://[::1]')).toBe('[::1]:443');
    expect(targetHostPort('http://[::1]:8080')).toBe('[::1]:8080');
    expect(portOf(new URL('https://x'))).toBe(SCHEME_PORTS['https:']);
    expect(portOf(new URL('ftp://x'))).toBeUndefined();
  });

  it('reaches a listener over the loopback address of its family', () => {
    expect(loopbackFor('0.0.0.0')).toBe('127.0.0.1');
    expect(loopbackFor('127.0.0.1')).toBe('127.0.0.1');
    expect(loopbackFor('::')).toBe('::1');
    expect(loopbackFor('[::1]')).toBe('::1');
  });
});
