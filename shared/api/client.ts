import type { ApiError, CommandName, EventName, Events, Message, Params, Pipe, Result } from './contract.js';

/** A failed call: the error value the engine sent, with its code and any configuration issues. */
export class ApiCallError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
    this.name = 'ApiCallError';
  }
}

/** The one client the UI and tests use, whatever the transport. */
export class ApiClient {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly listeners = new Map<EventName, Set<(data: never) => void>>();
  private readonly detach: () => void;

  constructor(private readonly pipe: Pipe) {
    this.detach = pipe.onMessage((m) => this.receive(m));
  }

  call<K extends CommandName>(command: K, params: Params<K>): Promise<Result<K>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
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
    for (const p of this.pending.values()) p.reject(new ApiCallError({ code: 'internal', message: reason }));
    this.pending.clear();
  }

  private receive(m: Message): void {
    if (m.type === 'result') {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.result);
      else p.reject(new ApiCallError(m.error));
    } else if (m.type === 'event') {
      for (const fn of this.listeners.get(m.event) ?? []) (fn as (data: unknown) => void)(m.data);
    }
  }
}
