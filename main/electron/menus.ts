import { PROXY_FORMATS, type ProxyFormatId } from '../../shared/export-formats.js';
import type { MenuItemConstructorOptions } from 'electron';
import type { GatewayView } from '../../shared/api/contract.js';

export interface MenuActions {
  importYaml(): void;
  exportYaml(): void;
  exportAs(format: ProxyFormatId): void;
  openConfigFolder(): void;
  openWindow(): void;
  setEnabled(name: string, enabled: boolean): void;
  pauseAll(paused: boolean): void;
  quit(): void;
}

/** The application menu: the standard roles, plus import, export and the config folder. */
export function applicationMenu(actions: MenuActions, isMac: boolean): MenuItemConstructorOptions[] {
  return [
    ...(isMac ? [{ role: 'appMenu' as const }] : []),
    {
      label: 'File',
      submenu: [
        { label: 'Import gateways…', accelerator: 'CmdOrCtrl+O', click: () => actions.importYaml() },
        {
          label: 'Export gateways as YAML…',
          accelerator: 'CmdOrCtrl+Shift+E',
          click: () => actions.exportYaml(),
        },
        ...PROXY_FORMATS.map((f) => ({
          label: `Export for ${f.label}…`,
          click: () => actions.exportAs(f.id),
        })),
        { type: 'separator' },
        { label: 'Open config folder', click: () => actions.openConfigFolder() },
        { type: 'separator' },
        isMac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    { role: 'viewMenu' },
    { role: 'windowMenu' },
  ];
}

/** The tray menu: each gateway with its port and an enable toggle, then open, pause or resume all, quit. */
export function trayMenu(
  gateways: GatewayView[],
  paused: boolean,
  actions: MenuActions,
): MenuItemConstructorOptions[] {
  return [
    ...gateways.map((g): MenuItemConstructorOptions => ({
      label: `${g.name}  :${g.status?.boundPort ?? g.config.port}${g.status?.state === 'error' ? '  (error)' : ''}`,
      type: 'checkbox',
      checked: g.config.enabled,
      click: (item) => actions.setEnabled(g.name, item.checked),
    })),
    ...(gateways.length ? [{ type: 'separator' as const }] : []),
    { label: 'Open Switchyard', click: () => actions.openWindow() },
    { label: paused ? 'Resume all gateways' : 'Pause all gateways', click: () => actions.pauseAll(!paused) },
    { type: 'separator' },
    { label: 'Quit', click: () => actions.quit() },
  ];
}
