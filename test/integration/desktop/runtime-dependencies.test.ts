import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

/**
 * Every module the built app can load at run time must come from `dependencies`: electron-builder packs
 * only those into app.asar (and `npm install --omit=dev` installs only those), so an import satisfied by
 * a devDependency works in development and fails in the packaged app. Read from the built output: the
 * import graph of dist/main from its entry points (static imports, dynamic imports, require calls).
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const ENTRIES = ['dist/main/electron/main.js', 'dist/main/preload/preload.cjs', 'dist/main/cli/index.js'];
/** Provided by the runtime: Electron's own module, in the main process and the preload. */
const RUNTIME_PROVIDED = new Set(['electron']);

const packageName = (specifier: string) =>
  specifier
    .split('/')
    .slice(0, specifier.startsWith('@') ? 2 : 1)
    .join('/');

function specifiersOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The built files reachable from the entry points, and the packages they import. */
function importGraph(): { files: Set<string>; packages: Map<string, string[]> } {
  const files = new Set<string>();
  const packages = new Map<string, string[]>();
  const queue = ENTRIES.map((e) => path.join(ROOT, e));
  while (queue.length) {
    const file = queue.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    for (const specifier of specifiersOf(file)) {
      if (specifier.startsWith('.')) {
        queue.push(path.resolve(path.dirname(file), specifier));
        continue;
      }
      if (isBuiltin(specifier)) continue;
      const name = packageName(specifier);
      packages.set(name, [...(packages.get(name) ?? []), path.relative(ROOT, file)]);
    }
  }
  return { files, packages };
}

function bareImportsUnder(dir: string): Set<string> {
  const found = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile() || !/\.(ts|tsx)$/.test(entry.name)) continue;
    for (const s of specifiersOf(path.join(entry.parentPath, entry.name)))
      if (!s.startsWith('.') && !isBuiltin(s)) found.add(packageName(s));
  }
  return found;
}

describe('runtime dependencies', () => {
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const { files, packages } = importGraph();

  it('the import graph of dist/main stays inside what electron-builder packs', () => {
    expect(packages.size).toBeGreaterThan(5);
    for (const file of files) {
      const relative = path.relative(ROOT, file).replaceAll('\\', '/');
      expect(relative).toMatch(/^dist\/(main|shared)\/.*\.c?js$/);
    }
  });

  it('every package dist/main imports is a dependency, and installed without the dev dependencies', async () => {
    const { stdout } = await promisify(execFile)('npm', ['ls', '--omit=dev', '--all', '--json'], {
      cwd: ROOT,
      maxBuffer: 32 * 1024 * 1024,
      shell: process.platform === 'win32',
    });
    const tree = JSON.parse(stdout) as { dependencies?: Record<string, { missing?: boolean }> };
    const production = tree.dependencies ?? {};
    const notDependencies = [...packages]
      .filter(([name]) => !RUNTIME_PROVIDED.has(name))
      .filter(([name]) => !(name in pkg.dependencies) || !production[name] || production[name].missing)
      .map(([name, by]) => `${name} (imported by ${by.join(', ')})`);
    expect(notDependencies).toEqual([]);
    // Electron itself comes with the app's runtime, so it stays a devDependency and is never packed.
    expect(pkg.devDependencies).toHaveProperty('electron');
    expect(pkg.dependencies).not.toHaveProperty('electron');
  });

  it('libraries only the renderer uses (Vite bundles them) are devDependencies, not packed twice', () => {
    const main = new Set(packages.keys());
    const rendererOnly = [...bareImportsUnder(path.join(ROOT, 'renderer'))].filter((p) => !main.has(p));
    expect(rendererOnly.length).toBeGreaterThan(0);
    expect(rendererOnly.filter((p) => p in pkg.dependencies)).toEqual([]);
  });
});
