import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { desktopStartupSuite } from '../../helpers/desktop-startup-suite.js';
import {
  extractAsar,
  listAsar,
  packWithElectronBuilder,
  readFuses,
  writeStandInElectronDist,
  type Packed,
} from '../../helpers/packaged-app.js';

/**
 * The packaged app: electron-builder packs it as `npm run dist` would (for Linux, into a directory,
 * against a stand-in unpacked Electron, so offline), then app.asar is extracted and its main.js started
 * the same way as in the dev layout. Only what electron-builder put in app.asar is there to import.
 */
const ROOT = path.resolve(import.meta.dirname, '../../..');
let work: string;
let packed: Packed;
let appDir: string;

beforeAll(async () => {
  work = await mkdtemp(path.join(tmpdir(), 'switchyard-packaged-'));
  // Module resolution walks up from the extracted app: nothing above it may supply a package.
  for (let dir = path.dirname(work); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'node_modules')))
      throw new Error(`${dir}/node_modules exists, so the extracted app could import from it; remove it`);
    if (dir === path.dirname(dir)) break;
  }
  const electronVersion = (createRequire(import.meta.url)('electron/package.json') as { version: string })
    .version;
  await writeStandInElectronDist(path.join(work, 'electron-dist'), electronVersion);
  packed = await packWithElectronBuilder(path.join(work, 'electron-dist'), path.join(work, 'release'));
  appDir = path.join(work, 'app');
  extractAsar(packed.asar, appDir);
}, 180_000);

afterAll(async () => {
  if (work) await rm(work, { recursive: true, force: true });
});

describe('the packaged app', () => {
  it('has its fuses flipped as electron-builder.yml says', async () => {
    const config = parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as {
      electronFuses: Record<string, boolean>;
    };
    const { resetAdHocDarwinSignature, ...wanted } = config.electronFuses;
    expect(resetAdHocDarwinSignature).toBe(true);
    expect(readFuses(await readFile(packed.executable))).toMatchObject(wanted);
  });

  it('holds the built app and its runtime dependencies, and no development tooling', () => {
    const files = new Set(listAsar(packed.asar).map((f) => f.replaceAll('\\', '/')));
    const pkg = JSON.parse(readFileSync(path.join(appDir, 'package.json'), 'utf8')) as {
      main: string;
      type: string;
    };
    expect(pkg).toMatchObject({ main: 'dist/main/electron/main.js', type: 'module' });
    for (const f of [
      '/dist/main/electron/main.js',
      '/dist/main/preload/preload.cjs',
      '/dist/renderer/index.html',
      '/node_modules/ws/package.json',
      '/node_modules/electron-store/package.json',
    ])
      expect(files.has(f), f).toBe(true);
    for (const dev of ['electron', 'electron-builder', 'vitest', 'typescript', 'react', 'uplot', 'zustand'])
      expect(files.has(`/node_modules/${dev}`), dev).toBe(false);
    expect([...files].some((f) => f.endsWith('.map'))).toBe(false);
    expect([...files].some((f) => f.startsWith('/main/') || f.startsWith('/test/'))).toBe(false);
  });
});

desktopStartupSuite('packaged layout', () => appDir, true);
