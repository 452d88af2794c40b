import http from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Params, TrafficResult } from '../../shared/api/contract.js';
import type { Engine } from '../engine/engine.js';
import { ApiFailure } from './dispatcher.js';

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

  async generate(p: Params<'traffic.generate'>): Promise<TrafficResult> {
    const status = this.engine.status().find((s) => s.gateway === p.gateway);
    if (!status) throw new ApiFailure({ code: 'not_found', message: `there is no gateway '${p.gateway}'` });
    if (!LOOPBACK.test(status.host)) {
      throw new ApiFailure({
        code: 'forbidden',
        message: `demo traffic goes to gateways on this machine only; '${p.gateway}' listens on ${status.host}`,
      });
    }
    if (status.state !== 'listening' || !status.boundPort) {
      throw new ApiFailure({
        code: 'conflict',
        message: `gateway '${p.gateway}' is not listening${status.error ? `: ${status.error}` : ''}`,
      });
    }
    const id = randomUUID();
    const run = { cancelled: false };
    this.running.set(id, run);
    const host = status.host.includes(':') ? '::1' : '127.0.0.1';
    const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
    const result: TrafficResult = { id, sent: 0, cancelled: false, statuses: {}, routes: {} };
    const firstSeq = this.engine.log.lastSeq;
    const send = () => {
      result.sent++;
      return this.one(host, status.boundPort as number, agent, id, p).then((code) => {
        result.statuses[code] = (result.statuses[code] ?? 0) + 1;
      });
    };
    try {
      if (p.ratePerSecond) await paced(p.ratePerSecond, p.seconds ?? 10, run, send);
      else await pooled(p.count ?? 100, run, send);
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

  cancel(id: string): boolean {
    const run = this.running.get(id);
    if (run) run.cancelled = true;
    return run !== undefined;
  }

  private one(
    host: string,
    port: number,
    agent: http.Agent,
    id: string,
    p: Params<'traffic.generate'>,
  ): Promise<string> {
    const headers: Record<string, string> = { ...pick(p.headers), [TAG_HEADER]: id };
    const ua = pick(p.userAgents);
    const cookie = pick(p.cookies);
    if (ua) headers['user-agent'] = ua;
    if (cookie) headers.cookie = cookie;
    return new Promise((resolve) => {
      const req = http.request(
        { host, port, agent, method: p.method ?? 'GET', path: p.path ?? '/', headers, timeout: 30_000 },
        (res) => {
          res.resume();
          res.on('end', () => resolve(String(res.statusCode)));
          res.on('error', () => resolve('error'));
        },
      );
      req.on('timeout', () => req.destroy(new Error('timeout')));
      req.on('error', () => resolve('error'));
      req.end();
    });
  }
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

/** `rate` requests per second for `seconds`, started on schedule whether or not earlier ones finished. */
async function paced(
  rate: number,
  seconds: number,
  run: { cancelled: boolean },
  send: () => Promise<void>,
): Promise<void> {
  const total = Math.min(10_000, Math.round(rate * seconds));
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
