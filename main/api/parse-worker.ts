import { parentPort, workerData } from 'node:worker_threads';
import { parse as parseYaml } from 'yaml';
import { loadConfigText } from '../../shared/config/load.js';
import { fromHar, harRequests } from '../../shared/har.js';
import { parseFailure, textOf, type ParseTask, type WorkerMessage } from './off-thread.js';

/**
 * Parses what a client sent, off the engine's thread: YAML (whose parser can take seconds on a crafted
 * megabyte), configurations, and HAR files of tens of megabytes. Large results come back in batches, so
 * the main thread never takes one long structured-clone deserialisation either.
 */
const BATCH = 200;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);

function run(task: ParseTask): void {
  switch (task.kind) {
    case 'config':
      return post({ type: 'result', value: loadConfigText(task.text) });
    case 'yaml':
      return post({ type: 'result', value: parseYaml(task.text) as unknown });
    case 'json':
      return post({ type: 'result', value: JSON.parse(task.text) as unknown });
    case 'har-entries':
    case 'har-requests': {
      const har = JSON.parse(textOf(task.text)) as unknown;
      const items = task.kind === 'har-entries' ? fromHar(har, task.gateway) : harRequests(har);
      for (let i = 0; i < items.length; i += BATCH) post({ type: 'batch', items: items.slice(i, i + BATCH) });
      return post({ type: 'result', value: items.length });
    }
  }
}

try {
  run(workerData as ParseTask);
} catch (err) {
  post({ type: 'error', ...parseFailure(err) });
}
