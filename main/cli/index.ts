import { Command, InvalidArgumentError } from 'commander';
import { serve } from './serve.js';
import { validate } from './validate.js';

// http-proxy (used for WebSocket upgrades) still calls util._extend; that warning tells a user nothing
// they can act on, so it is the one warning not printed.
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: string }) => {
  if (w.code !== 'DEP0060') console.warn(`${w.name}: ${w.message}`);
});

const program = new Command()
  .name('switchyard')
  .description('A reverse proxy and traffic splitter for your laptop.')
  .version('0.1.0')
  .showHelpAfterError();

program
  .command('serve')
  .description(
    'run the gateways in a config file (or the built-in demo when there is none), reloading it on change',
  )
  .option(
    '-c, --config <file>',
    'gateway configuration (YAML); default ./switchyard.yaml when present, else the demo',
  )
  .option('--log <format>', 'access log format: text, json or none', 'text')
  .option('--demo-port <port>', 'port of the demo gateway when no config is given', parsePort, 8080)
  .action(async (opts: { config?: string; log: string; demoPort: number }) => {
    if (!['text', 'json', 'none'].includes(opts.log)) {
      program.error(`--log must be text, json or none (got '${opts.log}')`);
    }
    process.exitCode = await serve({ config: opts.config, log: opts.log as 'text', demoPort: opts.demoPort });
  });

program
  .command('validate')
  .description('check a configuration file; prints every problem and exits 1, or a summary and exits 0')
  .argument('<file>', 'gateway configuration (YAML or JSON)')
  .action(async (file: string) => {
    process.exitCode = await validate(file);
  });

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

await program.parseAsync();
