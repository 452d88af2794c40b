import { toSummary, type GatewayView, type Pipe } from '../../shared/api/contract.js';
import type { GatewayStatus } from '../../shared/status.js';
import type { LogEntry } from '../../shared/log-entry.js';
import type { Engine } from '../engine/engine.js';
import { ConfigStore, type ConfigPersistence } from './config-store.js';
import { createDispatcher, EventHub, type Dispatch } from './dispatcher.js';
import { createHandlers, type Host } from './handlers.js';
import { Stats } from './stats.js';
import { TrafficGenerator } from './traffic.js';
import { VERSION } from '../version.js';

/**
 * Everything that drives an engine, independent of transport: the config store, statistics, demo
 * traffic, the typed command handlers and the event hub. Transports (WebSocket, Electron IPC, in-memory)
 * only connect pipes to it.
 */
export class ControlPlane {
  readonly store: ConfigStore;
  readonly stats = new Stats();
  readonly traffic: TrafficGenerator;
  readonly dispatch: Dispatch;
  private readonly hub = new EventHub();
  private readonly stops: (() => void)[] = [];

  constructor(
    readonly engine: Engine,
    persistence?: ConfigPersistence,
    host: Host = { info: () => ({ mode: 'headless', version: VERSION, settingsEditable: false }) },
  ) {
    this.store = new ConfigStore(engine, persistence);
    this.traffic = new TrafficGenerator(engine);
    this.dispatch = createDispatcher(
      createHandlers({
        engine,
        store: this.store,
        stats: this.stats,
        traffic: this.traffic,
        host,
        onLogCleared: () => this.hub.emit('log.cleared', {}),
        clients: () => this.hub.count,
      }),
    );
    this.stops.push(
      engine.log.subscribe((batch) => {
        this.stats.add(batch);
        if (this.hub.connected) this.hub.emit('log.appended', batch.map(toSummary));
      }),
    );
    this.stops.push(
      engine.log.subscribeUpdates((changed) => {
        if (this.hub.connected) this.hub.emit('log.updated', changed.map(toSummary));
      }),
    );
    const onShadows = (entry: LogEntry) => this.stats.addShadows(entry);
    engine.on('shadows', onShadows);
    this.stops.push(() => engine.off('shadows', onShadows));
    const onStatus = (status: GatewayStatus[]) => this.hub.emit('status.changed', status);
    engine.on('status', onStatus);
    this.stops.push(() => engine.off('status', onStatus));
    const onChanged = (views: GatewayView[]) => this.hub.emit('gateways.changed', views);
    this.store.on('changed', onChanged);
    // Statistics cost something to compute; only when someone listens.
    const tick = setInterval(() => {
      if (this.hub.connected) this.hub.emit('stats.tick', this.stats.snapshot(engine.current));
    }, 1000).unref();
    this.stops.push(() => clearInterval(tick));
  }

  /** Serves a transport's pipe; returns the function that disconnects it. */
  connect(pipe: Pipe): () => void {
    return this.hub.connect(pipe, this.dispatch);
  }

  close(): void {
    for (const stop of this.stops) stop();
  }
}
