import { existsSync } from 'node:fs';
import path from 'node:path';
import { ControlPlane } from '../api/control-plane.js';
import { startControl } from '../control/start-control.js';
import { Engine, type GatewayStatus } from '../engine/engine.js';
import { demoConfig, startDemoService, type DemoService } from '../demo/demo-services.js';
import { watchConfig, type ConfigWatcher } from './config-watcher.js';
import { formatAccess, formatAccessJson, formatIssues, formatStatus } from './format.js';
import { importAileron, isAileron } from '../import/aileron.js';
import { readTextFile } from './read-file.js';
import { YamlConfigFile } from './yaml-config-file.js';

export interface ServeOptions {
  config?: string | undefined;
  log: 'text' | 'json' | 'none';
  demoPort: number;
  /** undefined: no control server. */
  control?:
    | {
        host: string;
        port: number;
        portExplicit: boolean;
        token?: string | undefined;
        allowProxyHosts: string[];
      }
    | undefined;
  version: string;
}

const DEFAULT_CONFIG = 'switchyard.yaml';
const UI_DIR = path.resolve(import.meta.dirname, '../../renderer');

/** `switchyard serve`: runs until SIGINT/SIGTERM; returns the exit code. */
export async function serve(opts: ServeOptions): Promise<number> {
  const file = opts.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  const engine = new Engine();
  const demo: DemoService[] = [];
  let text: string;
  if (file) {
    const read = await readTextFile(file);
    if (read === undefined) return 1;
    text = read;
  } else {
    demo.push(await startDemoService('blue'), await startDemoService('green'));
    text = demoConfig(demo[0]!.url, demo[1]!.url, opts.demoPort);
    console.log(
      `switchyard: no config given and no ./${DEFAULT_CONFIG}: running the demo (blue ${demo[0]!.url}, green ${demo[1]!.url})`,
    );
  }

  // An AILERON configuration runs as its Switchyard equivalent; API changes are not written back into it.
  const aileron = file !== undefined && isAileron(text);
  let converted: Record<string, unknown>[] | undefined;
  if (aileron) {
    converted = fromAileron(text, file);
    if (converted === undefined) return 1;
    console.log(
      `switchyard: ${file} is an AILERON configuration; running its Switchyard equivalent (switchyard import --from aileron ${file} prints it)`,
    );
  }

  let watcher: ConfigWatcher | undefined;
  const persistence = file && !aileron ? new YamlConfigFile(file, text) : undefined;
  let controlUrl: string | undefined;
  const plane = new ControlPlane(engine, persistence, {
    info: () => ({
      mode: 'headless',
      version: opts.version,
      settingsEditable: false,
      ...(controlUrl ? { controlUrl } : {}),
      ...(file ? { configPath: path.resolve(file) } : {}),
    }),
  });

  if (opts.log !== 'none') {
    const line = opts.log === 'json' ? formatAccessJson : formatAccess;
    engine.log.subscribe((batch) => {
      for (const e of batch) process.stdout.write(line(e) + '\n');
    });
  }
  const printStatus = (status: GatewayStatus[]) => {
    for (const s of status)
      (s.state === 'error' ? console.error : console.log)(`switchyard: ${formatStatus(s, engine.current)}`);
  };
  plane.store.on('changed', () => printStatus(engine.status()));

  const first = await (converted ? plane.store.loadSources(converted) : plane.store.load(text));
  if (!first.ok) {
    console.error(formatIssues(file ?? 'demo', first.issues));
    console.error('switchyard: the configuration is not valid; nothing was started');
    await Promise.all(demo.map((d) => d.close()));
    return 1;
  }

  const reloadAileron = (changed: string) => {
    const sources = fromAileron(changed, file!);
    return sources && plane.store.loadSources(sources);
  };
  if (file) {
    // The file is read again in the store's queue, not here: a change made through the API meanwhile
    // has already loaded it, and what reaches the store is always the file as it is now.
    watcher = watchConfig(file, text, (changed) => {
      const reloaded = aileron ? reloadAileron(changed) : plane.store.reload();
      reloaded?.then(
        (r) => {
          if (!r.ok) {
            console.error(formatIssues(file, r.issues));
            console.error(
              `switchyard: ${file} changed but is not valid; still running the previous configuration`,
            );
          } else if (!('changed' in r) || r.changed) console.log(`switchyard: ${file} changed; applied`);
        },
        (err: unknown) =>
          console.error(
            `switchyard: ${file} changed but could not be applied (${(err as Error)?.message ?? String(err)}); still running the previous configuration`,
          ),
      );
    });
    console.log(`switchyard: watching ${file} for changes`);
  }

  const control = opts.control
    ? await startControl(
        plane,
        {
          ...opts.control,
          uiDir: existsSync(path.join(UI_DIR, 'index.html')) ? UI_DIR : undefined,
          version: opts.version,
        },
        console,
      )
    : undefined;
  if (control)
    controlUrl = `http://${opts.control!.host.includes(':') ? `[${opts.control!.host}]` : opts.control!.host}:${control.port}`;

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  // A second signal means "now": the drain below waits for nothing more.
  const now = () => {
    console.log('switchyard: stopped at once');
    process.exit(130);
  };
  process.once('SIGINT', now);
  process.once('SIGTERM', now);
  console.log(
    'switchyard: stopping (letting in-flight requests finish for up to 5 s, then closing WebSocket tunnels)',
  );
  watcher?.close();
  // The control server stops taking requests now, but finishes closing only after the engine has ended
  // the WebSocket tunnels (its /proxy ones among them), which never end by themselves.
  const controlClosed = control?.server.close();
  plane.close();
  await engine.stop(5_000);
  await controlClosed;
  await Promise.all(demo.map((d) => d.close()));
  return 0;
}

/** The Switchyard gateways of an AILERON configuration, printing its notes; undefined when it cannot run. */
function fromAileron(text: string, file: string): Record<string, unknown>[] | undefined {
  let result: ReturnType<typeof importAileron>;
  try {
    result = importAileron(text);
  } catch (err) {
    console.error(`switchyard: ${file}: ${(err as Error)?.message ?? String(err)}`);
    return undefined;
  }
  for (const n of result.notes) console.log(`switchyard: ${file}: note: ${n}`);
  for (const p of result.problems) console.error(`switchyard: ${file}: ${p}`);
  return result.problems.length ? undefined : result.gateways;
}
