import type { AclCriterion, Comparison, ConditionNode, Subject } from './ast.js';
import { aclIgnoresCase, ignoresCase } from '../wire/case-folding.js';
import { compileRegex } from './regex.js';
import type { RequestView } from './request-view.js';
import { userAgentMatches } from './user-agents.js';

export type Matcher = (req: RequestView) => boolean;

/** Compiles a parsed condition into a matcher. Regexes are compiled once, here, not per request. */
export function compileCondition(node: ConditionNode): Matcher {
  switch (node.type) {
    case 'and': {
      const [l, r] = [compileCondition(node.left), compileCondition(node.right)];
      return (req) => l(req) && r(req);
    }
    case 'or': {
      const [l, r] = [compileCondition(node.left), compileCondition(node.right)];
      return (req) => l(req) || r(req);
    }
    case 'not': {
      const inner = compileCondition(node.operand);
      return (req) => !inner(req);
    }
    case 'const':
      return () => node.value;
    case 'exists': {
      const read = subjectReader(node.subject);
      return node.negate ? (req) => read(req) === undefined : (req) => read(req) !== undefined;
    }
    case 'test': {
      const test = compileTest(node.subject, node.comparison, node.value);
      return node.negate ? (req) => !test(req) : test;
    }
    case 'acl':
      return compileAcl(node.criterion, node.argument, node.ignoreCase, node.values);
  }
}

function subjectReader(subject: Subject): (req: RequestView) => string | undefined {
  switch (subject.kind) {
    case 'user-agent':
      return (req) => req.header('user-agent');
    case 'host':
      return (req) => req.host;
    case 'path':
      return (req) => req.path;
    case 'method':
      return (req) => req.method;
    case 'cookie':
      return (req) => req.cookie(subject.name);
    case 'header': {
      const name = subject.name.toLowerCase();
      return (req) => req.header(name);
    }
    case 'query':
      return (req) => req.query(subject.name);
  }
}

function compileTest(subject: Subject, comparison: Comparison, value: string): Matcher {
  const read = subjectReader(subject);
  if (subject.kind === 'user-agent' && comparison === 'equals') {
    return (req) => userAgentMatches(read(req) ?? '', value);
  }
  // Which tests ignore case is shared with the exports (shared/wire/case-folding.ts); `host == X` is
  // exact, port included, as Vamp's `hdr_str(host) X` is.
  const compare = comparer(comparison, value, ignoresCase(subject.kind, comparison));
  return (req) => {
    const actual = read(req);
    return actual !== undefined && compare(actual);
  };
}

function comparer(comparison: Comparison, value: string, fold: boolean): (actual: string) => boolean {
  if (comparison === 'matches') {
    const re = compileRegex(value, fold);
    return (actual) => re.test(actual);
  }
  const want = fold ? value.toLowerCase() : value;
  const norm = fold ? (s: string) => s.toLowerCase() : (s: string) => s;
  switch (comparison) {
    case 'equals':
      return (a) => norm(a) === want;
    case 'contains':
      return (a) => norm(a).includes(want);
    case 'starts-with':
      return (a) => norm(a).startsWith(want);
    case 'ends-with':
      return (a) => norm(a).endsWith(want);
  }
}

/** HAProxy ACL semantics: the sample is tested against each value; any match is a match. */
export const ACL_COMPARISON: Record<AclCriterion, Comparison> = {
  path: 'equals',
  path_beg: 'starts-with',
  path_end: 'ends-with',
  path_sub: 'contains',
  path_reg: 'matches',
  method: 'equals',
  hdr: 'equals',
  hdr_beg: 'starts-with',
  hdr_end: 'ends-with',
  hdr_sub: 'contains',
  hdr_reg: 'matches',
  url_param: 'equals',
  cook: 'equals',
  cook_beg: 'starts-with',
  cook_end: 'ends-with',
  cook_sub: 'contains',
  cook_reg: 'matches',
};

function compileAcl(
  criterion: AclCriterion,
  argument: string | undefined,
  ignoreCase: boolean,
  values: string[],
): Matcher {
  const read = aclSample(criterion, argument);
  const tests = values.map((v) =>
    comparer(ACL_COMPARISON[criterion], v, aclIgnoresCase(criterion, ignoreCase)),
  );
  return (req) => {
    const sample = read(req);
    return sample !== undefined && tests.some((t) => t(sample));
  };
}

function aclSample(
  criterion: AclCriterion,
  argument: string | undefined,
): (req: RequestView) => string | undefined {
  if (criterion.startsWith('path')) return (req) => req.path;
  if (criterion === 'method') return (req) => req.method;
  if (criterion === 'url_param') return (req) => req.query(argument ?? '');
  if (criterion.startsWith('cook')) return (req) => req.cookie(argument ?? '');
  const name = (argument ?? '').toLowerCase();
  return name === 'host' ? (req) => req.host : (req) => req.header(name);
}
