import type { Comparison, ConditionNode, Subject } from './ast.js';
import { AclError, looksLikeFetch, parseAcl, parseHaproxyCondition } from './haproxy-acl.js';
import { checkRegex as regexError } from './regex.js';

/** A syntax error with the 0-based offset and 1-based column where it was found. */
export class ConditionSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at column ${offset + 1}`);
    this.name = 'ConditionSyntaxError';
  }
  get column(): number {
    return this.offset + 1;
  }
}

/**
 * Operators, as written, and what they mean. Vamp treats `==`, `=`, `is`, `has` and `contains` alike for
 * host and user-agent (a positive test) and `!=`, `!`, `not`, `is not` and `misses` as its negation; for
 * cookie and header values `has`/`contains` test for a substring. `==` on the other subjects is equality.
 */
interface OperatorSpec {
  comparison: 'equals' | 'contains' | Exclude<Comparison, 'equals' | 'contains'>;
  negate: boolean;
}
const WORD_OPERATORS: Record<string, OperatorSpec> = {
  is: { comparison: 'equals', negate: false },
  not: { comparison: 'equals', negate: true },
  has: { comparison: 'contains', negate: false },
  contains: { comparison: 'contains', negate: false },
  misses: { comparison: 'contains', negate: true },
  'starts-with': { comparison: 'starts-with', negate: false },
  'ends-with': { comparison: 'ends-with', negate: false },
  matches: { comparison: 'matches', negate: false },
};
const SYMBOL_OPERATORS: [string, OperatorSpec][] = [
  ['==', { comparison: 'equals', negate: false }],
  ['!=', { comparison: 'equals', negate: true }],
  ['=', { comparison: 'equals', negate: false }],
  ['!', { comparison: 'equals', negate: true }],
];
export const OPERATOR_WORDS = [
  '==',
  '!=',
  'is',
  'is not',
  'not',
  'has',
  'contains',
  'misses',
  'starts-with',
  'ends-with',
  'matches',
];

/** Operands as written (case-insensitive; `user-agent` also as `user agent`, `useragent`, `user.agent`). */
const SIMPLE_SUBJECTS: Record<string, Subject['kind']> = {
  useragent: 'user-agent',
  host: 'host',
  path: 'path',
  method: 'method',
};
const NAMED_SUBJECTS = ['cookie', 'header', 'query'] as const;
export const OPERAND_WORDS = [
  'user-agent',
  'host',
  'path',
  'method',
  'cookie NAME',
  'header NAME',
  'query NAME',
];

const WHITESPACE = /\s/;
const WORD_CHAR = /[A-Za-z0-9_.-]/;

/**
 * Parses a condition into its syntax tree, or throws ConditionSyntaxError naming the position. As Vamp's
 * HaProxyAclResolver.scala does (`Try(parse(value)).getOrElse(Value(value))`), a condition that does not
 * parse as the condition language is read as a raw HAProxy ACL (`hdr_sub(user-agent) Chrome`,
 * `{ path_beg /api }`); when it is neither, the error is the one for the form it looks like.
 */
export function parseCondition(source: string): ConditionNode {
  try {
    return new Parser(source).parseAll();
  } catch (err) {
    if (!(err instanceof ConditionSyntaxError)) throw err;
    // Only a condition that fails at its first words (`path_beg /api`, `req.fhdr(...) -m sub X`) can be
    // a raw ACL; one that fails further on (a bad regex after `path matches`) keeps its own error.
    const secondWord = /^\s*\S+\s*/.exec(source)?.[0].length ?? 0;
    if (err.offset > secondWord && !/^\s*!?\s*\{/.test(source)) throw err;
    try {
      return parseHaproxyCondition(source);
    } catch (aclErr) {
      if (!(aclErr instanceof AclError)) throw aclErr;
      const lead = source.length - source.trimStart().length;
      if (looksLikeFetch(source) || /^\s*!?\s*\{/.test(source))
        throw new ConditionSyntaxError(aclErr.message, lead + aclErr.at);
      throw err;
    }
  }
}

class Parser {
  private pos = 0;
  constructor(private readonly src: string) {}

  parseAll(): ConditionNode {
    this.skipSpace();
    if (this.atEnd()) throw this.error('the condition is empty');
    const node = this.parseOr();
    this.skipSpace();
    if (!this.atEnd()) {
      const rest = this.src.slice(this.pos, this.pos + 20);
      throw this.error(`unexpected '${rest}'; expected 'and', 'or' or the end of the condition`);
    }
    return node;
  }

  private parseOr(): ConditionNode {
    let left = this.parseAnd();
    while (this.eatConnective(['or'], ['||', '|'])) left = { type: 'or', left, right: this.parseAnd() };
    return left;
  }

  private parseAnd(): ConditionNode {
    let left = this.parseFactor();
    while (this.eatConnective(['and'], ['&&', '&'])) left = { type: 'and', left, right: this.parseFactor() };
    return left;
  }

  private parseFactor(): ConditionNode {
    this.skipSpace();
    if (this.atEnd())
      throw this.error('expected a test such as `user-agent == Firefox` or `has cookie beta`');
    if (this.peek() === '!' && this.src[this.pos + 1] !== '=') {
      this.pos++;
      return { type: 'not', operand: this.parseFactor() };
    }
    if (this.peek() === '(') {
      const open = this.pos++;
      const inner = this.parseOr();
      this.skipSpace();
      if (this.peek() !== ')')
        throw new ConditionSyntaxError(
          `missing ')' for the '(' opened at column ${open + 1}; expected it`,
          this.pos,
        );
      this.pos++;
      return inner;
    }
    if (this.peek() === '<' || this.peek() === '{') return this.parseAcl();
    const start = this.pos;
    const word = this.readWord();
    if (!word) throw this.error(`unexpected '${this.peek()}'; expected a test such as \`host == localhost\``);
    const lower = word.toLowerCase();
    if (lower === 'not') return { type: 'not', operand: this.parseFactor() };
    if (lower === 'true' || lower === 'false') return { type: 'const', value: lower === 'true' };
    if (lower === 'has' || lower === 'misses') return this.parseExists(lower === 'misses');
    if ((NAMED_SUBJECTS as readonly string[]).includes(lower)) {
      const name = this.readValue(`${lower} name`);
      return this.parseComparison({ kind: lower as 'cookie', name }, word);
    }
    const simple = SIMPLE_SUBJECTS[lower.replace(/[-._]/g, '')] ?? this.userAgentWithSpace(lower);
    if (simple) return this.parseComparison({ kind: simple } as Subject, word);
    throw new ConditionSyntaxError(
      `unknown operand '${word}'; expected one of ${OPERAND_WORDS.join(', ')}, has/misses cookie|header|query NAME, or a raw ACL in < >`,
      start,
    );
  }

  /** Vamp also accepts `user agent` written as two words. */
  private userAgentWithSpace(lower: string): Subject['kind'] | undefined {
    if (lower !== 'user') return undefined;
    const save = this.pos;
    if (this.readWord().toLowerCase() === 'agent') return 'user-agent';
    this.pos = save;
    return undefined;
  }

  private parseExists(negate: boolean): ConditionNode {
    this.skipSpace();
    const at = this.pos;
    const kind = this.readWord().toLowerCase();
    if (!(NAMED_SUBJECTS as readonly string[]).includes(kind)) {
      throw new ConditionSyntaxError(
        `expected 'cookie', 'header' or 'query' after '${negate ? 'misses' : 'has'}'`,
        at,
      );
    }
    const name = this.readValue(`${kind} name`);
    return { type: 'exists', subject: { kind: kind as 'cookie', name }, negate };
  }

  private parseComparison(subject: Subject, written: string): ConditionNode {
    const op = this.readOperator(written);
    const valueAt = this.pos;
    const value = this.readValue('value');
    let comparison = op.comparison;
    // Vamp: user-agent and host tests are positive or negative; `has` means the same as `==` there.
    if ((subject.kind === 'user-agent' || subject.kind === 'host') && comparison === 'contains')
      comparison = 'equals';
    if (comparison === 'matches') checkRegex(value, valueAt);
    return { type: 'test', subject, comparison, value, negate: op.negate };
  }

  private readOperator(after: string): OperatorSpec {
    this.skipSpace();
    for (const [symbol, spec] of SYMBOL_OPERATORS) {
      if (this.src.startsWith(symbol, this.pos)) {
        this.pos += symbol.length;
        return spec;
      }
    }
    const at = this.pos;
    const word = this.readWord().toLowerCase();
    const spec = WORD_OPERATORS[word];
    if (!spec) {
      const found = word ? `'${word}'` : this.atEnd() ? 'the end' : `'${this.peek()}'`;
      this.pos = at;
      throw this.error(
        `expected an operator (${OPERATOR_WORDS.join(', ')}) after '${after}', found ${found}`,
      );
    }
    if (word === 'is') {
      const save = this.pos;
      if (this.readWord().toLowerCase() === 'not') return { comparison: 'equals', negate: true };
      this.pos = save;
    }
    return spec;
  }

  /** A value: "double" or 'single' quoted (backslash escapes), or a run up to whitespace or a parenthesis. */
  private readValue(what: string): string {
    this.skipSpace();
    const quote = this.peek();
    if (quote === '"' || quote === "'") return this.readQuoted(quote);
    const start = this.pos;
    while (!this.atEnd() && !WHITESPACE.test(this.peek()) && this.peek() !== '(' && this.peek() !== ')')
      this.pos++;
    if (this.pos === start) throw this.error(`expected a ${what}`);
    return this.src.slice(start, this.pos);
  }

  private readQuoted(quote: string): string {
    const open = this.pos++;
    let out = '';
    while (!this.atEnd() && this.peek() !== quote) {
      if (this.peek() === '\\' && this.pos + 1 < this.src.length) this.pos++;
      out += this.src[this.pos++];
    }
    if (this.atEnd()) throw new ConditionSyntaxError(`unterminated ${quote} quote`, open);
    this.pos++;
    return out;
  }

  /** `< fetch(arg) [-i] [-m method] value... >` or `{ ... }`: one raw HAProxy ACL (haproxy-acl.ts). */
  private parseAcl(): ConditionNode {
    const open = this.pos++;
    const closer = this.src[open] === '<' ? '>' : '}';
    const close = this.src.indexOf(closer, this.pos);
    if (close < 0) throw new ConditionSyntaxError(`missing '${closer}' to close the raw ACL`, open);
    const body = this.src.slice(this.pos, close);
    const bodyAt = this.pos + (body.length - body.trimStart().length);
    this.pos = close + 1;
    try {
      return parseAcl(body);
    } catch (err) {
      if (err instanceof AclError) throw new ConditionSyntaxError(err.message, bodyAt);
      throw err;
    }
  }

  private eatConnective(words: string[], symbols: string[]): boolean {
    const save = this.pos;
    this.skipSpace();
    for (const s of symbols) {
      if (this.src.startsWith(s, this.pos)) {
        this.pos += s.length;
        return true;
      }
    }
    const word = this.readWord().toLowerCase();
    if (words.includes(word)) return true;
    this.pos = save;
    return false;
  }

  private readWord(): string {
    this.skipSpace();
    const start = this.pos;
    while (!this.atEnd() && WORD_CHAR.test(this.peek())) this.pos++;
    return this.src.slice(start, this.pos);
  }

  private skipSpace(): void {
    while (!this.atEnd() && WHITESPACE.test(this.peek())) this.pos++;
  }
  private peek(): string {
    return this.src[this.pos] ?? '';
  }
  private atEnd(): boolean {
    return this.pos >= this.src.length;
  }
  private error(message: string): ConditionSyntaxError {
    return new ConditionSyntaxError(message, this.pos);
  }
}

function checkRegex(pattern: string, at: number): void {
  const problem = regexError(pattern);
  if (problem) throw new ConditionSyntaxError(`invalid regular expression /${pattern}/: ${problem}`, at);
}
