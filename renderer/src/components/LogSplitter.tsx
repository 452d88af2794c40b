import { useEffect } from 'react';
import { useRemembered } from '../lib/remembered.js';

/** Room the editor keeps above the log, and the least the log keeps. */
const EDITOR_MIN = 200;
const LOG_MIN = 120;
const TOPBAR = 40;

/**
 * The border between the editor and the request log: drag it (or focus it and use the arrow keys) to
 * give one more room. The height is remembered; by default the log takes 42% of the window, which at
 * 1280x800 shows a request's decision trace without scrolling.
 */
export function LogSplitter() {
  const [height, setHeight] = useRemembered<number | null>('switchyard.logHeight', null);
  const clamp = (h: number) => Math.round(Math.max(LOG_MIN, Math.min(h, innerHeight - TOPBAR - EDITOR_MIN)));
  useEffect(() => {
    const root = document.documentElement.style;
    if (height === null) root.removeProperty('--log-height');
    else root.setProperty('--log-height', `${clamp(height)}px`);
  });
  const current = () => document.querySelector<HTMLElement>('.log')?.offsetHeight ?? 300;

  const drag = (e: React.PointerEvent<HTMLDivElement>) => {
    const startY = e.clientY;
    const start = current();
    const el = e.currentTarget;
    el.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) => setHeight(clamp(start - (ev.clientY - startY)));
    const up = () => {
      el.removeEventListener('pointermove', move);
      el.removeEventListener('pointerup', up);
    };
    el.addEventListener('pointermove', move);
    el.addEventListener('pointerup', up);
  };
  const keys = (e: React.KeyboardEvent) => {
    const step = e.shiftKey ? 80 : 20;
    if (e.key === 'ArrowUp') setHeight(clamp(current() + step));
    else if (e.key === 'ArrowDown') setHeight(clamp(current() - step));
    else return;
    e.preventDefault();
  };
  return (
    <div
      className="log-splitter"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize the request log"
      aria-valuenow={height ?? undefined}
      tabIndex={0}
      onPointerDown={drag}
      onKeyDown={keys}
      onDoubleClick={() => setHeight(null)}
      title="Drag to resize the log; double-click for the default"
    />
  );
}
