import { compileCondition, parseCondition, type Matcher } from '../../shared/conditions/index.js';
import type { Rewrite } from '../../shared/config/model.js';
import type { TraceStep } from '../../shared/log-entry.js';
import type { HttpRequestView } from './http-request-view.js';

type RewriteFn = (path: string) => string | undefined;

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
      const next = fn(current);
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
      return (path) => ensureSlash(r.template.replaceAll('%[path]', path));
    case 'strip_prefix':
      return (path) => {
        if (r.prefix === '/' || !(path === r.prefix || path.startsWith(`${r.prefix}/`))) return undefined;
        return ensureSlash(path.slice(r.prefix.length));
      };
    case 'add_prefix':
      return (path) => (r.prefix === '/' ? path : `${r.prefix}${path}`);
    case 'replace': {
      const re = new RegExp(r.regex);
      return (path) => ensureSlash(path.replace(re, r.with));
    }
  }
}

function ensureSlash(path: string): string {
  return path.startsWith('/') ? path : `/${path}`;
}
