import type { Agent } from 'node:http';
import { http } from '../node-http.js';
import { randomUUID } from 'node:crypto';
import type { Params, TrafficResult } from '../../shared/api/contract.js';
import type { HarRequest } from '../../shared/har.js';
import type { Engine } from '../engine/engine.js';
import { OVERRIDE_HEADER } from '../../shared/wire/override.js';
import { ApiFailure } from './dispatcher.js';
import { loopbackFor } from '../../shared/wire/host.js';

const TAG_HEADER = 'x-switchyard-traffic';
const CONCURRENCY = 8;
const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|0\.0\.0\.0|::)$/;

/**
 * Demo traffic: N requests (or R per second for S seconds) through a gateway on this machine, with a mix
 * of user agents, cookies and headers, so a split can be shown without real users. Bounded by the
 * contract's schema (10,000 requests, 60 s), loopback gateways only, and cancellable.
 */
export class TrafficGenerator {
  private readonly running = new Map<string, { cancelled: boolean }>();

  constructor(private readonly engine: Engine) {}

  /** Demo traffic: N requests as fast as they complete, or R per second for S seconds, with a mix of clients. */
  generate(p: Params<'traffic.generate'>): Promise<TrafficResult> {
    const spec = (): RequestSpec => {
      const headers: Record<string, string> = { ...pick(p.headers) };
      const ua = pick(p.userAgents);
      const cookie = pick(p.cookies);
      if (ua) headers['user-agent'] = ua;
      if (cookie) headers.cookie = cookie;
      return { method: p.method ?? 'GET', path: p.path ?? '/', headers };
    };
    const plan: Plan = p.ratePerSecond
      ? { rate: p.ratePerSecond, total: Math.min(10_000, Math.round(p.ratePerSecond * (p.seconds ?? 10))) }
      : { total: p.count ?? 100 };
    return this.execute(p.gateway, plan, spec, p.id);
  }

  /** Sends the requests of a HAR file through a gateway again, in order, at `rate` per second. */
  replay(gateway: string, requests: HarRequest[], rate = 20): Promise<TrafficResult> {
    return this.execute(gateway, { rate, total: requests.length }, (i) => requests[i] as RequestSpec);
  }

  private async execute(
    gateway: string,
    plan: Plan,
    spec: (i: number) => RequestSpec,
    chosenId?: string,
  ): Promise<TrafficResult> {
    const status = this.engine.status().find((s) => s.gateway === gateway);
    if (!status) throw new ApiFailure({ code: 'not_found', message: `there is no gateway '${gateway}'` });
    if (!LOOPBACK.test(status.host)) {
      throw new ApiFailure({
        code: 'forbidden',
        message: `demo traffic goes to gateways on this machine only; '${gateway}' listens on ${status.host}`,
      });
    }
    if (status.state !== 'listening' || !status.boundPort) {
      throw new ApiFailure({
        code: 'conflict',
        message: `gateway '${gateway}' is not listening${status.error ? `: ${status.error}` : ''}`,
      });
    }
    if (chosenId !== undefined && this.running.has(chosenId))
      throw new ApiFailure({ code: 'conflict', message: `demo traffic '${chosenId}' is already running` });
    const id = chosenId ?? randomUUID();
    const run = { cancelled: false };
    this.running.set(id, run);
    const host = loopbackFor(status.host);
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const result: TrafficResult = { id, sent: 0, cancelled: false, statuses: {}, routes: {} };
    const firstSeq = this.engine.log.lastSeq;
    const send = () => {
      const request = spec(result.sent++);
      return this.one(host, status.boundPort as number, agent, id, request).then((code) => {
        result.statuses[code] = (result.statuses[code] ?? 0) + 1;
      });
    };
    try {
      if (plan.rate) await paced(plan.rate, plan.total, run, send);
      else await pooled(plan.total, run, send);
    } finally {
      agent.destroy();
      this.running.delete(id);
    }
    result.cancelled = run.cancelled;
    this.engine.log.flush();
    for (const e of this.engine.log.page(firstSeq, 20_000)) {
      if (e.requestHeaders[TAG_HEADER] === id)
        result.routes[e.route ?? '(none)'] = (result.routes[e.route ?? '(none)'] ?? 0) + 1;
    }
    return result;
  }

  /**
   * Sends one request through a gateway (forced to `route` with the override header when given) and
   * returns its answer and the log entry it became.
   */
  async resend(
    gateway: string,
    request: RequestSpec,
    route?: string,
  ): Promise<{ status: string; seq?: number; route?: string }> {
    const headers = { ...request.headers };
    if (route !== undefined) headers[OVERRIDE_HEADER] = route;
    const id = randomUUID();
    const firstSeq = this.engine.log.lastSeq;
    const result = await this.execute(gateway, { total: 1 }, () => ({ ...request, headers }), id);
    const status = Object.keys(result.statuses)[0] ?? 'error';
    const entry = this.engine.log.page(firstSeq, 20_000).find((e) => e.requestHeaders[TAG_HEADER] === id);
    return entry ? { status, seq: entry.seq, ...(entry.route ? { route: entry.route } : {}) } : { status };
  }

  cancel(id: string): boolean {
    const run = this.running.get(id);
    if (run) run.cancelled = true;
    return run !== undefined;
  }

  private one(host: string, port: number, agent: Agent, id: string, r: RequestSpec): Promise<string> {
    const body = r.body ? Buffer.from(r.body, 'base64') : undefined;
    const headers = {
      ...r.headers,
      [TAG_HEADER]: id,
      ...(body ? { 'content-length': String(body.length) } : {}),
    };
    return new Promise((resolve) => {
      const req = http.request(
        { host, port, agent, method: r.method, path: r.path, headers, timeout: 30_000 },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
          res.on('error', () => resolve('error'));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve('error'));
      req.end(body);
    });
  }
}

export interface RequestSpec {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Base64. */
  body?: string;
}

/** How many requests, and at what rate (none: as fast as they complete, CONCURRENCY at a time). */
interface Plan {
  total: number;
  rate?: number;
}

function pick<T>(list: T[] | undefined): T | undefined {
  return list && list.length ? list[Math.floor(Math.random() * list.length)] : undefined;
}

/** `count` requests, CONCURRENCY at a time. */
async function pooled(count: number, run: { cancelled: boolean }, send: () => Promise<void>): Promise<void> {
  let left = count;
  const worker = async () => {
    while (left > 0 && !run.cancelled) {
      left--;
      await send();
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, count) }, worker));
}

/** `total` requests at `rate` per second, started on schedule whether or not earlier ones finished. */
async function paced(
  rate: number,
  total: number,
  run: { cancelled: boolean },
  send: () => Promise<void>,
): Promise<void> {
  const started = Date.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total && !run.cancelled; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (run.cancelled) break;
    inFlight.push(send());
  }
  await Promise.all(inFlight);
}
