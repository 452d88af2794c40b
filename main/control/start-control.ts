import type { ControlPlane } from '../api/control-plane.js';
import { ControlServer } from './control-server.js';
import { hostPort, httpOrigin } from '../../shared/wire/host.js';

export interface ControlStart {
  host: string;
  port: number;
  /** An explicit port is used as is; the default moves up to the next free one. */
  portExplicit: boolean;
  token?: string | undefined;
  allowProxyHosts: string[];
  uiDir?: string | undefined;
  version: string;
}

/** Starts the control server, trying the next ports when the default is taken; undefined when none was free. */
export async function startControl(
  plane: ControlPlane,
  c: ControlStart,
  log: Pick<Console, 'log' | 'error'>,
): Promise<{ server: ControlServer; port: number } | undefined> {
  const tries = c.portExplicit || c.port === 0 ? 1 : 10;
  for (let i = 0; i < tries; i++) {
    const server = new ControlServer(plane, {
      host: c.host,
      port: c.port + i,
      token: c.token,
      allowProxyHosts: c.allowProxyHosts,
      uiDir: c.uiDir,
      version: c.version,
    });
    try {
      const port = await server.listen();
      const base = httpOrigin(c.host, port);
      log.log(
        `switchyard: control server on ${base} (UI at /, API at /api/v1, reverse proxy at /proxy)${c.token ? ', token required' : ''}`,
      );
      const login = server.auth.loginPath;
      if (login) log.log(`switchyard: open the UI with this one-time login link: ${base}${login}`);
      return { server, port };
    } catch (err) {
      if (i === tries - 1)
        log.error(
          `switchyard: control server cannot listen on ${hostPort(c.host, c.port + i)}: ${(err as Error).message}; gateways keep running without it`,
        );
    }
  }
  return undefined;
}
