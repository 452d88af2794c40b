import { Document } from 'yaml';
import { loadConfigValue } from '../../shared/config/load.js';
import { importAileron } from '../import/aileron.js';
import { importVamp } from '../import/vamp.js';
import { readTextFile } from './read-file.js';
import { formatIssues } from './format.js';

import { IMPORT_FORMATS } from './formats.js';
export { IMPORT_FORMATS };

/** `switchyard import --from vamp|aileron FILE`: prints the equivalent Switchyard YAML, or what it still needs. */
export async function importCommand(file: string, opts: { from: string; target: string[] }): Promise<number> {
  if (!(IMPORT_FORMATS as readonly string[]).includes(opts.from)) {
    console.error(`switchyard: cannot import from '${opts.from}'; choose ${IMPORT_FORMATS.join(', ')}`);
    return 1;
  }
  const text = await readTextFile(file);
  if (text === undefined) return 1;
  const targets: Record<string, string[]> = {};
  for (const pair of opts.target) {
    const eq = pair.lastIndexOf('=');
    if (eq <= 0) {
      console.error(`switchyard: --target takes ROUTE=URL, got '${pair}'`);
      return 1;
    }
    (targets[pair.slice(0, eq)] ??= []).push(pair.slice(eq + 1));
  }
  let result;
  try {
    result = opts.from === 'aileron' ? importAileron(text) : importVamp(text, targets);
  } catch (err) {
    console.error(`${file}: ${(err as Error).message}`);
    return 1;
  }
  for (const n of result.notes) console.error(`note: ${n}`);
  if (result.problems.length) {
    for (const p of result.problems) console.error(`${file}: ${p}`);
    return 1;
  }
  // What is printed must run: validate it as `switchyard serve` would.
  const checked = loadConfigValue(result.gateways);
  if (!checked.ok) {
    console.error(formatIssues(file, checked.issues));
    return 1;
  }
  process.stdout.write(
    `# Imported by Switchyard from ${file} (${opts.from})\n${new Document({ gateways: result.gateways }).toString()}`,
  );
  return 0;
}
