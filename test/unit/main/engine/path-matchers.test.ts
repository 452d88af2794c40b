import { describe, expect, it } from 'vitest';
import { compilePathMatchers } from '../../../../main/engine/path-matchers.js';
import type { PathMatcher, PathMatchType } from '../../../../shared/config/model.js';

/**
 * Cases from AILERON's own tests (aileron-gateway core/httpproxy/matcher_internal_test.go, TestNewMatcher):
 * which paths each matchType matches, with and without trimPrefix, and that the forwarded path has the
 * trimmed prefix removed and the appended prefix in front.
 */
const TRIM = '/trim/me';
const APPEND = '/append/me';
const cases: [string, PathMatchType, string, string[], string[]][] = [
  ['exact', 'exact', '/test', ['/test'], ['', '/', '/te', '/test/path']],
  ['prefix', 'prefix', '/test', ['/test', '/test/path'], ['', '/', '/te']],
  ['suffix', 'suffix', '/test', ['/test', '/path/test'], ['', '/', '/test/path']],
  ['contains', 'contains', '/test', ['/test', '/test/path', '/foo/test/bar'], ['', '/', 'test', '/path']],
  ['path', 'path', '/*/test', ['/foo/test', '/bar/test'], ['', '/', '/test', '/test/baz']],
  ['file_path', 'file_path', '/*/test', ['/foo/test', '/bar/test'], ['', '/', '/test', '/test/baz']],
  ['regex', 'regex', '^/test/(foo|bar)$', ['/test/foo', '/test/bar'], ['', '/', '/test', '/test/baz']],
  ['regex_posix', 'regex_posix', '^/test/(foo|bar)$', ['/test/foo', '/test/bar'], ['', '/', '/test']],
];

const run = (m: PathMatcher, path: string) => compilePathMatchers([m])(path);

describe('AILERON path matchers', () => {
  it.each(cases)('%s', (_name, type, match, yes, no) => {
    for (const p of yes) expect(run({ type, match }, p)).toBe(p);
    for (const p of no) expect(run({ type, match }, p)).toBeUndefined();
  });

  it.each(cases)(
    '%s with trimPrefix: trimmed when present, matched either way',
    (_name, type, match, yes) => {
      for (const p of yes) {
        expect(run({ type, match, trimPrefix: TRIM }, p)).toBe(p);
        if (type !== 'path' && type !== 'file_path' && !match.startsWith('^'))
          expect(run({ type, match, trimPrefix: TRIM }, TRIM + p)).toBe(p);
      }
      expect(run({ type, match, trimPrefix: TRIM }, TRIM)).toBeUndefined();
      expect(run({ type, match, trimPrefix: TRIM }, `${TRIM}/`)).toBeUndefined();
    },
  );

  it.each(cases)('%s with appendPrefix', (_name, type, match, yes) => {
    for (const p of yes) expect(run({ type, match, appendPrefix: APPEND }, p)).toBe(APPEND + p);
  });

  it('regex rewrite expands every match with Go syntax, then appends', () => {
    const m: PathMatcher = {
      type: 'regex',
      match: '^/users/(?P<id>[0-9]+)$',
      rewrite: '/people/${id}/$1x/${1}',
      appendPrefix: '/v1',
    };
    // `$1x` names the group "1x", which does not exist: empty, as Go's Expand does.
    expect(run(m, '/users/42')).toBe('/v1/people/42//42');
    expect(run({ type: 'regex', match: '[a-z]+', rewrite: '<$0>' }, '/ab/cd')).toBe('<ab><cd>');
  });

  it('the first matcher that matches decides, each with its own prefixes', () => {
    const f = compilePathMatchers([
      { type: 'prefix', match: '/a', trimPrefix: '/x', appendPrefix: '/one' },
      { type: 'prefix', match: '/b', trimPrefix: '/y', appendPrefix: '/two' },
    ]);
    expect(f('/x/a/1')).toBe('/one/a/1');
    expect(f('/y/b/1')).toBe('/two/b/1');
    expect(f('/b/1')).toBe('/two/b/1');
    expect(f('/c')).toBeUndefined();
  });
});
