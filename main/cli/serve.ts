import { existsSync } from 'node:fs';
import path from 'node:path';
import type { GatewayStatus } from '../../shared/status.js';
import { AppHost, type ControlOptions } from '../host/app-host.js';
import { importAileron, isAileron } from '../import/aileron.js';
import { watchConfig } from './config-watcher.js';
import { formatAccess, formatAccessJson, formatIssues, formatStatus } from './format.js';
import { readTextFile } from './read-file.js';
import { YamlConfigFile } from './yaml-config-file.js';

export interface ServeOptions {
  config?: string | undefined;
  log: 'text' | 'json' | 'none';
  demoPort: number;
  /** undefined: no control server. */
  control?: ControlOptions | undefined;
}

const DEFAULT_CONFIG = 'switchyard.yaml';

/** `switchyard serve`: runs until SIGINT/SIGTERM; returns the exit code. */
export async function serve(opts: ServeOptions): Promise<number> {
  const file = opts.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  const text = file ? await readTextFile(file) : undefined;
  if (file && text === undefined) return 1;

  // An AILERON configuration runs as its Switchyard equivalent; API changes are not written back into it.
  const aileron = file !== undefined && text !== undefined && isAileron(text);
  let converted: Record<string, unknown>[] | undefined;
  if (aileron) {
    converted = fromAileron(text, file);
    if (converted === undefined) return 1;
    console.log(
      `switchyard: ${file} is an AILERON configuration; running its Switchyard equivalent (switchyard import --from aileron ${file} prints it)`,
    );
  }

  const host = new AppHost({
    mode: 'headless',
    persistence: file && text !== undefined && !aileron ? new YamlConfigFile(file, text) : undefined,
    ...(file ? { configPath: path.resolve(file) } : {}),
  });
  const { engine, plane } = host;
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

  const first =
    file === undefined || text === undefined
      ? await runDemo(host, opts.demoPort)
      : await (converted ? plane.store.loadSources(converted) : plane.store.load(text));

  if (!first.ok) {
    console.error(formatIssues(file ?? 'demo', first.issues));
    console.error('switchyard: the configuration is not valid; nothing was started');
    await host.stop();
    return 1;
  }

  const reloadAileron = (changed: string) => {
    const sources = fromAileron(changed, file!);
    return sources && plane.store.loadSources(sources);
  };
  // The file is read again in the store's queue, not here: a change made through the API meanwhile
  // has already loaded it, and what reaches the store is always the file as it is now.
  const watcher =
    file && text !== undefined
      ? watchConfig(file, text, (changed) => {
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
        })
      : undefined;
  if (watcher) console.log(`switchyard: watching ${file} for changes`);

  if (opts.control) await host.startControl(opts.control);

  await untilSignal();
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
  await host.stop(5_000);
  return 0;
}

/** Without a config file, the demo: its services, and its gateway on `port`. */
async function runDemo(host: AppHost, port: number) {
  const demo = await host.startDemo(undefined, port);
  console.log(
    `switchyard: no config given and no ./${DEFAULT_CONFIG}: running the demo (blue ${demo.blue}, green ${demo.green})`,
  );
  return host.plane.store.load(demo.config);
}

function untilSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
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
