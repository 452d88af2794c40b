import { useEffect, useRef, useState } from 'react';
import type { AppInfo, AppSettings } from '../../../shared/api/contract.js';
import { desktop } from '../api/desktop.js';
import { applyTheme, useAppStore } from '../store/app-store.js';
import { ListenersSettings } from './ListenersSettings.js';
import { LocalCaSettings } from './LocalCaSettings.js';

/**
 * Settings: theme everywhere; in the desktop app also the control server and the log's capacity; in both
 * the shared ports and the local CA.
 */
export function SettingsDialog({ info, onClose }: { info: AppInfo | undefined; onClose: () => void }) {
  const run = useAppStore((s) => s.run);
  const [settings, setSettings] = useState<AppSettings>();
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    dialog.current?.showModal();
    void run((c) => c.call('settings.get', {})).then(
      (s) =>
        s &&
        setSettings({
          ...s,
          theme: info?.settingsEditable
            ? s.theme
            : ((localStorage.getItem('theme') as AppSettings['theme'] | null) ?? 'system'),
        }),
    );
  }, [run, info]);
  const editable = info?.settingsEditable ?? false;
  // The port the control server is on now (0 or a taken port in the settings means another one).
  const runningPort = info?.controlUrl ? Number(new URL(info.controlUrl).port) : undefined;
  const save = async (patch: Partial<AppSettings>) => {
    if (patch.theme) {
      applyTheme(patch.theme);
      if (!editable) localStorage.setItem('theme', patch.theme);
    }
    if (editable) {
      const next = await run((c) => c.call('settings.set', patch));
      if (next) setSettings(next);
    } else setSettings((s) => (s ? { ...s, ...patch } : s));
  };
  return (
    <dialog ref={dialog} className="settings-dialog" onClose={onClose} aria-label="Settings">
      <h2>Settings</h2>
      {settings ? (
        <div className="settings-grid">
          <label>
            Theme
            <select
              value={settings.theme}
              onChange={(e) => void save({ theme: e.currentTarget.value as AppSettings['theme'] })}
            >
              <option value="system">Follow the system</option>
              <option value="light">Light</option>
              <option value="dark">Dark</option>
            </select>
          </label>
          <label className="check">
            <input
              type="checkbox"
              disabled={!editable}
              checked={settings.controlEnabled}
              onChange={(e) => void save({ controlEnabled: e.currentTarget.checked })}
            />
            Control server (REST, /proxy and the browser UI on 127.0.0.1)
          </label>
          <label>
            Control server port
            <input
              type="number"
              disabled={!editable}
              min={0}
              max={65535}
              value={editable ? settings.controlPort : (runningPort ?? settings.controlPort)}
              onChange={(e) => void save({ controlPort: Number(e.currentTarget.value) })}
            />
            {editable && runningPort !== undefined && runningPort !== settings.controlPort && (
              <span className="muted">Running on port {runningPort} now.</span>
            )}
          </label>
          <label>
            Request log capacity
            <input
              type="number"
              disabled={!editable}
              min={100}
              max={1000000}
              value={settings.logCapacity}
              onChange={(e) => void save({ logCapacity: Number(e.currentTarget.value) })}
            />
          </label>
          <p className="muted">
            {editable
              ? 'Control server and log changes take effect the next time Switchyard starts.'
              : 'In headless mode these are set on the command line (switchyard serve --help).'}
          </p>
          <dl className="facts">
            <dt>Mode</dt>
            <dd>{info?.mode}</dd>
            <dt>Version</dt>
            <dd>{info?.version}</dd>
            <dt>Control server</dt>
            <dd>{info?.controlUrl ?? 'off'}</dd>
            <dt>Gateways kept in</dt>
            <dd>{info?.configPath ?? 'memory (the demo)'}</dd>
          </dl>
          {desktop() && (
            <button onClick={() => void desktop()!.revealConfig()}>Show the config folder</button>
          )}
        </div>
      ) : (
        <p>Loading…</p>
      )}
      {/* The configuration's shared ports and the machine's CA: not app settings, so in both modes. */}
      <ListenersSettings />
      <LocalCaSettings />
      <form method="dialog">
        <button className="primary">Close</button>
      </form>
    </dialog>
  );
}
