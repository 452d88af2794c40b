import { readFile } from 'node:fs/promises';

/** A file's text, or undefined after saying on stderr why it could not be read. */
export async function readTextFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    console.error(`${file}: cannot read: ${(err as Error).message}`);
    return undefined;
  }
}
