import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CALL_TIMEOUT_MS } from '../../../../shared/api/call-timeouts.js';
import { ApiCallError, ApiClient } from '../../../../shared/api/client.js';
import type { Message, Pipe } from '../../../../shared/api/contract.js';

/** A transport that delivers calls nowhere unless the test answers them. */
function silentPipe() {
  const sent: Message[] = [];
  let deliver: (m: Message) => void = () => undefined;
  const pipe: Pipe = {
    send: (m) => void sent.push(m),
    onMessage: (fn) => {
      deliver = fn;
      return () => (deliver = () => undefined);
    },
  };
  return { pipe, sent, answer: (m: Message) => deliver(m) };
}

/** The rejection of `p`, once it settles; fails if it resolves. */
function failureOf(p: Promise<unknown>): Promise<ApiCallError> {
  return p.then(
    () => {
      throw new Error('the call resolved');
    },
    (err: ApiCallError) => err,
  );
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('ApiClient timeouts', () => {
  it('fails a call that gets no answer after 30 s, saying which', async () => {
    const { pipe } = silentPipe();
    const failed = failureOf(new ApiClient(pipe).call('gateways.list', {}));
    let settled = false;
    void failed.then(() => (settled = true));
    await vi.advanceTimersByTimeAsync(DEFAULT_CALL_TIMEOUT_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    const err = await failed;
    expect(err).toBeInstanceOf(ApiCallError);
    expect(err.error).toEqual({ code: 'timeout', message: 'gateways.list got no answer in 30 s' });
  });

  it('takes its bound from the client, or from the call', async () => {
    const { pipe } = silentPipe();
    const client = new ApiClient(pipe, { timeoutMs: 1000 });
    const byClient = failureOf(client.call('engine.status', {}));
    const byCall = failureOf(client.call('engine.status', {}, { timeoutMs: 250 }));
    await vi.advanceTimersByTimeAsync(250);
    expect((await byCall).error.message).toBe('engine.status got no answer in 250 ms');
    await vi.advanceTimersByTimeAsync(750);
    expect((await byClient).error.code).toBe('timeout');
  });

  it('gives traffic commands the time their run takes, plus the usual bound', async () => {
    const { pipe } = silentPipe();
    const client = new ApiClient(pipe);
    const settledAt = (p: Promise<unknown>) => {
      const at = { ms: -1 };
      const start = Date.now();
      void p.catch(() => (at.ms = Date.now() - start));
      return at;
    };
    const paced = settledAt(client.call('traffic.generate', { gateway: 'g', ratePerSecond: 5, seconds: 60 }));
    const counted = settledAt(client.call('traffic.generate', { gateway: 'g', count: 10_000 }));
    const replay = settledAt(
      client.call('traffic.replay', {
        gateway: 'g',
        har: { log: { entries: new Array(100).fill({}) } },
        ratePerSecond: 1,
      }),
    );
    await vi.advanceTimersByTimeAsync(89_999);
    expect([paced.ms, counted.ms]).toEqual([-1, -1]);
    await vi.advanceTimersByTimeAsync(1);
    expect([paced.ms, counted.ms]).toEqual([90_000, 90_000]);
    await vi.advanceTimersByTimeAsync(40_000);
    expect(replay.ms).toBe(130_000);
  });

  it('keeps no timer for a call once answered, and ignores an answer that comes too late', async () => {
    const { pipe, sent, answer } = silentPipe();
    const client = new ApiClient(pipe, { timeoutMs: 100 });
    const answered = client.call('engine.status', {});
    answer({ type: 'result', id: (sent[0] as { id: number }).id, ok: true, result: [] });
    expect(await answered).toEqual([]);
    expect(vi.getTimerCount()).toBe(0);

    const late = failureOf(client.call('engine.status', {}));
    await vi.advanceTimersByTimeAsync(100);
    answer({ type: 'result', id: (sent[1] as { id: number }).id, ok: true, result: [] });
    expect((await late).error.code).toBe('timeout');
  });

  it('fails waiting calls when the connection closes, without their timers', async () => {
    const { pipe } = silentPipe();
    const client = new ApiClient(pipe);
    const waiting = failureOf(client.call('gateways.list', {}));
    client.close();
    expect((await waiting).error).toEqual({
      code: 'internal',
      message: 'the connection to the engine closed',
    });
    expect(vi.getTimerCount()).toBe(0);
  });
});
