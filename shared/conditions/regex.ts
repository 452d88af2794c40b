import { RE2JS } from 're2js';

/**
 * User-written regular expressions (conditions' `matches`, raw ACLs' `_reg`/`-m reg`, rewrites' `replace`
 * and `regsub`) run on RE2JS: matching takes time linear in the input, so a pattern such as `^(a+)+$`
 * cannot hold the event loop (issue 9). RE2 has no backreferences and no lookaround; validation says so.
 */
export interface LinearRegex {
  readonly source: string;
  test(input: string): boolean;
  /** Replaces every match; `$1`, `$<name>` and `$$` in the replacement, as in JavaScript. */
  replaceAll(input: string, replacement: string): string;
  /** The capture groups of the first match (index 0 is the whole match), or undefined. */
  exec(input: string): (string | undefined)[] | undefined;
  /** Every non-overlapping match's groups, with the group names (Go's FindAllStringSubmatch). */
  execAll(input: string): (string | undefined)[][];
  readonly groupNames: Record<string, number>;
}

/** Compiles a pattern; throws an Error whose message says what RE2 cannot do. */
export function compileRegex(pattern: string, ignoreCase = false): LinearRegex {
  const problem = regexProblem(pattern);
  if (problem) throw new Error(problem);
  let re: RE2JS;
  try {
    re = RE2JS.compile(pattern, ignoreCase ? RE2JS.CASE_INSENSITIVE : 0);
  } catch (err) {
    throw new Error((err as Error).message.replace(/^error parsing regexp: /, ''), { cause: err });
  }
  return {
    source: pattern,
    test: (input) => re.matcher(input).find(),
    replaceAll: (input, replacement) => re.matcher(input).replaceAll(replacement),
    exec: (input) => {
      const m = re.matcher(input);
      if (!m.find()) return undefined;
      const groups: (string | undefined)[] = [];
      for (let i = 0; i <= m.groupCount(); i++) groups.push(m.group(i) ?? undefined);
      return groups;
    },
    execAll: (input) => {
      const m = re.matcher(input);
      const all: (string | undefined)[][] = [];
      while (m.find()) {
        const groups: (string | undefined)[] = [];
        for (let i = 0; i <= m.groupCount(); i++) groups.push(m.group(i) ?? undefined);
        all.push(groups);
      }
      return all;
    },
    groupNames: re.namedGroups() as Record<string, number>,
  };
}

/** Why RE2 cannot run a pattern, in words a user can act on; undefined when it can (or RE2 will say). */
export function regexProblem(pattern: string): string | undefined {
  if (/\(\?<?[=!]/.test(pattern))
    return 'lookaround ((?=...), (?!...), (?<=...), (?<!...)) is not supported; regular expressions run on RE2, in linear time';
  if (/(^|[^\\])(\\\\)*\\([1-9]|k<)/.test(pattern))
    return 'backreferences (\\1, \\k<name>) are not supported; regular expressions run on RE2, in linear time';
  return undefined;
}

/** Checks a pattern; returns the error message, or undefined when it compiles. */
export function checkRegex(pattern: string, ignoreCase = false): string | undefined {
  try {
    compileRegex(pattern, ignoreCase);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}
