import { afterEach } from 'vitest';
import { startUpstream, type Upstream } from './upstream.js';

/** What a test started and must stop, undone newest first after each test. */
export type Cleanup = (() => Promise<void> | void)[];

/** Call at the top of a test file: returns the list its tests push undo steps onto. */
export function cleanupAfterEach(): Cleanup {
  const cleanup: Cleanup = [];
  afterEach(async () => {
    while (cleanup.length) await cleanup.pop()!();
  });
  return cleanup;
}

/** Real upstream servers on port 0, closed after the test. */
export async function upstreamsFor(cleanup: Cleanup, ...names: string[]): Promise<Upstream[]> {
  const list = await Promise.all(names.map((n) => startUpstream(n)));
  for (const u of list) cleanup.push(() => u.close());
  return list;
}
