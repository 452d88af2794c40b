import { readFile } from 'node:fs/promises';
import type { Params } from '../../shared/api/contract.js';
import {
  formatCompareJunit,
  formatCompareText,
  reportPasses,
  type CompareReport,
} from '../../shared/compare/report.js';
import { AppHost } from '../host/app-host.js';
import { formatIssues } from './format.js';
import { readTextFile } from './read-file.js';

import { COMPARE_FORMATS } from './formats.js';
export { COMPARE_FORMATS };

export interface CompareOptions {
  gateway: string;
  routes: string;
  ignore: string[];
  format: string;
  /** Through a running switchyard's control server... */
  control: string;
  token?: string | undefined;
  /** ...or through an engine run here from this configuration. */
  config?: string | undefined;
}

/**
 * `switchyard compare FILE.har`: replay and compare (main/api/compare-run.ts) through a running
 * switchyard or an engine of its own. Exit codes for CI: 0 all answers the same, 1 some differ or
 * failed, 2 the comparison could not run.
 */
export async function compareCommand(file: string, opts: CompareOptions): Promise<number> {
  if (!(COMPARE_FORMATS as readonly string[]).includes(opts.format)) {
    console.error(`switchyard: --format is ${COMPARE_FORMATS.join(', ')} (got '${opts.format}')`);
    return 2;
  }
  const routes = opts.routes
    .split(',')
    .map((r) => r.trim())
    .filter(Boolean);
  if (routes.length !== 2) {
    console.error(`switchyard: --routes names two routes, baseline first: --routes stable,candidate`);
    return 2;
  }
  let har: Params<'compare.run'>['har'];
  try {
    har = JSON.parse(await readFile(file, 'utf8')) as Params<'compare.run'>['har'];
  } catch (err) {
    console.error(`${file}: not a readable HAR file: ${(err as Error).message}`);
    return 2;
  }
  const params: Params<'compare.run'> = {
    gateway: opts.gateway,
    routes: routes as [string, string],
    ...(opts.ignore.length ? { ignore: opts.ignore } : {}),
    har,
  };
  const report = opts.config ? await local(opts.config, params) : await remote(opts, params);
  if (report === undefined) return 2;
  const text =
    opts.format === 'json'
      ? JSON.stringify(report, null, 2)
      : opts.format === 'junit'
        ? formatCompareJunit(report)
        : formatCompareText(report);
  process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
  return reportPasses(report) ? 0 : 1;
}

async function remote(
  opts: CompareOptions,
  params: Params<'compare.run'>,
): Promise<CompareReport | undefined> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  try {
    const res = await fetch(new URL('/api/v1/compare', opts.control), {
      method: 'POST',
      headers,
      body: JSON.stringify(params),
    });
    const json = (await res.json().catch(() => ({}))) as Record<string, unknown>;
    if (res.status !== 200) {
      const message = (json.error as { message?: string } | undefined)?.message ?? `HTTP ${res.status}`;
      console.error(`switchyard: ${opts.control} answered: ${message}`);
      return undefined;
    }
    return json as unknown as CompareReport;
  } catch (err) {
    console.error(
      `switchyard: cannot reach ${opts.control}: ${(err as Error).message} (is switchyard serve running? see --control, or give --config)`,
    );
    return undefined;
  }
}

/** Runs the gateways of a config file here, compares through them, and stops them. */
async function local(config: string, params: Params<'compare.run'>): Promise<CompareReport | undefined> {
  const text = await readTextFile(config);
  if (text === undefined) return undefined;
  const host = new AppHost({ mode: 'headless', log: { log: () => {}, error: console.error } });
  try {
    const loaded = await host.plane.store.load(text);
    if (!loaded.ok) {
      console.error(formatIssues(config, loaded.issues));
      return undefined;
    }
    const reply = await host.plane.dispatch({ type: 'call', id: 1, command: 'compare.run', params });
    if (reply?.type !== 'result') return undefined;
    if (!reply.ok) {
      console.error(`switchyard: ${reply.error.message}`);
      return undefined;
    }
    return reply.result as CompareReport;
  } finally {
    await host.stop(1_000);
  }
}
