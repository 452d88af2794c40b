import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiError, CommandName, Params, Result } from '../../shared/api/contract.js';
import type { ControlPlane } from '../api/control-plane.js';
import { toHar } from '../../shared/har.js';
import { HttpError, MAX_HAR_BODY, readBody, send, sendError, type Target } from './http-io.js';

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
    if (rest === 'log') {
      if (method === 'GET')
        return send(
          req,
          res,
          200,
          await this.call('log.page', { after: q('after') ?? 0, limit: q('limit') ?? 100 }),
        );
      if (method === 'DELETE') {
        await this.call('log.clear', {});
        return send(req, res, 204);
      }
      return notAllowed(method, 'GET, DELETE');
    }
    if (rest === 'log.har' && method === 'GET') {
      const log = this.plane.engine.log;
      const entries = log.page(0, log.capacity);
      res.setHeader('content-disposition', 'attachment; filename="switchyard.har"');
      return send(req, res, 200, toHar(entries, this.version));
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
      const format = (url.searchParams.get('format') ?? 'yaml') as Params<'config.export'>['format'] & string;
      if (!['yaml', 'nginx', 'haproxy', 'gateway-api'].includes(format)) {
        throw new HttpError(
          400,
          `unknown export format '${format}'; choose yaml, nginx, haproxy or gateway-api`,
        );
      }
      const names = url.searchParams.getAll('gateway');
      const { text, warnings } = await this.call('config.export', {
        format,
        ...(names.length ? { gateways: names } : {}),
      });
      // The warnings are also in the text's header comment; the count lets scripts notice them.
      res.writeHead(200, {
        'content-type': `${format === 'yaml' || format === 'gateway-api' ? 'application/yaml' : 'text/plain'}; charset=utf-8`,
        'x-switchyard-warnings': String(warnings.length),
      });
      return void res.end(text);
    }
    if (rest === 'log/import' && method === 'POST') {
      const har = (await readBody(req, MAX_HAR_BODY)) as Params<'log.import'>['har'];
      const gateway = url.searchParams.get('gateway') ?? undefined;
      return send(req, res, 200, await this.call('log.import', { har, ...(gateway ? { gateway } : {}) }));
    }
    if (rest === 'traffic/replay' && method === 'POST') {
      const har = (await readBody(req, MAX_HAR_BODY)) as Params<'traffic.replay'>['har'];
      const rate = q('rate');
      return send(
        req,
        res,
        200,
        await this.call('traffic.replay', {
          gateway: url.searchParams.get('gateway') ?? '',
          har,
          ...(rate ? { ratePerSecond: rate } : {}),
        }),
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

function gatewayBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new HttpError(
      400,
      'the body must be one gateway (a mapping with at least name and port), in JSON or YAML',
    );
  }
  return body as Record<string, unknown>;
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
