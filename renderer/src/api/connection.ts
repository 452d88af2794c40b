import { ApiClient } from '../../../shared/api/client.js';
import type { Message, Pipe } from '../../../shared/api/contract.js';
import { websocketPipe } from '../../../shared/api/websocket-pipe.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

declare global {
  interface Window {
    /** Present in the desktop app: the preload's message pipe to the main process. */
    bridge?: { send(message: Message): void; onMessage(listener: (message: Message) => void): () => void };
  }
}

/**
 * Connects the UI to the engine: over Electron IPC when the preload provides a bridge, else over the
 * control server's WebSocket (the same origin that served this page), reconnecting by itself.
 */
export function connect(onChange: (client: ApiClient | undefined, state: ConnectionState) => void): void {
  if (window.bridge) {
    const pipe: Pipe = {
      send: (m) => window.bridge!.send(m),
      onMessage: (fn) => window.bridge!.onMessage(fn),
    };
    onChange(new ApiClient(pipe), 'open');
    return;
  }
  const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/v1/stream`;
  let attempt = 0;
  const open = () => {
    onChange(undefined, 'connecting');
    const socket = new WebSocket(url);
    // With a token, the page was opened through the login URL: the session cookie authenticates the stream.
    const client = new ApiClient(websocketPipe(socket));
    socket.addEventListener('open', () => {
      attempt = 0;
      onChange(client, 'open');
    });
    socket.addEventListener('close', () => {
      client.close();
      onChange(undefined, 'closed');
      attempt++;
      setTimeout(open, Math.min(5000, 500 * attempt));
    });
  };
  open();
}
