import { useEffect, useLayoutEffect, useState, type RefObject } from 'react';
import { flushSync } from 'react-dom';

/** Rows drawn beyond each edge of the view, so a quick scroll never shows a gap. */
const OVERSCAN = 12;

export interface RowWindow {
  /** Index of the first row to draw, and one past the last. */
  first: number;
  last: number;
  /** Whether the view is pinned to the newest (bottom) row. */
  follow: boolean;
  setFollow(follow: boolean): void;
}

/**
 * A virtual window over rows of one fixed height. The range is computed from the same numbers the scroll
 * position is set from, during render: while following the newest, the range is the bottom rows and the
 * scroll position is pinned to the bottom before the frame is painted, so the rows in view are always
 * drawn (a library's range that catches up with the scroll position one event later leaves blank frames
 * under traffic). `onNearTop` is called when the user scrolls up to the oldest rows.
 */
export function useFixedRows(
  scroller: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
  onNearTop: () => void,
): RowWindow {
  const [scrollTop, setScrollTop] = useState(0);
  const [height, setHeight] = useState(400);
  const [follow, setFollow] = useState(true);

  const top = follow ? Math.max(0, count * rowHeight - height) : scrollTop;
  const first = Math.max(0, Math.floor(top / rowHeight) - OVERSCAN);
  const last = Math.min(count, Math.ceil((top + height) / rowHeight) + OVERSCAN);

  // Pinned: the scroll position goes to the bottom in the same commit that drew the bottom rows.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (el && follow) el.scrollTop = el.scrollHeight;
  });

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const onScroll = () => {
      // Synchronously, so the rows drawn match the position the browser is about to paint.
      const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < rowHeight * 2;
      flushSync(() => {
        setScrollTop(el.scrollTop);
        setFollow(atBottom);
      });
      // Only a list taller than the view, scrolled up to its oldest rows (not one that a filter shortened).
      if (!atBottom && el.scrollTop < rowHeight * 5) onNearTop();
    };
    const resize = new ResizeObserver(() => setHeight(el.clientHeight));
    resize.observe(el);
    setHeight(el.clientHeight);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => {
      resize.disconnect();
      el.removeEventListener('scroll', onScroll);
    };
  }, [scroller, rowHeight, onNearTop]);

  return { first, last, follow, setFollow };
}
