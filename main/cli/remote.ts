import { readFile } from 'node:fs/promises';

/**
 * Commands that act on a running `switchyard serve` (or the desktop app) through its control server:
 * HAR import into its request log, and replay through one of its gateways.
 */
export interface RemoteOptions {
  control: string;
  token?: string | undefined;
}

async function post(
  opts: RemoteOptions,
  path: string,
  body: string,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const url = new URL(path, opts.control);
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  const res = await fetch(url, { method: 'POST', headers, body });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
}

async function readHar(file: string): Promise<string | undefined> {
  try {
    const text = await readFile(file, 'utf8');
    JSON.parse(text);
    return text;
  } catch (err) {
    console.error(`${file}: not a readable HAR file: ${(err as Error).message}`);
    return undefined;
  }
}

function failed(status: number, json: Record<string, unknown>, control: string): number {
  const message = (json.error as { message?: string } | undefined)?.message ?? `HTTP ${status}`;
  console.error(`switchyard: ${control} answered: ${message}`);
  return 1;
}

export async function importHar(
  file: string,
  opts: RemoteOptions & { gateway?: string | undefined },
): Promise<number> {
  const har = await readHar(file);
  if (har === undefined) return 1;
  try {
    const { status, json } = await post(
      opts,
      `/api/v1/log/import${opts.gateway ? `?gateway=${encodeURIComponent(opts.gateway)}` : ''}`,
      har,
    );
    if (status !== 200) return failed(status, json, opts.control);
    console.log(`switchyard: imported ${String(json.imported)} requests into the log of ${opts.control}`);
    return 0;
  } catch (err) {
    console.error(
      `switchyard: cannot reach ${opts.control}: ${(err as Error).message} (is switchyard serve running? see --control)`,
    );
    return 1;
  }
}

export async function replayHar(
  file: string,
  opts: RemoteOptions & { gateway: string; rate?: number | undefined },
): Promise<number> {
  const har = await readHar(file);
  if (har === undefined) return 1;
  const query = `gateway=${encodeURIComponent(opts.gateway)}${opts.rate ? `&rate=${opts.rate}` : ''}`;
  try {
    const { status, json } = await post(opts, `/api/v1/traffic/replay?${query}`, har);
    if (status !== 200) return failed(status, json, opts.control);
    const routes = Object.entries(json.routes as Record<string, number>)
      .map(([r, n]) => `${r} ${n}`)
      .join(', ');
    const statuses = Object.entries(json.statuses as Record<string, number>)
      .map(([s, n]) => `${s}×${n}`)
      .join(', ');
    console.log(
      `switchyard: replayed ${String(json.sent)} requests through '${opts.gateway}': ${routes || 'no route'}; statuses ${statuses}`,
    );
    return 0;
  } catch (err) {
    console.error(
      `switchyard: cannot reach ${opts.control}: ${(err as Error).message} (is switchyard serve running? see --control)`,
    );
    return 1;
  }
}
