import { loadConfigText, loadConfigValue } from '../../shared/config/load.js';
import { importAileron, isAileron } from '../import/aileron.js';
import { readTextFile } from './read-file.js';
import { formatIssues, summarize } from './format.js';

/** `switchyard validate FILE`: accepts every file `serve` runs, AILERON configurations included. */
export async function validate(file: string): Promise<number> {
  const text = await readTextFile(file);
  if (text === undefined) return 1;
  const aileron = isAileron(text) ? importAileron(text) : undefined;
  if (aileron?.problems.length) {
    for (const p of aileron.problems) console.error(`${file}: ${p}`);
    console.error(`${file}: the AILERON configuration cannot run`);
    return 1;
  }
  for (const n of aileron?.notes ?? []) console.error(`note: ${n}`);
  const result = aileron ? loadConfigValue(aileron.gateways) : loadConfigText(text);
  if (!result.ok) {
    console.error(formatIssues(file, result.issues));
    console.error(
      `${file}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}; the configuration is not valid`,
    );
    return 1;
  }
  const named = Object.keys(result.conditions);
  const conditions = named.length
    ? `; ${named.length} named condition${named.length === 1 ? '' : 's'}: ${named.join(', ')}`
    : '';
  console.log(`${file}: valid${aileron ? ' (AILERON)' : ''}: ${summarize(result.config)}${conditions}`);
  return 0;
}
