import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { lineOf } from './yaml-lines.js';
import { issue, type ConfigIssue } from './issues.js';
import { normalizeGateways, topLevelIssues, type NormalizeResult } from './normalize.js';

/** Top-level keys held beside the gateways, each in one document only. */
const HELD = ['conditions', 'listeners'] as const;
type HeldKey = (typeof HELD)[number];

/**
 * Reads a configuration from YAML (JSON is YAML too): either `gateways: [...]` (with the named
 * `conditions:` and the shared `listeners:` beside it), a list of gateways, or a stream of gateway documents separated by `---`, so
 * that a gateway pasted from Vamp loads as is. Issues carry the line they concern.
 */
export function loadConfigText(text: string): NormalizeResult {
  // The YAML library throws for some inputs (too many aliases, nesting deeper than the stack): those are
  // problems of the file like any other, never a crash of whatever is loading it.
  try {
    return loadDocuments(text);
  } catch (err) {
    const pos = (err as { linePos?: { line: number }[] }).linePos?.[0];
    const message = `YAML: ${String((err as Error)?.message ?? err).split('\n')[0]}`;
    return { ok: false, issues: [{ path: [], message, ...(pos ? { line: pos.line } : {}) }] };
  }
}

function loadDocuments(text: string): NormalizeResult {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines, uniqueKeys: true });
  if (!Array.isArray(docs)) return normalizeGateways([]);
  const syntax: ConfigIssue[] = docs.flatMap((d) =>
    d.errors.map((e) => ({
      path: [],
      message: `YAML: ${e.message.split('\n')[0]}`,
      line: lines.linePos(e.pos[0]).line,
    })),
  );
  if (syntax.length) return { ok: false, issues: syntax };

  const raw: unknown[] = [];
  const located: { doc: Document; prefix: (string | number)[] }[] = [];
  const issues: ConfigIssue[] = [];
  const held: Record<HeldKey, { doc: Document; value: unknown } | undefined> = {
    conditions: undefined,
    listeners: undefined,
  };
  for (const doc of docs) {
    let value: unknown;
    try {
      value = doc.toJS();
    } catch (err) {
      const line = doc.range ? lines.linePos(doc.range[0]).line : undefined;
      const message = `YAML: ${String((err as Error)?.message ?? err).split('\n')[0]}`;
      issues.push({ path: [], message, ...(line ? { line } : {}) });
      continue;
    }
    if (value === null || value === undefined) continue;
    if (isMap(doc.contents) && (doc.has('gateways') || HELD.some((key) => doc.has(key)))) {
      for (const i of topLevelIssues(value as Record<string, unknown>))
        issues.push({ ...i, line: lineOf(doc, i.path, lines) });
      for (const key of HELD.filter((k) => doc.has(k))) {
        if (held[key])
          issues.push({
            ...issue({ path: [key] }, `\`${key}\` is given in more than one document; keep one`),
            line: lineOf(doc, [key], lines),
          });
        held[key] = { doc, value: (value as Record<string, unknown>)[key] };
      }
      const list = (value as { gateways?: unknown }).gateways;
      if (list !== null && list !== undefined && !Array.isArray(list)) {
        issues.push({
          ...issue({ path: [] }, '`gateways` must be a list of gateways'),
          line: lineOf(doc, ['gateways'], lines),
        });
        continue;
      }
      (list ?? []).forEach((g: unknown, i: number) => {
        raw.push(g);
        located.push({ doc, prefix: ['gateways', i] });
      });
    } else if (isSeq(doc.contents)) {
      (value as unknown[]).forEach((g, i) => {
        raw.push(g);
        located.push({ doc, prefix: [i] });
      });
    } else {
      raw.push(value);
      located.push({ doc, prefix: [] });
    }
  }
  if (issues.length) return { ok: false, issues };
  const result = normalizeGateways(raw, held.conditions?.value, held.listeners?.value);
  if (result.ok) return result;
  for (const i of result.issues) {
    const top = HELD.find((key) => key === i.path[0]);
    const at = top && held[top];
    if (at) i.line = lineOf(at.doc, i.path, lines);
    const [index, ...rest] = i.path;
    const where = typeof index === 'number' ? located[index] : undefined;
    if (where) i.line = lineOf(where.doc, [...where.prefix, ...rest], lines);
  }
  return result;
}

/**
 * Reads a configuration that is already a value (JSON from the API, say): `{ gateways: [...] }`, a list of
 * gateways, or one gateway.
 */
export function loadConfigValue(value: unknown): NormalizeResult {
  if (value === null || value === undefined) return normalizeGateways([]);
  if (Array.isArray(value)) return normalizeGateways(value);
  if (typeof value === 'object' && ('gateways' in value || HELD.some((key) => key in value))) {
    const unknown = topLevelIssues(value as Record<string, unknown>);
    if (unknown.length) return { ok: false, issues: unknown };
    const { gateways: list, conditions, listeners } = value as Record<string, unknown>;
    if (list === null || list === undefined) return normalizeGateways([], conditions, listeners);
    if (!Array.isArray(list))
      return { ok: false, issues: [issue({ path: [] }, '`gateways` must be a list of gateways')] };
    return normalizeGateways(list, conditions, listeners);
  }
  return normalizeGateways([value]);
}
