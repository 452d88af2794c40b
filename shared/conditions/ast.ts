/**
 * The condition language as data. A parsed condition is a tree of these nodes; the engine compiles it
 * into a matcher (match.ts) and the UI and the request log describe it in words (explain.ts).
 */

/** What a test looks at in the request. */
export type Subject =
  | { kind: 'user-agent' }
  /** The Host header exactly as sent, port included (Vamp's `hdr_str(host)`). */
  | { kind: 'host' }
  | { kind: 'path' }
  | { kind: 'method' }
  | { kind: 'cookie'; name: string }
  | { kind: 'header'; name: string }
  | { kind: 'query'; name: string };

/** How a test compares. Vamp's `==`, `is`, `has` and `contains` map onto these per subject (see parser.ts). */
export type Comparison = 'equals' | 'contains' | 'starts-with' | 'ends-with' | 'matches';

/**
 * The raw HAProxy ACL criteria Switchyard runs, in their canonical form. Other spellings (`req.fhdr(N)`,
 * `req.hdr(N) -m sub`, `req.cook(N)`, `hdr_str`, `urlp`, `-m found`, `hdr_cnt(N) gt 0`) are read into these
 * or into `exists` tests by haproxy-acl.ts.
 */
export const ACL_CRITERIA = [
  'path',
  'path_beg',
  'path_end',
  'path_sub',
  'path_reg',
  'method',
  'hdr',
  'hdr_beg',
  'hdr_end',
  'hdr_sub',
  'hdr_reg',
  'url_param',
  'cook',
  'cook_beg',
  'cook_end',
  'cook_sub',
  'cook_reg',
] as const;
export type AclCriterion = (typeof ACL_CRITERIA)[number];

export type ConditionNode =
  | { type: 'and'; left: ConditionNode; right: ConditionNode }
  | { type: 'or'; left: ConditionNode; right: ConditionNode }
  | { type: 'not'; operand: ConditionNode }
  | { type: 'const'; value: boolean }
  /** `user-agent == Firefox`, `cookie beta has yes`, `path starts-with /api` ... */
  | { type: 'test'; subject: Subject; comparison: Comparison; value: string; negate: boolean }
  /** `has cookie beta`, `misses header ETag`, `has query debug` */
  | { type: 'exists'; subject: Extract<Subject, { name: string }>; negate: boolean }
  /** `< hdr_sub(user-agent) -i Chrome >`, `{ path_beg /api }`, or a condition that is one raw ACL: values are
   * alternatives (any one matches, as in HAProxy). */
  | {
      type: 'acl';
      criterion: AclCriterion;
      argument?: string;
      ignoreCase: boolean;
      values: string[];
      source: string;
    };
