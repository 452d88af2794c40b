import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A production proxy in front of the bench's upstream, for the comparison rows. */
export interface External {
  name: string;
  port: number;
  pid: number | undefined;
  /** Peak resident memory (VmHWM) of its process (nginx: the worker's). */
  rss(): number;
  stop(): void;
}

/** A port nothing listens on now: bound, read, released. */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

function installed(command: string): boolean {
  return spawnSync(command, ['-v'], { stdio: 'ignore' }).error === undefined;
}

async function listening(port: number, proc: ChildProcess, name: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (proc.exitCode !== null) throw new Error(`${name} exited with ${proc.exitCode}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => (s.destroy(), resolve(true)));
      s.on('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${name} did not listen on ${port}`);
}

function peakRss(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const kb = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return Number(kb ?? 0) * 1024;
  } catch {
    return 0;
  }
}

/** nginx with one worker, keep-alive to the upstream (as a tuned reverse proxy runs); undefined without nginx. */
export async function startNginx(upstreamPort: number): Promise<External | undefined> {
  if (!installed('nginx')) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-nginx-'));
  const port = await freePort();
  writeFileSync(
    path.join(dir, 'nginx.conf'),
    `worker_processes 1;
daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log error;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/body; proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fcgi; uwsgi_temp_path ${dir}/uwsgi; scgi_temp_path ${dir}/scgi;
  upstream up { server 127.0.0.1:${upstreamPort}; keepalive 256; }
  server {
    listen 127.0.0.1:${port};
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection ""; }
  }
}
`,
  );
  // master_process off: one process that is the worker, so its pid is the one to pin and measure.
  const proc = spawn('nginx', ['-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' });
  await listening(port, proc, 'nginx');
  return {
    name: 'nginx (1 worker)',
    port,
    pid: proc.pid,
    rss: () => peakRss(proc.pid),
    stop: () => proc.kill(),
  };
}

/** Caddy's reverse_proxy with its defaults; undefined where Caddy is not installed (Debian: apt install caddy). */
export async function startCaddy(upstreamPort: number): Promise<External | undefined> {
  if (spawnSync('caddy', ['version'], { stdio: 'ignore' }).error) return undefined;
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-bench-caddy-'));
  const port = await freePort();
  const file = path.join(dir, 'Caddyfile');
  writeFileSync(
    file,
    `{
  admin off
  auto_https off
}
http://127.0.0.1:${port} {
  reverse_proxy 127.0.0.1:${upstreamPort}
}
`,
  );
  // One core, as the other proxies get.
  const proc = spawn('caddy', ['run', '--config', file, '--adapter', 'caddyfile'], {
    stdio: 'ignore',
    env: { ...process.env, GOMAXPROCS: '1', HOME: dir, XDG_DATA_HOME: dir, XDG_CONFIG_HOME: dir },
  });
  await listening(port, proc, 'caddy');
  return { name: 'caddy', port, pid: proc.pid, rss: () => peakRss(proc.pid), stop: () => proc.kill() };
}
