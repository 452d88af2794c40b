import type { z } from 'zod';
import {
  commandParams,
  type ApiError,
  type CommandName,
  type EventName,
  type Events,
  type Message,
  type Pipe,
  type Result,
} from '../../shared/api/contract.js';

/** The handler table is typed from the contract: a missing or mistyped handler does not compile. */
export type Handlers = {
  [K in CommandName]: (params: z.output<(typeof commandParams)[K]>) => Promise<Result<K>> | Result<K>;
};

/** Thrown by handlers; travels to the caller as an error value. */
export class ApiFailure extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

export type Dispatch = (message: unknown) => Promise<Message | undefined>;

/** Validates a call envelope and its params (the caller is untrusted), runs the handler, returns the result envelope. */
export function createDispatcher(handlers: Handlers): Dispatch {
  return async (message) => {
    const m = message as Partial<Extract<Message, { type: 'call' }>> | null;
    if (!m || typeof m !== 'object' || m.type !== 'call' || typeof m.id !== 'number') return undefined;
    const fail = (error: ApiError): Message => ({ type: 'result', id: m.id as number, ok: false, error });
    const command = m.command as CommandName;
    if (typeof m.command !== 'string' || !Object.hasOwn(commandParams, m.command)) {
      return fail({ code: 'unknown_command', message: `unknown command '${String(m.command)}'` });
    }
    const parsed = commandParams[command].safeParse(m.params ?? {});
    if (!parsed.success) {
      const detail = parsed.error.issues
        .map((i) => `${i.path.join('.') || 'params'}: ${i.message}`)
        .join('; ');
      return fail({ code: 'invalid_params', message: `invalid params for '${command}': ${detail}` });
    }
    try {
      const handler = handlers[command] as (p: unknown) => unknown;
      return { type: 'result', id: m.id, ok: true, result: await handler(parsed.data) };
    } catch (err) {
      if (err instanceof ApiFailure) return fail(err.error);
      return fail({ code: 'internal', message: (err as Error).message });
    }
  };
}

/** Fans events out to every connected pipe. */
export class EventHub {
  private readonly pipes = new Set<Pipe>();

  get connected(): boolean {
    return this.pipes.size > 0;
  }

  /** How many clients are connected now (the UI asks before clearing what others see too). */
  get count(): number {
    return this.pipes.size;
  }

  emit<E extends EventName>(event: E, data: Events[E]): void {
    for (const pipe of this.pipes) pipe.send({ type: 'event', event, data });
  }

  /** Serves calls arriving on `pipe` and sends it every event until the returned function is called. */
  connect(pipe: Pipe, dispatch: Dispatch): () => void {
    this.pipes.add(pipe);
    const off = pipe.onMessage((m) => {
      void dispatch(m).then((reply) => reply && pipe.send(reply));
    });
    return () => {
      off();
      this.pipes.delete(pipe);
    };
  }
}
