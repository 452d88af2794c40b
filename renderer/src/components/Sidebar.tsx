import { useEffect, useRef, useState } from 'react';
import { desktop, saveText } from '../api/desktop.js';
import type { GatewayView } from '../../../shared/api/contract.js';
import { gatewayTrouble } from '../lib/health.js';
import { useAppStore } from '../store/app-store.js';
import {
  EXPORT_FORMATS,
  exportFormat,
  isExportFormatId,
  type ExportFormatId,
} from '../../../shared/export-formats.js';
import { HealthDots, healthOf } from './HealthDots.js';

/** The gateways: status dot, port, enable toggle; create, duplicate, rename, delete (with undo). */
export function Sidebar() {
  const gateways = useAppStore((s) => s.gateways);
  const selected = useAppStore((s) => s.selected);
  const select = useAppStore((s) => s.select);
  const run = useAppStore((s) => s.run);
  const notify = useAppStore((s) => s.notify);
  const [renaming, setRenaming] = useState<string>();
  const stats = useAppStore((s) => s.stats.at(-1));
  const fileInput = useRef<HTMLInputElement>(null);

  // Import: the desktop's open dialog, or a file input in a browser; the engine validates it whole.
  const importYaml = async () => {
    const d = desktop();
    if (!d) return fileInput.current?.click();
    const names = await d.importYaml();
    if (names?.length) imported(names);
  };
  // What was imported is what the user wants to look at next.
  const imported = (names: string[]) => {
    notify('info', `Imported ${names.join(', ')}.`);
    if (names[0]) select(names[0]);
  };
  // Exports: YAML that `switchyard serve` runs, or a production proxy's configuration with its warnings.
  const exportAs = async (format: ExportFormatId) => {
    const r = await run((c) => c.call('config.export', { format }));
    if (!r) return;
    await saveText(exportFormat(format).fileName, r.text, 'text/plain');
    if (r.warnings.length)
      notify(
        'info',
        `Exported for ${format} with ${r.warnings.length} warning${r.warnings.length === 1 ? '' : 's'}: ${r.warnings.join(' · ')}`,
      );
  };
  const importFile = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const r = await run(async (c) => c.call('config.import', { yaml: await file.text() }));
    if (r) imported(r.gateways);
  };

  // A new gateway has no routes, so it sends nothing anywhere (it answers 503) until the user gives it a
  // target; its port is one the engine found free on this machine, so it listens at once.
  const create = async () => {
    const name = freeName(gateways, 'gateway');
    const view = await run(async (c) => {
      const { port } = await c.call('ports.free', {});
      return c.call('gateways.save', { gateway: { name, port, routes: {} }, create: true });
    });
    if (view) select(view.name);
  };
  // A copy keeps the routes the user gave the original, on a port of its own.
  const duplicate = async (g: GatewayView) => {
    const view = await run(async (c) => {
      const { port } = await c.call('ports.free', {});
      const source = { ...structuredClone(g.source), name: freeName(gateways, `${g.name}-copy`), port };
      return c.call('gateways.save', { gateway: source, create: true });
    });
    if (view) select(view.name);
  };
  const remove = async (g: GatewayView) => {
    const done = await run((c) => c.call('gateways.delete', { name: g.name }));
    if (!done) return;
    if (selected === g.name) select(undefined);
    notify('info', `Deleted gateway '${g.name}'.`, {
      label: 'Undo',
      run: () =>
        void run((c) => c.call('gateways.save', { gateway: g.source, create: true })).then(
          (v) => v && select(v.name),
        ),
    });
  };
  const rename = async (g: GatewayView, name: string) => {
    setRenaming(undefined);
    if (!name || name === g.name) return;
    const view = await run((c) =>
      c.call('gateways.save', { gateway: { ...g.source, name }, previousName: g.name }),
    );
    if (view) select(view.name);
  };

  return (
    <aside className="sidebar" aria-label="Gateways">
      <div className="sidebar-head">
        <h2>Gateways</h2>
        <button onClick={() => void create()}>New gateway</button>
      </div>
      <div className="sidebar-actions">
        <button onClick={() => void importYaml()}>Import…</button>
        <select
          aria-label="Export gateways"
          value=""
          onChange={(e) => {
            const format = e.currentTarget.value;
            if (isExportFormatId(format)) void exportAs(format);
          }}
        >
          <option value="">Export…</option>
          {EXPORT_FORMATS.map((f) => (
            <option key={f.id} value={f.id}>
              {f.label}
            </option>
          ))}
        </select>
        <input
          ref={fileInput}
          type="file"
          accept=".yaml,.yml,.json"
          hidden
          aria-label="YAML file to import"
          onChange={(e) => void importFile(e.currentTarget)}
        />
      </div>
      {gateways.length === 0 && (
        <p className="muted">
          No gateways. “New gateway” makes one on a free port; give it a route to send traffic.
        </p>
      )}
      <ul className="gateway-list">
        {gateways.map((g) => (
          <li key={g.name} className={g.name === selected ? 'selected' : ''}>
            <span className={`dot ${g.status?.state ?? 'stopped'}`} title={statusText(g)}>
              <span className="visually-hidden">{statusText(g)}</span>
            </span>
            {renaming === g.name ? (
              <input
                autoFocus
                aria-label="New name"
                defaultValue={g.name}
                onBlur={(e) => void rename(g, e.currentTarget.value.trim())}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') void rename(g, e.currentTarget.value.trim());
                  if (e.key === 'Escape') setRenaming(undefined);
                }}
              />
            ) : (
              <button
                className="gateway-name"
                onClick={() => select(g.name)}
                onDoubleClick={() => setRenaming(g.name)}
              >
                <span>{g.name}</span>
                <span className="port">{portText(g)}</span>
              </button>
            )}
            <HealthDots health={healthOf(g)} withRoute label={`Health of ${g.name}'s instances`} />
            <TroubleBadge trouble={gatewayTrouble(g, stats)} />
            <label
              className="toggle"
              title={g.config.enabled ? 'Enabled: click to stop listening' : 'Disabled: click to listen'}
            >
              <input
                type="checkbox"
                checked={g.config.enabled}
                aria-label={`Enable ${g.name}`}
                onChange={(e) =>
                  void run((c) =>
                    c.call('gateways.setEnabled', { name: g.name, enabled: e.currentTarget.checked }),
                  )
                }
              />
            </label>
            <GatewayMenu
              name={g.name}
              onRename={() => setRenaming(g.name)}
              onDuplicate={() => void duplicate(g)}
              onDelete={() => void remove(g)}
            />
            <GatewayUrls gateway={g} />
          </li>
        ))}
      </ul>
    </aside>
  );
}

/**
 * The ⋯ menu of one gateway. It closes when an action is chosen, on a click elsewhere and on Escape, so
 * it never stays open over the next gateway's controls.
 */
function GatewayMenu(props: { name: string; onRename(): void; onDuplicate(): void; onDelete(): void }) {
  const menu = useRef<HTMLDetailsElement>(null);
  const close = () => {
    if (menu.current) menu.current.open = false;
  };
  useEffect(() => {
    const outside = (e: PointerEvent) => {
      if (menu.current?.open && !menu.current.contains(e.target as Node)) close();
    };
    const escape = (e: KeyboardEvent) => {
      if (e.key === 'Escape' && menu.current?.open) close();
    };
    document.addEventListener('pointerdown', outside);
    document.addEventListener('keydown', escape);
    return () => {
      document.removeEventListener('pointerdown', outside);
      document.removeEventListener('keydown', escape);
    };
  }, []);
  const choose = (action: () => void) => () => {
    close();
    action();
  };
  return (
    <details className="menu" ref={menu}>
      <summary aria-label={`Actions for ${props.name}`}>⋯</summary>
      <div className="menu-items">
        <button onClick={choose(props.onRename)}>Rename</button>
        <button onClick={choose(props.onDuplicate)}>Duplicate</button>
        <button className="danger" onClick={choose(props.onDelete)}>
          Delete
        </button>
      </div>
    </details>
  );
}

/** A red "!" beside a gateway that cannot listen or whose requests fail; the words are its title and name. */
function TroubleBadge({ trouble }: { trouble: string | undefined }) {
  if (!trouble) return null;
  return (
    <span className="badge error" title={trouble} role="img" aria-label={`Problem: ${trouble}`}>
      !
    </span>
  );
}

/**
 * Where the gateway answers, as links that open in the browser (the desktop app hands target=_blank
 * links to the system browser after checking them: main/electron/security.ts). A TCP port is no URL.
 */
function GatewayUrls({ gateway }: { gateway: GatewayView }) {
  const urls = gateway.status?.urls ?? [];
  if (!urls.length || !gateway.config.enabled) return null;
  return (
    <ul className="gateway-urls" aria-label={`Addresses of ${gateway.name}`}>
      {urls.map((url) => (
        <li key={url}>
          {/^https?:/.test(url) ? (
            <a href={url} target="_blank" rel="noreferrer noopener" title={`Open ${url} in the browser`}>
              {url.replace(/\/$/, '')}
            </a>
          ) : (
            <span title="A TCP port">{url}</span>
          )}
        </li>
      ))}
    </ul>
  );
}

/** `:8080`, `:8443 https`, `:5433 tcp`; nothing for a gateway on the shared ports only. */
function portText(g: GatewayView): string {
  const port = g.status?.boundPort ?? g.status?.port ?? g.config.port;
  if (port === undefined) return '';
  const protocol = g.status?.protocol;
  return `:${port}${protocol && protocol !== 'http' ? ` ${protocol}` : ''}`;
}

function statusText(g: GatewayView): string {
  const s = g.status;
  if (!g.config.enabled) return 'disabled';
  if (!s) return 'starting';
  if (s.state === 'error') return `error: ${s.error}`;
  if (s.state !== 'listening') return s.state;
  return s.boundPort !== undefined ? `listening on ${s.host}:${s.boundPort}` : 'on the shared ports';
}

function freeName(gateways: GatewayView[], base: string): string {
  const names = new Set(gateways.map((g) => g.name));
  if (!names.has(base)) return base;
  for (let i = 2; ; i++) if (!names.has(`${base}-${i}`)) return `${base}-${i}`;
}
