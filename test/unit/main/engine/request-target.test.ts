import { describe, expect, it } from 'vitest';
import { parseRequestTarget } from '../../../../main/engine/request-target.js';

describe('parseRequestTarget', () => {
  it.each([
    ['/api/users?x=1', '/api/users', '?x=1'],
    ['/api/../admin', '/admin', ''],
    ['/api/%2e%2e/admin', '/admin', ''],
    ['/api/%2E%2e/%2e/admin/', '/admin/', ''],
    ['/a/./b/.', '/a/b/', ''],
    ['/../../etc/passwd', '/etc/passwd', ''],
    ['/%61pi/%7e/%2f', '/api/~/%2F', ''],
    ['/', '/', ''],
  ])('%s -> %s', (url, path, search) => {
    expect(parseRequestTarget(url)).toEqual({ path, search });
  });

  it.each([
    ['http://evil.test/', /absolute-form/],
    ['//evil.test/x', /"\/\/"/],
    ['/a\\b', /backslash/],
    ['/a%5cb', /backslash/],
    ['*', /asterisk-form/],
    ['/a%zz', /malformed percent escape/],
    ['/x/..//evil.test', /resolves to "\/\/"/],
  ])('rejects %s', (url, message) => {
    const r = parseRequestTarget(url);
    expect('error' in r && r.error).toMatch(message);
  });
});
