import { compileCondition, parseCondition, type Matcher } from '../../shared/conditions/index.js';
import { compileRegex } from '../../shared/conditions/regex.js';
import type { Rewrite } from '../../shared/config/model.js';
import { parseTemplate, type Regsub, type TemplatePart } from '../../shared/config/rewrite-template.js';
import type { TraceStep } from '../../shared/log-entry.js';
import type { HttpRequestView } from './http-request-view.js';

type RewriteFn = (path: string, view: HttpRequestView) => string | undefined;

/** Compiles a route's rewrites into one function; each applied rewrite adds a trace step. */
export function compileRewrites(
  rewrites: Rewrite[],
): (path: string, view: HttpRequestView, trace: TraceStep[]) => string {
  if (rewrites.length === 0) return (path) => path;
  const steps = rewrites.map((r) => ({
    fn: compileOne(r),
    when: r.condition ? compileCondition(parseCondition(r.condition)) : undefined,
  }));
  return (path, view, trace) => {
    let current = path;
    for (const { fn, when } of steps) {
      if (when && !matches(when, view, current)) continue;
      const next = fn(current, view);
      if (next === undefined || next === current) continue;
      trace.push({ kind: 'rewrite', text: `path rewritten ${current} -> ${next}` });
      current = next;
    }
    return current;
  };
}

/** Conditions of later rewrites see the path as rewritten so far. */
function matches(when: Matcher, view: HttpRequestView, path: string): boolean {
  return when(view.path === path ? view : view.withPath(path));
}

function compileOne(r: Rewrite): RewriteFn {
  switch (r.type) {
    case 'path':
      return compileTemplate(r.template);
    case 'strip_prefix':
      return (path) => {
        if (r.prefix === '/' || !(path === r.prefix || path.startsWith(`${r.prefix}/`))) return undefined;
        return ensureSlash(path.slice(r.prefix.length));
      };
    case 'add_prefix':
      return (path) => (r.prefix === '/' ? path : `${r.prefix}${path}`);
    case 'replace': {
      // RE2 (linear time); like String.replace with a non-global regex, the first match only.
      const re = compileRegex(r.regex);
      return (path) => {
        const m = re.exec(path);
        if (!m) return undefined;
        const whole = m[0] ?? '';
        const at = path.indexOf(whole);
        return ensureSlash(path.slice(0, at) + re.replaceAll(whole, r.with) + path.slice(at + whole.length));
      };
    }
  }
}

/**
 * Vamp's NEW_PATH, as HAProxy's `http-request set-path` evaluates it: `%[path]` is the path so far,
 * `%[url]` path and query, `%[query]` the query without '?', `%[hdr(NAME)]` a request header, each
 * through its `regsub` converters (validated in shared/config/rewrite-template.ts).
 */
function compileTemplate(template: string): RewriteFn {
  const parts = parseTemplate(template);
  if (typeof parts === 'string') throw new Error(parts);
  const pieces = parts.map(compilePart);
  return (path, view) => ensureSlash(pieces.map((p) => p(path, view)).join(''));
}

function compilePart(part: TemplatePart): (path: string, view: HttpRequestView) => string {
  if (part.kind === 'text') return () => part.text;
  const converters = part.regsubs.map(compileRegsub);
  const convert = (value: string) => converters.reduce((v, c) => c(v), value);
  switch (part.fetch) {
    case 'path':
      return (path) => convert(path);
    case 'url':
      return (path, view) => convert(path + view.search);
    case 'query':
      return (_path, view) => convert(view.search.replace(/^\?/, ''));
    case 'hdr': {
      const name = (part.name ?? '').toLowerCase();
      return (_path, view) => convert(view.header(name) ?? '');
    }
  }
}

/** HAProxy's regsub: the first match (every match with `g`), `\1` style references in the substitution. */
function compileRegsub(r: Regsub): (value: string) => string {
  const re = compileRegex(r.global ? r.regex : `^(?s:(.*?))(?:${r.regex})`, r.ignoreCase);
  const replacement = r.with.replace(/\$/g, '$$$$').replace(/\\([0-9])/g, (_m, d: string) => `$${d}`);
  if (r.global) return (value) => re.replaceAll(value, replacement);
  // Anchored with a lazy prefix so only the first match is replaced; groups shift by one.
  const shifted = replacement.replace(/\$([0-9])/g, (_m, d: string) => `$${Number(d) + 1}`);
  return (value) => re.replaceAll(value, `$1${shifted}`);
}

function ensureSlash(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}

/**
 * A header value template (header rules): the same `%[...]` variables as a path rewrite, evaluated on the
 * request as the client sent it, without the leading slash a path needs.
 */
export function compileValueTemplate(template: string): (view: HttpRequestView) => string {
  const parts = parseTemplate(template);
  if (typeof parts === 'string') throw new Error(parts);
  if (parts.every((p) => p.kind === 'text')) return () => template;
  const pieces = parts.map(compilePart);
  return (view) => pieces.map((p) => p(view.path, view)).join('');
}
