import { EventEmitter } from 'node:events';
import { Document } from 'yaml';
import type { GatewayView } from '../../shared/api/contract.js';
import { setEnabled, setRouteWeights, routeKeys } from '../../shared/config/edit.js';
import type { ConfigIssue } from '../../shared/config/issues.js';
import { loadConfigText } from '../../shared/config/load.js';
import type { GatewayConfig, SwitchyardConfig } from '../../shared/config/model.js';
import { normalizeGateways, type NormalizeResult } from '../../shared/config/normalize.js';
import type { GatewaySource } from '../../shared/config/source.js';
import type { Engine } from '../engine/engine.js';
import { ApiFailure } from './dispatcher.js';
import { loadConfigOffThread } from './off-thread.js';

/** A gateway as the user wrote it, beside what it means: the two never travel apart. */
export interface GatewayEntry {
  source: GatewaySource;
  config: GatewayConfig;
}

/** Where accepted changes are kept: the YAML file in headless mode, electron-store on the desktop. */
export interface ConfigPersistence {
  /**
   * The user's own text, when they changed the file since Switchyard last read or wrote it (an editor's
   * save the file watcher has not reported yet); undefined when it is unchanged. A store the user does
   * not edit by hand has no such method.
   */
  newer?(): Promise<string | undefined>;
  /** The text `newer` returned was loaded: it is now what Switchyard last read. */
  loaded?(text: string): void;
  /** The file's name, for messages that ask the user to fix it. */
  readonly name?: string;
  /** Keeps the sources; throws `StaleFile` when the user saved in between, so the change is redone. */
  write(sources: GatewaySource[]): Promise<void>;
}

/** The user saved the file after Switchyard read it: the change must be made again on top of their text. */
export class StaleFile extends Error {}

/** How often a change is redone on top of a file the user keeps saving before it is given up. */
const ATTEMPTS = 3;

/**
 * The gateways as the user wrote them, kept beside the running engine. Every change is computed from the
 * newest sources (the user's file first, when they saved it since), validated and normalised once, kept,
 * and only then applied to the engine. Changes run one at a time.
 */
export class ConfigStore extends EventEmitter<{ changed: [GatewayView[]] }> {
  private entries: GatewayEntry[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly engine: Engine,
    private readonly persistence?: ConfigPersistence,
  ) {
    super();
  }

  /** Applies a whole configuration from text (at start, or an AILERON file that changed). Not persisted. */
  load(text: string): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[] }> {
    return this.serially(() => this.install(loadConfigText(text)));
  }

  /** Applies gateways that are already values (the desktop store's, an import's). Not persisted. */
  loadSources(sources: unknown[]): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[] }> {
    return this.serially(() => this.install(normalizeGateways(sources)));
  }

  /**
   * Loads the user's file if they changed it since Switchyard last read or wrote it (the file watcher
   * calls this). `changed` says whether there was anything new.
   */
  reload(): Promise<{ ok: true; changed: boolean } | { ok: false; issues: ConfigIssue[] }> {
    return this.serially(async () => {
      const text = await this.persistence?.newer?.();
      if (text === undefined) return { ok: true as const, changed: false };
      const result = await this.installText(text);
      return result.ok ? { ok: true as const, changed: true } : result;
    });
  }

  views(): GatewayView[] {
    const status = new Map(this.engine.status().map((s) => [s.gateway, s]));
    return this.entries.map(({ source, config }) => {
      const view: GatewayView = { name: config.name, source, config };
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
    return this.entries.some((e) => e.config.name === name);
  }

  /** Creates (`create`: the name must be new) or replaces a gateway; `previousName` renames in place. */
  save(
    source: GatewaySource | Record<string, unknown>,
    opts: { create?: boolean | undefined; previousName?: string | undefined } = {},
  ): Promise<GatewayView> {
    const name = source.name;
    // A draft from a caller: the store's validation decides whether it is a gateway.
    return this.change(
      (sources) => {
        if (typeof name !== 'string')
          throw invalid([{ path: ['name'], field: 'name', message: 'a gateway needs a name' }]);
        const names = sources.map((s) => s.name);
        if (opts.create && names.includes(name))
          throw new ApiFailure({ code: 'conflict', message: `a gateway named '${name}' exists already` });
        if (opts.previousName && !names.includes(opts.previousName)) {
          throw new ApiFailure({
            code: 'not_found',
            message: `there is no gateway '${opts.previousName}' to rename`,
          });
        }
        if (opts.previousName && opts.previousName !== name && names.includes(name))
          throw new ApiFailure({ code: 'conflict', message: `a gateway named '${name}' exists already` });
        const index = names.indexOf(opts.previousName ?? name);
        const next: (GatewaySource | Record<string, unknown>)[] = [...sources];
        if (index >= 0) next[index] = source;
        else next.push(source);
        return next;
      },
      () => this.view(name as string),
    );
  }

  /** Idempotent: deleting a gateway that does not exist is not an error. */
  remove(name: string): Promise<boolean> {
    let existed = false;
    return this.change(
      (sources) => {
        existed = sources.some((s) => s.name === name);
        return existed ? sources.filter((s) => s.name !== name) : undefined;
      },
      () => existed,
    );
  }

  setEnabled(name: string, enabled: boolean): Promise<GatewayView> {
    return this.edit(name, (g) => setEnabled(g, enabled));
  }

  /** Sets the named routes' weights in one change; the result must still total 100% (or 0%). */
  setWeights(name: string, weights: Record<string, number>): Promise<GatewayView> {
    return this.edit(name, (g) => {
      const keys = routeKeys(g);
      const unknown = Object.keys(weights).find((route) => !keys.includes(route));
      if (unknown !== undefined) {
        throw new ApiFailure({
          code: 'not_found',
          message: `gateway '${name}' has no route '${unknown}' (routes: ${keys.join(', ') || 'none'})`,
        });
      }
      return setRouteWeights(g, weights);
    });
  }

  /** Adds the gateways in `text` (replacing those with the same names), or replaces the whole set. */
  async importYaml(text: string, replace = false): Promise<string[]> {
    const parsed = await loadConfigOffThread(text);
    if (!parsed.ok) throw invalid(parsed.issues);
    const incoming = parsed.sources;
    const names = new Set(incoming.map((s) => s.name));
    return this.change(
      (sources) => (replace ? incoming : [...sources.filter((s) => !names.has(s.name)), ...incoming]),
      () => incoming.map((s) => s.name),
    );
  }

  /** The running configuration of the named gateways (all when none are named), as the engine runs it. */
  configOf(names?: string[]): SwitchyardConfig {
    return { gateways: this.chosen(names).map((e) => e.config) };
  }

  exportYaml(names?: string[]): string {
    return new Document({ gateways: this.chosen(names).map((e) => e.source) }).toString();
  }

  /** Validates a draft gateway in the company of the others (ports, chaining). */
  validate(gateway: GatewaySource | Record<string, unknown>) {
    const others = this.entries.map((e) => e.source).filter((s) => s.name !== gateway.name);
    const result = normalizeGateways([...others, gateway]);
    if (result.ok) return result;
    // Point the issues at the draft itself: its index in the combined list becomes 0.
    const issues = result.issues
      .filter((i) => i.path[0] === others.length)
      .map((i) => ({ ...i, path: [0, ...i.path.slice(1)] }));
    return { ok: false as const, issues: issues.length ? issues : result.issues };
  }

  private chosen(names?: string[]): GatewayEntry[] {
    const missing = names?.filter((n) => !this.has(n)) ?? [];
    if (missing.length)
      throw new ApiFailure({
        code: 'not_found',
        message: `there is no gateway ${missing.map((n) => `'${n}'`).join(', ')}`,
      });
    return names ? this.entries.filter((e) => names.includes(e.config.name)) : this.entries;
  }

  private edit(name: string, change: (g: GatewaySource) => GatewaySource): Promise<GatewayView> {
    return this.change(
      (sources) => {
        const index = sources.findIndex((s) => s.name === name);
        if (index < 0) throw new ApiFailure({ code: 'not_found', message: `there is no gateway '${name}'` });
        return sources.with(index, change(sources[index] as GatewaySource));
      },
      () => this.view(name),
    );
  }

  /**
   * Makes a change: `plan` computes the next sources from the newest ones (undefined: nothing to change).
   * The user's newer file comes first; the result is validated, kept, then run. Should the user save
   * again while it is kept, the change is made once more on top of that save. `answer` is the result,
   * taken before any other change can run.
   */
  private change<T>(
    plan: (sources: GatewaySource[]) => (GatewaySource | Record<string, unknown>)[] | undefined,
    answer: () => T,
  ): Promise<T> {
    return this.serially(async () => {
      for (let attempt = 1; ; attempt++) {
        await this.catchUp();
        const next = plan(this.entries.map((e) => e.source));
        if (next === undefined) return answer();
        const normalized = normalizeGateways(next);
        if (!normalized.ok) throw invalid(normalized.issues);
        try {
          await this.persistence?.write(normalized.sources);
        } catch (err) {
          if (!(err instanceof StaleFile)) throw err;
          if (attempt < ATTEMPTS) continue;
          throw new ApiFailure({
            code: 'conflict',
            message: `${err.message} ${ATTEMPTS} times in a row; the change was not made, try it again`,
          });
        }
        await this.install(normalized);
        return answer();
      }
    });
  }

  /** The user's file, when they saved it since Switchyard last read it; refused while it is not valid. */
  private async catchUp(): Promise<void> {
    const text = await this.persistence?.newer?.();
    if (text === undefined) return;
    const result = await this.installText(text);
    if (result.ok) return;
    const first = result.issues[0];
    const where = `${this.persistence?.name ?? 'the file'}${first?.line ? ` line ${first.line}` : ''}`;
    throw new ApiFailure({
      code: 'conflict',
      message: `fix ${where} first: ${first?.message ?? 'it is not valid'} (the change was not made, so as not to overwrite it)`,
      issues: result.issues,
    });
  }

  private async installText(text: string) {
    const result = await this.install(await loadConfigOffThread(text));
    if (result.ok) this.persistence?.loaded?.(text);
    return result;
  }

  /** Runs a normalised configuration and keeps its sources beside it. */
  private async install(
    result: NormalizeResult,
  ): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[] }> {
    if (!result.ok) return result;
    this.entries = result.config.gateways.map((config, i) => ({
      source: result.sources[i] as GatewaySource,
      config,
    }));
    await this.engine.apply(result.config);
    this.emit('changed', this.views());
    return { ok: true };
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
