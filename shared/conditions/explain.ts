import type { ConditionNode, Subject } from './ast.js';
import { userAgentAlias } from './user-agents.js';

/** Describes a condition in words, for the UI under the condition field and for the request log. */
export function explainCondition(node: ConditionNode): string {
  switch (node.type) {
    case 'and':
      return `${group(node.left, 'or')} and ${group(node.right, 'or')}`;
    case 'or':
      return `${group(node.left, 'and')} or ${group(node.right, 'and')}`;
    case 'not':
      return `not (${explainCondition(node.operand)})`;
    case 'const':
      return node.value ? 'always' : 'never';
    case 'exists':
      return `the request ${node.negate ? 'has no' : 'has a'} ${subjectName(node.subject)}`;
    case 'test':
      return explainTest(node.subject, node.comparison, node.value, node.negate);
    case 'acl': {
      const arg = node.argument ? `(${node.argument})` : '';
      const values = node.values.map((v) => JSON.stringify(v)).join(' or ');
      return `HAProxy ACL ${node.criterion}${arg} matches ${values}${node.ignoreCase ? ' (ignoring case)' : ''}`;
    }
  }
}

function group(node: ConditionNode, looser: 'and' | 'or'): string {
  const text = explainCondition(node);
  return node.type === looser ? `(${text})` : text;
}

function subjectName(subject: Subject): string {
  switch (subject.kind) {
    case 'user-agent':
      return 'User-Agent';
    case 'host':
      return 'Host';
    case 'path':
      return 'path';
    case 'method':
      return 'method';
    default:
      return `${subject.kind} "${subject.name}"`;
  }
}

function explainTest(subject: Subject, comparison: string, value: string, negate: boolean): string {
  const what = subjectName(subject);
  const q = JSON.stringify(value);
  if (subject.kind === 'user-agent' && comparison === 'equals') {
    const alias = userAgentAlias(value);
    const target = alias ? alias.label : `contains ${q}`;
    return alias
      ? `the browser is ${negate ? 'not ' : ''}${target}`
      : `User-Agent ${negate ? 'does not contain' : 'contains'} ${q}`;
  }
  const verbs: Record<string, [string, string]> = {
    equals: ['is', 'is not'],
    contains: ['contains', 'does not contain'],
    'starts-with': ['starts with', 'does not start with'],
    'ends-with': ['ends with', 'does not end with'],
    matches: ['matches', 'does not match'],
  };
  const [yes, no] = verbs[comparison] ?? ['is', 'is not'];
  const shown = comparison === 'matches' ? `/${value}/` : q;
  return `${what} ${negate ? no : yes} ${shown}`;
}
