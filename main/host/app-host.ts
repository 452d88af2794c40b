import { existsSync } from 'node:fs';
import path from 'node:path';
import type { AppInfo } from '../../shared/api/contract.js';
import { DEMO_PORTS } from '../../shared/wire/ports.js';
import { httpOrigin } from '../../shared/wire/host.js';
import type { ConfigPersistence } from '../api/config-store.js';
import { ControlPlane } from '../api/control-plane.js';
import type { Host } from '../api/handlers.js';
import type { ControlServer } from '../control/control-server.js';
import { startControl, type ControlStart } from '../control/start-control.js';
import { demoConfig, startDemoService, type DemoService } from '../demo/demo-services.js';
import { Engine, type EngineOptions } from '../engine/engine.js';
import { caService, defaultTrustEnvironment } from '../tls/ca-service.js';
import { CA_CERT_FILE, defaultCaDir, LocalCa } from '../tls/local-ca.js';
import { VERSION } from '../version.js';
import { applyResidentHeapPolicy } from './heap-policy.js';

/** The built UI, which the desktop app serves from app:// and the control server from `/`. */
export const RENDERER_DIR = path.resolve(import.meta.dirname, '../../renderer');

export interface AppHostOptions {
  mode: AppInfo['mode'];
  engine?: EngineOptions;
  /** Where changes made through the API are kept; none: they last as long as the process. */
  persistence?: ConfigPersistence;
  /** Where the gateways are kept, as the UI names it: the YAML file, or the desktop store. */
  configPath?: string;
  /** The settings the UI may change (desktop); absent where the command line decides them (headless). */
  settings?: Host['settings'];
  log?: Pick<Console, 'log' | 'error'>;
  /** The local CA's directory (default: defaultCaDir(), shared by `switchyard ca` and the desktop app). */
  caDir?: string;
}

/** The control server's options, less what the host knows itself (the UI and the version). */
export type ControlOptions = Omit<ControlStart, 'uiDir' | 'version'>;

/**
 * One running Switchyard: the engine, the control plane that drives it, the demo services, the control
 * server, and their orderly shutdown. `switchyard serve` and the desktop app each build one and add only
 * what is theirs around it: a watched YAML file and signals; electron-store, a window, menus and a tray.
 */
export class AppHost {
  readonly engine: Engine;
  readonly plane: ControlPlane;
  /** Certificates for TLS listeners; created on disk only when one first needs it. */
  readonly ca: LocalCa;
  private readonly caDir: string;
  private readonly demo: DemoService[] = [];
  private control: { server: ControlServer; url: string } | undefined;
  private stopped: Promise<void> | undefined;
  private readonly log: Pick<Console, 'log' | 'error'>;

  constructor(o: AppHostOptions) {
    // The process now hosts a resident proxy (serve, the desktop app, compare): size its heap as one.
    applyResidentHeapPolicy();
    this.log = o.log ?? console;
    this.caDir = o.caDir ?? defaultCaDir();
    this.ca = new LocalCa(this.caDir);
    this.engine = new Engine({ ca: this.ca, ...o.engine });
    const info = (): AppInfo => ({
      mode: o.mode,
      version: VERSION,
      settingsEditable: o.settings !== undefined,
      ...(this.control ? { controlUrl: this.control.url } : {}),
      ...(o.configPath ? { configPath: o.configPath } : {}),
    });
    this.plane = new ControlPlane(this.engine, o.persistence, {
      info,
      ca: caService(this.ca, this.caDir, () => defaultTrustEnvironment()),
      ...(o.settings ? { settings: o.settings } : {}),
    });
  }

  /** The control server's address, once it listens. */
  get controlUrl(): string | undefined {
    return this.control?.url;
  }

  /**
   * Starts the demo's blue and green services, on `ports` when they are free (else on any), and returns
   * the demo gateway for them (on `gatewayPort`), as YAML with a comment that says what to do with it.
   * The gateway also answers as demo.localhost on the shared ports (HTTPS only once the local CA exists,
   * so a first run creates no CA); a demo on port 0 (tests) takes any free shared port too.
   */
  async startDemo(
    ports: { blue: number; green: number } = { blue: 0, green: 0 },
    gatewayPort: number = DEMO_PORTS.gateway,
  ): Promise<{ config: string; blue: string; green: string }> {
    const blue = await startDemoService('blue', '127.0.0.1', ports.blue);
    this.demo.push(blue);
    const green = await startDemoService('green', '127.0.0.1', ports.green);
    this.demo.push(green);
    const caExists = existsSync(path.join(this.caDir, CA_CERT_FILE));
    const shared =
      gatewayPort === 0
        ? { http: 0 }
        : { http: DEMO_PORTS.http, https: caExists ? DEMO_PORTS.https : undefined };
    return { config: demoConfig(blue.url, green.url, gatewayPort, shared), blue: blue.url, green: green.url };
  }

  /**
   * Starts the control server (REST, stream, /proxy and the UI when it is built), printing its address
   * and, with a token, the one-time login link; returns its URL, or undefined when it could not listen.
   */
  async startControl(c: ControlOptions): Promise<string | undefined> {
    const uiDir = existsSync(path.join(RENDERER_DIR, 'index.html')) ? RENDERER_DIR : undefined;
    const started = await startControl(this.plane, { ...c, uiDir, version: VERSION }, this.log);
    if (!started) return undefined;
    this.control = { server: started.server, url: httpOrigin(c.host, started.port) };
    return this.control.url;
  }

  /**
   * Stops everything, once, in the order that loses nothing: the control server stops taking requests;
   * the engine lets in-flight requests finish (up to `drainMs`), then ends WebSocket tunnels with a 1001
   * close frame; only then can the control server finish closing, since its /proxy tunnels are among them
   * and never end by themselves; the demo services go last, as gateways may still be sending to them.
   */
  stop(drainMs = 5_000): Promise<void> {
    this.stopped ??= (async () => {
      const controlClosed = this.control?.server.close();
      this.plane.close();
      await this.engine.stop(drainMs);
      await controlClosed;
      await Promise.all(this.demo.map((d) => d.close()));
    })();
    return this.stopped;
  }
}
