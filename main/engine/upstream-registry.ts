import { EventEmitter } from 'node:events';
import type { HealthCheck, PassiveHealth, SwitchyardConfig } from '../../shared/config/model.js';
import type { InstanceHealth, InstanceHealthState } from '../../shared/status.js';

/**
 * The upstream registry: what the engine knows about each upstream instance that must outlive a config
 * apply (Caddy keeps its upstream hosts in a global pool for the same reason). Health (active checks and
 * passive ejection) and round-robin positions live here, keyed by target and by route, so that dragging a
 * weight slider, which recompiles every gateway, neither revives an ejected instance nor restarts the
 * rotation. `retain()` after each apply forgets what no route uses any more.
 */

/** Asks an instance whether it is well: resolves to undefined when it is, else why not. */
export type Probe = (target: string, path: string, timeoutMs: number) => Promise<string | undefined>;

/** What route selection asks of health: the one question, behind a one-method interface. */
export interface HealthView {
  isHealthy(target: string): boolean;
  /** True when no instance is unhealthy or ejected, so routing can skip its per-instance checks. */
  allHealthy(): boolean;
}

/** Where a route's rotation stands: plain round-robin's next index, smooth weighted round-robin's counters. */
export interface BalanceCursor {
  next: number;
  current: number[];
}

interface Instance {
  target: string;
  check?: HealthCheck;
  passive?: PassiveHealth;
  /** Active checks: healthy until `unhealthyAfter` fail in a row. */
  checkedHealthy: boolean;
  inARow: number;
  /** Passive: failures in a row and when the first of them was. */
  failures: number;
  firstFailure: number;
  ejectedUntil: number;
  reason?: string;
  since: number;
  timer?: NodeJS.Timeout;
  /** Bumped whenever the check changes, so a probe in flight for an older one is ignored. */
  generation: number;
}

export class UpstreamRegistry extends EventEmitter<{ change: [] }> implements HealthView {
  private readonly instances = new Map<string, Instance>();
  private readonly cursors = new Map<string, BalanceCursor>();
  /** gateway -> route -> targets, for snapshots. */
  private routes = new Map<string, { route: string; targets: string[] }[]>();
  private stopped = false;
  /** Until when some instance may be down: 0 when none is, Infinity while one fails its checks. */
  private downUntil = 0;

  constructor(
    private readonly probe: Probe,
    private readonly now: () => number = Date.now,
  ) {
    super();
  }

  allHealthy(): boolean {
    return this.downUntil === 0 || this.downUntil <= this.now();
  }

  isHealthy(target: string): boolean {
    const i = this.instances.get(target);
    if (!i) return true;
    return i.checkedHealthy && i.ejectedUntil <= this.now();
  }

  state(target: string): { state: InstanceHealthState; reason?: string } {
    const i = this.instances.get(target);
    if (!i) return { state: 'healthy' };
    if (i.ejectedUntil > this.now()) return { state: 'ejected', ...(i.reason ? { reason: i.reason } : {}) };
    if (!i.checkedHealthy) return { state: 'unhealthy', ...(i.reason ? { reason: i.reason } : {}) };
    return { state: 'healthy' };
  }

  /** A route's rotation, the same object across applies while the route keeps its name and targets. */
  cursor(gateway: string, route: string, targets: readonly string[]): BalanceCursor {
    const key = `${gateway}\u0000${route}\u0000${targets.join(' ')}`;
    let c = this.cursors.get(key);
    if (!c) this.cursors.set(key, (c = { next: 0, current: targets.map(() => 0) }));
    return c;
  }

  /**
   * Brings the registry in line with a configuration just applied: instances of routes with health checks
   * or passive health are tracked (the first route naming a target decides its settings), the rest are
   * forgotten, checks start and stop. Returns every target any route uses, so the transport can close
   * the pools of the others.
   */
  retain(config: SwitchyardConfig): Set<string> {
    const used = new Set<string>();
    const wanted = new Map<string, { check?: HealthCheck; passive?: PassiveHealth }>();
    const cursorKeys = new Set<string>();
    const routes = new Map<string, { route: string; targets: string[] }[]>();
    for (const g of config.gateways) {
      const list: { route: string; targets: string[] }[] = [];
      for (const r of g.routes) {
        for (const t of r.targets) used.add(t);
        cursorKeys.add(`${g.name}\u0000${r.name}\u0000${r.targets.join(' ')}`);
        if (!r.healthCheck && !r.passive) continue;
        list.push({ route: r.name, targets: r.targets });
        for (const t of r.targets) {
          if (wanted.has(t)) continue;
          wanted.set(t, {
            ...(r.healthCheck ? { check: r.healthCheck } : {}),
            ...(r.passive ? { passive: r.passive } : {}),
          });
        }
      }
      if (list.length) routes.set(g.name, list);
    }
    this.routes = routes;
    for (const key of this.cursors.keys()) if (!cursorKeys.has(key)) this.cursors.delete(key);
    let changed = false;
    for (const [target, i] of this.instances) {
      if (wanted.has(target)) continue;
      clearTimeout(i.timer);
      this.instances.delete(target);
      changed = true;
    }
    for (const [target, w] of wanted) {
      let i = this.instances.get(target);
      if (!i) {
        i = {
          target,
          checkedHealthy: true,
          inARow: 0,
          failures: 0,
          firstFailure: 0,
          ejectedUntil: 0,
          since: this.now(),
          generation: 0,
        };
        this.instances.set(target, i);
        changed = true;
      }
      i.passive = w.passive;
      if (JSON.stringify(i.check) !== JSON.stringify(w.check)) {
        // A new check: its own counts, and a healthy start unless checks say otherwise.
        i.check = w.check;
        i.generation++;
        clearTimeout(i.timer);
        i.timer = undefined;
        i.inARow = 0;
        if (!w.check && !i.checkedHealthy) {
          i.checkedHealthy = true;
          changed = true;
        }
        if (w.check) this.schedule(i, 0);
      }
    }
    if (changed) this.changed();
    return used;
  }

  /**
   * Passive health: the outcome of one proxied exchange. Failures in a row (connection errors, 5xx,
   * timeouts) within `within` eject the instance for `eject_for`; any success resets the count.
   * Returns the ejection's description when this failure ejected the instance.
   */
  report(target: string, failure: string | undefined): string | undefined {
    const i = this.instances.get(target);
    if (!i?.passive) return undefined;
    const now = this.now();
    if (!failure) {
      i.failures = 0;
      return undefined;
    }
    if (i.ejectedUntil > now) return undefined;
    if (i.failures === 0 || now - i.firstFailure > i.passive.withinMs) {
      i.failures = 0;
      i.firstFailure = now;
    }
    i.failures++;
    if (i.failures < i.passive.failures) return undefined;
    i.failures = 0;
    i.ejectedUntil = now + i.passive.ejectForMs;
    i.reason = `${i.passive.failures} failures in a row (last: ${failure})`;
    i.since = now;
    this.changed();
    // Tell listeners when it comes back, so health dots turn green without waiting for traffic.
    setTimeout(() => {
      if (this.instances.get(target) === i && !this.stopped) {
        i.since = this.now();
        this.changed();
      }
    }, i.passive.ejectForMs + 5).unref();
    return `instance ${target} ejected for ${i.passive.ejectForMs} ms after ${i.reason}`;
  }

  /** The health of every tracked instance, by gateway, for status and the UI. */
  snapshot(gateway: string): InstanceHealth[] | undefined {
    const list = this.routes.get(gateway);
    if (!list) return undefined;
    return list.flatMap(({ route, targets }) =>
      targets.map((target) => {
        const { state, reason } = this.state(target);
        const h: InstanceHealth = { route, target, state, since: this.instances.get(target)?.since ?? 0 };
        if (reason && state !== 'healthy') h.reason = reason;
        return h;
      }),
    );
  }

  stop(): void {
    this.stopped = true;
    for (const i of this.instances.values()) clearTimeout(i.timer);
  }

  /** Every change of health passes here: the fast "all healthy" answer follows it, and listeners hear it. */
  private changed(): void {
    const now = this.now();
    let until = 0;
    for (const i of this.instances.values()) {
      if (!i.checkedHealthy) until = Infinity;
      else if (i.ejectedUntil > now) until = Math.max(until, i.ejectedUntil);
    }
    this.downUntil = until;
    this.emit('change');
  }

  private schedule(i: Instance, delayMs: number): void {
    if (this.stopped || !i.check) return;
    const generation = i.generation;
    i.timer = setTimeout(() => void this.runCheck(i, generation), delayMs);
    i.timer.unref();
  }

  private async runCheck(i: Instance, generation: number): Promise<void> {
    const check = i.check;
    if (!check || this.instances.get(i.target) !== i || i.generation !== generation) return;
    const failure = await this.probe(i.target, check.path, check.timeoutMs).catch((e: Error) => e.message);
    if (this.stopped || this.instances.get(i.target) !== i || i.generation !== generation) return;
    const passed = failure === undefined;
    if (passed === i.checkedHealthy) i.inARow = 0;
    else i.inARow++;
    const needed = i.checkedHealthy ? check.unhealthyAfter : check.healthyAfter;
    if (i.inARow >= needed) {
      i.checkedHealthy = passed;
      i.inARow = 0;
      i.since = this.now();
      if (passed) delete i.reason;
      else i.reason = `health check ${check.path}: ${failure}`;
      this.changed();
    }
    this.schedule(i, check.intervalMs);
  }
}
