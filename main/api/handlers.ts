import { toSummary, type AppInfo, type AppSettings, type Params } from '../../shared/api/contract.js';
import { fromHar, harRequests, toHar } from '../../shared/har.js';
import type { LogEntry } from '../../shared/log-entry.js';
import { parseFilter } from '../../shared/log-query.js';
import type { Engine } from '../engine/engine.js';
import type { ConfigStore } from './config-store.js';
import { ApiFailure, type Handlers } from './dispatcher.js';
import { loadConfigOffThread } from './off-thread.js';
import type { Stats } from './stats.js';
import type { RequestSpec, TrafficGenerator } from './traffic.js';
import { CONTROL_PORT } from '../../shared/wire/ports.js';
import type { CaService } from '../tls/ca-service.js';

/** What the host of the engine (desktop app or `switchyard serve`) tells the UI about itself. */
export interface Host {
  info(): AppInfo;
  /** Absent where settings cannot be changed (headless: the command line decides). */
  settings?: { get(): AppSettings; set(patch: Partial<AppSettings>): AppSettings };
  /** The local CA (both modes: trusting it is the user's machine's business, not an app setting). */
  ca?: CaService;
}

export const HEADLESS_SETTINGS: AppSettings = {
  theme: 'system',
  controlEnabled: true,
  controlPort: CONTROL_PORT,
  logCapacity: 10_000,
};

export interface HandlerContext {
  engine: Engine;
  store: ConfigStore;
  stats: Stats;
  traffic: TrafficGenerator;
  host: Host;
  /** Called after the log is cleared, so subscribers can be told. */
  onLogCleared(): void;
  /** How many clients are connected to the event hub. */
  clients(): number;
}

/** The contract's commands, each a thin call into the engine, the store or the services beside them. */
export function createHandlers(c: HandlerContext): Handlers {
  return {
    'gateways.list': () => c.store.views(),
    'gateways.get': ({ name }) => c.store.view(name),
    'gateways.save': ({ gateway, create, previousName }) => c.store.save(gateway, { create, previousName }),
    'gateways.delete': async ({ name }) => ({ deleted: await c.store.remove(name) }),
    'gateways.setEnabled': ({ name, enabled }) => c.store.setEnabled(name, enabled),
    'gateways.setWeights': ({ name, weights }) => c.store.setWeights(name, weights),
    'routes.drain': ({ name, route }) => {
      if (!c.engine.drain(name, route))
        throw new ApiFailure({ code: 'not_found', message: `gateway '${name}' has no route '${route}'` });
      return { drained: true };
    },
    'routes.setFaults': ({ name, route, faults }) => c.store.setFaults(name, route, faults),
    'conditions.list': () => c.store.conditionList(),
    'conditions.get': ({ name }) => c.store.condition(name),
    'conditions.save': ({ condition, create }) => c.store.saveCondition(condition, { create }),
    'conditions.delete': async ({ name }) => ({ deleted: await c.store.removeCondition(name) }),
    'conditions.validate': ({ condition }) => c.store.validateCondition(condition),
    'listeners.get': () => c.store.listenerSettings(),
    'listeners.set': ({ listeners }) => c.store.setListeners(listeners),
    'listeners.status': () => c.engine.sharedStatus(),
    'ca.status': () => caOf(c.host).status(),
    'ca.trust': () => caOf(c.host).trust(),
    'ca.uninstall': () => caOf(c.host).uninstall(),
    'config.validate': async (draft) => {
      // A whole YAML text may be large: it is read off the engine's thread.
      const r =
        draft.yaml !== undefined
          ? await loadConfigOffThread(draft.yaml)
          : c.store.validate(draft.gateway ?? {});
      return r.ok ? { ok: true, issues: [], config: r.config.gateways } : { ok: false, issues: r.issues };
    },
    'config.import': async ({ yaml, replace }) => ({ gateways: await c.store.importYaml(yaml, replace) }),
    // The exporters and the comparison are loaded when first asked for, not at start-up (issue 16).
    'config.export': async ({ gateways, format }) =>
      !format || format === 'yaml'
        ? { text: c.store.exportYaml(gateways), warnings: [] }
        : (await import('../export/export.js')).exportConfig(c.store.configOf(gateways), format, {
            version: c.host.info().version,
          }),
    'log.page': ({ after, before, limit }) => ({
      entries: (after === undefined
        ? c.engine.log.pageBefore(before ?? Number.MAX_SAFE_INTEGER, limit ?? 500)
        : c.engine.log.page(after, limit ?? 500)
      ).map(toSummary),
      lastSeq: c.engine.log.lastSeq,
      oldestSeq: c.engine.log.oldestSeq,
    }),
    'log.get': ({ seq }) => {
      const e = c.engine.log.get(seq);
      if (!e)
        throw new ApiFailure({
          code: 'not_found',
          message: `request ${seq} is not in the log (cleared, or older than its capacity)`,
        });
      return e;
    },
    'log.search': ({ query, after, before, limit }) => {
      const found = c.engine.log.find(parseFilter(query), { after, before }, limit ?? 500);
      return { entries: found.entries.map(toSummary), more: found.more, lastSeq: c.engine.log.lastSeq };
    },
    'log.resend': async ({ seq, gateway, route, request }) => {
      const e = c.engine.log.get(seq);
      if (!e) throw new ApiFailure({ code: 'not_found', message: `request ${seq} is not in the log` });
      return c.traffic.resend(gateway ?? e.gateway, resendRequest(e, request), route);
    },
    'ports.free': async ({ from }) => ({ port: await c.engine.freePort(from) }),
    'clients.count': () => ({ clients: c.clients() }),
    'log.clear': () => {
      c.engine.log.clear();
      c.stats.clear();
      c.onLogCleared();
      return {};
    },
    'log.har': ({ query }) =>
      toHar(
        query
          ? c.engine.log.find(parseFilter(query), {}, c.engine.log.capacity).entries
          : c.engine.log.page(0, c.engine.log.capacity),
        c.host.info().version,
      ),
    'app.info': () => c.host.info(),
    'settings.get': () => c.host.settings?.get() ?? HEADLESS_SETTINGS,
    'settings.set': (patch) => {
      if (!c.host.settings)
        throw new ApiFailure({
          code: 'forbidden',
          message: 'settings are set on the command line in headless mode (switchyard serve --help)',
        });
      return c.host.settings.set(stripUndefined(patch));
    },
    'stats.get': ({ windowSeconds }) => {
      c.engine.log.flush(); // deliver the pending batch, so the statistics include the newest requests
      return c.stats.snapshot(c.engine.current, windowSeconds);
    },
    'engine.status': () => c.engine.status(),
    'traffic.generate': (p) => c.traffic.generate(p),
    'traffic.cancel': ({ id }) => ({ cancelled: c.traffic.cancel(id) }),
    'traffic.replay': ({ gateway, har, ratePerSecond }) =>
      c.traffic.replay(
        gateway,
        parseHar(() => harRequests(har)),
        ratePerSecond,
      ),
    'log.import': ({ har, gateway }) => {
      const entries = parseHar(() => fromHar(har, gateway));
      for (const e of entries) c.engine.log.append(e);
      return { imported: entries.length };
    },
    'compare.noise': ({ gateway }) =>
      c.engine.shadows.noise().filter((n) => gateway === undefined || n.gateway === gateway),
    'compare.run': async ({ gateway, routes, ignore, har, seqs }) => {
      if ((har === undefined) === (seqs === undefined))
        throw new ApiFailure({
          code: 'invalid_params',
          message: 'give the requests to compare as har (a HAR file) or seqs (logged requests), one of them',
        });
      const requests = har
        ? parseHar(() => harRequests(har))
        : (seqs ?? []).map((seq) => {
            const e = c.engine.log.get(seq);
            if (!e) throw new ApiFailure({ code: 'not_found', message: `request ${seq} is not in the log` });
            return resendRequest(e, undefined);
          });
      const { runCompare } = await import('./compare-run.js');
      return runCompare(c.engine, { gateway, routes, ignore, requests });
    },
  };
}

/** Headers a resent request must not carry over: they describe the old connection or the old run. */
const NOT_RESENT = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'x-switchyard-traffic',
]);

/** A logged request as it is sent again: its method, path, headers and kept body, with `edit` on top. */
function resendRequest(e: LogEntry, edit: Params<'log.resend'>['request']): RequestSpec {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(edit?.headers ?? e.requestHeaders))
    if (!NOT_RESENT.has(k.toLowerCase())) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  const body = edit?.body !== undefined ? Buffer.from(edit.body).toString('base64') : e.requestBody?.base64;
  return { method: edit?.method ?? e.method, path: edit?.path ?? e.path, headers, ...(body ? { body } : {}) };
}

function caOf(host: Host): CaService {
  if (!host.ca) throw new ApiFailure({ code: 'not_found', message: 'this host has no local CA' });
  return host.ca;
}

function stripUndefined<T extends object>(patch: T): Partial<T> {
  return Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** A HAR file that does not read becomes an error value, not an exception. */
function parseHar<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    throw new ApiFailure({
      code: 'invalid_params',
      message: `the HAR file does not read: ${(err as Error).message}`,
    });
  }
}
