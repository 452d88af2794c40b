import { mkdtemp, writeFile } from 'node:fs/promises';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { describe, expect, it, vi } from 'vitest';
import { LocalCa } from '../../../main/tls/local-ca.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import { hasFastProperties } from '../../helpers/v8-shape.js';

const cleanup = cleanupAfterEach();

const newCa = async (label: string) =>
  new LocalCa(await mkdtemp(path.join(tmpdir(), `switchyard-${label}-`)));

/** An https:// upstream on 127.0.0.1 with a certificate from `ca`. */
async function httpsUpstream(ca: LocalCa): Promise<string> {
  const { cert, key } = await ca.issue(['127.0.0.1']);
  const server = https.createServer({ cert, key }, (_req, res) => res.end('secure upstream'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function gateway(route: string, ca?: LocalCa) {
  const started = await startEngine(
    `gateways:\n  - name: g\n    port: 0\n    routes:\n      r: ${route}\n`,
    ca ? { ca } : {},
  );
  cleanup.push(() => started.engine.stop(100));
  return started.port('g');
}

describe('upstream TLS', () => {
  it("refuses a certificate it cannot verify, naming the problem, and trusts the route's ca or tls_verify: false", async () => {
    const devCa = await newCa('dev');
    const target = await httpsUpstream(devCa);
    const refused = await request(await gateway(`{ target: "${target}" }`), '/');
    expect(refused.status).toBe(502);
    expect(refused.body).toMatch(/certificate was refused: .*(unable to verify|self.signed|issuer)/i);
    expect(refused.body).toContain('tls_verify: false');
    const caFile = path.join(await mkdtemp(path.join(tmpdir(), 'switchyard-cafile-')), 'dev-ca.pem');
    await writeFile(caFile, await devCa.caPem());
    expect((await request(await gateway(`{ target: "${target}", ca: "${caFile}" }`), '/')).body).toBe(
      'secure upstream',
    );
    expect((await request(await gateway(`{ target: "${target}", tls_verify: false }`), '/')).body).toBe(
      'secure upstream',
    );
    const missing = await request(await gateway(`{ target: "${target}", ca: "${caFile}.missing" }`), '/');
    expect(missing.status).toBe(502);
    expect(missing.body).toContain('dev-ca.pem.missing');
  });

  it('trusts the local CA by default (an upstream served by another Switchyard gateway with tls: auto)', async () => {
    const local = await newCa('local');
    const target = await httpsUpstream(local);
    expect((await request(await gateway(`{ target: "${target}" }`, local), '/')).body).toBe(
      'secure upstream',
    );
  });
});

/** A unary echo method with no .proto: bytes in, bytes out. */
const echo = {
  path: '/test.Echo/Say',
  requestStream: false,
  responseStream: false,
  requestSerialize: (b: Buffer) => b,
  requestDeserialize: (b: Buffer) => b,
  responseSerialize: (b: Buffer) => b,
  responseDeserialize: (b: Buffer) => b,
} as const;

describe('gRPC through an h2 route', () => {
  it('round-trips unary calls over TLS to an h2c upstream, trailers and error statuses kept', async () => {
    const server = new grpc.Server();
    server.addService({ Say: echo } as grpc.ServiceDefinition, {
      Say: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => {
        const text = call.request.toString();
        if (text === 'missing') return callback({ code: grpc.status.NOT_FOUND, details: 'no such thing' });
        const trailer = new grpc.Metadata();
        trailer.set('x-echo-trailer', 'kept');
        callback(null, Buffer.from(`echo: ${text}`), trailer);
      },
    });
    const grpcPort = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, port) =>
        err ? reject(err) : resolve(port),
      ),
    );
    cleanup.push(() => new Promise<void>((r) => server.tryShutdown(() => r())));
    const ca = await newCa('grpc');
    const started = await startEngine(
      `gateways:\n  - name: rpc\n    port: 0/https\n    routes:\n      svc: { target: "http://127.0.0.1:${grpcPort}", h2: true }\n`,
      { ca },
    );
    cleanup.push(() => started.engine.stop(100));
    const Client = grpc.makeGenericClientConstructor({ Say: echo } as grpc.ServiceDefinition, 'Echo');
    const client = new Client(
      `localhost:${started.port('rpc')}`,
      grpc.credentials.createSsl(Buffer.from(await ca.caPem())),
    );
    cleanup.push(() => client.close());
    const call = (text: string) =>
      new Promise<{ error?: grpc.ServiceError; reply?: string; trailer?: string }>((resolve) => {
        let trailer: string | undefined;
        const c = client.makeUnaryRequest(
          echo.path,
          echo.requestSerialize,
          echo.responseDeserialize,
          Buffer.from(text),
          (error: grpc.ServiceError | null, reply?: Buffer) =>
            setImmediate(() => resolve({ ...(error ? { error } : {}), reply: reply?.toString(), trailer })),
        );
        c.on('status', (s: grpc.StatusObject) => (trailer = s.metadata.get('x-echo-trailer')[0]?.toString()));
      });
    const ok = await call('hello');
    expect(ok.error).toBeUndefined();
    expect(ok.reply).toBe('echo: hello');
    expect(ok.trailer).toBe('kept');
    const failed = await call('missing');
    expect(failed.error?.code).toBe(grpc.status.NOT_FOUND);
    expect(failed.error?.details).toBe('no such thing');
    const entries = await vi.waitFor(() => {
      const found = started.engine.log.page(0, 10).filter((e) => e.path === echo.path);
      expect(found).toHaveLength(2);
      return found;
    });
    expect(entries[0]).toMatchObject({ protocol: 'h2', tls: true, status: 200, route: 'svc' });
    // The trailers-only answer's status went to trailers; the headers the log keeps are a copy without
    // it, never an object with keys deleted (a hash table, several times the size).
    expect(entries[1]!.responseHeaders['grpc-status']).toBeUndefined();
    expect(hasFastProperties(entries[1]!.responseHeaders)).toBe(true);
  });
});
