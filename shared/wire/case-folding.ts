import type { AclCriterion, Comparison, Subject } from '../conditions/ast.js';

/**
 * Which operands of a condition compare without regard to case. The engine's matcher and every export
 * (nginx `~*`, HAProxy `-i`, the Gateway API's `[Aa]`) read this one table, so an exported split sends
 * the same requests where Switchyard sends them.
 *
 * - user-agent: case-sensitive, browser aliases included: Vamp's `hdr_sub(user-agent)` and its alias
 *   table are (HaProxyAclResolver.scala, user-agents.yml).
 * - host: `host == X` is Vamp's `hdr_str(host) X`, the Host header exactly as sent (AILERON's `hosts`
 *   compare the same way); host's other comparisons are Switchyard's own and ignore case, as DNS does.
 * - method: HTTP methods are upper case by convention, and `method == get` means GET.
 * - path, cookies, headers and query parameters: exact, as the bytes are.
 */
export const CASE_INSENSITIVE: Readonly<Record<Subject['kind'], 'always' | 'never' | 'except-equals'>> = {
  'user-agent': 'never',
  host: 'except-equals',
  method: 'always',
  path: 'never',
  cookie: 'never',
  header: 'never',
  query: 'never',
};

/** True when `subject COMPARISON value` ignores case. */
export function ignoresCase(subject: Subject['kind'], comparison: Comparison): boolean {
  const rule = CASE_INSENSITIVE[subject];
  return rule === 'always' || (rule === 'except-equals' && comparison !== 'equals');
}

/** Raw HAProxy ACL criteria that ignore case even without `-i`: the method, as `method ==` does. */
export const CASE_INSENSITIVE_ACLS: ReadonlySet<AclCriterion> = new Set<AclCriterion>(['method']);

/** True when a raw ACL ignores case: written with `-i`, or one whose criterion always does. */
export function aclIgnoresCase(criterion: AclCriterion, flagged: boolean): boolean {
  return flagged || CASE_INSENSITIVE_ACLS.has(criterion);
}
