import type { Agent } from 'node:http';
import { http } from '../node-http.js';
import { compareAnswers, IgnoreRules, checkIgnoreRule, type Answer } from '../../shared/compare/diff.js';
import { buildReport, type CompareCase, type CompareReport } from '../../shared/compare/report.js';
import type { HarRequest } from '../../shared/har.js';
import { loopbackFor } from '../../shared/wire/host.js';
import { OVERRIDE_HEADER } from '../../shared/wire/override.js';
import type { Engine } from '../engine/engine.js';
import { ApiFailure } from './dispatcher.js';

/** Requests compared at a time; each sends to both routes one after the other. */
const CONCURRENCY = 4;
/** Body bytes kept per answer for the comparison: more is compared as far as it goes (as text). */
const BODY_CAP = 1024 * 1024;
const TIMEOUT_MS = 30_000;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|0\.0\.0\.0|::)$/;
/** Marks the requests of a compare run, so the log can tell them from users' requests. */
export const COMPARE_HEADER = 'x-switchyard-compare';

export interface CompareRun {
  gateway: string;
  /** [baseline, candidate]. */
  routes: [string, string];
  ignore?: string[] | undefined;
  requests: HarRequest[];
}

/**
 * Replay and compare: sends each request through a gateway on this machine twice, forced to each of two
 * routes with the override header, compares the answers with the diff engine the shadows use, and
 * reports by request shape. The one implementation behind `switchyard compare`, `POST /api/v1/compare`
 * and the `compare.run` command.
 */
export async function runCompare(engine: Engine, run: CompareRun): Promise<CompareReport> {
  const { gateway, routes } = run;
  const status = engine.status().find((s) => s.gateway === gateway);
  const config = engine.current.gateways.find((g) => g.name === gateway);
  if (!status || !config)
    throw new ApiFailure({ code: 'not_found', message: `there is no gateway '${gateway}'` });
  for (const r of routes)
    if (!config.routes.some((x) => x.name === r))
      throw new ApiFailure({
        code: 'not_found',
        message: `gateway '${gateway}' has no route '${r}' (it has ${config.routes.map((x) => x.name).join(', ')})`,
      });
  if (routes[0] === routes[1])
    throw new ApiFailure({ code: 'invalid_params', message: 'compare two different routes' });
  for (const rule of run.ignore ?? []) {
    const problem = checkIgnoreRule(rule);
    if (problem) throw new ApiFailure({ code: 'invalid_params', message: problem });
  }
  if (!LOOPBACK.test(status.host))
    throw new ApiFailure({
      code: 'forbidden',
      message: `compare sends to gateways on this machine only; '${gateway}' listens on ${status.host}`,
    });
  if (status.state !== 'listening' || !status.boundPort)
    throw new ApiFailure({
      code: 'conflict',
      message: `gateway '${gateway}' is not listening${status.error ? `: ${status.error}` : ''}`,
    });
  // The candidate's own compare.ignore applies as it does to its shadow copies.
  const configured = config.routes.find((x) => x.name === routes[1])?.shadow?.ignore ?? [];
  const ignore = [...new Set([...(run.ignore ?? []), ...configured])];
  const rules = new IgnoreRules(ignore);
  const target = { host: loopbackFor(status.host), port: status.boundPort };
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY * 2 });
  const cases: CompareCase[] = new Array<CompareCase>(run.requests.length);
  let next = 0;
  const worker = async () => {
    while (next < run.requests.length) {
      const i = next++;
      cases[i] = await compareOne(target, agent, run.requests[i]!, routes, rules);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, run.requests.length) }, worker));
  } finally {
    agent.destroy();
  }
  return buildReport(gateway, routes, ignore, cases);
}

async function compareOne(
  target: { host: string; port: number },
  agent: Agent,
  request: HarRequest,
  routes: [string, string],
  rules: IgnoreRules,
): Promise<CompareCase> {
  const a = await send(target, agent, request, routes[0]);
  const b = await send(target, agent, request, routes[1]);
  const base = {
    method: request.method,
    path: request.path,
    statuses: [a.answer?.status ?? null, b.answer?.status ?? null] as [number | null, number | null],
    durationsMs: [a.ms, b.ms] as [number, number],
  };
  if (!a.answer || !b.answer) {
    const error = [a.error && `${routes[0]}: ${a.error}`, b.error && `${routes[1]}: ${b.error}`]
      .filter(Boolean)
      .join('; ');
    return { ...base, verdict: 'error', differences: [], more: 0, ignored: 0, error };
  }
  const c = compareAnswers(a.answer, b.answer, rules);
  return { ...base, verdict: c.verdict, differences: c.differences, more: c.more, ignored: c.ignored };
}

function send(
  target: { host: string; port: number },
  agent: Agent,
  r: HarRequest,
  route: string,
): Promise<{ answer?: Answer; error?: string; ms: number }> {
  const body = r.body ? Buffer.from(r.body, 'base64') : undefined;
  const headers = {
    ...r.headers,
    [OVERRIDE_HEADER]: route,
    [COMPARE_HEADER]: '1',
    ...(body ? { 'content-length': String(body.length) } : {}),
  };
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  return new Promise((resolve) => {
    const req = http.request(
      { ...target, agent, method: r.method, path: r.path, headers, timeout: TIMEOUT_MS },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let truncated = false;
        res.on('data', (chunk: Buffer) => {
          if (size >= BODY_CAP) return void (truncated = true);
          chunks.push(chunk);
          size += chunk.length;
        });
        res.on('end', () => {
          let bytes = Buffer.concat(chunks);
          if (bytes.length > BODY_CAP) {
            bytes = bytes.subarray(0, BODY_CAP);
            truncated = true;
          }
          const answer: Answer = { status: res.statusCode ?? 0, headers: res.headers, body: bytes };
          if (truncated) answer.truncated = true;
          resolve({ answer, ms: ms() });
        });
        res.on('error', (err) => resolve({ error: err.message, ms: ms() }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS / 1000} s`)));
    req.on('error', (err) => resolve({ error: err.message, ms: ms() }));
    req.end(body);
  });
}
