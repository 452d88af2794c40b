import { Command, InvalidArgumentError } from 'commander';
import type { CaFlags } from './ca.js';
import { COMPARE_FORMATS, IMPORT_FORMATS } from './formats.js';
import { PROXY_FORMATS } from '../../shared/export-formats.js';
import { httpOrigin } from '../../shared/wire/host.js';
import { CONTROL_PORT, DEMO_PORTS } from '../../shared/wire/ports.js';
import { VERSION } from '../version.js';

// http-proxy (used for WebSocket upgrades) still calls util._extend; that warning tells a user nothing
// they can act on, so it is the one warning not printed.
process.removeAllListeners('warning');
process.on('warning', (w: Error & { code?: string }) => {
  if (w.code !== 'DEP0060') console.warn(`${w.name}: ${w.message}`);
});

const program = new Command()
  .name('switchyard')
  .description('A reverse proxy and traffic splitter for your laptop.')
  .version(VERSION)
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
  .option(
    '--demo-port <port>',
    'port of the demo gateway when no config is given',
    parsePort,
    DEMO_PORTS.gateway,
  )
  .option(
    '--control-port <port>',
    `port of the control server (REST, stream, /proxy, UI); default ${CONTROL_PORT} or the next free one`,
    parsePort,
  )
  .option('--control-host <host>', 'address the control server binds', '127.0.0.1')
  .option('--no-control', 'run without the control server')
  .option('--token <token>', 'require this bearer token on the API (default: $SWITCHYARD_TOKEN)')
  .option(
    '--allow-proxy-host <pattern>',
    'let /proxy/host reach this non-loopback host (* matches any run; repeatable)',
    collect,
    [],
  )
  .action(async (opts: ServeFlags) => {
    if (!['text', 'json', 'none'].includes(opts.log)) {
      program.error(`--log must be text, json or none (got '${opts.log}')`);
    }
    const token = opts.token ?? process.env.SWITCHYARD_TOKEN;
    // Each command loads its own code when it runs: `serve` starts without the exporters, importers,
    // comparison and certificate code (issue 16: start-up time and idle memory).
    const { serve } = await import('./serve.js');
    process.exitCode = await serve({
      config: opts.config,
      log: opts.log as 'text',
      demoPort: opts.demoPort,
      control: opts.control
        ? {
            host: opts.controlHost,
            port: opts.controlPort ?? CONTROL_PORT,
            portExplicit: opts.controlPort !== undefined,
            token: token || undefined,
            allowProxyHosts: opts.allowProxyHost,
          }
        : undefined,
    });
  });

program
  .command('validate')
  .description('check a configuration file; prints every problem and exits 1, or a summary and exits 0')
  .argument('<file>', 'gateway configuration (YAML or JSON)')
  .action(async (file: string) => {
    const { validate } = await import('./validate.js');
    process.exitCode = await validate(file);
  });

interface ServeFlags {
  config?: string;
  log: string;
  demoPort: number;
  controlPort?: number;
  controlHost: string;
  control: boolean;
  token?: string;
  allowProxyHost: string[];
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

program
  .command('export')
  .description('export gateways to the configuration of a production proxy; warnings go to stderr')
  .requiredOption('-f, --format <format>', `target: ${PROXY_FORMATS.map((f) => f.id).join(', ')}`)
  .option('-c, --config <file>', 'gateway configuration (YAML); default ./switchyard.yaml', 'switchyard.yaml')
  .option('-g, --gateway <name>', 'export only this gateway (repeatable)', collect, [])
  .option(
    '--fragment',
    'nginx: an include file for an existing http {} block; haproxy: frontends and backends only',
  )
  .option(
    '--service <name=target>',
    'gateway-api: the Service for a target (URL or host:port) or route (repeatable)',
    collect,
    [],
  )
  .option('--gateway-class <name>', 'gateway-api: gatewayClassName of the exported Gateway')
  .action(
    async (opts: {
      format: string;
      config: string;
      gateway: string[];
      fragment?: boolean;
      service: string[];
      gatewayClass?: string;
    }) => {
      const { exportCommand } = await import('./export.js');
      process.exitCode = await exportCommand({ ...opts, version: VERSION });
    },
  );

program
  .command('import')
  .description(
    'print the Switchyard YAML for a configuration in another format, or add a HAR file to a running log',
  )
  .argument('<file>', 'the configuration (vamp, aileron) or HAR file (har) to import')
  .requiredOption('--from <format>', `source format: ${IMPORT_FORMATS.join(', ')}, or har`)
  .option(
    '--target <route=url>',
    'the target of a route that names a Vamp deployment (repeatable)',
    collect,
    [],
  )
  .option(
    '--control <url>',
    'har: the control server of the running switchyard',
    httpOrigin('127.0.0.1', CONTROL_PORT),
  )
  .option('--token <token>', 'har: the control server token (default: $SWITCHYARD_TOKEN)')
  .option('--gateway <name>', 'har: the gateway name the imported requests are logged under')
  .action(
    async (
      file: string,
      opts: { from: string; target: string[]; control: string; token?: string; gateway?: string },
    ) => {
      process.exitCode =
        opts.from === 'har'
          ? await (
              await import('./remote.js')
            ).importHar(file, {
              control: opts.control,
              token: opts.token ?? process.env.SWITCHYARD_TOKEN,
              gateway: opts.gateway,
            })
          : await (await import('./import.js')).importCommand(file, opts);
    },
  );

program
  .command('replay')
  .description("send a HAR file's requests through a gateway of a running switchyard again")
  .argument('<file>', 'the HAR file')
  .requiredOption('-g, --gateway <name>', 'the gateway to send them through (on this machine)')
  .option('--rate <n>', 'requests per second (default 20, at most 1000)', Number)
  .option(
    '--control <url>',
    'the control server of the running switchyard',
    httpOrigin('127.0.0.1', CONTROL_PORT),
  )
  .option('--token <token>', 'the control server token (default: $SWITCHYARD_TOKEN)')
  .action(async (file: string, opts: { gateway: string; rate?: number; control: string; token?: string }) => {
    const { replayHar } = await import('./remote.js');
    process.exitCode = await replayHar(file, { ...opts, token: opts.token ?? process.env.SWITCHYARD_TOKEN });
  });

program
  .command('compare')
  .description(
    "send a HAR file's requests to two routes of a gateway and compare the answers; exits 0 when all are the same, 1 when any differ, 2 when it cannot run",
  )
  .argument('<file>', 'the HAR file')
  .requiredOption('-g, --gateway <name>', 'the gateway whose routes are compared')
  .requiredOption('--routes <a,b>', 'the two routes, baseline first (e.g. stable,candidate)')
  .option(
    '--ignore <rule>',
    'a difference to ignore: header:NAME, body:$.json.path, status or body (repeatable)',
    collect,
    [],
  )
  .option('--format <format>', `report format: ${COMPARE_FORMATS.join(', ')}`, 'text')
  .option(
    '-c, --config <file>',
    'run the gateways of this config file here instead of using a running switchyard',
  )
  .option(
    '--control <url>',
    'the control server of the running switchyard',
    httpOrigin('127.0.0.1', CONTROL_PORT),
  )
  .option('--token <token>', 'the control server token (default: $SWITCHYARD_TOKEN)')
  .action(
    async (
      file: string,
      opts: {
        gateway: string;
        routes: string;
        ignore: string[];
        format: string;
        config?: string;
        control: string;
        token?: string;
      },
    ) => {
      const { compareCommand } = await import('./compare.js');
      process.exitCode = await compareCommand(file, {
        ...opts,
        token: opts.token ?? process.env.SWITCHYARD_TOKEN,
      });
    },
  );

const ca = program
  .command('ca')
  .description(
    "the local certificate authority that signs the HTTPS gateways' certificates ($SWITCHYARD_CA_DIR overrides where it lives)",
  );
ca.command('path')
  .description("print the CA certificate's file, creating the CA on first use")
  .action(async () => {
    process.exitCode = await (await import('./ca.js')).caPath();
  });
// The commands that touch trust stores, as data: each takes the same --nss-db option.
const CA_TRUST_COMMANDS: {
  name: string;
  run: 'caStatus' | 'caTrust' | 'caUninstall';
  description: string;
}[] = [
  { name: 'status', run: 'caStatus', description: 'show the CA and whether each trust store here trusts it' },
  {
    name: 'trust',
    run: 'caTrust',
    description:
      'trust the CA in the NSS databases (Firefox, Chromium) and user stores it can; print the commands (sudo) for the rest',
  },
  {
    name: 'uninstall',
    run: 'caUninstall',
    description: 'remove the CA from the trust stores it can; print the commands for the rest',
  },
];
for (const command of CA_TRUST_COMMANDS) {
  ca.command(command.name)
    .description(command.description)
    .option(
      '--nss-db <dir>',
      "use this NSS database instead of the browsers' (repeatable; also $SWITCHYARD_NSS_DBS)",
      collect,
      [],
    )
    .action(async (opts: CaFlags) => {
      process.exitCode = await (await import('./ca.js'))[command.run](opts);
    });
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError('a port is a whole number from 0 to 65535');
  return n;
}

await program.parseAsync();
