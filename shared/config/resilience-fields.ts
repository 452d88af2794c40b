import type {
  CorsConfig,
  Faults,
  HeaderOps,
  HeaderRules,
  HealthCheck,
  MockResponse,
  PassiveHealth,
} from './model.js';
import { parseTemplate } from './rewrite-template.js';
import type { z } from 'zod';
import type {
  rawCorsSchema,
  rawFaultsSchema,
  rawHeaderRulesSchema,
  rawHealthCheckSchema,
  rawPassiveSchema,
  rawRespondSchema,
} from './schema.js';
import { parseBandwidth, parseDuration, parsePercent } from './units.js';

/**
 * Normalises the resilience and chaos fields (issue 15): health checks, passive health, faults, header
 * rules, mock responses, CORS. Each reader reports what is wrong through `fail(path, field, message)`, the
 * path and field relative to the object it reads, and returns the model (or undefined when invalid).
 */
export type Fail = (path: (string | number)[], field: string, message: string) => void;

type Raw<S extends z.ZodType> = z.output<S>;

export const HEALTH_DEFAULTS = {
  path: '/',
  intervalMs: 5000,
  timeoutMs: 2000,
  unhealthyAfter: 2,
  healthyAfter: 1,
};
export const PASSIVE_DEFAULTS = { failures: 3, withinMs: 10_000, ejectForMs: 30_000 };
export const DEFAULT_CORS_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'];
const DEFAULT_CORS_MAX_AGE_S = 300;

function duration(
  value: unknown,
  fallback: number,
  fail: Fail,
  path: (string | number)[],
  field: string,
): number {
  if (value === undefined || value === null) return fallback;
  const ms = parseDuration(value);
  if (typeof ms === 'string') {
    fail(path, field, ms);
    return fallback;
  }
  return ms;
}

function percent(value: unknown, fail: Fail, path: (string | number)[], field: string): number {
  const p = parsePercent(value);
  if (typeof p === 'string') {
    fail(path, field, p);
    return 0;
  }
  return p;
}

export function readHealthCheck(raw: Raw<typeof rawHealthCheckSchema>, fail: Fail): HealthCheck {
  const path = raw.path ?? HEALTH_DEFAULTS.path;
  if (!path.startsWith('/')) fail(['path'], 'health_check.path', `${JSON.stringify(path)} must start with /`);
  const h: HealthCheck = {
    path,
    intervalMs: duration(
      raw.interval,
      HEALTH_DEFAULTS.intervalMs,
      fail,
      ['interval'],
      'health_check.interval',
    ),
    timeoutMs: duration(raw.timeout, HEALTH_DEFAULTS.timeoutMs, fail, ['timeout'], 'health_check.timeout'),
    unhealthyAfter: raw.unhealthy_after ?? HEALTH_DEFAULTS.unhealthyAfter,
    healthyAfter: raw.healthy_after ?? HEALTH_DEFAULTS.healthyAfter,
  };
  if (h.intervalMs < 100) fail(['interval'], 'health_check.interval', 'must be at least 100ms');
  return h;
}

export function readPassive(raw: Raw<typeof rawPassiveSchema>, fail: Fail): PassiveHealth {
  return {
    failures: raw.failures ?? PASSIVE_DEFAULTS.failures,
    withinMs: duration(raw.within, PASSIVE_DEFAULTS.withinMs, fail, ['within'], 'passive.within'),
    ejectForMs: duration(
      raw.eject_for,
      PASSIVE_DEFAULTS.ejectForMs,
      fail,
      ['eject_for'],
      'passive.eject_for',
    ),
  };
}

export function readFaults(raw: Raw<typeof rawFaultsSchema>, fail: Fail): Faults {
  const f: Faults = { headerControl: raw.header_control ?? false };
  if (raw.delay) {
    f.delay = {
      percent: percent(raw.delay.percent, fail, ['delay', 'percent'], 'faults.delay.percent'),
      durationMs: duration(raw.delay.duration, 0, fail, ['delay', 'duration'], 'faults.delay.duration'),
    };
  }
  if (raw.abort) {
    const status = abortStatus(raw.abort.status);
    if (typeof status === 'string') fail(['abort', 'status'], 'faults.abort.status', status);
    f.abort = {
      percent: percent(raw.abort.percent, fail, ['abort', 'percent'], 'faults.abort.percent'),
      status: typeof status === 'string' ? 503 : status.status,
    };
  }
  if (raw.bandwidth !== undefined && raw.bandwidth !== null) {
    const bps = parseBandwidth(raw.bandwidth);
    if (typeof bps === 'string') fail(['bandwidth'], 'faults.bandwidth', bps);
    else f.bandwidthBps = bps;
  }
  return f;
}

/** An abort status as written in config or in X-Switchyard-Fault-Abort: 400-599, or `reset`. */
export function abortStatus(value: unknown): { status: number | 'reset' } | string {
  if (typeof value === 'string' && value.trim().toLowerCase() === 'reset') return { status: 'reset' };
  const n =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && /^\d+$/.test(value.trim())
        ? Number(value)
        : NaN;
  if (Number.isInteger(n) && n >= 400 && n <= 599) return { status: n };
  return `${JSON.stringify(value)} is not an abort; write a status from 400 to 599, or reset (the connection is closed)`;
}

/** RFC 9110 token characters: what a header name may be made of. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers a rule may not touch: they frame the message, and changing them would corrupt it. */
const FRAMING = new Set(['content-length', 'transfer-encoding', 'connection', 'host', 'upgrade']);

function readOps(
  raw: NonNullable<Raw<typeof rawHeaderRulesSchema>['request']>,
  fail: Fail,
  at: string,
  path: (string | number)[],
): HeaderOps {
  const ops: HeaderOps = {};
  const check = (name: string, kind: string, value?: string) => {
    const field = `headers.${at}.${kind}`;
    if (!HEADER_NAME.test(name))
      fail([...path, kind, name], field, `${JSON.stringify(name)} is not a header name`);
    else if (FRAMING.has(name.toLowerCase()))
      fail([...path, kind, name], field, `${name} frames the message and cannot be changed by a rule`);
    if (value !== undefined) {
      if (/[\r\n\0]/.test(value))
        fail([...path, kind, name], field, `the value of ${name} may not contain line breaks`);
      const parts = parseTemplate(value);
      if (typeof parts === 'string') fail([...path, kind, name], field, parts);
    }
  };
  if (raw.set) {
    for (const [k, v] of Object.entries(raw.set)) check(k, 'set', v);
    ops.set = raw.set;
  }
  if (raw.add) {
    for (const [k, v] of Object.entries(raw.add)) check(k, 'add', v);
    ops.add = raw.add;
  }
  if (raw.remove) {
    for (const k of raw.remove) check(k, 'remove');
    ops.remove = raw.remove;
  }
  return ops;
}

export function readHeaderRules(raw: Raw<typeof rawHeaderRulesSchema>, fail: Fail): HeaderRules {
  const rules: HeaderRules = {};
  if (raw.request) rules.request = readOps(raw.request, fail, 'request', ['request']);
  if (raw.response) rules.response = readOps(raw.response, fail, 'response', ['response']);
  return rules;
}

export function readRespond(raw: Raw<typeof rawRespondSchema>, fail: Fail): MockResponse {
  const m: MockResponse = { status: raw.status ?? 200, headers: raw.headers ?? {} };
  if (raw.body !== undefined && raw.body !== null) m.body = raw.body;
  if (raw.body_file) m.bodyFile = raw.body_file;
  if (m.body !== undefined && m.bodyFile !== undefined)
    fail(['body_file'], 'respond.body_file', 'write body or body_file, not both');
  for (const [k, v] of Object.entries(m.headers)) {
    if (!HEADER_NAME.test(k))
      fail(['headers', k], 'respond.headers', `${JSON.stringify(k)} is not a header name`);
    else if (FRAMING.has(k.toLowerCase()))
      fail(['headers', k], 'respond.headers', `${k} is set by Switchyard`);
    if (/[\r\n\0]/.test(v))
      fail(['headers', k], 'respond.headers', `the value of ${k} may not contain line breaks`);
  }
  return m;
}

export function readCors(raw: Raw<typeof rawCorsSchema>, fail: Fail): CorsConfig {
  const list = typeof raw.origins === 'string' ? [raw.origins] : raw.origins;
  const any = list.includes('*');
  const credentials = raw.credentials ?? false;
  if (any && credentials)
    fail(
      ['credentials'],
      'cors.credentials',
      'origins "*" cannot allow credentials (the CORS spec forbids it); list the origins instead',
    );
  if (any && list.length > 1)
    fail(['origins'], 'cors.origins', '"*" allows every origin; list origins or write "*" alone');
  for (const [i, o] of list.entries()) {
    if (o === '*') continue;
    let ok: boolean;
    try {
      ok = new URL(o).origin === o;
    } catch {
      ok = false;
    }
    if (!ok)
      fail(
        ['origins', i],
        'cors.origins',
        `${JSON.stringify(o)} is not an origin; write it like http://localhost:5173 (scheme, host and port, no path)`,
      );
  }
  const c: CorsConfig = {
    origins: any ? '*' : list,
    credentials,
    methods: (raw.methods ?? DEFAULT_CORS_METHODS).map((m) => m.toUpperCase()),
    expose: raw.expose ?? [],
    maxAgeS: Math.round(
      duration(raw.max_age, DEFAULT_CORS_MAX_AGE_S * 1000, fail, ['max_age'], 'cors.max_age') / 1000,
    ),
  };
  if (raw.headers) c.headers = raw.headers;
  return c;
}
