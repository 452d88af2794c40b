import { create } from 'zustand';
import type { LogSummary } from '../../../shared/api/contract.js';
import { parseFilter, type Predicate } from '../lib/log-filter.js';

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
  /** Appended in place (see append): copying 100,000 entries per frame would not keep up. */
  entries: LogSummary[];
  visible: LogSummary[];
  setPaused(paused: boolean): void;
  setFilter(text: string): void;
  select(seq: number | undefined): void;
  clear(): void;
  append(batch: readonly LogSummary[]): void;
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
    set({ filterText, visible: entries.filter(predicate), version: version + 1 });
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
      visible: list.filter(predicate),
      olderAvailable: (list[0]?.seq ?? Infinity) > oldestSeq,
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
    visible.unshift(...kept.filter(predicate));
    set({
      olderAvailable: room > kept.length && (entries[0]?.seq ?? Infinity) > oldestSeq,
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

function flush(): void {
  frame = undefined;
  const batch = pending;
  pending = [];
  if (!batch.length) return;
  const { entries, visible, version } = useLogStore.getState();
  for (const e of batch) {
    entries.push(e);
    if (predicate(e)) visible.push(e);
  }
  const over = entries.length - UI_LOG_CAPACITY;
  let olderAvailable = useLogStore.getState().olderAvailable;
  if (over > 0) {
    const oldest = entries[over]!.seq;
    entries.splice(0, over);
    const drop = visible.findIndex((e) => e.seq >= oldest);
    if (drop > 0) visible.splice(0, drop);
    olderAvailable = true;
  }
  useLogStore.setState({ version: version + 1, olderAvailable });
}
