/** One thing wrong with a configuration, located precisely enough for a form field or an editor line. */
export interface ConfigIssue {
  /** Path inside the gateway list, e.g. [0, 'routes', 'v2', 'weight']. */
  path: (string | number)[];
  gateway?: string;
  route?: string;
  field?: string;
  /** A whole sentence: where, what is wrong and what would be right. */
  message: string;
  /** 1-based line in the YAML source, when the configuration came from text. */
  line?: number;
}

/** Builds an issue whose message starts with "gateway 'g': route 'r': field:". */
export function issue(
  where: { gateway?: string; route?: string; field?: string; path: (string | number)[] },
  what: string,
): ConfigIssue {
  const parts: string[] = [];
  if (where.gateway !== undefined) parts.push(`gateway '${where.gateway}'`);
  if (where.route !== undefined) parts.push(`route '${where.route}'`);
  if (where.field !== undefined) parts.push(where.field);
  return { ...where, message: parts.length ? `${parts.join(': ')}: ${what}` : what };
}
