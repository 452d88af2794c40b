import { existsSync, renameSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import type { GatewaySource } from '../../shared/config/source.js';
import type { NamedConditions } from '../../shared/config/named-conditions.js';
import type { ListenersSource } from '../../shared/config/listeners.js';
import type { ConfigPersistence } from '../api/config-store.js';
import { CONTROL_PORT } from '../../shared/wire/ports.js';

/**
 * What the desktop app keeps (in electron-store, a JSON file written atomically): the gateways, in the
 * same model as the YAML file, and the settings. Versioned: older files are migrated on open.
 */
export interface Settings {
  windowBounds?: { x: number; y: number; width: number; height: number };
  theme: 'system' | 'light' | 'dark';
  controlEnabled: boolean;
  controlPort: number;
  controlToken?: string;
  logCapacity: number;
}

export interface DesktopData {
  version: number;
  /** As Switchyard wrote them; validated again when the app starts. */
  gateways: GatewaySource[];
  /** The named conditions routes may use (Vamp's /conditions), as the YAML file's `conditions:`. */
  conditions: NamedConditions;
  /** The shared ports (the YAML file's `listeners:`); unset when there are none. */
  listeners?: ListenersSource;
  settings: Settings;
}

export const CURRENT_VERSION = 5;

export const DEFAULT_SETTINGS: Settings = {
  theme: 'system',
  controlEnabled: true,
  controlPort: CONTROL_PORT,
  logCapacity: 10_000,
};

/** The store's interface as conf (and electron-store, built on it) provides it. */
export interface KeyValueStore {
  get(key: string): unknown;
  set(key: string, value: unknown): void;
  /** The whole data; assigning replaces it (keys that are gone are removed). */
  store: Record<string, unknown>;
  readonly path: string;
}

/**
 * Each step takes the data as version N-1 left it. Version 1 kept the gateways as one YAML string;
 * version 2 added the settings; version 3 renamed `logSize` to `logCapacity`; version 4 added the named
 * conditions (a version 1 YAML string's own `conditions:` are kept); version 5 added the shared
 * listeners, kept as `{}` while there are none (conf has no way to say "remove" in its base interface).
 */
export const MIGRATIONS: Record<number, (data: Record<string, unknown>) => Record<string, unknown>> = {
  2: (d) => {
    const { gatewaysYaml, ...rest } = d as { gatewaysYaml?: string } & Record<string, unknown>;
    const parsed =
      typeof gatewaysYaml === 'string'
        ? (parse(gatewaysYaml) as { gateways?: GatewaySource[] } | GatewaySource[] | null)
        : null;
    const gateways = Array.isArray(parsed)
      ? parsed
      : (parsed?.gateways ?? (rest.gateways as GatewaySource[] | undefined) ?? []);
    const conditions =
      parsed && !Array.isArray(parsed) ? (parsed as { conditions?: unknown }).conditions : undefined;
    return {
      ...rest,
      gateways,
      ...(isMapping(conditions) ? { conditions } : {}),
      settings: { ...DEFAULT_SETTINGS, ...((rest.settings as object) ?? {}) },
    };
  },
  3: (d) => {
    const { logSize, ...settings } = (d.settings ?? {}) as Settings & { logSize?: number };
    return {
      ...d,
      settings: {
        ...DEFAULT_SETTINGS,
        ...settings,
        ...(typeof logSize === 'number' ? { logCapacity: logSize } : {}),
      },
    };
  },
  4: (d) => ({ ...d, conditions: isMapping(d.conditions) ? d.conditions : {} }),
  5: (d) => ({ ...d, listeners: isMapping(d.listeners) ? d.listeners : {} }),
};

function isMapping(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

export function migrate(data: Record<string, unknown>): DesktopData {
  let current = { ...data };
  const from =
    typeof current.version === 'number' ? current.version : Object.keys(current).length ? 1 : CURRENT_VERSION;
  for (let v = from + 1; v <= CURRENT_VERSION; v++) current = { ...MIGRATIONS[v]!(current), version: v };
  return {
    version: CURRENT_VERSION,
    gateways: Array.isArray(current.gateways) ? (current.gateways as GatewaySource[]) : [],
    conditions: isMapping(current.conditions) ? (current.conditions as NamedConditions) : {},
    ...(isMapping(current.listeners) && Object.keys(current.listeners).length
      ? { listeners: current.listeners as ListenersSource }
      : {}),
    settings: { ...DEFAULT_SETTINGS, ...((current.settings as Partial<Settings>) ?? {}) },
  };
}

export interface OpenedStore {
  store: KeyValueStore;
  data: DesktopData;
  /** Where an unreadable store was moved, so the user can be told; nothing is silently lost. */
  movedAside?: string;
}

/**
 * Opens the store; a corrupt or unreadable file is moved aside with a timestamp and the app starts
 * from defaults. Then migrates and writes back the current version.
 */
export function openDesktopStore(
  open: () => KeyValueStore,
  file: string,
  now: () => Date = () => new Date(),
): OpenedStore {
  let store: KeyValueStore;
  let movedAside: string | undefined;
  try {
    store = open();
  } catch (err) {
    if (!existsSync(file)) throw err;
    const stamp = now().toISOString().replace(/[:.]/g, '-');
    movedAside = path.join(path.dirname(file), `${path.basename(file, '.json')}.corrupt-${stamp}.json`);
    renameSync(file, movedAside);
    store = open();
  }
  const data = migrate(store.store);
  // Replace the whole store, so keys an older version used are dropped; `initialized` is the app's first-run flag.
  store.store = { ...data, ...(store.store.initialized === true ? { initialized: true } : {}) };
  return movedAside ? { store, data, movedAside } : { store, data };
}

/**
 * Gateways, named conditions and listeners changed in the app are kept in the store (conf writes
 * atomically).
 */
export class DesktopPersistence implements ConfigPersistence {
  constructor(private readonly store: KeyValueStore) {}
  async write(
    sources: GatewaySource[],
    conditions: NamedConditions,
    listeners?: ListenersSource,
  ): Promise<void> {
    this.store.set('gateways', sources);
    this.store.set('conditions', conditions);
    this.store.set('listeners', listeners ?? {});
  }
}
