import { EventEmitter } from 'node:events';
import { Document } from 'yaml';
import type { GatewayView } from '../../shared/api/contract.js';
import { setEnabled, setRouteFaults, setRouteWeights, routeKeys } from '../../shared/config/edit.js';
import type { ConfigIssue } from '../../shared/config/issues.js';
import { loadConfigText } from '../../shared/config/load.js';
import type { ListenersSource } from '../../shared/config/listeners.js';
import type { GatewayConfig, ListenersConfig, SwitchyardConfig } from '../../shared/config/model.js';
import { normalizeGateways, type NormalizeResult } from '../../shared/config/normalize.js';
import type { GatewaySource } from '../../shared/config/source.js';
import {
  conditionProblem,
  conditionUsers,
  type ConditionSource,
  type NamedConditions,
} from '../../shared/config/named-conditions.js';
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
  /**
   * Keeps the sources, the named conditions and the shared listeners (undefined: the document has no
   * `listeners:`); throws `StaleFile` when the user saved in between, so the change is redone.
   */
  write(sources: GatewaySource[], conditions: NamedConditions, listeners?: ListenersSource): Promise<void>;
}

/** The user saved the file after Switchyard read it: the change must be made again on top of their text. */
export class StaleFile extends Error {}

/** What a change computes: the gateways as written, the named conditions they may use, the shared ports. */
interface Sources {
  sources: (GatewaySource | Record<string, unknown>)[];
  conditions: NamedConditions;
  /** A caller's draft until it is validated with the rest. */
  listeners?: ListenersSource | Record<string, unknown> | undefined;
}

/** How often a change is redone on top of a file the user keeps saving before it is given up. */
const ATTEMPTS = 3;

/**
 * The gateways as the user wrote them, kept beside the running engine. Every change is computed from the
 * newest sources (the user's file first, when they saved it since), validated and normalised once, kept,
 * and only then applied to the engine. Changes run one at a time.
 */
export class ConfigStore extends EventEmitter<{ changed: [GatewayView[]] }> {
  private entries: GatewayEntry[] = [];
  private conditions: NamedConditions = {};
  /** The top-level `listeners:` as written, and as it runs; both unset when there is none. */
  private writtenListeners: ListenersSource | undefined;
  private runningListeners: ListenersConfig | undefined;
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

  /**
   * Applies gateways (and named conditions, and the shared listeners) that are already values (the
   * desktop store's, an import's). Not persisted.
   */
  loadSources(
    sources: unknown[],
    conditions?: NamedConditions,
    listeners?: ListenersSource,
  ): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[] }> {
    return this.serially(() => this.install(normalizeGateways(sources, conditions, listeners)));
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

  /** Sets (null: removes) one route's faults; validated like any change, so a bad value is refused. */
  setFaults(name: string, route: string, faults: Record<string, unknown> | null): Promise<GatewayView> {
    return this.edit(name, (g) => {
      const keys = routeKeys(g);
      if (!keys.includes(route)) {
        throw new ApiFailure({
          code: 'not_found',
          message: `gateway '${name}' has no route '${route}' (routes: ${keys.join(', ') || 'none'})`,
        });
      }
      return setRouteFaults(g, route, faults);
    });
  }

  /**
   * Adds the gateways and named conditions in `text` (replacing those with the same names), or replaces
   * the whole set. The text's `listeners:`, when it has one, replace the running ones; without one the
   * running ones stay, as the gateways that need them may stay.
   */
  async importYaml(text: string, replace = false): Promise<string[]> {
    const parsed = await loadConfigOffThread(text);
    if (!parsed.ok) throw invalid(parsed.issues);
    const incoming = parsed.sources;
    const names = new Set(incoming.map((s) => s.name));
    return this.changeAll(
      ({ sources, conditions, listeners }) => ({
        sources: replace
          ? incoming
          : [...(sources as GatewaySource[]).filter((s) => !names.has(s.name)), ...incoming],
        conditions: replace ? parsed.conditions : { ...conditions, ...parsed.conditions },
        listeners: parsed.listeners ?? listeners,
      }),
      () => incoming.map((s) => s.name),
    );
  }

  /** The named conditions, in order, as Vamp's `/conditions` lists them. */
  conditionList(): ConditionSource[] {
    return Object.entries(this.conditions).map(([name, condition]) => ({ name, condition }));
  }

  condition(name: string): ConditionSource {
    const condition = Object.hasOwn(this.conditions, name) ? this.conditions[name] : undefined;
    if (condition === undefined)
      throw new ApiFailure({
        code: 'not_found',
        message: `there is no condition '${name}' (conditions: ${Object.keys(this.conditions).join(', ') || 'none'})`,
      });
    return { name, condition };
  }

  /**
   * Creates (`create`: the name must be new, as Vamp's POST /conditions) or replaces a named condition;
   * the routes that name it run the new definition.
   */
  saveCondition(
    draft: ConditionSource,
    opts: { create?: boolean | undefined } = {},
  ): Promise<ConditionSource> {
    return this.changeAll(
      (state) => {
        if (opts.create && Object.hasOwn(state.conditions, draft.name))
          throw new ApiFailure({
            code: 'conflict',
            message: `a condition named '${draft.name}' exists already`,
          });
        return withCondition(state, draft);
      },
      () => this.condition(draft.name),
    );
  }

  /** Validates a named condition in the company of the gateways that may name it; nothing is applied. */
  validateCondition(draft: ConditionSource): { ok: boolean; issues: ConfigIssue[] } {
    try {
      const next = withCondition(this.state(), draft);
      const result = normalizeGateways(next.sources, next.conditions, next.listeners);
      return result.ok ? { ok: true, issues: [] } : { ok: false, issues: result.issues };
    } catch (err) {
      if (!(err instanceof ApiFailure)) throw err;
      return { ok: false, issues: err.error.issues ?? [{ path: ['conditions'], message: err.message }] };
    }
  }

  /**
   * Deletes a named condition; idempotent, as deleting a gateway is. A condition that routes name is
   * refused (409) with the routes, so no route is left naming nothing.
   */
  removeCondition(name: string): Promise<boolean> {
    let existed = false;
    return this.changeAll(
      (state) => {
        existed = Object.hasOwn(state.conditions, name);
        if (!existed) return undefined;
        const users = conditionUsers(
          this.entries.map((e) => e.config),
          name,
        );
        if (users.length)
          throw new ApiFailure({
            code: 'conflict',
            message: `condition '${name}' is used by ${users.map((u) => `gateway '${u.gateway}' route '${u.route}'`).join(', ')}; change their condition first`,
          });
        const conditions = { ...state.conditions };
        delete conditions[name];
        return { ...state, conditions };
      },
      () => existed,
    );
  }

  /** The shared ports (top-level `listeners:`) as written; `{}` when there are none. */
  listenerSettings(): ListenersSource {
    return this.writtenListeners ?? {};
  }

  /**
   * Replaces the shared ports; `{}` removes them. Validated with every gateway (a port a gateway uses, a
   * gateway left with only virtual hosts and no shared port): a conflict refuses the whole change and
   * the running configuration keeps serving.
   */
  setListeners(draft: ListenersSource | Record<string, unknown>): Promise<ListenersSource> {
    const none = draft !== null && typeof draft === 'object' && Object.keys(draft).length === 0;
    return this.changeAll(
      (state) => ({ ...state, listeners: none ? undefined : draft }),
      () => this.listenerSettings(),
    );
  }

  /** The running configuration of the named gateways (all when none are named), as the engine runs it. */
  configOf(names?: string[]): SwitchyardConfig {
    const gateways = this.chosen(names).map((e) => e.config);
    return this.runningListeners ? { gateways, listeners: this.runningListeners } : { gateways };
  }

  /**
   * The gateways as written, with the named conditions they use (all of them when none are named), and
   * the shared listeners when all are exported or one of those named has virtual hosts.
   */
  exportYaml(names?: string[]): string {
    const chosen = this.chosen(names);
    const used = new Set(chosen.flatMap((e) => e.config.routes.map((r) => r.conditionName)));
    const conditions = Object.fromEntries(
      Object.entries(this.conditions).filter(([name]) => !names || used.has(name)),
    );
    const hosted = !names || chosen.some((e) => e.config.virtualHosts?.length);
    return new Document({
      ...(this.writtenListeners && hosted ? { listeners: this.writtenListeners } : {}),
      ...(Object.keys(conditions).length ? { conditions } : {}),
      gateways: chosen.map((e) => e.source),
    }).toString();
  }

  /** Validates a draft gateway in the company of the others (ports, chaining, virtual hosts). */
  validate(gateway: GatewaySource | Record<string, unknown>) {
    const others = this.entries.map((e) => e.source).filter((s) => s.name !== gateway.name);
    const result = normalizeGateways([...others, gateway], this.conditions, this.writtenListeners);
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
    return this.changeAll((state) => {
      const sources = plan(state.sources as GatewaySource[]);
      return sources && { ...state, sources };
    }, answer);
  }

  /** What a change starts from: the gateways as written, the named conditions, the shared listeners. */
  private state(): Sources {
    return {
      sources: this.entries.map((e) => e.source),
      conditions: this.conditions,
      listeners: this.writtenListeners,
    };
  }

  /** `change` for the gateways, the named conditions and the shared listeners together. */
  private changeAll<T>(plan: (state: Sources) => Sources | undefined, answer: () => T): Promise<T> {
    return this.serially(async () => {
      for (let attempt = 1; ; attempt++) {
        await this.catchUp();
        const next = plan(this.state());
        if (next === undefined) return answer();
        const normalized = normalizeGateways(next.sources, next.conditions, next.listeners);
        if (!normalized.ok) throw invalid(normalized.issues);
        try {
          await this.persistence?.write(normalized.sources, normalized.conditions, normalized.listeners);
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
    this.conditions = result.conditions;
    this.writtenListeners = result.listeners;
    this.runningListeners = result.config.listeners;
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

/** The state with `draft` stored; a name or definition that cannot be stored is an invalid_config error. */
function withCondition(state: Sources, draft: ConditionSource): Sources {
  const problem = conditionProblem(draft.name, draft.condition);
  if (problem)
    throw invalid([
      {
        path: ['conditions', draft.name],
        field: 'condition',
        message: `condition '${draft.name}': ${problem}`,
      },
    ]);
  return { ...state, conditions: { ...state.conditions, [draft.name]: draft.condition } };
}

function invalid(issues: ConfigIssue[]): ApiFailure {
  const first = issues[0]?.message ?? 'the configuration is not valid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ApiFailure({ code: 'invalid_config', message: `${first}${more}`, issues });
}
