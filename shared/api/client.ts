import { callTimeout, DEFAULT_CALL_TIMEOUT_MS } from './call-timeouts.js';
import type { ApiError, CommandName, EventName, Events, Message, Params, Pipe, Result } from './contract.js';

/**
 * Why a call failed: the error value the engine sent, with its code and any configuration issues; or,
 * made here, `timeout` (no answer in time) and `internal` (the connection closed).
 */
export type CallError = Omit<ApiError, 'code'> & { code: ApiError['code'] | 'timeout' };

/** A failed call. */
export class ApiCallError extends Error {
  constructor(readonly error: CallError) {
    super(error.message);
    this.name = 'ApiCallError';
  }
}

export interface ApiClientOptions {
  /**
   * How long a call may go unanswered, in ms, before it fails with code `timeout`; commands that run
   * longer by design get their own bound on top (shared/api/call-timeouts.ts). Default 30 s.
   */
  timeoutMs?: number;
}

export interface CallOptions {
  /** This call's bound, in ms, instead of the client's. */
  timeoutMs?: number;
}

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

/** The one client the UI and tests use, whatever the transport. */
export class ApiClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<EventName, Set<(data: never) => void>>();
  private readonly detach: () => void;
  private readonly timeoutMs: number;

  constructor(
    private readonly pipe: Pipe,
    options: ApiClientOptions = {},
  ) {
    this.timeoutMs = options.timeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
    this.detach = pipe.onMessage((m) => this.receive(m));
  }

  call<K extends CommandName>(command: K, params: Params<K>, options: CallOptions = {}): Promise<Result<K>> {
    const id = this.nextId++;
    const ms = options.timeoutMs ?? callTimeout(command, params, this.timeoutMs);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new ApiCallError({ code: 'timeout', message: `${command} got no answer in ${seconds(ms)}` }));
      }, ms);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer });
      this.pipe.send({ type: 'call', id, command, params });
    });
  }

  on<E extends EventName>(event: E, listener: (data: Events[E]) => void): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (data: never) => void);
    return () => set.delete(listener as (data: never) => void);
  }

  /** Fails every call still waiting (the connection is gone) and stops listening. */
  close(reason = 'the connection to the engine closed'): void {
    this.detach();
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(new ApiCallError({ code: 'internal', message: reason }));
    }
    this.pending.clear();
  }

  private receive(m: Message): void {
    if (m.type === 'result') {
      const p = this.pending.get(m.id);
      if (!p) return; // answered after its call timed out: nobody waits for it any more
      this.pending.delete(m.id);
      clearTimeout(p.timer);
      if (m.ok) p.resolve(m.result);
      else p.reject(new ApiCallError(m.error));
    } else if (m.type === 'event') {
      for (const fn of this.listeners.get(m.event) ?? []) (fn as (data: unknown) => void)(m.data);
    }
  }
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}
