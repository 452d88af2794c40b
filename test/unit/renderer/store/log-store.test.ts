import { beforeEach, describe, expect, it } from 'vitest';
import type { LogSummary } from '../../../../shared/api/contract.js';

// The store applies appends once per animation frame; in Node a frame is a macrotask.
globalThis.requestAnimationFrame ??= (cb: FrameRequestCallback) =>
  setTimeout(() => cb(0), 0) as unknown as number;
const { useLogStore, UI_LOG_CAPACITY, shownCount } =
  await import('../../../../renderer/src/store/log-store.js');

const frame = () => new Promise((r) => setTimeout(r, 5));
const entry = (seq: number, over: Partial<LogSummary> = {}): LogSummary => ({
  seq,
  time: seq,
  gateway: 'g',
  route: seq % 2 ? 'a' : 'b',
  method: 'GET',
  path: `/${seq}`,
  status: seq % 10 === 0 ? 502 : 200,
  durationMs: 1,
  bytesIn: 0,
  bytesOut: 1,
  clientIp: '127.0.0.1',
  trace: [],
  override: false,
  websocket: false,
  ...over,
});
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => entry(from + i));

describe('the log store', () => {
  beforeEach(() => {
    const s = useLogStore.getState();
    s.setPaused(false);
    s.setFilter('');
    s.clear();
  });

  it('says nothing older is there when the first page is empty, and after traffic arrives', async () => {
    const s = useLogStore.getState();
    s.reset([], 1);
    expect(useLogStore.getState().olderAvailable).toBe(false);
    s.append(range(1, 4));
    await frame();
    expect(useLogStore.getState().olderAvailable).toBe(false);
    s.reset(range(3, 4), 1);
    expect(useLogStore.getState().olderAvailable).toBe(true);
  });

  it('keeps entries unique when events bring what a fetched page already holds', async () => {
    const s = useLogStore.getState();
    s.reset(range(1, 5), 1);
    s.append(range(4, 8));
    await frame();
    expect(useLogStore.getState().entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(useLogStore.getState().visible).toHaveLength(8);
  });

  it('applies batches once per frame, bumping the version once', async () => {
    const versions: number[] = [];
    const off = useLogStore.subscribe((s) => versions.push(s.version));
    useLogStore.getState().append(range(1, 3));
    useLogStore.getState().append(range(4, 5));
    expect(useLogStore.getState().entries).toHaveLength(0);
    await frame();
    off();
    expect(useLogStore.getState().entries.map((e) => e.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(versions).toHaveLength(1);
  });

  it('keeps the filtered list in step as entries arrive, and refilters on a new filter', async () => {
    useLogStore.getState().setFilter('route:b');
    useLogStore.getState().append(range(1, 6));
    await frame();
    expect(useLogStore.getState().visible.map((e) => e.seq)).toEqual([2, 4, 6]);
    useLogStore.getState().setFilter('status:5xx');
    useLogStore.getState().append(range(7, 20));
    await frame();
    expect(useLogStore.getState().visible.map((e) => e.seq)).toEqual([10, 20]);
  });

  it('keeps appends while paused; the view shows those up to the pause', async () => {
    useLogStore.getState().append(range(1, 3));
    await frame();
    useLogStore.getState().setPaused(true);
    useLogStore.getState().append(range(4, 6));
    await frame();
    const { entries, visible, pausedAt } = useLogStore.getState();
    expect(entries).toHaveLength(6);
    expect(shownCount(visible, pausedAt)).toBe(3);
    useLogStore.getState().setPaused(false);
    expect(shownCount(visible, useLogStore.getState().pausedAt)).toBe(6);
  });

  it('puts an older page in front and says whether the engine has more', () => {
    useLogStore.getState().reset(range(11, 20), 1);
    expect(useLogStore.getState().olderAvailable).toBe(true);
    useLogStore.getState().prepend(range(1, 10), 1);
    expect(useLogStore.getState().entries.map((e) => e.seq)).toEqual(range(1, 20).map((e) => e.seq));
    expect(useLogStore.getState().olderAvailable).toBe(false);
  });

  it('holds at most its capacity, dropping the oldest from both lists', async () => {
    useLogStore.getState().append(range(1, UI_LOG_CAPACITY + 50));
    await frame();
    const { entries, visible } = useLogStore.getState();
    expect(entries).toHaveLength(UI_LOG_CAPACITY);
    expect(entries[0]!.seq).toBe(51);
    expect(visible[0]!.seq).toBe(51);
  });
});
