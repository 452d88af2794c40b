import { create } from 'zustand';
import type { ApiClient } from '../../../shared/api/client.js';
import { ApiCallError } from '../../../shared/api/client.js';
import type { AppInfo, GatewayView, StatsSnapshot } from '../../../shared/api/contract.js';
import type { ConfigIssue } from '../../../shared/config/issues.js';
import type { GatewayStatus } from '../../../shared/status.js';
import type { ConnectionState } from '../api/connection.js';
import { LOG_PAGE, useLogStore } from './log-store.js';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
  /** Offered with the notice, e.g. "Undo" after a delete. */
  action?: { label: string; run: () => void };
  /** Every problem, shown on expanding the notice (an import's issues, say). */
  details?: string[];
}

/** 15 minutes of one-second statistics ticks, for the charts. */
const STATS_HISTORY = 900;

interface AppState {
  connection: ConnectionState;
  client?: ApiClient;
  gateways: GatewayView[];
  info?: AppInfo;
  selected?: string;
  stats: StatsSnapshot[];
  notices: Notice[];
  setConnection(client: ApiClient | undefined, state: ConnectionState): void;
  select(name: string | undefined): void;
  notify(kind: Notice['kind'], text: string, action?: Notice['action'], details?: string[]): void;
  dismiss(id: number): void;
  /** Runs a call and turns a failure into a notice; returns undefined on failure. */
  run<T>(work: (client: ApiClient) => Promise<T>): Promise<T | undefined>;
}

let nextNotice = 1;
let detach: (() => void)[] = [];

export const useAppStore = create<AppState>((set, get) => ({
  connection: 'connecting',
  gateways: [],
  stats: [],
  notices: [],
  setConnection: (client, connection) => {
    for (const off of detach) off();
    detach = [];
    set({ client, connection });
    if (client) void attach(client);
  },
  select: (selected) => set({ selected }),
  notify: (kind, text, action, details) => {
    const id = nextNotice++;
    const notice: Notice = { id, kind, text, ...(action ? { action } : {}), ...(details ? { details } : {}) };
    set((s) => ({ notices: [...s.notices.slice(-4), notice] }));
    // A list of problems is read, not glanced at: it stays until dismissed.
    if (!details?.length) setTimeout(() => get().dismiss(id), kind === 'error' ? 10_000 : 6_000);
  },
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  run: async (work) => {
    const client = get().client;
    if (!client) {
      get().notify('error', 'Not connected to the engine.');
      return undefined;
    }
    try {
      return await work(client);
    } catch (err) {
      if (!(err instanceof ApiCallError)) get().notify('error', (err as Error).message);
      else get().notify('error', err.error.message, undefined, issueLines(err.error.issues));
      return undefined;
    }
  },
}));

/** A configuration's problems, one line each, with where they are; none when there is one or none. */
function issueLines(issues: ConfigIssue[] | undefined): string[] | undefined {
  if (!issues || issues.length < 2) return undefined;
  return issues.map((i) => (i.line ? `line ${i.line}: ${i.message}` : i.message));
}

/** Light or dark regardless of the system, or `system` to follow it. */
export function applyTheme(theme: 'system' | 'light' | 'dark'): void {
  if (theme === 'system') delete document.documentElement.dataset.theme;
  else document.documentElement.dataset.theme = theme;
}

/** Loads what the UI shows and subscribes to the engine's events. */
async function attach(client: ApiClient): Promise<void> {
  const { notify } = useAppStore.getState();
  detach.push(
    client.on('gateways.changed', (gateways) => useAppStore.setState({ gateways })),
    client.on('status.changed', (status) => applyStatus(status, notify)),
    client.on('stats.tick', (snapshot) =>
      useAppStore.setState((s) => ({ stats: [...s.stats.slice(-(STATS_HISTORY - 1)), snapshot] })),
    ),
    client.on('log.appended', (batch) => useLogStore.getState().append(batch)),
    client.on('log.updated', (changed) => useLogStore.getState().update(changed)),
    client.on('log.cleared', () => useLogStore.getState().clear()),
  );
  const [gateways, page, info, settings] = await Promise.all([
    client.call('gateways.list', {}),
    client.call('log.page', { limit: LOG_PAGE }), // the newest page; older ones on scrolling up
    client.call('app.info', {}),
    client.call('settings.get', {}),
  ]);
  // The desktop app keeps the theme in its settings; a browser keeps its own choice.
  applyTheme(
    info.settingsEditable
      ? settings.theme
      : ((localStorage.getItem('theme') as 'light' | 'dark' | null) ?? 'system'),
  );
  useAppStore.setState((s) => ({ gateways, info, selected: s.selected ?? gateways[0]?.name }));
  useLogStore.getState().reset(page.entries, page.oldestSeq);
}

/** Listener errors become notifications with their cause. */
function applyStatus(status: GatewayStatus[], notify: AppState['notify']): void {
  const before = new Map(useAppStore.getState().gateways.map((g) => [g.name, g.status]));
  for (const s of status) {
    const was = before.get(s.gateway);
    if (s.state === 'error' && (was?.state !== 'error' || was.error !== s.error))
      notify('error', `Gateway '${s.gateway}' cannot listen: ${s.error}`);
  }
  const byName = new Map(status.map((s) => [s.gateway, s]));
  useAppStore.setState((st) => ({
    gateways: st.gateways.map((g) => ({
      ...g,
      ...(byName.get(g.name) ? { status: byName.get(g.name) } : {}),
    })),
  }));
}
