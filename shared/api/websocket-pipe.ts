import type { Message, Pipe } from './contract.js';

/** The standard WebSocket API, as browsers and Node 22 both provide it. */
interface StandardWebSocket {
  readonly readyState: number;
  send(data: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'open' | 'close', listener: () => void): void;
  removeEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

const OPEN = 1;

/**
 * The contract over a WebSocket to the control server's /api/v1/stream, for the browser UI. Messages sent
 * before the socket opens are queued; with a token, the first message authenticates.
 */
export function websocketPipe(socket: StandardWebSocket, token?: string): Pipe {
  const queue: string[] = [];
  const flush = () => {
    while (queue.length) socket.send(queue.shift() as string);
  };
  if (token) queue.push(JSON.stringify({ type: 'auth', token }));
  if (socket.readyState === OPEN) flush();
  else socket.addEventListener('open', flush);
  return {
    send(message: Message) {
      queue.push(JSON.stringify(message));
      if (socket.readyState === OPEN) flush();
    },
    onMessage(listener) {
      const handler = (event: { data: unknown }) => {
        if (typeof event.data === 'string') listener(JSON.parse(event.data) as Message);
      };
      socket.addEventListener('message', handler);
      return () => socket.removeEventListener('message', handler);
    },
  };
}
