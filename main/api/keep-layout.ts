/**
 * A three-way merge of lines. `base` is the user's text as the YAML library writes it, `changed` is
 * the same with Switchyard's change, and `original` is the user's text as they wrote it: the result is
 * the original with the change, each line the user wrote kept as written unless the change is on it.
 * Lines are matched by what they say, whatever their indentation, and a changed line takes the
 * user's indentation. Where the library writes a region differently from the user in other ways and the
 * change falls inside it, the library's version of that region is taken (the content is right; only
 * that layout is lost).
 */
export function keepLayout(original: string, base: string, changed: string): string | undefined {
  const [o, b, a] = [lines(original), lines(base), lines(changed)];
  const [ko, kb, ka] = [o, b, a].map((t) => t.map((line) => line.trimStart()));
  const bo = matching(kb as string[], ko as string[]);
  const ba = matching(kb as string[], ka as string[]);
  if (!bo || !ba) return undefined;
  const out: string[] = [];
  let [pb, po, pa] = [0, 0, 0];
  const chunk = (eb: number, eo: number, ea: number) => {
    if (same(a, pa, ea, b, pb, eb)) out.push(...o.slice(po, eo));
    else if (same(ko as string[], po, eo, kb as string[], pb, eb) && eo - po > 0)
      // The user indents differently from the library here: the changed lines move by as much.
      out.push(...a.slice(pa, ea).map((line) => reindent(line, indentOf(o[po]!) - indentOf(b[pb]!))));
    else out.push(...a.slice(pa, ea));
  };
  for (let i = 0; i < b.length; i++) {
    const [io, ia] = [bo[i] as number, ba[i] as number];
    // A line the same in all three texts anchors the merge.
    if (io < 0 || ia < 0) continue;
    chunk(i, io, ia);
    out.push(o[io] as string);
    [pb, po, pa] = [i + 1, io + 1, ia + 1];
  }
  chunk(b.length, o.length, a.length);
  return out.join('');
}

const indentOf = (line: string) => line.length - line.trimStart().length;

function reindent(line: string, by: number): string {
  return by >= 0 ? ' '.repeat(by) + line : line.slice(Math.min(-by, indentOf(line)));
}

/** Lines with their endings, so that joining them gives the text back. */
function lines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

function same(x: string[], xs: number, xe: number, y: string[], ys: number, ye: number): boolean {
  if (xe - xs !== ye - ys) return false;
  for (let i = 0; i < xe - xs; i++) if (x[xs + i] !== y[ys + i]) return false;
  return true;
}

/** Beyond this many cells the middle of two texts is not matched: the caller keeps the library's text. */
const MAX_CELLS = 4_000_000;

/**
 * For each line of `x`, the index of the line of `y` it is matched with in a longest common
 * subsequence, or -1. The common start and end are matched directly; only the middle is searched.
 */
function matching(x: string[], y: string[]): Int32Array | undefined {
  const m = new Int32Array(x.length).fill(-1);
  let start = 0;
  while (start < x.length && start < y.length && x[start] === y[start]) m[start] = start++;
  let [ex, ey] = [x.length, y.length];
  while (ex > start && ey > start && x[ex - 1] === y[ey - 1]) m[--ex] = --ey;
  const [n, k] = [ex - start, ey - start];
  if (n * k > MAX_CELLS) return undefined;
  // lengths[i][j]: the longest common subsequence of x[start+i..ex) and y[start+j..ey).
  const width = k + 1;
  const lengths = new Int32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--)
    for (let j = k - 1; j >= 0; j--)
      lengths[i * width + j] =
        x[start + i] === y[start + j]
          ? (lengths[(i + 1) * width + j + 1] as number) + 1
          : Math.max(lengths[(i + 1) * width + j] as number, lengths[i * width + j + 1] as number);
  for (let i = 0, j = 0; i < n && j < k;) {
    if (x[start + i] === y[start + j]) {
      m[start + i] = start + j;
      i++;
      j++;
    } else if ((lengths[(i + 1) * width + j] as number) >= (lengths[i * width + j + 1] as number)) i++;
    else j++;
  }
  return m;
}
