import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfigText } from '../../shared/config/load.js';
import { exportConfig } from '../../main/export/export.js';
import type { ProxyFormatId } from '../../shared/export-formats.js';
import { eventually } from './client.js';

/** A production proxy the exports are checked with: its binary, how to check and how to run a config. */
export interface ProductionProxy {
  format: ProxyFormatId;
  binary: string | undefined;
  /** Writes the export where the proxy wants it; returns the arguments that check it and that run it. */
  prepare(exported: string, dir: string): Promise<{ check: string[]; run: string[] }>;
}

const find = (...paths: string[]) => paths.find((p) => existsSync(p));

/**
 * Debian builds nginx's stream module (TCP gateways) as a dynamic module, libnginx-mod-stream: loaded
 * from modules-enabled by the system's nginx.conf, so a test's own nginx.conf loads it itself.
 */
export const NGINX_STREAM_MODULE = find(
  '/usr/lib/nginx/modules/ngx_stream_module.so',
  '/usr/share/nginx/modules/ngx_stream_module.so',
);

export const NGINX: ProductionProxy = {
  format: 'nginx',
  binary: find('/usr/sbin/nginx', '/usr/bin/nginx'),
  async prepare(exported, dir) {
    // What the system's nginx.conf would set, inside http {}: logs and temp files in the test's directory.
    const local = `access_log off;\n    client_body_temp_path ${dir}/body;\n    proxy_temp_path ${dir}/proxy;`;
    const whole = /^http \{$/m.test(exported);
    await writeFile(
      path.join(dir, 'switchyard.conf'),
      whole ? exported.replace(/^http \{$/m, `http {\n    ${local}`) : exported,
    );
    const conf = path.join(dir, 'nginx.conf');
    const stream = /^stream \{$/m.test(exported) && NGINX_STREAM_MODULE;
    await writeFile(
      conf,
      `${stream ? `load_module ${NGINX_STREAM_MODULE};\n` : ''}daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log ${dir}/error.log warn;\nevents {}\n${whole ? `include ${dir}/switchyard.conf;` : `http {\n    ${local}\n    include ${dir}/switchyard.conf;\n}`}\n`,
    );
    return { check: ['-t', '-c', conf, '-p', dir], run: ['-c', conf, '-p', dir] };
  },
};

export const HAPROXY: ProductionProxy = {
  format: 'haproxy',
  binary: find('/usr/sbin/haproxy', '/usr/bin/haproxy'),
  async prepare(exported, dir) {
    const conf = path.join(dir, 'haproxy.cfg');
    await writeFile(conf, exported);
    return { check: ['-c', '-f', conf], run: ['-db', '-f', conf] };
  },
};

export interface Running {
  port: number;
  warnings: string[];
  check: { ok: boolean; output: string };
  stop(): Promise<void>;
}

/**
 * Exports `yaml` (whole, so nginx gets its stream {} block too), checks it with the proxy, runs it, and
 * waits for its first gateway's port, or the shared http listener's when that gateway has none.
 */
export async function runExported(proxy: ProductionProxy, yaml: string): Promise<Running> {
  const loaded = loadConfigText(yaml);
  if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
  const result = exportConfig(loaded.config, proxy.format, { version: 'test' });
  const dir = await mkdtemp(path.join(tmpdir(), `switchyard-${proxy.format}-`));
  const args = await proxy.prepare(result.text, dir);
  const checked = spawnSync(proxy.binary!, args.check, { encoding: 'utf8' });
  const check = { ok: checked.status === 0, output: `${checked.stdout}${checked.stderr}` };
  if (!check.ok) throw new Error(`${proxy.format} refused the export:\n${check.output}\n${result.text}`);
  const child: ChildProcess = spawn(proxy.binary!, args.run, { stdio: 'ignore' });
  const port = loaded.config.gateways[0]!.port ?? loaded.config.listeners?.http;
  if (port === undefined) throw new Error('the first gateway needs a port of its own or a shared http port');
  await eventually(() => connects(port), 5000, `${proxy.format} to listen on ${port}`);
  return {
    port,
    warnings: result.warnings,
    check,
    stop: async () => {
      // Stopped once already (a test may stop early): exitCode stays null after a signal, signalCode not.
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Checks an export without running it. */
export async function checkExported(
  proxy: ProductionProxy,
  exported: string,
): Promise<{ ok: boolean; output: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), `switchyard-${proxy.format}-`));
  try {
    const args = await proxy.prepare(exported, dir);
    const r = spawnSync(proxy.binary!, args.check, { encoding: 'utf8' });
    return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function connects(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
