import {
  isMap,
  isScalar,
  isSeq,
  parseAllDocuments,
  Document,
  YAMLSeq,
  type Node,
  type ToStringOptions,
} from 'yaml';
import type { GatewaySource } from '../../shared/config/source.js';
import type { NamedConditions } from '../../shared/config/named-conditions.js';
import type { ListenersSource } from '../../shared/config/listeners.js';
import { keepLayout } from './keep-layout.js';

/**
 * Writes gateway sources (and the named conditions and the shared listeners, when given) back into the
 * user's YAML text. The file may be a `gateways:` list, a list, or a stream of gateway documents; it keeps
 * its shape, except that named conditions and listeners need top-level `conditions:` and `listeners:`
 * keys, which a bare list becomes a `gateways:` document for and a stream gets as its first document.
 * `listeners`: undefined leaves the file's as they are, null removes them. Only the nodes whose values changed are
 * replaced, and then only the lines of those nodes: every other line (comments, indentation, quoting,
 * flow lists like `[a]`) stays as the user wrote it.
 */
export function syncYaml(
  text: string,
  sources: GatewaySource[],
  conditions?: NamedConditions,
  listeners?: ListenersSource | null,
): string {
  const changed = rewrite(text, sources, conditions, listeners);
  const kept = keepLayout(text, rewrite(text), changed);
  // The merge is checked, not trusted: should it read differently from the change, the change is
  // written as the YAML library lays it out.
  return kept !== undefined && sameValue(kept, changed) ? kept : changed;
}

/** The text with the sources written into it, laid out by the YAML library; no sources: as it is. */
function rewrite(
  text: string,
  sources?: GatewaySource[],
  conditions?: NamedConditions,
  listeners?: ListenersSource | null,
): string {
  const options = layoutOf(text);
  const docs = text.trim() ? parseAllDocuments(text) : [];
  const named = conditions && Object.keys(conditions).length ? conditions : undefined;
  const single = Array.isArray(docs) && docs.length === 1 ? (docs[0] as Document) : undefined;
  // A bare list cannot hold `conditions:` or `listeners:`: it becomes the `gateways:` document it means.
  if (single && (named || listeners) && isSeq(single.contents))
    single.contents = single.createNode({ gateways: single.contents }) as typeof single.contents;
  const list = single ? gatewayList(single) : undefined;
  if (list) {
    const [doc, seq] = list;
    const byName = new Map(seq.items.map((item) => [nameOf(item), item]));
    if (sources) seq.items = sources.map((s) => sync(doc, byName.get(s.name), s));
    if (conditions) syncConditions(doc, named);
    if (listeners !== undefined) syncListeners(doc, listeners);
    return doc.toString(options);
  }
  if (Array.isArray(docs) && docs.length > 0) {
    // A stream of gateway documents: one document per gateway, the named conditions in one of their own.
    const isConditions = (d: Document) =>
      isMap(d.contents) && (d.has('conditions') || d.has('listeners')) && !d.has('name');
    const held = docs.find(isConditions);
    const gatewayDocs = docs.filter((d) => !isConditions(d));
    const byName = new Map(gatewayDocs.map((d) => [nameOf(d.contents), d]));
    const kept = !sources
      ? gatewayDocs
      : sources.map((s) => {
          const existing = byName.get(s.name);
          if (!existing) return new Document(s);
          existing.contents = sync(existing, existing.contents, s) as typeof existing.contents;
          return existing;
        });
    let head: Document | undefined = held;
    if (conditions !== undefined || listeners !== undefined) {
      head = held ?? (named || listeners ? new Document({}) : undefined);
      if (head && conditions !== undefined) syncConditions(head, named);
      if (head && listeners !== undefined) syncListeners(head, listeners);
      if (head && !isMap(head.contents)) head = undefined;
      else if (head && (head.contents as { items: unknown[] }).items.length === 0) head = undefined;
    }
    const out: Document[] = head ? [head, ...kept] : kept;
    out.forEach((d, i) => {
      if (d.directives) d.directives.docStart = i > 0 || text.trimStart().startsWith('---') ? true : null;
    });
    return out.map((d) => d.toString(options)).join('');
  }
  return new Document({
    ...(listeners ? { listeners } : {}),
    ...(named ? { conditions: named } : {}),
    gateways: sources ?? [],
  }).toString(options);
}

/**
 * The user's layout as far as the YAML library can follow it, so that its version of their text differs
 * from theirs in as few lines as possible: the indentation step, whether list items are indented under
 * their key, padding inside flow collections; and no folding of long lines.
 */
function layoutOf(text: string): ToStringOptions {
  const indents = [...text.matchAll(/^( +)\S/gm)].map((m) => (m[1] as string).length);
  const indent = Math.min(...indents.filter((n) => n > 0), 8);
  return {
    indent: Number.isFinite(indent) && indent >= 2 ? indent : 2,
    indentSeq: !/^(\s*)[\w"'-][^\n]*:\n\1- /m.test(text),
    flowCollectionPadding: /[[{] \S/.test(text),
    lineWidth: 0,
  };
}

function sameValue(a: string, b: string): boolean {
  const read = (text: string) => {
    const docs = parseAllDocuments(text);
    if (!Array.isArray(docs) || docs.some((d) => d.errors.length)) return undefined;
    return JSON.stringify(docs.map((d) => d.toJS() as unknown));
  };
  const value = read(a);
  return value !== undefined && value === read(b);
}

/** Sets the document's top-level `conditions:` (first, when it is new); none: the key goes. */
function syncConditions(doc: Document, conditions: NamedConditions | undefined): void {
  if (!isMap(doc.contents)) return;
  const existing = doc.get('conditions', true);
  if (!conditions) {
    doc.delete('conditions');
    return;
  }
  if (existing !== undefined) {
    doc.set('conditions', sync(doc, existing, conditions));
    return;
  }
  doc.contents.items.unshift(doc.createPair('conditions', conditions));
}

/** Sets the document's top-level `listeners:` (first, when it is new); null: the key goes. */
function syncListeners(doc: Document, listeners: ListenersSource | null): void {
  if (!isMap(doc.contents)) return;
  const existing = doc.get('listeners', true);
  if (!listeners) doc.delete('listeners');
  else if (existing !== undefined) doc.set('listeners', sync(doc, existing, listeners));
  else doc.contents.items.unshift(doc.createPair('listeners', listeners));
}

function gatewayList(doc: Document): [Document, YAMLSeq] | undefined {
  if (isSeq(doc.contents)) return [doc, doc.contents];
  if (isMap(doc.contents)) {
    const seq = doc.get('gateways', true);
    if (isSeq(seq)) return [doc, seq];
    if (seq === undefined || seq === null || (isScalar(seq) && seq.value === null)) {
      const fresh = new YAMLSeq();
      doc.set('gateways', fresh);
      return [doc, fresh];
    }
  }
  return undefined;
}

function nameOf(node: unknown): string | undefined {
  if (!isMap(node)) return undefined;
  const name = node.get('name');
  return typeof name === 'string' ? name : undefined;
}

/** Returns `node` updated in place to hold `value`, or a new node (keeping the old one's comments). */
function sync(doc: Document, node: unknown, value: unknown): unknown {
  if (isPlainObject(value) && isMap(node)) {
    for (const pair of [...node.items]) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      if (!Object.hasOwn(value, key)) node.delete(pair.key);
    }
    for (const [key, v] of Object.entries(value)) {
      const pair = node.items.find((p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === key);
      if (pair) pair.value = sync(doc, pair.value, v) as typeof pair.value;
      else node.set(key, doc.createNode(v));
    }
    return node;
  }
  if (node !== null && typeof node === 'object' && 'toJSON' in node) {
    const current = (node as { toJSON(): unknown }).toJSON();
    if (JSON.stringify(current) === JSON.stringify(value)) return node;
  } else if ((node === null || node === undefined) && (value === null || value === undefined)) return node;
  const fresh = doc.createNode(value) as Node;
  if (node && typeof node === 'object') {
    const old = node as Node;
    if (old.comment) fresh.comment = old.comment;
    if (old.commentBefore) fresh.commentBefore = old.commentBefore;
  }
  return fresh;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
