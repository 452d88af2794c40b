import net, { type Socket } from 'node:net';
import { bareHost } from '../../shared/wire/host.js';

/** How one TCP connection through a gateway went, for its log entry. */
export interface TcpOutcome {
  /** 200 for a connection that was carried, 502 when the target refused or failed, 504 when it never answered. */
  status: number;
  /** Bytes from the client to the target, and back. */
  bytesIn: number;
  bytesOut: number;
  /** Who ended it: `client closed`, `upstream closed`, `idle timeout`, or what failed. */
  closeCause: string;
  error?: string;
}

/**
 * Carries one client connection to `target` (`tcp://host:port`) and back, byte for byte. Either side
 * ending ends the other (half-closes are passed on, as HAProxy's `mode tcp` does); an error, or no
 * traffic either way for `idleMs`, cuts both. `done` runs once, when both sockets are closed.
 */
export function proxyTcp(
  client: Socket,
  target: string,
  connectTimeoutMs: number,
  idleMs: number,
  done: (outcome: TcpOutcome) => void,
): void {
  const url = new URL(target);
  const upstream = net.connect({ host: bareHost(url.hostname), port: Number(url.port), allowHalfOpen: true });
  const outcome: TcpOutcome = { status: 200, bytesIn: 0, bytesOut: 0, closeCause: '' };
  let connected = false;
  let ended = 0;
  const settle = (cause: string, error?: { status: number; text: string }) => {
    if (outcome.closeCause) return;
    outcome.closeCause = cause;
    if (error) {
      outcome.status = error.status;
      outcome.error = error.text;
    }
  };
  const cut = () => {
    client.destroy();
    upstream.destroy();
  };
  const closed = () => {
    if (++ended === 2) done(outcome);
  };
  client.once('close', closed);
  upstream.once('close', closed);
  client.pause();

  const connectTimer = setTimeout(() => {
    settle(`no connection to ${target} within ${connectTimeoutMs} ms`, {
      status: 504,
      text: `${target} did not accept the connection within ${connectTimeoutMs} ms`,
    });
    cut();
  }, connectTimeoutMs);

  upstream.once('connect', () => {
    connected = true;
    clearTimeout(connectTimer);
    client.setTimeout(idleMs);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  });
  client.on('data', (chunk: Buffer) => (outcome.bytesIn += chunk.length));
  upstream.on('data', (chunk: Buffer) => (outcome.bytesOut += chunk.length));
  // The idle timer runs on the client socket; traffic from the upstream counts as activity too.
  upstream.on('data', () => client.setTimeout(idleMs));
  client.on('timeout', () => {
    settle(`idle for ${idleMs} ms`);
    cut();
  });
  client.once('end', () => settle('client closed'));
  upstream.once('end', () => settle('upstream closed'));
  client.on('error', (err) => {
    settle(`client error: ${err.message}`);
    cut();
  });
  upstream.on('error', (err: Error & { code?: string }) => {
    clearTimeout(connectTimer);
    const text = connected
      ? `the connection to ${target} failed: ${err.code ?? err.message}`
      : `cannot connect to ${target}: ${err.code ?? err.message}`;
    settle(text, { status: 502, text });
    cut();
  });
  client.once('close', () => {
    clearTimeout(connectTimer);
    settle('client closed');
    upstream.destroy();
  });
  upstream.once('close', () => {
    settle('upstream closed');
    // Let what the client is owed drain before the client socket goes.
    if (connected) client.end();
    else client.destroy();
  });
}
