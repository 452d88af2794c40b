import { ApiClient } from '../../../shared/api/client.js';
import { websocketPipe } from '../../../shared/api/websocket-pipe.js';
import { ControlServer } from '../../../main/control/control-server.js';
import { contractSuite } from '../../helpers/contract-suite.js';

contractSuite('the WebSocket transport', async (plane) => {
  const server = new ControlServer(plane, { host: '127.0.0.1', port: 0, version: 'test', token: 'contract' });
  const port = await server.listen();
  const socket = new globalThis.WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`);
  return {
    client: new ApiClient(websocketPipe(socket, 'contract')),
    close: async () => {
      socket.close();
      await server.close();
    },
  };
});
