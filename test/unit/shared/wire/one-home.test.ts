import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERSION } from '../../../../main/version.js';

/**
 * Each wire fact has one home (shared/wire, and main/version.ts for the version); these find the hand-made
 * copies that used to drift apart, so a new one fails here rather than in a user's export.
 */
const ROOT = path.resolve(import.meta.dirname, '../../../..');

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(path.join(ROOT, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && /\.(c?ts|tsx)$/.test(e.name))
    .map((e) => path.relative(ROOT, path.join(e.parentPath, e.name)))
    .map((file) => ({ file, text: readFileSync(path.join(ROOT, file), 'utf8') }));
}

const CODE = [...sources('main'), ...sources('shared'), ...sources('renderer/src')];
const outside = (home: string) => CODE.filter((s) => !s.file.startsWith(home));

const COPIES: { fact: string; home: string; pattern: RegExp }[] = [
  { fact: 'IPv6 brackets', home: 'shared/wire/host.ts', pattern: /includes\(':'\)\s*(&&[^?]*)?\?\s*`\[/ },
  { fact: 'the control port', home: 'shared/wire/ports.ts', pattern: /\b7700\b/ },
  { fact: 'the demo ports', home: 'shared/wire/ports.ts', pattern: /\b18_?08[12]\b/ },
  { fact: 'the version', home: 'main/version.ts', pattern: /getVersion\(\)|'\d+\.\d+\.\d+'/ },
  {
    fact: 'which operands ignore case',
    home: 'shared/wire/case-folding.ts',
    pattern: /kind === 'method' \|\||criterion === 'method' \?|CASE_INSENSITIVE = new Set/,
  },
  {
    fact: 'the IPC channel',
    home: 'shared/api/desktop.ts',
    pattern: /'switchyard:message'|'desktop:[a-z-]+'/,
  },
];

describe('one home per wire fact', () => {
  for (const { fact, home, pattern } of COPIES)
    it(`${fact} is written only in ${home}`, () => {
      const copies = outside(home)
        .filter((s) => pattern.test(s.text))
        .map((s) => s.file);
      expect(copies).toEqual([]);
    });

  it("the version is package.json's", () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(VERSION).toBe(pkg.version);
  });
});
