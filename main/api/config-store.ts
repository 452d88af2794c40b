import { EventEmitter } from 'node:events';
import { Document } from 'yaml';
import type { GatewayView } from '../../shared/api/contract.js';
import { setEnabled, setRouteFaults, setRouteWeights, routeKeys } from '../../shared/config/edit.js';
import type { ConfigIssue } from '../../shared/config/issues.js';
import { loadConfigText } from '../../shared/config/load.js';
import type { GatewayConfig, SwitchyardConfig } from '../../shared/config/model.js';
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
   * Keeps the sources and the named conditions; throws `StaleFile` when the user saved in between, so
   * the change is redone.
   */
  write(sources: GatewaySource[], conditions: NamedConditions): Promise<void>;
}

/** The user saved the file after Switchyard read it: the change must be made again on top of their text. */
export class StaleFile extends Error {}

/** What a change computes: the gateways as written and the named conditions they may use. */
interface Sources {
  sources: (GatewaySource | Record<string, unknown>)[];
  conditions: NamedConditions;
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

  /** Applies gateways (and named conditions) that are already values (the desktop store's, an import's). Not persisted. */
  loadSources(
    sources: unknown[],
    conditions?: NamedConditions,
  ): Promise<{ ok: true } | { ok: false; issues: ConfigIssue[] }> {
    return this.serially(() => this.install(normalizeGateways(sources, conditions)));
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
   * the whole set.
   */
  async importYaml(text: string, replace = false): Promise<string[]> {
    const parsed = await loadConfigOffThread(text);
    if (!parsed.ok) throw invalid(parsed.issues);
    const incoming = parsed.sources;
    const names = new Set(incoming.map((s) => s.name));
    return this.changeAll(
      ({ sources, conditions }) => ({
        sources: replace
          ? incoming
          : [...(sources as GatewaySource[]).filter((s) => !names.has(s.name)), ...incoming],
        conditions: replace ? parsed.conditions : { ...conditions, ...parsed.conditions },
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
      const next = withCondition(
        { sources: this.entries.map((e) => e.source), conditions: this.conditions },
        draft,
      );
      const result = normalizeGateways(next.sources, next.conditions);
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
        return { sources: state.sources, conditions };
      },
      () => existed,
    );
  }

  /** The running configuration of the named gateways (all when none are named), as the engine runs it. */
  configOf(names?: string[]): SwitchyardConfig {
    return { gateways: this.chosen(names).map((e) => e.config) };
  }

  /** The gateways as written, with the named conditions they use (all of them when none are named). */
  exportYaml(names?: string[]): string {
    const chosen = this.chosen(names);
    const used = new Set(chosen.flatMap((e) => e.config.routes.map((r) => r.conditionName)));
    const conditions = Object.fromEntries(
      Object.entries(this.conditions).filter(([name]) => !names || used.has(name)),
    );
    return new Document({
      ...(Object.keys(conditions).length ? { conditions } : {}),
      gateways: chosen.map((e) => e.source),
    }).toString();
  }

  /** Validates a draft gateway in the company of the others (ports, chaining). */
  validate(gateway: GatewaySource | Record<string, unknown>) {
    const others = this.entries.map((e) => e.source).filter((s) => s.name !== gateway.name);
    const result = normalizeGateways([...others, gateway], this.conditions);
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
      return sources && { sources, conditions: state.conditions };
    }, answer);
  }

  /** `change` for the gateways and the named conditions together. */
  private changeAll<T>(plan: (state: Sources) => Sources | undefined, answer: () => T): Promise<T> {
    return this.serially(async () => {
      for (let attempt = 1; ; attempt++) {
        await this.catchUp();
        const next = plan({ sources: this.entries.map((e) => e.source), conditions: this.conditions });
        if (next === undefined) return answer();
        const normalized = normalizeGateways(next.sources, next.conditions);
        if (!normalized.ok) throw invalid(normalized.issues);
        try {
          await this.persistence?.write(normalized.sources, normalized.conditions);
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
  return { sources: state.sources, conditions: { ...state.conditions, [draft.name]: draft.condition } };
}

function invalid(issues: ConfigIssue[]): ApiFailure {
  const first = issues[0]?.message ?? 'the configuration is not valid';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new ApiFailure({ code: 'invalid_config', message: `${first}${more}`, issues });
}
