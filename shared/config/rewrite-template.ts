import { checkRegex } from '../conditions/regex.js';

/**
 * The NEW_PATH of Vamp's `path: NEW_PATH if CONDITION`, which Vamp hands to HAProxy's `http-request
 * set-path` (magneticio/vamp haproxy/.../template.twig): literal text with HAProxy sample expressions
 * `%[path]`, `%[url]`, `%[query]`, `%[hdr(NAME)]`, each optionally through `regsub(REGEX,SUBST[,FLAGS])`
 * converters (flags `g` for every match, `i` to ignore case).
 */
export type TemplatePart =
  | { kind: 'text'; text: string }
  | { kind: 'sample'; fetch: 'path' | 'url' | 'query' | 'hdr'; name?: string; regsubs: Regsub[] };

export interface Regsub {
  regex: string;
  with: string;
  global: boolean;
  ignoreCase: boolean;
}

export const TEMPLATE_VARIABLES = ['%[path]', '%[url]', '%[query]', '%[hdr(NAME)]'];

/** Parses a template, or returns what is wrong with it. */
export function parseTemplate(template: string): TemplatePart[] | string {
  const parts: TemplatePart[] = [];
  let rest = template;
  while (rest.length) {
    const at = rest.indexOf('%[');
    if (at < 0) {
      parts.push({ kind: 'text', text: rest });
      break;
    }
    if (at > 0) parts.push({ kind: 'text', text: rest.slice(0, at) });
    const close = closingBracket(rest, at + 2);
    if (close < 0) return `unclosed '%[' in ${JSON.stringify(template)}`;
    const sample = parseSample(rest.slice(at + 2, close));
    if (typeof sample === 'string') return sample;
    parts.push(sample);
    rest = rest.slice(close + 1);
  }
  return parts;
}

/** The `]` that closes a sample expression, skipping brackets inside regsub's regular expression. */
function closingBracket(text: string, from: number): number {
  let depth = 0;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === '\\') i++;
    else if (c === '[') depth++;
    else if (c === ']') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

function parseSample(expr: string): TemplatePart | string {
  const [head = '', ...converters] = splitArgs(expr, ',', true);
  const m = /^(path|url|query|hdr\(([^()]+)\))$/.exec(head.trim());
  if (!m)
    return `unknown variable %[${head}]; Switchyard understands ${TEMPLATE_VARIABLES.join(', ')}, optionally with ,regsub(REGEX,SUBST)`;
  const regsubs: Regsub[] = [];
  for (const c of converters) {
    const r = /^regsub\((.*)\)$/s.exec(c.trim());
    if (!r) return `unknown converter '${c}' in %[${expr}]; only regsub(REGEX,SUBST[,FLAGS]) is supported`;
    const [regex = '', subst = '', flags = '', ...extra] = splitArgs(r[1] ?? '', ',', false);
    if (extra.length || /[^gi]/.test(flags))
      return `regsub takes REGEX,SUBST[,FLAGS] with flags g and i: ${c}`;
    const problem = checkRegex(regex, flags.includes('i'));
    if (problem) return `invalid regular expression /${regex}/ in regsub: ${problem}`;
    regsubs.push({ regex, with: subst, global: flags.includes('g'), ignoreCase: flags.includes('i') });
  }
  const fetch = (m[2] ? 'hdr' : m[1]) as 'path' | 'url' | 'query' | 'hdr';
  return m[2] ? { kind: 'sample', fetch, name: m[2].trim(), regsubs } : { kind: 'sample', fetch, regsubs };
}

/**
 * Splits on `sep` outside parentheses (top level) or on unescaped `sep` (inside regsub, where HAProxy
 * wants commas escaped as `\,`).
 */
function splitArgs(text: string, sep: string, topLevel: boolean): string[] {
  const out: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && i + 1 < text.length) {
      current += topLevel || text[i + 1] !== sep ? c + text[i + 1] : sep;
      i++;
      continue;
    }
    if (topLevel && c === '(') depth++;
    if (topLevel && c === ')') depth--;
    if (c === sep && depth === 0) {
      out.push(current);
      current = '';
    } else current += c;
  }
  out.push(current);
  return out;
}
