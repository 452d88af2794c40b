import { useAppStore } from './app-store.js';
import { LOG_PAGE, useLogStore, whileSearching } from './log-store.js';

/**
 * Filters that look into headers and bodies are answered by the engine (`log.search`), which holds them;
 * the UI keeps only the matches it shows. A new filter asks after a pause in typing; traffic that arrives
 * meanwhile is asked about in one call per interval; scrolling up asks for older matches.
 */
const TYPING_PAUSE_MS = 200;
const ARRIVALS_MS = 300;

let generation = 0;
/** The engine's newest seq when it last answered: newer matches are asked for after it. */
let searchedUpTo = 0;
let typingTimer: ReturnType<typeof setTimeout> | undefined;
let arrivalsTimer: ReturnType<typeof setTimeout> | undefined;
let loadingOlder = false;

/** Starts following the filter; call once. */
export function startLogSearch(): void {
  let last = useLogStore.getState().filterText;
  useLogStore.subscribe((s) => {
    if (s.filterText === last) return;
    last = s.filterText;
    if (s.searching) searchSoon();
    else generation++;
  });
  whileSearching(() => (arrivalsTimer ??= setTimeout(searchNewer, ARRIVALS_MS)));
  // A new connection may be to an engine whose log changed meanwhile: ask again.
  useAppStore.subscribe((s, before) => {
    if (s.client && s.client !== before.client && useLogStore.getState().searching) searchSoon(0);
  });
}

/** Asks again from the newest (on a new filter, and after reconnecting). */
export function searchSoon(delay = TYPING_PAUSE_MS): void {
  generation++;
  clearTimeout(typingTimer);
  typingTimer = setTimeout(() => void searchFromNewest(), delay);
}

async function searchFromNewest(): Promise<void> {
  const { client } = useAppStore.getState();
  const { filterText, searching } = useLogStore.getState();
  if (!client || !searching) return;
  const mine = generation;
  try {
    const r = await client.call('log.search', { query: filterText, limit: LOG_PAGE });
    if (mine !== generation) return;
    searchedUpTo = r.lastSeq;
    useLogStore.getState().setMatches(r.entries, 'replace', r.more);
  } catch {
    // Disconnected: the search runs again when the connection is back.
  }
}

async function searchNewer(): Promise<void> {
  arrivalsTimer = undefined;
  const { client } = useAppStore.getState();
  const { filterText, searching } = useLogStore.getState();
  if (!client || !searching) return;
  const mine = generation;
  try {
    const r = await client.call('log.search', { query: filterText, after: searchedUpTo, limit: LOG_PAGE });
    if (mine !== generation) return;
    searchedUpTo = r.entries.at(-1)?.seq ?? r.lastSeq;
    if (!r.more) searchedUpTo = r.lastSeq;
    useLogStore.getState().setMatches(r.entries, 'newer');
  } catch {
    // As above.
  }
}

/** The matches before the oldest one shown, on scrolling up. */
export async function loadOlderMatches(): Promise<void> {
  const { client } = useAppStore.getState();
  const { filterText, searching, olderMatches, visible } = useLogStore.getState();
  if (loadingOlder || !client || !searching || !olderMatches || !visible[0]) return;
  loadingOlder = true;
  const mine = generation;
  try {
    const r = await client.call('log.search', { query: filterText, before: visible[0].seq, limit: LOG_PAGE });
    if (mine === generation) useLogStore.getState().setMatches(r.entries, 'older', r.more);
  } catch {
    // As above.
  } finally {
    loadingOlder = false;
  }
}
