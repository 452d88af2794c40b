import type http from 'node:http';
import zlib from 'node:zlib';
import {
  compareAnswers,
  IgnoreRules,
  noiseBetween,
  summarize,
  type Answer,
} from '../../shared/compare/diff.js';
import type { ShadowConfig } from '../../shared/config/model.js';
import type { ShadowResult } from '../../shared/log-entry.js';
import type { Random } from './random.js';
import type { CopyAnswer, CopyRequest, Transport } from './transport.js';

/** Header every shadow copy (and every second primary request sent to learn noise) carries. */
export const SHADOW_HEADER = 'x-switchyard-shadow';

/** Bytes of a request body teed for shadows, and of each answer's body compared, at most. */
export const SHADOW_BODY_CAP = 256 * 1024;
/** Shadow comparisons under way at most; past it a request's shadows are skipped (memory stays bounded). */
export const MAX_SHADOWS_IN_FLIGHT = 64;
/** Mirrored requests per route that always ask the primary twice to learn noise; after them, one in NOISE_RATE. */
const NOISE_WARMUP = 10;
const NOISE_RATE = 20;
/** Bytes of a shadow's answer the log keeps (outside the log's preview budget, so kept small). */
const SHADOW_PREVIEW_BYTES = 16 * 1024;
/** Learned paths kept per route at most. */
const MAX_LEARNED = 200;

/** A shadow copy planned for a request when it was routed. */
export interface ShadowPlan {
  gateway: string;
  route: string;
  target: string;
  /** Path and query for the shadow, after its route's rewrites. */
  path: string;
  config: ShadowConfig;
  timeoutMs: number;
  connectTimeoutMs: number;
}

/** The primary exchange as the comparison needs it. */
export interface PrimaryFacts {
  method: string;
  /** Headers as they went to the primary (Host is set per target). */
  headers: http.OutgoingHttpHeaders;
  requestBody?: Buffer;
  /** The request body was longer than SHADOW_BODY_CAP: the shadow is skipped. */
  requestTooBig: boolean;
  answer: Answer;
  /** The primary's target and path, for a second request to learn noise. */
  target: string;
  path: string;
  /** Set when the primary did not answer: nothing to compare with. */
  failed?: string;
}

/**
 * Sends shadow copies once the primary has answered, compares their answers with the primary's, and
 * learns noise (Diffy's idea): with `noise: true`, some mirrored requests are sent to the primary twice,
 * and what its two answers disagree on is ignored from then on.
 */
export class Shadows {
  private inFlight = 0;
  /** gateway/route -> learned ignore rules */
  private readonly learned = new Map<string, Set<string>>();
  private readonly mirrored = new Map<string, number>();

  constructor(
    private readonly transport: Transport,
    private readonly random: Random,
  ) {}

  /** Whether another shadow comparison may start now. */
  get hasRoom(): boolean {
    return this.inFlight < MAX_SHADOWS_IN_FLIGHT;
  }

  get pending(): number {
    return this.inFlight;
  }

  /** Noise learned for each shadow route, as ignore rules. */
  noise(): { gateway: string; route: string; rules: string[] }[] {
    return [...this.learned].map(([key, rules]) => {
      const [gateway, route] = JSON.parse(key) as [string, string];
      return { gateway, route, rules: [...rules] };
    });
  }

  forget(gateway: string, route: string): void {
    this.learned.delete(JSON.stringify([gateway, route]));
  }

  /** Runs one shadow; never rejects. */
  async run(plan: ShadowPlan, primary: PrimaryFacts): Promise<ShadowResult> {
    const base = { route: plan.route, target: plan.target };
    if (primary.failed)
      return { ...base, verdict: 'skipped', summary: `not sent: the primary failed (${primary.failed})` };
    if (primary.requestTooBig)
      return {
        ...base,
        verdict: 'skipped',
        summary: `not sent: the request body is over ${SHADOW_BODY_CAP} bytes, the most a shadow copies`,
      };
    if (!this.hasRoom)
      return {
        ...base,
        verdict: 'skipped',
        summary: `not sent: ${MAX_SHADOWS_IN_FLIGHT} shadows already under way`,
      };
    this.inFlight++;
    try {
      const key = JSON.stringify([plan.gateway, plan.route]);
      const copy = (target: string, path: string): Promise<CopyAnswer> => {
        const headers: http.OutgoingHttpHeaders = { ...primary.headers, [SHADOW_HEADER]: '1' };
        headers.host = new URL(target).host;
        delete headers['transfer-encoding'];
        if (primary.requestBody) headers['content-length'] = String(primary.requestBody.length);
        else delete headers['content-length'];
        const r: CopyRequest = {
          target,
          method: primary.method,
          path,
          headers,
          timeoutMs: plan.timeoutMs,
          connectTimeoutMs: plan.connectTimeoutMs,
          capBytes: SHADOW_BODY_CAP,
        };
        if (primary.requestBody) r.body = primary.requestBody;
        return this.transport.copy(r);
      };
      const learn = plan.config.noise && this.learnNow(key, primary.method);
      const [shadow, again] = await Promise.all([
        copy(plan.target, plan.path),
        learn ? copy(primary.target, primary.path) : Promise.resolve(undefined),
      ]);
      let learned: string[] | undefined;
      if (again?.ok) {
        learned = noiseBetween(primary.answer, decoded(again));
        if (learned.length) {
          let set = this.learned.get(key);
          if (!set) this.learned.set(key, (set = new Set()));
          for (const rule of learned) if (set.size < MAX_LEARNED) set.add(rule);
        }
      }
      if (!shadow.ok)
        return { ...base, verdict: 'error', summary: shadow.error, durationMs: shadow.durationMs };
      const answer = decoded(shadow);
      const rules = new IgnoreRules([...plan.config.ignore, ...(this.learned.get(key) ?? [])]);
      const c = compareAnswers(primary.answer, answer, rules);
      const result: ShadowResult = {
        ...base,
        verdict: c.verdict,
        status: shadow.status,
        durationMs: shadow.durationMs,
        summary: summarize(c),
        responseHeaders: shadow.headers,
      };
      if (c.differences.length) result.differences = c.differences;
      if (c.ignored) result.ignored = c.ignored;
      if (learned?.length) result.learned = learned;
      if (shadow.body.length)
        result.responseBody = {
          base64: shadow.body.subarray(0, SHADOW_PREVIEW_BYTES).toString('base64'),
          truncated: shadow.truncated || shadow.body.length > SHADOW_PREVIEW_BYTES,
        };
      return result;
    } catch (err) {
      return { ...base, verdict: 'error', summary: `internal error: ${(err as Error).message}` };
    } finally {
      this.inFlight--;
    }
  }

  /** Sends the primary a second copy (safe methods only): always for the first few, then now and then. */
  private learnNow(key: string, method: string): boolean {
    if (method !== 'GET' && method !== 'HEAD') return false;
    const n = (this.mirrored.get(key) ?? 0) + 1;
    this.mirrored.set(key, n);
    return n <= NOISE_WARMUP || this.random() * NOISE_RATE < 1;
  }
}

/** An answer with its body decoded (gzip, deflate, br), so that compressed bodies compare by content. */
export function decoded(a: {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
  truncated: boolean;
}): Answer {
  const encoding = String(a.headers['content-encoding'] ?? '').toLowerCase();
  let body = a.body;
  if (!a.truncated && body.length && encoding) {
    // maxOutputLength bounds what a small compressed body may become.
    const opts = { maxOutputLength: SHADOW_BODY_CAP * 4 };
    try {
      if (encoding === 'gzip' || encoding === 'x-gzip') body = zlib.gunzipSync(body, opts);
      else if (encoding === 'deflate') body = zlib.inflateSync(body, opts);
      else if (encoding === 'br') body = zlib.brotliDecompressSync(body, opts);
    } catch {
      // Compared as it came.
    }
  }
  const headers = { ...a.headers };
  if (body !== a.body) delete headers['content-encoding'];
  return { status: a.status, headers, body, truncated: a.truncated };
}
