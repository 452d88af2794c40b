import type { AclCriterion, ConditionNode } from './ast.js';
import { checkRegex } from './regex.js';

/**
 * Raw HAProxy ACLs in the forms Vamp writes and accepts: `< hdr_sub(user-agent) Chrome >`,
 * `{ path_beg /api }`, the alias definitions of Vamp's user-agents.yml (`req.fhdr(User-Agent) -m sub
 * 'Chrome'`), and what Vamp's HaProxyAclResolver.scala generates (`hdr_str(host) X`, `cook(X) -m found`,
 * `hdr_cnt(X) gt 0`, `cook_cnt(X) eq 0`, `cook_sub(N) V`). The fetches and match methods are data; a fetch
 * or method not listed is an error naming it, never a silent false.
 */

/** What a fetch samples from the request. */
type Sample = 'path' | 'method' | 'header' | 'cookie' | 'query';
/** HAProxy's match methods (`-m`), plus `count` for the `_cnt` fetches. */
type Method = 'str' | 'sub' | 'beg' | 'end' | 'reg' | 'found' | 'count';

interface Fetch {
  sample: Sample;
  /** The match method the fetch implies when no `-m` is given. */
  method: Method;
  argument: boolean;
}

const FETCHES: Record<string, Fetch> = {
  path: { sample: 'path', method: 'str', argument: false },
  path_beg: { sample: 'path', method: 'beg', argument: false },
  path_end: { sample: 'path', method: 'end', argument: false },
  path_sub: { sample: 'path', method: 'sub', argument: false },
  path_reg: { sample: 'path', method: 'reg', argument: false },
  method: { sample: 'method', method: 'str', argument: false },
  hdr: { sample: 'header', method: 'str', argument: true },
  'req.hdr': { sample: 'header', method: 'str', argument: true },
  'req.fhdr': { sample: 'header', method: 'str', argument: true },
  hdr_str: { sample: 'header', method: 'str', argument: true },
  hdr_beg: { sample: 'header', method: 'beg', argument: true },
  hdr_end: { sample: 'header', method: 'end', argument: true },
  hdr_sub: { sample: 'header', method: 'sub', argument: true },
  hdr_reg: { sample: 'header', method: 'reg', argument: true },
  hdr_cnt: { sample: 'header', method: 'count', argument: true },
  'req.hdr_cnt': { sample: 'header', method: 'count', argument: true },
  cook: { sample: 'cookie', method: 'str', argument: true },
  'req.cook': { sample: 'cookie', method: 'str', argument: true },
  cook_beg: { sample: 'cookie', method: 'beg', argument: true },
  cook_end: { sample: 'cookie', method: 'end', argument: true },
  cook_sub: { sample: 'cookie', method: 'sub', argument: true },
  cook_reg: { sample: 'cookie', method: 'reg', argument: true },
  cook_cnt: { sample: 'cookie', method: 'count', argument: true },
  'req.cook_cnt': { sample: 'cookie', method: 'count', argument: true },
  url_param: { sample: 'query', method: 'str', argument: true },
  urlp: { sample: 'query', method: 'str', argument: true },
};
export const ACL_FETCHES = Object.keys(FETCHES);

/** The canonical criterion for a sample and method (see ast.ts). */
const CRITERIA: Record<Sample, Partial<Record<Method, AclCriterion>>> = {
  path: { str: 'path', beg: 'path_beg', end: 'path_end', sub: 'path_sub', reg: 'path_reg' },
  method: { str: 'method' },
  header: { str: 'hdr', beg: 'hdr_beg', end: 'hdr_end', sub: 'hdr_sub', reg: 'hdr_reg' },
  cookie: { str: 'cook', beg: 'cook_beg', end: 'cook_end', sub: 'cook_sub', reg: 'cook_reg' },
  query: { str: 'url_param' },
};

const METHODS = ['str', 'sub', 'beg', 'end', 'reg', 'found'];

/** An ACL error; `at` is the offset inside the ACL text. */
export class AclError extends Error {
  constructor(
    message: string,
    readonly at = 0,
  ) {
    super(message);
  }
}

/** True when a word looks like an HAProxy fetch rather than a Vamp operand (so errors can say which). */
export function looksLikeFetch(text: string): boolean {
  const head = /^\s*([a-z_.]+)(\(|\s|$)/i.exec(text);
  return !!head && (head[2] === '(' || (head[1] ?? '').includes('_') || (head[1] ?? '') in FETCHES);
}

/** Parses one ACL (`fetch(arg) [-i] [-m method] [--] value...`). */
export function parseAcl(text: string): ConditionNode {
  const words = tokens(text);
  const head = words.shift();
  if (!head) throw new AclError('the raw ACL is empty');
  const m = /^([a-z_.]+)(?:\(([^()]*)\))?$/i.exec(head);
  const name = m?.[1]?.toLowerCase() ?? head;
  const fetch = FETCHES[name];
  if (!m || !fetch)
    throw new AclError(
      `unsupported HAProxy fetch '${head.replace(/\(.*$/, '')}'; Switchyard understands ${ACL_FETCHES.join(', ')}`,
    );
  const argument = m[2]?.trim().replace(/^['"]|['"]$/g, '');
  if (fetch.argument !== (argument !== undefined && argument !== ''))
    throw new AclError(
      fetch.argument
        ? `'${name}' needs a name in parentheses, e.g. ${name}(user-agent)`
        : `'${name}' takes no argument`,
    );
  let ignoreCase = false;
  let method: Method = fetch.method;
  while (words[0]?.startsWith('-')) {
    const flag = words.shift();
    if (flag === '--') break;
    if (flag === '-i') ignoreCase = true;
    else if (flag === '-m') {
      const wanted = words.shift() ?? '';
      if (!METHODS.includes(wanted))
        throw new AclError(
          `unsupported match method '-m ${wanted}'; Switchyard understands ${METHODS.join(', ')}`,
        );
      method = wanted as Method;
    } else throw new AclError(`unsupported ACL flag '${flag}'; Switchyard understands -i, -m and --`);
  }
  if (method === 'count') return countTest(name, fetch.sample, argument ?? '', words);
  if (method === 'found') {
    if (words.length) throw new AclError(`'-m found' takes no values, found '${words.join(' ')}'`);
    return found(fetch.sample, argument ?? '', false);
  }
  if (words.length === 0) throw new AclError(`the ACL '${head}' needs at least one value`);
  const criterion = CRITERIA[fetch.sample][method];
  if (!criterion) throw new AclError(`'-m ${method}' is not supported on '${name}'`);
  if (method === 'reg')
    for (const w of words) {
      const problem = checkRegex(w, ignoreCase);
      if (problem) throw new AclError(`invalid regular expression /${w}/: ${problem}`);
    }
  const node: ConditionNode = { type: 'acl', criterion, ignoreCase, values: words, source: text.trim() };
  if (argument) node.argument = argument;
  return node;
}

/** `hdr_cnt(X) gt 0` and the like: Switchyard runs the ones that mean "present" or "absent". */
function countTest(name: string, sample: Sample, argument: string, words: string[]): ConditionNode {
  const [op, n] = words;
  const present = new Set(['gt 0', 'ge 1']);
  const absent = new Set(['eq 0', 'lt 1', 'le 0']);
  const said = `${op ?? ''} ${n ?? ''}`;
  if (words.length === 2 && (present.has(said) || absent.has(said)))
    return found(sample, argument, absent.has(said));
  throw new AclError(
    `'${name}' is supported as a presence test only: write ${name}(${argument}) gt 0 or ${name}(${argument}) eq 0`,
  );
}

function found(sample: Sample, name: string, negate: boolean): ConditionNode {
  if (sample === 'path' || sample === 'method') return { type: 'const', value: !negate };
  const kind = sample === 'query' ? 'query' : sample;
  return { type: 'exists', subject: { kind, name }, negate };
}

/** Splits on whitespace, keeping 'single' and "double" quoted words together (quotes removed). */
function tokens(text: string): string[] {
  const out: string[] = [];
  const re = /'([^']*)'|"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(text); m; m = re.exec(text))
    out.push(m[1] ?? m[2]?.replace(/\\(.)/g, '$1') ?? m[3] ?? '');
  return out;
}

/**
 * An HAProxy condition as written after `if` in Vamp's rewrites: one ACL (`path_beg /api`), or anonymous
 * ACLs in braces combined as HAProxy does (`{ a } { b }` both, `{ a } or { b }`, `!{ a }`).
 */
export function parseHaproxyCondition(text: string): ConditionNode {
  const trimmed = text.trim();
  if (!/^!?\s*\{/.test(trimmed)) return parseAcl(trimmed);
  const re = /\s*(or|\|\|)?\s*(!)?\s*\{([^{}]*)\}/giy;
  let or: ConditionNode | undefined;
  let and: ConditionNode | undefined;
  let pos = 0;
  for (let m = re.exec(trimmed); m; m = re.exec(trimmed)) {
    pos = re.lastIndex;
    let term = parseAcl(m[3] ?? '');
    if (m[2]) term = { type: 'not', operand: term };
    if (m[1] && and) {
      or = or ? { type: 'or', left: or, right: and } : and;
      and = undefined;
    }
    and = and ? { type: 'and', left: and, right: term } : term;
  }
  if (pos !== trimmed.length || !and)
    throw new AclError(`cannot read '${trimmed.slice(pos)}' as HAProxy ACLs in braces`, pos);
  return or ? { type: 'or', left: or, right: and } : and;
}
