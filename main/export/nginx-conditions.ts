import type { AclCriterion, Comparison, ConditionNode, Subject } from '../../shared/conditions/ast.js';
import { ACL_COMPARISON } from '../../shared/conditions/match.js';
import { userAgentAlias, type UserAgentAlias } from '../../shared/conditions/user-agents.js';
import { aclIgnoresCase, ignoresCase } from '../../shared/wire/case-folding.js';

/**
 * Compiles a condition into nginx `map` blocks. nginx tests one variable per map, so each node of the
 * condition gets a variable of its own that is "1" when it holds: leaves map a request variable through
 * a regex, `and`/`or` map the concatenation of their children's variables, `not` inverts its child.
 */
export class NginxConditionCompiler {
  readonly maps: string[] = [];
  readonly warnings: string[] = [];
  private count = 0;

  constructor(private readonly prefix: string) {}

  /** Returns the variable (with `$`) that is "1" when `node` holds. */
  compile(node: ConditionNode): string {
    switch (node.type) {
      case 'const':
        return this.map('$host', [], node.value ? '1' : '0');
      case 'not': {
        const inner = this.compile(node.operand);
        return this.map(inner, ['"1" 0;'], '1');
      }
      case 'and':
      case 'or': {
        const l = this.compile(node.left);
        const r = this.compile(node.right);
        return this.map(`"${l}${r}"`, [node.type === 'and' ? '"11" 1;' : '"~1" 1;'], '0');
      }
      case 'exists': {
        const variable = this.source(node.subject);
        return variable ? this.map(variable, ['"" 0;'], '1', !node.negate) : this.never();
      }
      case 'test':
        return this.test(node.subject, node.comparison, node.value, node.negate);
      case 'acl':
        return this.acl(node.criterion, node.argument, node.ignoreCase, node.values);
    }
  }

  private test(subject: Subject, comparison: Comparison, value: string, negate: boolean): string {
    const flag = ignoresCase(subject.kind, comparison) ? '~*' : '~';
    if (subject.kind === 'user-agent' && comparison === 'equals') {
      const alias = userAgentAlias(value);
      if (alias) return this.alias(alias, flag, negate);
      return this.map('$http_user_agent', [`"${flag}${escape(value)}" 1;`], '0', !negate);
    }
    if (subject.kind === 'host' && comparison === 'equals') {
      // The Host header exactly as sent, port included: $host is lower-cased and without its port.
      return this.map('$http_host', [`"${flag}^${escape(value)}$" 1;`], '0', !negate);
    }
    const variable = this.source(subject);
    if (!variable) return this.never();
    return this.map(variable, [`"${flag}${pattern(comparison, value)}" 1;`], '0', !negate);
  }

  /**
   * A browser alias as Vamp's user-agents.yml defines it and the engine runs it: one of `anyOf`, every
   * one of `allOf` (Safari needs "Version" too) and none of `noneOf`. Each part is a map of its own; a
   * map over their concatenation says whether all of them came out as wanted.
   */
  private alias(alias: UserAgentAlias, flag: string, negate: boolean): string {
    const test = (words: string[]) =>
      this.map('$http_user_agent', [`"${flag}(${words.map(escape).join('|')})" 1;`], '0');
    const parts = [test(alias.anyOf), ...alias.allOf.map((w) => test([w]))];
    const wanted = '1'.repeat(parts.length) + (alias.noneOf.length ? '0' : '');
    if (alias.noneOf.length) parts.push(test(alias.noneOf));
    if (parts.length === 1) return negate ? this.map(parts[0]!, ['"1" 0;'], '1') : parts[0]!;
    return this.map(`"${parts.join('')}"`, [`"${wanted}" 1;`], '0', !negate);
  }

  private acl(
    criterion: AclCriterion,
    argument: string | undefined,
    ignoreCase: boolean,
    values: string[],
  ): string {
    // HAProxy's cook* fetches read the Cookie header: nginx's $cookie_NAME, never a header named NAME.
    const variable = criterion.startsWith('path')
      ? '$uri'
      : criterion === 'method'
        ? '$request_method'
        : criterion === 'url_param'
          ? `$arg_${varName(argument ?? '')}`
          : criterion.startsWith('cook')
            ? this.source({ kind: 'cookie', name: argument ?? '' })
            : `$http_${varName(argument ?? '')}`;
    if (!variable) return this.never();
    const flag = aclIgnoresCase(criterion, ignoreCase) ? '~*' : '~';
    const alternatives = values.map((v) => pattern(ACL_COMPARISON[criterion], v)).join('|');
    return this.map(variable, [`"${flag}(${alternatives})" 1;`], '0');
  }

  /** The nginx variable holding a subject's value; undefined (with a warning) where nginx has none. */
  private source(subject: Subject): string | undefined {
    if (subject.kind !== 'cookie') return source(subject);
    if (/^[A-Za-z0-9_]+$/.test(subject.name)) return `$cookie_${varName(subject.name)}`;
    this.warnings.push(
      `cookie '${subject.name}' cannot be read in nginx ($cookie_NAME takes letters, digits and _ only); its test is exported as never true`,
    );
    return undefined;
  }

  /** A variable that is never "1": what a test nginx cannot express is exported as. */
  private never(): string {
    return this.map('$host', [], '0');
  }

  /** Emits `map SOURCE $var { entries; default D; }`; `positive=false` swaps 1 and 0. */
  private map(sourceVar: string, entries: string[], fallback: string, positive = true): string {
    const name = `$${this.prefix}_c${this.count++}`;
    const swap = (v: string) => (positive ? v : v === '1' ? '0' : v === '0' ? '1' : v);
    const body = entries.map((e) => e.replace(/ (0|1);$/, (_m, v: string) => ` ${swap(v)};`));
    this.maps.push(
      `map ${sourceVar} ${name} {\n${[...body, `default ${swap(fallback)};`].map((l) => `    ${l}`).join('\n')}\n}`,
    );
    return name;
  }
}

/** The nginx variable holding a subject's value. */
function source(subject: Subject): string {
  switch (subject.kind) {
    case 'user-agent':
      return '$http_user_agent';
    case 'host':
      return '$host';
    case 'path':
      return '$uri';
    case 'method':
      return '$request_method';
    case 'cookie':
      return `$cookie_${varName(subject.name)}`;
    case 'header':
      return `$http_${varName(subject.name)}`;
    case 'query':
      return `$arg_${varName(subject.name)}`;
  }
}

function pattern(comparison: Comparison, value: string): string {
  switch (comparison) {
    case 'equals':
      return `^${escape(value)}$`;
    case 'contains':
      return escape(value);
    case 'starts-with':
      return `^${escape(value)}`;
    case 'ends-with':
      return `${escape(value)}$`;
    case 'matches':
      return value.replace(/"/g, '\\"');
  }
}

/** nginx names header and cookie variables in lower case with `-` as `_`. */
export function varName(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

/** Escapes regex metacharacters and the quote, for a value inside a quoted nginx regex. */
export function escape(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/"/g, '\\"');
}
