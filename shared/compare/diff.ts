import microdiff from 'microdiff';

/**
 * Compares two answers to the same request (a primary and its shadow, or two routes' answers to a replayed
 * request): status, headers less an ignore list, and body; JSON structurally (key order ignored, the
 * paths of changed values reported, by microdiff), text line by line, anything else by hash. Pure code:
 * the engine, the CLI and the UI use the same comparison.
 */

/** One answer as the comparison sees it. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Uint8Array;
  /** The body was longer than the cap; only its first bytes are here. */
  truncated?: boolean;
}

export interface Difference {
  /** `status`, `header:NAME`, `body:$.a.b[0]` (JSON), `body:line N` (text) or `body` (binary). */
  path: string;
  kind: 'changed' | 'added' | 'removed';
  /** The values, as short text (at most VALUE_CHARS characters), when they have one. */
  primary?: string;
  shadow?: string;
}

export type Verdict = 'same' | 'different' | 'error';

export interface Comparison {
  verdict: 'same' | 'different';
  /** At most MAX_DIFFERENCES of them; `more` counts the rest. */
  differences: Difference[];
  more: number;
  /** How the bodies were compared. */
  bodyAs: 'json' | 'text' | 'binary' | 'empty';
  /** Differences an ignore rule or learned noise suppressed. */
  ignored: number;
}

/** Headers that differ between any two answers and say nothing about the service: never compared. */
export const DEFAULT_IGNORED_HEADERS = [
  'date',
  'age',
  'expires',
  'last-modified',
  'etag',
  'server',
  'x-request-id',
  'x-correlation-id',
  'x-trace-id',
  'traceparent',
  'tracestate',
  'x-response-time',
  'x-runtime',
  'set-cookie',
  // Framing: the body is compared itself, and reformatted JSON of the same value is the same.
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
];

const MAX_DIFFERENCES = 50;
const VALUE_CHARS = 200;

/**
 * An ignore rule: `status`, `header:NAME`, or `body:PATH` where PATH is a JSON path such as
 * `$.generatedAt`, `$.items[*].id` or `$.meta.*` (a rule also covers everything under what it names), or
 * `body` for the whole body. Returns a message when the rule cannot be read.
 */
export function checkIgnoreRule(rule: string): string | undefined {
  if (rule === 'status' || rule === 'body') return undefined;
  const m = /^(header|body):(.+)$/.exec(rule.trim());
  if (!m) return `"${rule}" is not an ignore rule; write header:NAME, body:$.path.to.field, status or body`;
  if (m[1] === 'body' && !m[2]!.startsWith('$'))
    return `"${rule}": a body rule is a JSON path starting at $, e.g. body:$.generatedAt`;
  return undefined;
}

/** Ignore rules compiled once: each matches a difference's path or anything under it. */
export class IgnoreRules {
  private readonly patterns: RegExp[];
  constructor(readonly rules: readonly string[]) {
    this.patterns = rules.filter((r) => checkIgnoreRule(r) === undefined).map(rulePattern);
  }
  matches(path: string): boolean {
    return this.patterns.some((p) => p.test(path));
  }
  headerIgnored(name: string): boolean {
    return this.matches(`header:${name.toLowerCase()}`);
  }
}

function rulePattern(rule: string): RegExp {
  const r = rule.trim();
  const lower = r.startsWith('header:') ? r.toLowerCase() : r;
  const body = lower
    .split(/(\[\*\]|\.\*)/)
    .map((part) =>
      part === '[*]'
        ? '\\[\\d+\\]'
        : part === '.*'
          ? '\\.[^.[]+'
          : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    )
    .join('');
  // A rule covers its subtree: body:$.meta covers body:$.meta.at and body:$.meta[0].
  return new RegExp(`^${body}(?:$|[.[])`);
}

/** Compares a primary's answer with another; `ignore` holds the user's rules and learned noise. */
export function compareAnswers(primary: Answer, shadow: Answer, ignore: IgnoreRules): Comparison {
  const all: Difference[] = [];
  if (primary.status !== shadow.status)
    all.push({
      path: 'status',
      kind: 'changed',
      primary: String(primary.status),
      shadow: String(shadow.status),
    });
  all.push(...headerDifferences(primary.headers, shadow.headers));
  const bodies = bodyDifferences(primary, shadow);
  all.push(...bodies.differences);
  const kept = all.filter((d) => !ignore.matches(d.path));
  return {
    verdict: kept.length ? 'different' : 'same',
    differences: kept.slice(0, MAX_DIFFERENCES),
    more: Math.max(0, kept.length - MAX_DIFFERENCES),
    bodyAs: bodies.as,
    ignored: all.length - kept.length,
  };
}

/**
 * The paths where two answers to the same request differ, as ignore rules: what two answers of the
 * primary disagree on is noise (Diffy's idea), and is ignored from then on.
 */
export function noiseBetween(first: Answer, second: Answer): string[] {
  const c = compareAnswers(first, second, new IgnoreRules([]));
  // A text or binary body that differs between two primary answers is noise as a whole.
  return c.differences.map((d) => (d.path.startsWith('body:line') || d.path === 'body' ? 'body' : d.path));
}

/** One line summing differences up, for the log and reports. */
export function summarize(c: Pick<Comparison, 'verdict' | 'differences' | 'more'>): string {
  if (c.verdict === 'same') return 'same';
  const paths = c.differences.slice(0, 3).map((d) => d.path);
  const rest = c.differences.length - paths.length + c.more;
  return `${c.differences.length + c.more} difference${c.differences.length + c.more === 1 ? '' : 's'}: ${paths.join(', ')}${rest > 0 ? `, +${rest} more` : ''}`;
}

function headerDifferences(a: Answer['headers'], b: Answer['headers']): Difference[] {
  const out: Difference[] = [];
  const lower = (h: Answer['headers']) => {
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries(h)) {
      const name = k.toLowerCase();
      if (v === undefined || DEFAULT_IGNORED_HEADERS.includes(name)) continue;
      m.set(name, Array.isArray(v) ? v.join(', ') : String(v));
    }
    return m;
  };
  const ha = lower(a);
  const hb = lower(b);
  for (const [name, value] of ha) {
    const other = hb.get(name);
    if (other === undefined) out.push({ path: `header:${name}`, kind: 'removed', primary: short(value) });
    else if (other !== value)
      out.push({ path: `header:${name}`, kind: 'changed', primary: short(value), shadow: short(other) });
  }
  for (const [name, value] of hb)
    if (!ha.has(name)) out.push({ path: `header:${name}`, kind: 'added', shadow: short(value) });
  return out;
}

type BodyKind = Comparison['bodyAs'];

function contentType(h: Answer['headers']): string {
  for (const [k, v] of Object.entries(h))
    if (k.toLowerCase() === 'content-type') return String(Array.isArray(v) ? v[0] : (v ?? '')).toLowerCase();
  return '';
}

const decoder = new TextDecoder('utf-8', { fatal: true });

function asText(bytes: Uint8Array): string | undefined {
  try {
    return decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

function bodyDifferences(a: Answer, b: Answer): { as: BodyKind; differences: Difference[] } {
  if (a.body.length === 0 && b.body.length === 0) return { as: 'empty', differences: [] };
  const type = contentType(a.headers) || contentType(b.headers);
  const textA = asText(a.body);
  const textB = asText(b.body);
  const binary = /^(image|audio|video|font)\/|octet-stream|zip|pdf|protobuf/.test(type);
  if (!binary && textA !== undefined && textB !== undefined) {
    // JSON when either says so or both parse; a truncated body cannot be parsed whole, so it is text.
    if (!a.truncated && !b.truncated) {
      const ja = parseJson(textA);
      const jb = parseJson(textB);
      if (ja.ok && jb.ok) return { as: 'json', differences: jsonDifferences(ja.value, jb.value) };
    }
    return { as: 'text', differences: lineDifferences(textA, textB) };
  }
  const ha = hashBytes(a.body);
  const hb = hashBytes(b.body);
  return {
    as: 'binary',
    differences:
      ha === hb && a.body.length === b.body.length
        ? []
        : [
            {
              path: 'body',
              kind: 'changed',
              primary: `${a.body.length} bytes, hash ${ha}`,
              shadow: `${b.body.length} bytes, hash ${hb}`,
            },
          ],
  };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  const t = text.trim();
  if (!t) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(t) as unknown };
  } catch {
    return { ok: false };
  }
}

/** A JSON path as the rules write it: $.a.b[0]["odd key"]. */
export function jsonPath(path: readonly (string | number)[]): string {
  let out = '$';
  for (const p of path)
    out +=
      typeof p === 'number' ? `[${p}]` : /^[A-Za-z_$][\w$-]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`;
  return out;
}

function jsonDifferences(a: unknown, b: unknown): Difference[] {
  const container = (v: unknown) => typeof v === 'object' && v !== null;
  if (!container(a) || !container(b) || Array.isArray(a) !== Array.isArray(b)) {
    return JSON.stringify(a) === JSON.stringify(b)
      ? []
      : [
          {
            path: 'body:$',
            kind: 'changed',
            primary: short(JSON.stringify(a)),
            shadow: short(JSON.stringify(b)),
          },
        ];
  }
  return microdiff(a as Record<string, unknown>, b as Record<string, unknown>).map((d) => {
    const path = `body:${jsonPath(d.path)}`;
    if (d.type === 'CREATE') return { path, kind: 'added', shadow: short(JSON.stringify(d.value)) };
    if (d.type === 'REMOVE') return { path, kind: 'removed', primary: short(JSON.stringify(d.oldValue)) };
    return {
      path,
      kind: 'changed',
      primary: short(JSON.stringify(d.oldValue)),
      shadow: short(JSON.stringify(d.value)),
    };
  });
}

/**
 * Line by line: the lines both share at the start and the end are the same; each line of what is left
 * is reported by its number in the primary (a changed line, or one only one side has).
 */
function lineDifferences(a: string, b: string): Difference[] {
  if (a === b) return [];
  const la = a.split(/\r?\n/);
  const lb = b.split(/\r?\n/);
  let start = 0;
  while (start < la.length && start < lb.length && la[start] === lb[start]) start++;
  let endA = la.length;
  let endB = lb.length;
  while (endA > start && endB > start && la[endA - 1] === lb[endB - 1]) {
    endA--;
    endB--;
  }
  const out: Difference[] = [];
  for (let i = 0; start + i < Math.max(endA, endB) && out.length <= MAX_DIFFERENCES; i++) {
    const pa = start + i < endA ? la[start + i] : undefined;
    const pb = start + i < endB ? lb[start + i] : undefined;
    const path = `body:line ${start + i + 1}`;
    if (pa !== undefined && pb !== undefined)
      out.push({ path, kind: 'changed', primary: short(pa), shadow: short(pb) });
    else if (pa !== undefined) out.push({ path, kind: 'removed', primary: short(pa) });
    else if (pb !== undefined) out.push({ path, kind: 'added', shadow: short(pb) });
  }
  return out;
}

function short(s: string): string {
  return s.length > VALUE_CHARS ? `${s.slice(0, VALUE_CHARS)}…` : s;
}

/** A 53-bit hash of some bytes (cyrb53), as hex: enough to tell two bodies apart, not a digest. */
export function hashBytes(bytes: Uint8Array): string {
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i]!;
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)).toString(16).padStart(14, '0');
}
