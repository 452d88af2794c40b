import { useAppStore } from './app-store.js';
import { loadOlderMatches } from './log-search.js';
import { LOG_PAGE, useLogStore } from './log-store.js';

let loading = false;

/** Fetches the page before the oldest entry the UI holds, when the engine has one; one fetch at a time. */
export async function loadOlderPage(): Promise<void> {
  // While the engine answers the filter, its older matches are asked for too; the page of all
  // requests is still loaded, so clearing the filter shows what was scrolled to.
  if (useLogStore.getState().searching) void loadOlderMatches();
  const { client } = useAppStore.getState();
  const { entries, olderAvailable } = useLogStore.getState();
  if (loading || !client || !olderAvailable || !entries[0]) return;
  loading = true;
  try {
    const page = await client.call('log.page', { before: entries[0].seq, limit: LOG_PAGE });
    useLogStore.getState().prepend(page.entries, page.oldestSeq);
  } catch {
    // Disconnected: the next scroll asks again.
  } finally {
    loading = false;
  }
}
