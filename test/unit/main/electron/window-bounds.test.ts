import { afterEach, describe, expect, it, vi } from 'vitest';
import { debounce, restorableBounds } from '../../../../main/electron/window-bounds.js';

const screen = { x: 0, y: 0, width: 1920, height: 1050 };
const right = { x: 1920, y: 0, width: 2560, height: 1400 };

describe('restoring window bounds', () => {
  it('uses the saved bounds when the window would be on a display', () => {
    const saved = { x: 100, y: 80, width: 1200, height: 800 };
    expect(restorableBounds(saved, [screen])).toEqual(saved);
    expect(restorableBounds({ x: 2500, y: 200, width: 1200, height: 800 }, [screen, right])).toEqual({
      x: 2500,
      y: 200,
      width: 1200,
      height: 800,
    });
    // Mostly off the edge, but enough of it (the title bar) to grab.
    expect(restorableBounds({ x: 1700, y: 900, width: 1200, height: 800 }, [screen])).toBeDefined();
  });

  it('drops bounds on a display that is gone, or that make no sense', () => {
    expect(restorableBounds({ x: 2500, y: 200, width: 1200, height: 800 }, [screen])).toBeUndefined();
    expect(restorableBounds({ x: 1880, y: 1020, width: 1200, height: 800 }, [screen])).toBeUndefined();
    expect(restorableBounds({ x: 0, y: 0, width: 0, height: 800 }, [screen])).toBeUndefined();
    expect(restorableBounds({ x: Number.NaN, y: 0, width: 100, height: 100 }, [screen])).toBeUndefined();
    expect(restorableBounds(undefined, [screen])).toBeUndefined();
  });
});

describe('debounce', () => {
  afterEach(() => vi.useRealTimers());

  it('runs once after a burst settles; flush runs now and cancels the pending run', () => {
    vi.useFakeTimers();
    const fn = vi.fn();
    const d = debounce(fn, 500);
    d();
    vi.advanceTimersByTime(300);
    d();
    vi.advanceTimersByTime(300);
    expect(fn).not.toHaveBeenCalled();
    vi.advanceTimersByTime(200);
    expect(fn).toHaveBeenCalledTimes(1);
    d();
    d.flush();
    expect(fn).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(1000);
    expect(fn).toHaveBeenCalledTimes(2);
  });
});
