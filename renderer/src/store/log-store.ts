import { create } from 'zustand';
import type { LogSummary } from '../../../shared/api/contract.js';
import { parseFilter, type Predicate } from '../lib/log-filter.js';

/** How many requests the UI keeps; the engine's log may hold fewer. */
export const UI_LOG_CAPACITY = 100_000;

interface LogState {
  /** Bumped whenever `entries`/`visible` change; components select it, not the arrays. */
  version: number;
  paused: boolean;
  filterText: string;
  selectedSeq?: number;
  /** Appended in place (see append): copying 100,000 entries per frame would not keep up. */
  entries: LogSummary[];
  visible: LogSummary[];
  setPaused(paused: boolean): void;
  setFilter(text: string): void;
  select(seq: number | undefined): void;
  clear(): void;
  append(batch: readonly LogSummary[]): void;
  reset(entries: readonly LogSummary[]): void;
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
  paused: false,
  filterText: '',
  entries: [],
  visible: [],
  setPaused: (paused) => set({ paused }),
  setFilter: (filterText) => {
    predicate = parseFilter(filterText);
    const { entries, version } = get();
    set({ filterText, visible: entries.filter(predicate), version: version + 1 });
  },
  select: (selectedSeq) => set({ selectedSeq }),
  clear: () => {
    pending = [];
    set((s) => ({ entries: [], visible: [], selectedSeq: undefined, version: s.version + 1 }));
  },
  append: (batch) => {
    if (get().paused) return;
    pending.push(...batch);
    frame ??= requestAnimationFrame(flush);
  },
  reset: (entries) => {
    pending = [];
    const list = entries.slice(-UI_LOG_CAPACITY);
    set((s) => ({ entries: list, visible: list.filter(predicate), version: s.version + 1 }));
  },
}));

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
  if (over > 0) {
    const oldest = entries[over]!.seq;
    entries.splice(0, over);
    const drop = visible.findIndex((e) => e.seq >= oldest);
    if (drop > 0) visible.splice(0, drop);
  }
  useLogStore.setState({ version: version + 1 });
}
