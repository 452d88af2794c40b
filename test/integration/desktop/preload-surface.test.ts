import { readFileSync } from 'node:fs';
import path from 'node:path';
import vm from 'node:vm';
import { describe, expect, it } from 'vitest';
import { DESKTOP_CHANNELS, IPC_CHANNEL } from '../../../shared/api/desktop.js';

/**
 * The built preload (one CommonJS file, bundled from main/preload/preload.ts and shared/api/desktop.ts),
 * run as Electron runs a sandboxed preload: its calls travel on the channels the shared module names.
 */
const PRELOAD = path.resolve(import.meta.dirname, '../../../dist/main/preload/preload.cjs');

function runPreload() {
  const exposed: Record<string, Record<string, (...args: unknown[]) => unknown>> = {};
  const sent: unknown[][] = [];
  const invoked: unknown[][] = [];
  const listening: string[] = [];
  const electron = {
    contextBridge: { exposeInMainWorld: (name: string, api: never) => (exposed[name] = api) },
    ipcRenderer: {
      send: (...args: unknown[]) => sent.push(args),
      on: (channel: string) => listening.push(channel),
      removeListener() {},
      invoke: async (...args: unknown[]) => void invoked.push(args),
    },
  };
  const require = (id: string) => {
    if (id === 'electron') return electron;
    throw new Error(`module not found: ${id}`);
  };
  const run = vm.compileFunction(readFileSync(PRELOAD, 'utf8'), ['require', 'process', 'exports', 'module'], {
    parsingContext: vm.createContext({}),
  });
  run(require, {}, {}, { exports: {} });
  return { exposed, sent, invoked, listening };
}

describe('the desktop surface', () => {
  it('travels on the channels shared/api/desktop.ts names', async () => {
    const { exposed, sent, invoked, listening } = runPreload();
    expect(Object.keys(exposed)).toEqual(['bridge', 'desktop']);
    exposed.bridge!.send!({ type: 'call', id: 1 });
    exposed.bridge!.onMessage!(() => undefined);
    expect(sent).toEqual([[IPC_CHANNEL, { type: 'call', id: 1 }]]);
    expect(listening).toEqual([IPC_CHANNEL]);

    expect(Object.keys(exposed.desktop!).sort()).toEqual(Object.keys(DESKTOP_CHANNELS).sort());
    await exposed.desktop!.importYaml!();
    await exposed.desktop!.saveFile!({ toString: () => 'a.yaml' }, 42);
    expect(invoked).toEqual([[DESKTOP_CHANNELS.importYaml], [DESKTOP_CHANNELS.saveFile, 'a.yaml', '42']]);
  });
});
