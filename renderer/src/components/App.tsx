import { useEffect, useState } from 'react';
import { useAppStore } from '../store/app-store.js';
import { useLogStore } from '../store/log-store.js';
import { CompareView } from './CompareView.js';
import { GatewayEditor } from './GatewayEditor.js';
import { RequestLog } from './RequestLog.js';
import { SettingsDialog } from './SettingsDialog.js';
import { Tabs } from './Tabs.js';
import { Sidebar } from './Sidebar.js';
import { TrafficPanel } from './TrafficPanel.js';

type Tab = 'routes' | 'traffic' | 'compare';

export function App() {
  const connection = useAppStore((s) => s.connection);
  const gateways = useAppStore((s) => s.gateways);
  const selected = useAppStore((s) => s.selected);
  const gateway = gateways.find((g) => g.name === selected);
  const [tab, setTab] = useState<Tab>('routes');
  const [settingsOpen, setSettingsOpen] = useState(false);
  const info = useAppStore((s) => s.info);
  useShortcuts(setTab);

  return (
    <div className="app">
      <header className="topbar">
        <span className="brand">Switchyard</span>
        <span className={`connection ${connection}`} role="status" aria-live="polite">
          {connection === 'open'
            ? 'Connected'
            : connection === 'connecting'
              ? 'Connecting…'
              : 'Disconnected from the engine: reconnecting; changes are disabled'}
        </span>
        {info?.controlUrl && (
          <span className="muted control-url" title="REST API, /proxy endpoints and this UI in a browser">
            API {info.controlUrl}
          </span>
        )}
        <span className="hint">
          <kbd>/</kbd> filter log · <kbd>p</kbd> pause · <kbd>g</kbd> routes · <kbd>t</kbd> traffic ·{' '}
          <kbd>Esc</kbd> close details
        </span>
        <button onClick={() => setSettingsOpen(true)}>Settings</button>
      </header>
      {/* Without the engine nothing can be changed: every control is disabled, and the status says why. */}
      <fieldset className="contents" disabled={connection !== 'open'}>
        <Sidebar />
        <main className="workspace">
          {gateway ? (
            <>
              <Tabs
                label="Gateway views"
                id="view"
                tabs={[
                  { key: 'routes', label: 'Routes' },
                  { key: 'traffic', label: 'Traffic' },
                  { key: 'compare', label: 'Compare' },
                ]}
                selected={tab}
                onSelect={setTab}
              />
              <div role="tabpanel" id={`view-${tab}-panel`} aria-labelledby={`view-${tab}-tab`}>
                {tab === 'routes' ? (
                  <GatewayEditor key={gateway.name} gateway={gateway} />
                ) : tab === 'traffic' ? (
                  <TrafficPanel gateway={gateway} />
                ) : (
                  <CompareView gateway={gateway} />
                )}
              </div>
            </>
          ) : (
            <EmptyWorkspace hasGateways={gateways.length > 0} />
          )}
        </main>
      </fieldset>
      <RequestLog />
      {settingsOpen && <SettingsDialog info={info} onClose={() => setSettingsOpen(false)} />}
    </div>
  );
}

function EmptyWorkspace({ hasGateways }: { hasGateways: boolean }) {
  return (
    <div className="empty">
      <h2>{hasGateways ? 'Pick a gateway' : 'No gateways yet'}</h2>
      <p>
        {hasGateways
          ? 'Choose a gateway on the left to edit its routes and watch its traffic.'
          : 'A gateway listens on a local port and splits traffic between routes. Create one with “New gateway”, or import a YAML file.'}
      </p>
    </div>
  );
}

/** Keyboard shortcuts for the common actions; ignored while typing in a field. */
function useShortcuts(setTab: (t: Tab) => void): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const typing =
        e.target instanceof HTMLElement &&
        (e.target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(e.target.tagName));
      if (e.key === 'Escape') useLogStore.getState().select(undefined);
      if (typing || e.metaKey || e.ctrlKey || e.altKey) return;
      if (e.key === '/') {
        e.preventDefault();
        document.getElementById('log-filter')?.focus();
      } else if (e.key === 'p')
        useLogStore.getState().setPaused(useLogStore.getState().pausedAt === undefined);
      else if (e.key === 'g') setTab('routes');
      else if (e.key === 't') setTab('traffic');
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [setTab]);
}
