/** A window's position and size, in screen coordinates (Electron's Rectangle). */
export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** How much of a restored window must be on some display for its saved position to be used. */
const VISIBLE = { width: 120, height: 60 };

/**
 * The saved bounds when enough of the window would be on one of the displays there are now (a monitor
 * may have been unplugged since); otherwise undefined, and the window opens at its default place.
 */
export function restorableBounds(saved: Rect | undefined, workAreas: readonly Rect[]): Rect | undefined {
  if (!saved || ![saved.x, saved.y, saved.width, saved.height].every(Number.isFinite)) return undefined;
  if (saved.width <= 0 || saved.height <= 0) return undefined;
  const visible = workAreas.some((a) => {
    const width = Math.min(saved.x + saved.width, a.x + a.width) - Math.max(saved.x, a.x);
    const height = Math.min(saved.y + saved.height, a.y + a.height) - Math.max(saved.y, a.y);
    return width >= Math.min(VISIBLE.width, saved.width) && height >= Math.min(VISIBLE.height, saved.height);
  });
  return visible ? saved : undefined;
}

/** Calls `fn` once `ms` after the last of a burst of calls (a drag emits many move events); `flush` runs it now. */
export function debounce(fn: () => void, ms: number): { (): void; flush(): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const debounced = () => {
    cancel();
    timer = setTimeout(() => {
      timer = undefined;
      fn();
    }, ms);
    timer.unref?.();
  };
  debounced.flush = () => {
    cancel();
    fn();
  };
  debounced.cancel = cancel;
  return debounced;
}
