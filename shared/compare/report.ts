import type { Difference } from './diff.js';

/**
 * The report of a replay-and-compare run (`switchyard compare`, `POST /api/v1/compare`, the `compare.run`
 * command and the UI's "Replay and compare"): each request sent to two routes, their answers compared,
 * grouped by request shape. Pure code, so the CLI, REST and the UI print and read the same thing.
 */

/** One request sent to both routes. */
export interface CompareCase {
  method: string;
  path: string;
  /** `error`: a route gave no answer (refused, timed out, reset). */
  verdict: 'same' | 'different' | 'error';
  /** The two routes' statuses, in the order of the report's `routes`; null when one gave no answer. */
  statuses: [number | null, number | null];
  durationsMs: [number, number];
  differences: Difference[];
  /** Differences past the cap. */
  more: number;
  /** Differences an ignore rule suppressed. */
  ignored: number;
  /** Why a route gave no answer. */
  error?: string;
}

/** Requests of one shape: method and path with ids collapsed (`GET /users/{id}`). */
export interface CompareShape {
  shape: string;
  count: number;
  same: number;
  different: number;
  error: number;
  cases: CompareCase[];
}

export interface CompareReport {
  gateway: string;
  /** [baseline, candidate]: differences read as "the candidate's answer differs from the baseline's". */
  routes: [string, string];
  /** The rules applied: those given, and the candidate route's `compare.ignore`. */
  ignore: string[];
  total: number;
  same: number;
  different: number;
  error: number;
  /** Shapes with differences or errors first, then by count. */
  shapes: CompareShape[];
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
/** Long hex: object ids, hashes (at least 12 hex digits, at least one of them a digit). */
const HEX = /^(?=.*\d)[0-9a-f]{12,}$/i;

/** A request's shape: its method and path, the query left out and ids (numbers, UUIDs, long hex) as `{id}`. */
export function shapeOf(method: string, path: string): string {
  const bare = path.split(/[?#]/)[0] || '/';
  const collapsed = bare
    .split('/')
    .map((seg) => (NUMBER.test(seg) || UUID.test(seg) || HEX.test(seg) ? '{id}' : seg))
    .join('/');
  return `${method.toUpperCase()} ${collapsed}`;
}

/** Puts cases into a report, grouped by shape. */
export function buildReport(
  gateway: string,
  routes: [string, string],
  ignore: string[],
  cases: CompareCase[],
): CompareReport {
  const byShape = new Map<string, CompareShape>();
  for (const c of cases) {
    const key = shapeOf(c.method, c.path);
    let s = byShape.get(key);
    if (!s) byShape.set(key, (s = { shape: key, count: 0, same: 0, different: 0, error: 0, cases: [] }));
    s.count++;
    s[c.verdict]++;
    s.cases.push(c);
  }
  const bad = (s: CompareShape) => s.different + s.error;
  const shapes = [...byShape.values()].sort(
    (a, b) => Number(bad(b) > 0) - Number(bad(a) > 0) || b.count - a.count || a.shape.localeCompare(b.shape),
  );
  const count = (v: CompareCase['verdict']) => cases.filter((c) => c.verdict === v).length;
  return {
    gateway,
    routes,
    ignore,
    total: cases.length,
    same: count('same'),
    different: count('different'),
    error: count('error'),
    shapes,
  };
}

/** Whether the run passes: every request answered the same by both routes. */
export function reportPasses(r: CompareReport): boolean {
  return r.different === 0 && r.error === 0;
}

const status = (s: number | null) => (s === null ? 'no answer' : String(s));

/** The report as text: a summary line, then each shape with its counts and what differed. */
export function formatCompareText(r: CompareReport): string {
  const [a, b] = r.routes;
  const lines = [
    `compare '${r.gateway}': ${a} vs ${b}: ${r.total} requests, ${r.same} same, ${r.different} different, ${r.error} errors`,
  ];
  if (r.ignore.length) lines.push(`ignoring ${r.ignore.join(', ')}`);
  for (const s of r.shapes) {
    lines.push('', `${s.shape}  (${s.count}: ${s.same} same, ${s.different} different, ${s.error} errors)`);
    for (const c of s.cases) {
      if (c.verdict === 'same') continue;
      lines.push(`  ${c.method} ${c.path}: ${status(c.statuses[0])} vs ${status(c.statuses[1])}`);
      if (c.error) lines.push(`    error: ${c.error}`);
      for (const d of c.differences)
        lines.push(
          `    ${d.path} ${d.kind}: ${d.primary ?? '(none)'} -> ${d.shadow ?? '(none)'}`.replace(/\n/g, ' '),
        );
      if (c.more) lines.push(`    +${c.more} more`);
    }
  }
  lines.push('', reportPasses(r) ? 'PASS: all answers the same' : 'FAIL: answers differ');
  return lines.join('\n');
}

function xml(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD]/g, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

/** The report as JUnit XML: a test suite per shape, a test case per request, a failure per difference. */
export function formatCompareJunit(r: CompareReport): string {
  const [a, b] = r.routes;
  const out = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${xml(`switchyard compare ${r.gateway}: ${a} vs ${b}`)}" tests="${r.total}" failures="${r.different}" errors="${r.error}">`,
  ];
  for (const s of r.shapes) {
    out.push(
      `  <testsuite name="${xml(s.shape)}" tests="${s.count}" failures="${s.different}" errors="${s.error}">`,
    );
    for (const c of s.cases) {
      const time = (Math.max(...c.durationsMs) / 1000).toFixed(3);
      const name = xml(`${c.method} ${c.path}`);
      if (c.verdict === 'same') {
        out.push(`    <testcase classname="${xml(s.shape)}" name="${name}" time="${time}"/>`);
        continue;
      }
      out.push(`    <testcase classname="${xml(s.shape)}" name="${name}" time="${time}">`);
      if (c.verdict === 'error') out.push(`      <error message="${xml(c.error ?? 'no answer')}"/>`);
      else {
        const detail = c.differences
          .map((d) => `${d.path} ${d.kind}: ${d.primary ?? '(none)'} -> ${d.shadow ?? '(none)'}`)
          .concat(c.more ? [`+${c.more} more`] : [])
          .join('\n');
        out.push(
          `      <failure message="${xml(`${c.differences.length + c.more} differences between ${a} and ${b}`)}">${xml(detail)}</failure>`,
        );
      }
      out.push('    </testcase>');
    }
    out.push('  </testsuite>');
  }
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
