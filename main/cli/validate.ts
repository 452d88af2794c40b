import { loadConfigText } from '../../shared/config/load.js';
import { readTextFile } from './read-file.js';
import { formatIssues, summarize } from './format.js';

export async function validate(file: string): Promise<number> {
  const text = await readTextFile(file);
  if (text === undefined) return 1;
  const result = loadConfigText(text);
  if (!result.ok) {
    console.error(formatIssues(file, result.issues));
    console.error(
      `${file}: ${result.issues.length} problem${result.issues.length === 1 ? '' : 's'}; the configuration is not valid`,
    );
    return 1;
  }
  console.log(`${file}: valid: ${summarize(result.config)}`);
  return 0;
}
