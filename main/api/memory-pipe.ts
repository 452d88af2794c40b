import type { Message, Pipe } from '../../shared/api/contract.js';

/**
 * Two connected in-memory pipes for tests. Messages are cloned and delivered asynchronously, as a real
 * transport would, so nothing passes by reference.
 */
export function memoryPipePair(): [Pipe, Pipe] {
  const listeners: [Set<(m: Message) => void>, Set<(m: Message) => void>] = [new Set(), new Set()];
  const end = (mine: 0 | 1): Pipe => ({
    send(message) {
      const copy = structuredClone(message);
      queueMicrotask(() => {
        for (const fn of listeners[mine === 0 ? 1 : 0]) fn(copy);
      });
    },
    onMessage(fn) {
      listeners[mine].add(fn);
      return () => listeners[mine].delete(fn);
    },
  });
  return [end(0), end(1)];
}
