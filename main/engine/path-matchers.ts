import { compileRegex, type LinearRegex } from '../../shared/conditions/regex.js';
import type { PathMatcher } from '../../shared/config/model.js';

/**
 * A route's path matchers, as AILERON's (aileron-gateway core/httpproxy/matcher.go and loadbalancer.go):
 * each matcher removes `trimPrefix` when the path starts with it (strings.TrimPrefix), matches what is
 * left, and on a match returns `appendPrefix` + the path, or, for the regex types with `rewrite`, +
 * the expansion of `rewrite` for every match (regexp.ExpandString over FindAllStringSubmatchIndex). The
 * first matcher that matches decides the forwarded path.
 */
export type PathMatch = (path: string) => string | undefined;

export function compilePathMatchers(matchers: readonly PathMatcher[]): PathMatch {
  const compiled = matchers.map(compileOne);
  return (path) => {
    for (const m of compiled) {
      const out = m(path);
      if (out !== undefined) return out;
    }
    return undefined;
  };
}

function compileOne(m: PathMatcher): PathMatch {
  const test = matchTest(m);
  const append = m.appendPrefix ?? '';
  const trim = m.trimPrefix ?? '';
  return (path) => {
    const target = trim && path.startsWith(trim) ? path.slice(trim.length) : path;
    const result = test(target);
    return result === undefined ? undefined : append + result;
  };
}

/** Returns the (possibly rewritten) path when it matches. */
function matchTest(m: PathMatcher): (target: string) => string | undefined {
  const when = (ok: (t: string) => boolean) => (t: string) => (ok(t) ? t : undefined);
  switch (m.type) {
    case 'exact':
      return when((t) => t === m.match);
    case 'prefix':
      return when((t) => t.startsWith(m.match));
    case 'suffix':
      return when((t) => t.endsWith(m.match));
    case 'contains':
      return when((t) => t.includes(m.match));
    case 'path':
    case 'file_path': {
      const re = compileRegex(`^${globToRegex(m.match)}$`);
      return when((t) => re.test(t));
    }
    // Go's CompilePOSIX prefers the leftmost-longest match; RE2JS is leftmost-first. Whether a path
    // matches is the same; which text a rewrite expands can differ (README, fidelity table).
    case 'regex':
    case 'regex_posix': {
      const re = compileRegex(m.match);
      const rewrite = m.rewrite;
      if (!rewrite) return when((t) => re.test(t));
      return (t) => {
        const all = re.execAll(t);
        if (!all.length) return undefined;
        return all.map((groups) => goExpand(rewrite, groups, re)).join('');
      };
    }
  }
}

/**
 * Go's regexp.Expand: `$1`, `${1}`, `$name`, `${name}`, `$$`; a name is the longest run of letters,
 * digits and underscores; a reference to no group expands to nothing.
 */
export function goExpand(template: string, groups: (string | undefined)[], re: LinearRegex): string {
  return template.replace(/\$(\$|\{(\w+)\}|(\w+))/g, (_m, all: string, braced?: string, bare?: string) => {
    if (all === '$') return '$';
    const name = braced ?? bare ?? '';
    const index = /^\d+$/.test(name) ? Number(name) : re.groupNames[name];
    return index === undefined ? '' : (groups[index] ?? '');
  });
}

/** Go's path.Match pattern (`*`, `?`, `[...]`, `\` escapes; never across '/') as a regular expression. */
export function globToRegex(pattern: string): string {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRegex(pattern[++i] as string);
    else if (c === '[') {
      const close = pattern.indexOf(']', i + 2);
      if (close < 0) {
        out += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, close);
      const negated = body.startsWith('^');
      if (negated) body = body.slice(1);
      out += `[${negated ? '^/' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
      i = close;
    } else out += escapeRegex(c);
  }
  return out;
}

function escapeRegex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
