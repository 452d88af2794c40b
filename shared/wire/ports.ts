/**
 * The ports Switchyard assumes when none is written, in one place: the scheme's port for a target URL
 * without one, and Switchyard's own defaults (the control server, the demo).
 */

/** The port a URL of each scheme means when it names none (what `new URL()` leaves out of `.port`). */
export const SCHEME_PORTS: Readonly<Record<string, number>> = {
  'http:': 80,
  'https:': 443,
  'ws:': 80,
  'wss:': 443,
};

/** The control server's port (REST, stream, /proxy, UI); when it is taken, the next free one is used. */
export const CONTROL_PORT = 7700;

/**
 * The demo's ports: its gateway (`serve --demo-port` changes it), the shared ports where it also answers
 * as demo.localhost, and the blue and green services, which the desktop app keeps on these stable ports
 * so the saved demo gateway still reaches them next launch.
 */
export const DEMO_PORTS = { gateway: 8080, http: 8000, https: 8443, blue: 18_081, green: 18_082 } as const;

/** The port of a URL, its scheme's when it names none; undefined for a scheme without a known port. */
export function portOf(url: URL): number | undefined {
  return url.port ? Number(url.port) : SCHEME_PORTS[url.protocol];
}
