import { ApiClient } from '../../../shared/api/client.js';
import { memoryPipePair } from '../../../main/api/memory-pipe.js';
import { contractSuite } from '../../helpers/contract-suite.js';

contractSuite('the in-memory transport', async (plane) => {
  const [server, client] = memoryPipePair();
  const disconnect = plane.connect(server);
  return { client: new ApiClient(client), close: disconnect };
});
