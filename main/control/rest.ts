import { EXPORT_FORMAT_IDS, exportFormat, isExportFormatId } from '../../shared/export-formats.js';
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiError, CommandName, Params, Result } from '../../shared/api/contract.js';
import type { ControlPlane } from '../api/control-plane.js';
import { harCreator, toHarEntry } from '../../shared/har.js';
import { parseFilter } from '../../shared/log-query.js';
import type { HarRequest } from '../../shared/har.js';
import type { LogEntry } from '../../shared/log-entry.js';
import { ApiFailure } from '../api/dispatcher.js';
import { harOffThread, ParseError } from '../api/off-thread.js';
import { HttpError, MAX_HAR_BODY, readBody, readBytes, send, sendError, type Target } from './http-io.js';

const STATUS_OF: Record<ApiError['code'], number> = {
  invalid_params: 400,
  invalid_config: 400,
  unknown_command: 404,
  not_found: 404,
  conflict: 409,
  forbidden: 403,
  internal: 500,
};

/**
 * The REST API, shaped like Vamp's gateway API. Every operation goes through the contract's dispatcher,
 * so REST, the WebSocket stream and IPC validate and behave alike.
 */
export class RestApi {
  constructor(
    private readonly plane: ControlPlane,
    private readonly version: string,
  ) {}

  /** Handles /api/v1/... ; false when the path is not an API path. */
  async handle(req: IncomingMessage, res: ServerResponse, url: Target): Promise<boolean> {
    const path = url.pathname;
    if (!path.startsWith('/api/v1/')) return false;
    try {
      await this.route(req, res, url, path.slice('/api/v1/'.length));
    } catch (err) {
      if (err instanceof HttpError) sendError(req, res, err.status, err.message, err.extra);
      else if (err instanceof ApiFailure)
        sendError(req, res, STATUS_OF[err.error.code], err.message, {
          code: err.error.code,
          // An invalid configuration says what is wrong where, as validate_only does.
          ...(err.error.issues ? { issues: err.error.issues } : {}),
        });
      else sendError(req, res, 500, (err as Error).message);
    }
    return true;
  }

  private async route(req: IncomingMessage, res: ServerResponse, url: Target, rest: string): Promise<void> {
    const method = req.method ?? 'GET';
    const validateOnly = url.searchParams.get('validate_only') === 'true';
    const q = (name: string) => (url.searchParams.has(name) ? Number(url.searchParams.get(name)) : undefined);

    if (rest === 'gateways') {
      if (method === 'GET')
        return send(
          req,
          res,
          200,
          (await this.call('gateways.list', {})).map((g) => g.source),
        );
      if (method === 'POST') {
        const gateway = gatewayBody(await readBody(req));
        if (validateOnly) return this.validated(req, res, gateway, 201);
        return send(req, res, 201, (await this.call('gateways.save', { gateway, create: true })).source);
      }
      return notAllowed(method, 'GET, POST');
    }
    const drain = /^gateways\/(.+)\/routes\/([^/]+)\/drain$/.exec(rest);
    if (drain && method === 'POST') {
      const [gateway, route] = [decodePath(drain[1] ?? ''), decodePath(drain[2] ?? '')];
      return send(req, res, 200, await this.call('routes.drain', { name: gateway, route }));
    }
    // The Chaos panel's call over REST: PUT a route's faults (JSON, as in YAML), DELETE to remove them.
    const faults = /^gateways\/(.+)\/routes\/([^/]+)\/faults$/.exec(rest);
    if (faults && (method === 'PUT' || method === 'DELETE')) {
      const [name, route] = [decodePath(faults[1] ?? ''), decodePath(faults[2] ?? '')];
      const body = method === 'PUT' ? gatewayBody(await readBody(req)) : null;
      return send(req, res, 200, (await this.call('routes.setFaults', { name, route, faults: body })).source);
    }
    if (rest.startsWith('gateways/')) {
      const name = decodePath(rest.slice('gateways/'.length));
      if (method === 'GET') return send(req, res, 200, vampView(await this.call('gateways.get', { name })));
      if (method === 'PUT') {
        const gateway = gatewayBody(await readBody(req));
        if (gateway.name !== name) {
          throw new HttpError(
            400,
            `Inconsistent name: the path names gateway '${name}' but the body names '${String(gateway.name)}'`,
          );
        }
        if (validateOnly) return this.validated(req, res, gateway, 200);
        const existed = this.plane.store.has(name);
        return send(req, res, existed ? 200 : 201, (await this.call('gateways.save', { gateway })).source);
      }
      if (method === 'DELETE') {
        if (!validateOnly) await this.call('gateways.delete', { name });
        return send(req, res, 204);
      }
      return notAllowed(method, 'GET, PUT, DELETE');
    }
    if (rest === 'conditions' || rest.startsWith('conditions/'))
      return this.conditions(req, res, rest, validateOnly);
    // The shared ports: `{http, https, host}` as written in the document's `listeners:`.
    if (rest === 'listeners') {
      if (method === 'GET') return send(req, res, 200, await this.call('listeners.get', {}));
      if (method === 'PUT')
        return send(
          req,
          res,
          200,
          await this.call('listeners.set', { listeners: listenersBody(await readBody(req)) }),
        );
      return notAllowed(method, 'GET, PUT');
    }
    if (rest === 'listeners/status' && method === 'GET')
      return send(req, res, 200, await this.call('listeners.status', {}));
    // The local CA: its status, and trusting or removing it (the commands left to run are in the answer).
    if (rest === 'ca' && method === 'GET') return send(req, res, 200, await this.call('ca.status', {}));
    if (rest === 'ca/trust' && method === 'POST') return send(req, res, 200, await this.call('ca.trust', {}));
    if (rest === 'ca/uninstall' && method === 'POST')
      return send(req, res, 200, await this.call('ca.uninstall', {}));
    if (rest === 'log') {
      if (method === 'GET')
        return send(
          req,
          res,
          200,
          // Without ?after, the newest page (before ?before): where a reader of a busy log wants to start.
          await this.call('log.page', {
            ...(q('after') !== undefined ? { after: q('after') } : {}),
            ...(q('before') !== undefined ? { before: q('before') } : {}),
            limit: q('limit') ?? 100,
          }),
        );
      if (method === 'DELETE') {
        await this.call('log.clear', {});
        return send(req, res, 204);
      }
      return notAllowed(method, 'GET, DELETE');
    }
    if (rest === 'log.har' && method === 'GET') {
      // ?filter= takes the log filter's language (status:5xx route:v2 header:... body:...), as the UI's.
      const log = this.plane.engine.log;
      const filter = url.searchParams.get('filter')?.trim();
      const entries = filter
        ? log.find(parseFilter(filter), {}, log.capacity).entries
        : log.page(0, log.capacity);
      return streamHar(res, entries, this.version);
    }
    if (rest.startsWith('log/') && method === 'GET') {
      return send(req, res, 200, await this.call('log.get', { seq: Number(rest.slice('log/'.length)) }));
    }
    if (rest === 'stats' && method === 'GET')
      return send(req, res, 200, await this.call('stats.get', { windowSeconds: q('window') }));
    if (rest === 'status' && method === 'GET')
      return send(req, res, 200, await this.call('engine.status', {}));
    if (rest === 'health' && method === 'GET') {
      return send(req, res, 200, {
        status: 'ok',
        version: this.version,
        gateways: await this.call('engine.status', {}),
      });
    }
    if (rest === 'export' && method === 'GET') {
      const format = url.searchParams.get('format') ?? 'yaml';
      if (!isExportFormatId(format)) {
        throw new HttpError(400, `unknown export format '${format}'; choose ${EXPORT_FORMAT_IDS.join(', ')}`);
      }
      const names = url.searchParams.getAll('gateway');
      const { text, warnings } = await this.call('config.export', {
        format,
        ...(names.length ? { gateways: names } : {}),
      });
      // The warnings are also in the text's header comment; the count lets scripts notice them.
      res.writeHead(200, {
        'content-type': `${exportFormat(format).contentType}; charset=utf-8`,
        'x-switchyard-warnings': String(warnings.length),
      });
      return void res.end(text);
    }
    if (rest === 'log/import' && method === 'POST') {
      // HAR files run to tens of megabytes: parsed and converted in a worker, appended in batches.
      const gateway = url.searchParams.get('gateway') ?? undefined;
      const log = this.plane.engine.log;
      const imported = await har(req, { kind: 'har-entries', gateway }, (items) => {
        for (const e of items as Omit<LogEntry, 'seq'>[]) log.append(e);
      });
      return send(req, res, 200, { imported });
    }
    if (rest === 'traffic/replay' && method === 'POST') {
      const requests: HarRequest[] = [];
      await har(req, { kind: 'har-requests' }, (items) => requests.push(...(items as HarRequest[])));
      const rate = q('rate');
      if (rate !== undefined && !(rate >= 0.1 && rate <= 1000))
        throw new HttpError(400, 'rate is requests per second, from 0.1 to 1000');
      if (requests.length > 10_000)
        throw new HttpError(400, `a replay sends at most 10,000 requests; this file has ${requests.length}`);
      const gateway = url.searchParams.get('gateway') ?? '';
      return send(req, res, 200, await this.plane.traffic.replay(gateway, requests, rate));
    }
    if (rest === 'compare' && method === 'POST') {
      // The body is the HAR file, with gateway, routes (a,b) and ignore (repeatable) in the query; or
      // {har, gateway, routes, ignore} as the compare.run command takes them.
      return send(
        req,
        res,
        200,
        await this.call('compare.run', compareParams(await readBody(req, MAX_HAR_BODY), url)),
      );
    }
    if (rest === 'traffic' && method === 'POST') {
      return send(
        req,
        res,
        200,
        await this.call('traffic.generate', (await readBody(req)) as Params<'traffic.generate'>),
      );
    }
    throw new HttpError(404, `no such endpoint: ${method} /api/v1/${rest}`);
  }

  /**
   * Named conditions, as Vamp's artifact API serves them (magneticio/vamp
   * operation/.../controller/ArtifactApiController.scala, `PersistenceHandler[Condition]`): list and
   * create on /conditions, read, replace and delete on /conditions/{name}, `validate_only` on each.
   */
  private async conditions(
    req: IncomingMessage,
    res: ServerResponse,
    rest: string,
    validateOnly: boolean,
  ): Promise<void> {
    const method = req.method ?? 'GET';
    if (rest === 'conditions') {
      if (method === 'GET') return send(req, res, 200, await this.call('conditions.list', {}));
      if (method === 'POST') {
        const condition = conditionBody(await readBody(req));
        if (validateOnly) return this.validatedCondition(req, res, condition, 201);
        return send(req, res, 201, await this.call('conditions.save', { condition, create: true }));
      }
      return notAllowed(method, 'GET, POST');
    }
    const name = decodePath(rest.slice('conditions/'.length));
    if (method === 'GET') return send(req, res, 200, await this.call('conditions.get', { name }));
    if (method === 'PUT') {
      const condition = conditionBody(await readBody(req));
      if (condition.name !== name)
        throw new HttpError(
          400,
          `Inconsistent name: the path names condition '${name}' but the body names '${condition.name}'`,
        );
      if (validateOnly) return this.validatedCondition(req, res, condition, 200);
      const existed = (await this.call('conditions.list', {})).some((c) => c.name === name);
      return send(req, res, existed ? 200 : 201, await this.call('conditions.save', { condition }));
    }
    if (method === 'DELETE') {
      if (!validateOnly) await this.call('conditions.delete', { name });
      return send(req, res, 204);
    }
    return notAllowed(method, 'GET, PUT, DELETE');
  }

  private async validatedCondition(
    req: IncomingMessage,
    res: ServerResponse,
    condition: { name: string; condition: string },
    okStatus: number,
  ): Promise<void> {
    const r = await this.call('conditions.validate', { condition });
    if (!r.ok)
      throw new HttpError(400, r.issues[0]?.message ?? 'the condition is not valid', {
        code: 'invalid_config',
        issues: r.issues,
      });
    send(req, res, okStatus, condition);
  }

  private async validated(
    req: IncomingMessage,
    res: ServerResponse,
    gateway: Record<string, unknown>,
    okStatus: number,
  ): Promise<void> {
    const r = await this.call('config.validate', { gateway });
    if (!r.ok)
      throw new HttpError(400, r.issues[0]?.message ?? 'the gateway is not valid', {
        code: 'invalid_config',
        issues: r.issues,
      });
    send(req, res, okStatus, gateway);
  }

  /** Runs a command through the dispatcher; an error value becomes an HttpError with its status. */
  private async call<K extends CommandName>(command: K, params: Params<K>): Promise<Result<K>> {
    const reply = await this.plane.dispatch({ type: 'call', id: 0, command, params });
    if (!reply || reply.type !== 'result') throw new HttpError(500, 'no answer from the dispatcher');
    if (reply.ok) return reply.result as Result<K>;
    const { code, message, issues } = reply.error;
    throw new HttpError(STATUS_OF[code], message, issues ? { code, issues } : { code });
  }
}

/**
 * A gateway as Vamp's API returns it (Vamp's gateway API reference, "API return resource"): the source
 * as written plus Vamp's read-only fields, so Vamp tooling can read it. `lookup_name` is a SHA-1 of the
 * name (40 hex digits, the shape Vamp's GatewayLookup gives); `service` is where it listens.
 */
function vampView(view: Result<'gateways.get'>): Record<string, unknown> {
  const port = view.status?.boundPort ?? view.config.port;
  return {
    ...view.source,
    lookup_name: createHash('sha1').update(view.name).digest('hex'),
    service: { host: view.config.host, port: `${port}/http` },
    deployed: view.status?.state === 'listening',
  };
}

/**
 * The log as a HAR file, written entry by entry with backpressure and a turn of the event loop every
 * few entries: a full log with body previews is hundreds of megabytes as one string.
 */
async function streamHar(res: ServerResponse, entries: readonly LogEntry[], version: string): Promise<void> {
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    'content-disposition': 'attachment; filename="switchyard.har"',
    'cache-control': 'no-store',
  });
  const head = JSON.stringify({ log: harCreator(version) });
  res.write(`${head.slice(0, -2)},"entries":[\n`);
  for (let i = 0; i < entries.length; i++) {
    if (res.destroyed) return;
    const more = res.write(`${i ? ',\n' : ''}${JSON.stringify(toHarEntry(entries[i]!))}`);
    if (!more) await drained(res);
    else if (i % 50 === 49) await new Promise((resolve) => setImmediate(resolve));
  }
  res.end('\n]}}\n');
}

/** Resolves when the response can take more, or is gone. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}

/** Reads a HAR body and hands its converted items to `onBatch` as a worker produces them. */
/** `POST /api/v1/compare`'s body and query as the compare.run command's params. */
function compareParams(body: unknown, url: Target): Params<'compare.run'> {
  const b = (body ?? {}) as Record<string, unknown>;
  const wrapped = typeof b.har === 'object' && b.har !== null;
  const q = url.searchParams;
  const routes = q
    .getAll('routes')
    .flatMap((r) => r.split(','))
    .map((r) => r.trim())
    .filter(Boolean);
  const ignore = q.getAll('ignore');
  return {
    ...(wrapped ? b : { har: b }),
    ...(q.has('gateway') ? { gateway: q.get('gateway') } : {}),
    ...(routes.length ? { routes } : {}),
    ...(ignore.length
      ? { ignore: [...((wrapped && Array.isArray(b.ignore) ? b.ignore : []) as string[]), ...ignore] }
      : {}),
  } as Params<'compare.run'>;
}

async function har(
  req: IncomingMessage,
  task: { kind: 'har-entries'; gateway?: string | undefined } | { kind: 'har-requests' },
  onBatch: (items: unknown[]) => void,
): Promise<number> {
  // The bytes go to the worker as they are: decoding 64 MiB of UTF-8 is itself a stall.
  const text = await readBytes(req, MAX_HAR_BODY);
  try {
    return await harOffThread({ ...task, text }, onBatch);
  } catch (err) {
    if (err instanceof ParseError) throw new HttpError(400, `not a HAR file${err.where}: ${err.message}`);
    throw err;
  }
}

function listenersBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    throw new HttpError(
      400,
      'the body must be the shared ports, e.g. {"http": 8000, "https": 8443}, in JSON or YAML',
    );
  return body as Record<string, unknown>;
}

function gatewayBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(
      400,
      'the body must be one gateway (a mapping with at least name and port), in JSON or YAML',
    );
  }
  return body as Record<string, unknown>;
}

/**
 * A named condition as Vamp's condition artifact has it, `{name, condition}` in JSON or YAML; Vamp's
 * read-only `kind` and `metadata` are accepted and dropped, so its output posts back as is.
 */
function conditionBody(body: unknown): { name: string; condition: string } {
  const { kind: _kind, metadata: _metadata, ...rest } = (body ?? {}) as Record<string, unknown>;
  const keys = Object.keys(rest).filter((k) => k !== 'name' && k !== 'condition');
  if (
    body === null ||
    typeof body !== 'object' ||
    Array.isArray(body) ||
    typeof rest.name !== 'string' ||
    typeof rest.condition !== 'string' ||
    keys.length
  )
    throw new HttpError(
      400,
      `the body must be one condition, {name, condition}, in JSON or YAML${keys.length ? ` (unknown field${keys.length > 1 ? 's' : ''} ${keys.map((k) => `'${k}'`).join(', ')})` : ''}`,
    );
  return { name: rest.name, condition: rest.condition };
}

function notAllowed(method: string, allowed: string): never {
  throw new HttpError(405, `${method} is not allowed here; use ${allowed}`);
}

function decodePath(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new HttpError(400, `malformed percent-encoding in '${text}'`);
  }
}
