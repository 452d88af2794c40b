import { ApiClient } from '../shared/api/client.js';
import type { Message, Pipe } from '../shared/api/contract.js';

/**
 * The window's side of the desktop benchmark: a contract client, as the UI is, taking every log batch.
 * A batch's lag is the time from its newest entry's end (arrival + duration) to its delivery here; the
 * two processes share the machine's clock.
 */
const pipe: Pipe = {
  send: (message: Message) => void process.send?.(message),
  onMessage(listener) {
    const handler = (m: unknown) => {
      const type = (m as { type?: string }).type;
      if (type === 'call' || type === 'result' || type === 'event') listener(m as Message);
    };
    process.on('message', handler);
    return () => process.off('message', handler);
  },
};
const client = new ApiClient(pipe);
let lags: number[] = [];
let entries = 0;
client.on('log.appended', (batch) => {
  const now = Date.now();
  entries += batch.length;
  const newest = Math.max(...batch.map((e) => e.time + e.durationMs));
  lags.push(now - newest);
});
process.on('message', (m: { type?: string }) => {
  if (m.type === 'lag-start') {
    lags = [];
    entries = 0;
  }
  if (m.type === 'lag') {
    const sorted = [...lags].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.floor(q * (sorted.length - 1))] ?? 0;
    process.send?.({ type: 'lag', batches: lags.length, entries, p50: at(0.5), p99: at(0.99), max: at(1) });
  }
});
// One call to start: the plane subscribes this client to the events.
await client.call('gateways.list', {});
process.on('disconnect', () => process.exit(0));
