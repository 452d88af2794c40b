import { isMap, isScalar, isSeq, LineCounter, parseAllDocuments, type Document } from 'yaml';

/** The 1-based line of a path such as ['routes', 'v2', 'weight'] in a YAML text holding one gateway. */
export function lineOfPath(text: string, path: (string | number)[]): number | undefined {
  const lines = new LineCounter();
  const doc = parseAllDocuments(text, { lineCounter: lines })[0];
  return doc && 'getIn' in doc ? lineOf(doc as Document, path, lines) : undefined;
}

/**
 * The line of `path` in the document: the line of its key for a mapping entry, of the item for a list
 * entry. Where the path goes past what exists (a missing field), the deepest part that exists.
 */
export function lineOf(doc: Document, path: (string | number)[], lines: LineCounter): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined = rangeLine(node, lines);
  for (const seg of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (p) => (isScalar(p.key) ? String(p.key.value) : String(p.key)) === String(seg),
      );
      if (!pair) break;
      line = rangeLine(pair.key, lines) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number') {
      node = node.items[seg];
      line = rangeLine(node, lines) ?? line;
    } else break;
  }
  return line;
}

function rangeLine(node: unknown, lines: LineCounter): number | undefined {
  const range = (node as { range?: [number, number, number] } | null)?.range;
  return range ? lines.linePos(range[0]).line : undefined;
}
