import { create } from 'zustand';
import type { LogSummary } from '../../../shared/api/contract.js';
import { needsEngine, parseFilter, type Predicate } from '../../../shared/log-query.js';

/** How many requests the UI keeps; the engine's log may hold fewer. */
export const UI_LOG_CAPACITY = 100_000;
/** Entries per page fetched from the engine, on connecting (the newest) and on scrolling up. */
export const LOG_PAGE = 5000;

interface LogState {
  /** Bumped whenever `entries`/`visible` change; components select it, not the arrays. */
  version: number;
  /**
   * Set while the view is paused: the newest seq it shows. Pause freezes the view, not the data: entries
   * keep arriving (the seen bars and the chart use them) and are shown on resume.
   */
  pausedAt?: number;
  filterText: string;
  selectedSeq?: number;
  /** Whether the engine holds entries older than the oldest one here (fetched on scrolling up). */
  olderAvailable: boolean;
  /**
   * Set while the filter looks into headers or bodies: `visible` is then the engine's answer
   * (`log.search`), not a filtered copy of `entries`, and `olderMatches` says whether it has more.
   */
  searching: boolean;
  olderMatches: boolean;
  /** Bumped when the selected entry changed in the engine (a WebSocket's messages), so details reload. */
  selectedChanged: number;
  /** Appended in place (see append): copying 100,000 entries per frame would not keep up. */
  entries: LogSummary[];
  visible: LogSummary[];
  setPaused(paused: boolean): void;
  setFilter(text: string): void;
  select(seq: number | undefined): void;
  clear(): void;
  append(batch: readonly LogSummary[]): void;
  /** Entries that changed in the engine (a WebSocket opened, passed messages, closed). */
  update(changed: readonly LogSummary[]): void;
  /** The engine's answer to the filter: replaces (`replace`), or adds older or newer matches. */
  setMatches(found: readonly LogSummary[], how: 'replace' | 'older' | 'newer', more?: boolean): void;
  /** The newest page, on connecting; `oldestSeq` is the oldest entry the engine holds. */
  reset(entries: readonly LogSummary[], oldestSeq: number): void;
  /** An older page, put in front of what is here. */
  prepend(older: readonly LogSummary[], oldestSeq: number): void;
}

let predicate: Predicate = () => true;
let pending: LogSummary[] = [];
let frame: number | undefined;

/**
 * The request log in the UI. Appends arrive in batches from the engine and are applied at most once per
 * animation frame; the visible (filtered) list grows incrementally, so a frame's work is proportional to
 * what arrived, not to what is kept.
 */
export const useLogStore = create<LogState>((set, get) => ({
  version: 0,
  filterText: '',
  olderAvailable: false,
  searching: false,
  olderMatches: false,
  selectedChanged: 0,
  entries: [],
  visible: [],
  setPaused: (paused) => {
    if (!paused) return set({ pausedAt: undefined });
    const { entries } = get();
    set({ pausedAt: (pending.at(-1) ?? entries.at(-1))?.seq ?? 0 });
  },
  setFilter: (filterText) => {
    predicate = parseFilter(filterText);
    const { entries, version } = get();
    // Headers and bodies are in the engine only: it answers (store/log-search.ts), the list waits for it.
    if (needsEngine(filterText))
      return set({ filterText, searching: true, olderMatches: false, visible: [], version: version + 1 });
    set({ filterText, searching: false, visible: entries.filter(predicate), version: version + 1 });
  },
  setMatches: (found, how, more) => {
    const { visible, version } = get();
    if (how === 'replace') return set({ visible: [...found], olderMatches: !!more, version: version + 1 });
    if (how === 'older') {
      const first = visible[0]?.seq ?? Infinity;
      visible.unshift(...found.filter((e) => e.seq < first));
      return set({ olderMatches: !!more, version: version + 1 });
    }
    const last = visible.at(-1)?.seq ?? 0;
    visible.push(...found.filter((e) => e.seq > last));
    set({ version: version + 1 });
  },
  update: (changed) => {
    const { entries, visible, version, selectedSeq, selectedChanged } = get();
    let touched = false;
    for (const e of changed) {
      for (const list of [entries, visible]) {
        const i = indexOfSeq(list, e.seq);
        if (i >= 0) {
          list[i] = e;
          touched = true;
        }
      }
    }
    const selected = changed.some((e) => e.seq === selectedSeq);
    if (touched || selected)
      set({ version: version + 1, selectedChanged: selectedChanged + (selected ? 1 : 0) });
  },
  select: (selectedSeq) => set({ selectedSeq }),
  clear: () => {
    pending = [];
    set((s) => ({
      entries: [],
      visible: [],
      selectedSeq: undefined,
      olderAvailable: false,
      version: s.version + 1,
      ...(s.pausedAt !== undefined ? { pausedAt: 0 } : {}),
    }));
  },
  append: (batch) => {
    pending.push(...batch);
    frame ??= requestAnimationFrame(flush);
  },
  reset: (entries, oldestSeq) => {
    pending = [];
    const list = entries.slice(-UI_LOG_CAPACITY);
    set((s) => ({
      entries: list,
      visible: s.searching ? s.visible : list.filter(predicate),
      olderAvailable: (list[0]?.seq ?? 0) > oldestSeq,
      version: s.version + 1,
    }));
  },
  prepend: (older, oldestSeq) => {
    const { entries, visible, version } = get();
    const first = entries[0]?.seq ?? Infinity;
    const page = older.filter((e) => e.seq < first);
    const room = UI_LOG_CAPACITY - entries.length;
    const kept = room > 0 ? page.slice(-room) : [];
    entries.unshift(...kept);
    if (!get().searching) visible.unshift(...kept.filter(predicate));
    set({
      olderAvailable: room > kept.length && (entries[0]?.seq ?? 0) > oldestSeq,
      version: version + 1,
    });
  },
}));

/** How many of `visible` the view shows: all of them, or while paused those up to the pause. */
export function shownCount(visible: readonly LogSummary[], pausedAt: number | undefined): number {
  if (pausedAt === undefined) return visible.length;
  let lo = 0;
  let hi = visible.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (visible[mid]!.seq <= pausedAt) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** The index of the entry with `seq` in a list sorted by seq, or -1. */
function indexOfSeq(list: readonly LogSummary[], seq: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.seq < seq) lo = mid + 1;
    else hi = mid;
  }
  return list[lo]?.seq === seq ? lo : -1;
}

/** Called with each batch that arrives while the engine answers the filter, to ask it about them. */
let onArrivalWhileSearching: () => void = () => undefined;
export function whileSearching(fn: () => void): void {
  onArrivalWhileSearching = fn;
}

function flush(): void {
  frame = undefined;
  const batch = pending;
  pending = [];
  if (!batch.length) return;
  const { entries, visible, version, searching } = useLogStore.getState();
  for (const e of batch) {
    // A page fetched while events were on their way already holds some of them: the list stays unique.
    if (e.seq <= (entries.at(-1)?.seq ?? 0)) continue;
    entries.push(e);
    if (!searching && predicate(e)) visible.push(e);
  }
  if (searching) onArrivalWhileSearching();
  const over = entries.length - UI_LOG_CAPACITY;
  let olderAvailable = useLogStore.getState().olderAvailable;
  if (over > 0) {
    const oldest = entries[over]!.seq;
    entries.splice(0, over);
    const drop = searching ? 0 : visible.findIndex((e) => e.seq >= oldest);
    if (drop > 0) visible.splice(0, drop);
    olderAvailable = true;
  }
  useLogStore.setState({ version: version + 1, olderAvailable });
}
