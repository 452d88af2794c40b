import { EventEmitter } from 'node:events';
import { Document } from 'yaml';
import type { GatewayView } from '../../shared/api/contract.js';
import type { ConfigIssue } from '../../shared/config/issues.js';
import { loadConfigText, loadConfigValue } from '../../shared/config/load.js';
import { loadConfigOffThread } from './off-thread.js';
import type { Engine } from '../engine/engine.js';
import { ApiFailure } from './dispatcher.js';

export type Source = Record<string, unknown>;

/** Where accepted changes are kept: the YAML file in headless mode, electron-store on the desktop. */
export interface ConfigPersistence {
  write(sources: Source[]): Promise<void>;
}

/**
 * The gateways as the user wrote them, kept beside the running engine. Every change is made on a copy of
 * the sources, applied to the engine (which validates the whole configuration first), and only then
 * kept and persisted. Changes run one at a time.
 */
export class ConfigStore extends EventEmitter<{ changed: [GatewayView[]] }> {
  private sources: Source[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly engine: Engine,
    private readonly persistence?: ConfigPersistence,
  ) {
    super();
  }

  /** Applies a whole configuration from text (at start, or when the file changed outside). Not persisted again. */
  load(text: string): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[] }> {
    return this.serially(async () => {
      const parsed = loadConfigText(text);
      if (!parsed.ok) return parsed;
      const applied = await this.engine.apply(parsed.sources);
      if (!applied.ok) return applied;
      this.sources = parsed.sources as Source[];
      this.emit('changed', this.views());
      return { ok: true as const };
    });
  }

  views(): GatewayView[] {
    const status = new Map(this.engine.status().map((s) => [s.gateway, s]));
    return this.engine.current.gateways.map((config, i) => {
      const view: GatewayView = { name: config.name, source: this.sources[i] ?? {}, config };
      const s = status.get(config.name);
      if (s) view.status = s;
      return view;
    });
  }

  view(name: string): GatewayView {
    const v = this.views().find((g) => g.name === name);
    if (!v) throw new ApiFailure({ code: 'not_found', message: `there is no gateway '${name}'` });
    return v;
  }

  has(name: string): boolean {
    return this.sources.some((s) => s.name === name);
  }

  /** Creates (`create`: the name must be new) or replaces a gateway; `previousName` renames in place. */
  save(
    source: Source,
    opts: { create?: boolean | undefined; previousName?: string | undefined } = {},
  ): Promise<GatewayView> {
    return this.serially(async () => {
      const name = source.name;
      if (typeof name !== 'string')
        throw invalid([{ path: ['name'], field: 'name', message: 'a gateway needs a name' }]);
      if (opts.create && this.has(name))
        throw new ApiFailure({ code: 'conflict', message: `a gateway named '${name}' exists already` });
      const replacing = opts.previousName ?? name;
      if (opts.previousName && !this.has(opts.previousName)) {
        throw new ApiFailure({
          code: 'not_found',
          message: `there is no gateway '${opts.previousName}' to rename`,
        });
      }
      if (opts.previousName && opts.previousName !== name && this.has(name)) {
        throw new ApiFailure({ code: 'conflict', message: `a gateway named '${name}' exists already` });
      }
      const index = this.sources.findIndex((s) => s.name === replacing);
      const next = [...this.sources];
      if (index >= 0) next[index] = source;
      else next.push(source);
      await this.commit(next);
      return this.view(name);
    });
  }

  /** Idempotent: deleting a gateway that does not exist is not an error. */
  remove(name: string): Promise<boolean> {
    return this.serially(async () => {
      if (!this.has(name)) return false;
      await this.commit(this.sources.filter((s) => s.name !== name));
      return true;
    });
  }

  setEnabled(name: string, enabled: boolean): Promise<GatewayView> {
    return this.edit(name, (g) => ({ ...g, enabled }));
  }

  /** Sets the named routes' weights in one change; the result must still total 100% (or 0%). */
  setWeights(name: string, weights: Record<string, number>): Promise<GatewayView> {
    return this.edit(name, (g) => {
      const routes = { ...((g.routes as Record<string, Source | null> | undefined) ?? {}) };
      for (const [route, weight] of Object.entries(weights)) {
        if (!Object.hasOwn(routes, route)) {
          throw new ApiFailure({
            code: 'not_found',
            message: `gateway '${name}' has no route '${route}' (routes: ${Object.keys(routes).join(', ') || 'none'})`,
          });
        }
        routes[route] = { ...(routes[route] ?? {}), weight: `${Math.round(weight * 100) / 100}%` };
      }
      return { ...g, routes };
    });
  }

  /** Adds the gateways in `text` (replacing those with the same names), or replaces the whole set. */
  importYaml(text: string, replace = false): Promise<string[]> {
    return this.serially(async () => {
      const parsed = await loadConfigOffThread(text);
      if (!parsed.ok) throw invalid(parsed.issues);
      const incoming = parsed.sources as Source[];
      const names = new Set(incoming.map((s) => s.name));
      const next = replace ? incoming : [...this.sources.filter((s) => !names.has(s.name)), ...incoming];
      await this.commit(next);
      return incoming.map((s) => String(s.name));
    });
  }

  exportYaml(names?: string[]): string {
    const missing = names?.filter((n) => !this.has(n)) ?? [];
    if (missing.length)
      throw new ApiFailure({
        code: 'not_found',
        message: `there is no gateway ${missing.map((n) => `'${n}'`).join(', ')}`,
      });
    const chosen = names ? this.sources.filter((s) => names.includes(String(s.name))) : this.sources;
    return new Document({ gateways: chosen }).toString();
  }

  /** Validates a draft gateway in the company of the others (ports, chaining), or a whole YAML text. */
  validate(draft: { gateway?: Source | undefined; yaml?: string | undefined }) {
    if (draft.yaml !== undefined) return loadConfigText(draft.yaml);
    const gateway = draft.gateway ?? {};
    const others = this.sources.filter((s) => s.name !== gateway.name);
    const result = loadConfigValue([...others, gateway]);
    if (result.ok) return result;
    // Point the issues at the draft itself: its index in the combined list becomes 0.
    const issues = result.issues
      .filter((i) => i.path[0] === others.length)
      .map((i) => ({ ...i, path: [0, ...i.path.slice(1)] }));
    return { ok: false as const, issues: issues.length ? issues : result.issues };
  }

  private edit(name: string, change: (g: Source) => Source): Promise<GatewayView> {
    return this.serially(async () => {
      const index = this.sources.findIndex((s) => s.name === name);
      if (index < 0) throw new ApiFailure({ code: 'not_found', message: `there is no gateway '${name}'` });
      const next = [...this.sources];
      next[index] = change(structuredClone(this.sources[index] as Source));
      await this.commit(next);
      return this.view(name);
    });
  }

  private async commit(next: Source[]): Promise<void> {
    const applied = await this.engine.apply(next);
    if (!applied.ok) throw invalid(applied.issues);
    this.sources = next;
    await this.persistence?.write(next);
    this.emit('changed', this.views());
  }

  private serially<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

function invalid(issues: ConfigIssue[]): ApiFailure {
  const first = issues[0]?.message ?? 'the configuration is not valid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ApiFailure({ code: 'invalid_config', message: `${first}${more}`, issues });
}
