import { isMap, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { lineOf } from './yaml-lines.js';
import { issue, type ConfigIssue } from './issues.js';
import { normalizeGateways, topLevelIssues, type NormalizeResult } from './normalize.js';

/**
 * Reads a configuration from YAML (JSON is YAML too): either `gateways: [...]` (with the named
 * `conditions:` beside it), a list of gateways, or a stream of gateway documents separated by `---`, so
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
  let conditions: { doc: Document; value: unknown } | undefined;
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
    if (isMap(doc.contents) && (doc.has('gateways') || doc.has('conditions'))) {
      for (const i of topLevelIssues(value as Record<string, unknown>))
        issues.push({ ...i, line: lineOf(doc, i.path, lines) });
      if (doc.has('conditions')) {
        if (conditions)
          issues.push({
            ...issue({ path: ['conditions'] }, '`conditions` is given in more than one document; keep one'),
            line: lineOf(doc, ['conditions'], lines),
          });
        conditions = { doc, value: (value as { conditions: unknown }).conditions };
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
  const result = normalizeGateways(raw, conditions?.value);
  if (result.ok) return result;
  for (const i of result.issues) {
    if (i.path[0] === 'conditions' && conditions) i.line = lineOf(conditions.doc, i.path, lines);
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
  if (typeof value === 'object' && ('gateways' in value || 'conditions' in value)) {
    const unknown = topLevelIssues(value as Record<string, unknown>);
    if (unknown.length) return { ok: false, issues: unknown };
    const { gateways: list, conditions } = value as { gateways?: unknown; conditions?: unknown };
    if (list === null || list === undefined) return normalizeGateways([], conditions);
    if (!Array.isArray(list))
      return { ok: false, issues: [issue({ path: [] }, '`gateways` must be a list of gateways')] };
    return normalizeGateways(list, conditions);
  }
  return normalizeGateways([value]);
}
