import { ConditionSyntaxError, parseCondition } from '../conditions/parser.js';
import { issue, type ConfigIssue } from './issues.js';
import type { GatewayConfig } from './model.js';

/**
 * Named conditions, as Vamp stores them under `/conditions` (magneticio/vamp
 * operation/.../controller/ArtifactApiController.scala: `PersistenceHandler[Condition](ConditionReader)`;
 * model/.../reader/GatewayReader.scala: `ConditionReader` reads `{name, condition}` into
 * `DefaultCondition(name, definition)`). A route's `condition` that is the name of one of them means its
 * definition. In a file they are a top-level mapping of name to definition:
 *
 *     conditions:
 *       beta-users: has cookie beta and user-agent == Firefox
 */
export type NamedConditions = Record<string, string>;

/** A stored condition as Vamp's API reads and writes it. */
export interface ConditionSource {
  name: string;
  condition: string;
}

/** Vamp's artifact names (model/.../reader/Reader.scala, `NameValidator`): no whitespace, no / [ ]. */
const NAME = /^[^\s/[\]]+$/;

export function isConditionName(text: string): boolean {
  return NAME.test(text);
}

/**
 * Checks the top-level `conditions:` value: a mapping of valid names to definitions that parse. Issue
 * paths start with 'conditions', so a loader can point at the line. `broken` are the names that did not
 * pass, so that routes naming them are not reported a second time.
 */
export function checkConditions(raw: unknown): {
  conditions: NamedConditions;
  issues: ConfigIssue[];
  broken: string[];
} {
  if (raw === null || raw === undefined) return { conditions: {}, issues: [], broken: [] };
  if (typeof raw !== 'object' || Array.isArray(raw))
    return {
      conditions: {},
      broken: [],
      issues: [
        issue(
          { path: ['conditions'] },
          '`conditions` must be a mapping of names to conditions, e.g. `beta: has cookie beta`',
        ),
      ],
    };
  const conditions: NamedConditions = {};
  const issues: ConfigIssue[] = [];
  const broken: string[] = [];
  for (const [name, definition] of Object.entries(raw)) {
    const problem = conditionProblem(name, definition);
    if (problem) {
      issues.push(issue({ path: ['conditions', name] }, `condition '${name}': ${problem}`));
      broken.push(name);
    } else conditions[name] = definition as string;
  }
  return { conditions, issues, broken };
}

/** What is wrong with a named condition, or undefined when it can be stored. */
export function conditionProblem(name: string, definition: unknown): string | undefined {
  if (!isConditionName(name))
    return `${JSON.stringify(name)} is not a valid name; names have no whitespace and no / [ ]`;
  if (typeof definition !== 'string' || !definition.trim()) return 'needs a condition (a string)';
  try {
    parseCondition(definition);
    return undefined;
  } catch (err) {
    if (!(err instanceof ConditionSyntaxError)) throw err;
    return `${err.message}: ${JSON.stringify(definition)}`;
  }
}

/**
 * A route's `condition` as it runs: the stored definition when the text is a stored name (names have no
 * whitespace, so they cannot be mistaken for the language's tests), else the text itself.
 */
export function resolveCondition(
  text: string,
  conditions: NamedConditions,
): { definition: string; name?: string } {
  const name = text.trim();
  const stored = Object.hasOwn(conditions, name) ? conditions[name] : undefined;
  return stored === undefined ? { definition: text } : { definition: stored, name };
}

/** Which routes use a stored condition, as `gateway/route` pairs. */
export function conditionUsers(
  gateways: readonly GatewayConfig[],
  name: string,
): { gateway: string; route: string }[] {
  return gateways.flatMap((g) =>
    g.routes.filter((r) => r.conditionName === name).map((r) => ({ gateway: g.name, route: r.name })),
  );
}

/** "a, b" or "none": the stored names, for messages. */
export function storedNames(conditions: NamedConditions): string {
  const names = Object.keys(conditions);
  return names.length ? names.join(', ') : 'none';
}
