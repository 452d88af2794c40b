import { ApiClient } from '../../../shared/api/client.js';
import type { Pipe } from '../../../shared/api/contract.js';
import { websocketPipe } from '../../../shared/api/websocket-pipe.js';
import { bridge } from './desktop.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

/**
 * Connects the UI to the engine: over Electron IPC when the preload provides a bridge, else over the
 * control server's WebSocket (the same origin that served this page), reconnecting by itself.
 */
export function connect(onChange: (client: ApiClient | undefined, state: ConnectionState) => void): void {
  const b = bridge();
  if (b) {
    const pipe: Pipe = { send: (m) => b.send(m), onMessage: (fn) => b.onMessage(fn) };
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
