import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { Engine, type GatewayStatus } from '../engine/engine.js';
import { demoConfig, startDemoService, type DemoService } from '../demo/demo-services.js';
import { watchConfig } from './config-watcher.js';
import { formatAccess, formatAccessJson, formatIssues, formatStatus } from './format.js';

export interface ServeOptions {
  config?: string | undefined;
  log: 'text' | 'json' | 'none';
  demoPort: number;
}

const DEFAULT_CONFIG = 'switchyard.yaml';

/** `switchyard serve`: runs until SIGINT/SIGTERM; returns the exit code. */
export async function serve(opts: ServeOptions): Promise<number> {
  const file = opts.config ?? (existsSync(DEFAULT_CONFIG) ? DEFAULT_CONFIG : undefined);
  const engine = new Engine();
  const demo: DemoService[] = [];
  let text: string;
  if (file) {
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      console.error(`switchyard: cannot read ${file}: ${(err as Error).message}`);
      return 1;
    }
  } else {
    demo.push(await startDemoService('blue'), await startDemoService('green'));
    text = demoConfig(demo[0]!.url, demo[1]!.url, opts.demoPort);
    console.log(
      `switchyard: no config given and no ./${DEFAULT_CONFIG}: running the demo (blue ${demo[0]!.url}, green ${demo[1]!.url})`,
    );
  }

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

  const first = await engine.apply(text);
  if (!first.ok) {
    console.error(formatIssues(file ?? 'demo', first.issues));
    console.error('switchyard: the configuration is not valid; nothing was started');
    await Promise.all(demo.map((d) => d.close()));
    return 1;
  }
  printStatus(first.status);

  const watcher = file
    ? watchConfig(file, text, (next) => {
        void engine.apply(next).then((r) => {
          if (r.ok) {
            console.log(`switchyard: ${file} changed; applied`);
            printStatus(r.status);
          } else {
            console.error(formatIssues(file, r.issues));
            console.error(
              `switchyard: ${file} changed but is not valid; still running the previous configuration`,
            );
          }
        });
      })
    : undefined;
  if (file) console.log(`switchyard: watching ${file} for changes`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  console.log('switchyard: stopping (letting in-flight requests finish)');
  watcher?.close();
  await engine.stop(5_000);
  await Promise.all(demo.map((d) => d.close()));
  return 0;
}
