import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Conf from 'conf';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CURRENT_VERSION,
  DEFAULT_SETTINGS,
  DesktopPersistence,
  migrate,
  openDesktopStore,
} from '../../../../main/electron/desktop-store.js';

// electron-store is conf plus Electron's paths; these run on conf itself, in plain Node.
const dirs: string[] = [];
afterEach(async () => {
  while (dirs.length) await rm(dirs.pop()!, { recursive: true, force: true });
});

async function temp(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-store-'));
  dirs.push(dir);
  return dir;
}

const open = (cwd: string) => () =>
  new Conf({ projectName: 'switchyard', cwd, configName: 'switchyard', clearInvalidConfig: false });

describe('the desktop store', () => {
  it('starts with defaults at the current version', async () => {
    const dir = await temp();
    const { data, movedAside } = openDesktopStore(open(dir), path.join(dir, 'switchyard.json'));
    expect(movedAside).toBeUndefined();
    expect(data).toEqual({
      version: CURRENT_VERSION,
      gateways: [],
      conditions: {},
      settings: DEFAULT_SETTINGS,
    });
    expect(JSON.parse(readFileSync(path.join(dir, 'switchyard.json'), 'utf8'))).toMatchObject({
      version: CURRENT_VERSION,
    });
  });

  it('migrates a version 1 file (gateways as YAML, logSize) to the current model', async () => {
    const dir = await temp();
    const file = path.join(dir, 'switchyard.json');
    writeFileSync(
      file,
      JSON.stringify({
        version: 1,
        gatewaysYaml: 'gateways:\n  - { name: shop, port: 8080 }\n',
        settings: { logSize: 500, theme: 'dark' },
      }),
    );
    const { data, store } = openDesktopStore(open(dir), file);
    expect(data).toEqual({
      version: 5,
      gateways: [{ name: 'shop', port: 8080 }],
      conditions: {},
      settings: { ...DEFAULT_SETTINGS, theme: 'dark', logCapacity: 500 },
    });
    expect(store.get('gatewaysYaml')).toBeUndefined();
    expect(migrate({ version: 3, gateways: [{ name: 'x' }], settings: DEFAULT_SETTINGS }).gateways).toEqual([
      { name: 'x' },
    ]);
  });

  it("migrates version 3 to 4 with no named conditions, and keeps a version 1 YAML file's conditions", () => {
    const v3 = migrate({ version: 3, gateways: [{ name: 'x' }], settings: DEFAULT_SETTINGS });
    expect(v3).toMatchObject({ version: 5, gateways: [{ name: 'x' }], conditions: {} });
    const v1 = migrate({
      version: 1,
      gatewaysYaml: 'conditions:\n  beta: has cookie beta\ngateways:\n  - { name: shop, port: 8080 }\n',
    });
    expect(v1.conditions).toEqual({ beta: 'has cookie beta' });
  });

  it('moves a corrupt file aside with a timestamp, starts from defaults, and loses nothing', async () => {
    const dir = await temp();
    const file = path.join(dir, 'switchyard.json');
    writeFileSync(file, '{"gateways": [ {"name": "shop", ');
    const { data, movedAside } = openDesktopStore(
      open(dir),
      file,
      () => new Date('2026-11-22T03:00:00.000Z'),
    );
    expect(movedAside).toBe(path.join(dir, 'switchyard.corrupt-2026-11-22T03-00-00-000Z.json'));
    expect(readFileSync(movedAside!, 'utf8')).toBe('{"gateways": [ {"name": "shop", ');
    expect(data.gateways).toEqual([]);
    expect(existsSync(file)).toBe(true);
    expect((await readdir(dir)).sort()).toEqual([
      'switchyard.corrupt-2026-11-22T03-00-00-000Z.json',
      'switchyard.json',
    ]);
  });

  it('persists gateways written through the control plane', async () => {
    const dir = await temp();
    const { store } = openDesktopStore(open(dir), path.join(dir, 'switchyard.json'));
    await new DesktopPersistence(store).write([{ name: 'a', port: 1 }], { beta: 'has cookie beta' });
    const reopened = openDesktopStore(open(dir), path.join(dir, 'switchyard.json')).data;
    expect(reopened.gateways).toEqual([{ name: 'a', port: 1 }]);
    expect(reopened.conditions).toEqual({ beta: 'has cookie beta' });
    expect(reopened.listeners).toBeUndefined();
  });

  it('migrates version 4 to 5 with no listeners, and persists listeners beside the gateways (issue 13)', async () => {
    const v4 = migrate({ version: 4, gateways: [], conditions: {}, settings: DEFAULT_SETTINGS });
    expect(v4.version).toBe(5);
    expect(v4.listeners).toBeUndefined();
    const dir = await temp();
    const file = path.join(dir, 'switchyard.json');
    const { store } = openDesktopStore(open(dir), file);
    const persistence = new DesktopPersistence(store);
    await persistence.write([{ name: 'shop', virtual_hosts: ['shop.localhost'] }], {}, { http: 8000 });
    expect(openDesktopStore(open(dir), file).data.listeners).toEqual({ http: 8000 });
    await persistence.write([], {}, undefined);
    expect(openDesktopStore(open(dir), file).data.listeners).toBeUndefined();
  });
});
