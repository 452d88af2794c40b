import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { LogSummary } from '../../../shared/api/contract.js';
import { saveText } from '../api/desktop.js';
import { useAppStore } from '../store/app-store.js';
import { useLogStore } from '../store/log-store.js';
import { RequestDetail } from './RequestDetail.js';

const ROW_HEIGHT = 26;

/**
 * Every request, virtualized (only the visible rows exist), following the newest unless the user has
 * scrolled up. Everything in a row came from a client: it is rendered as text, never as HTML.
 */
export function RequestLog() {
  const version = useLogStore((s) => s.version);
  const visible = useLogStore((s) => s.visible);
  const total = useLogStore((s) => s.entries.length);
  const paused = useLogStore((s) => s.paused);
  const filterText = useLogStore((s) => s.filterText);
  const selectedSeq = useLogStore((s) => s.selectedSeq);
  const { setPaused, setFilter, select } = useLogStore.getState();
  const run = useAppStore((s) => s.run);
  const gateways = useAppStore((s) => s.gateways);
  const scroller = useRef<HTMLDivElement>(null);
  const [follow, setFollow] = useState(true);
  const harInput = useRef<HTMLInputElement>(null);
  const notify = useAppStore((s) => s.notify);

  // A captured session, added to the log to inspect it here.
  const openHar = async (input: HTMLInputElement) => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const r = await run(async (c) =>
      c.call('log.import', { har: JSON.parse(await file.text()) as { log: { entries: unknown[] } } }),
    );
    if (r) notify('info', `Added ${r.imported} requests from ${file.name}.`);
  };

  const rows = useVirtualizer({
    count: visible.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
  });

  useLayoutEffect(() => {
    if (follow && visible.length) rows.scrollToIndex(visible.length - 1, { align: 'end' });
  }, [version, follow, visible.length, rows]);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const onScroll = () => setFollow(el.scrollHeight - el.scrollTop - el.clientHeight < ROW_HEIGHT * 2);
    el.addEventListener('scroll', onScroll, { passive: true });
    return () => el.removeEventListener('scroll', onScroll);
  }, []);

  const quick = (term: string) =>
    setFilter(
      filterText.includes(term) ? filterText.replace(term, '').trim() : `${filterText} ${term}`.trim(),
    );
  const selectedGateway = useAppStore((s) => s.gateways.find((g) => g.name === s.selected));

  return (
    <section className={`log${selectedSeq !== undefined ? ' with-detail' : ''}`} aria-label="Request log">
      <div className="log-toolbar">
        <input
          id="log-filter"
          type="search"
          placeholder="Filter: status:5xx route:v2 method:POST path:/api is:error, or text"
          value={filterText}
          onChange={(e) => setFilter(e.currentTarget.value)}
          aria-label="Filter requests"
        />
        <div className="chips" aria-label="Quick filters">
          {gateways.map((g) => (
            <button
              key={g.name}
              className="chip"
              aria-pressed={filterText.includes(`gateway:${g.name}`)}
              onClick={() => quick(`gateway:${g.name}`)}
            >
              {g.name}
            </button>
          ))}
          {selectedGateway?.config.routes.map((r) => (
            <button
              key={r.name}
              className="chip route"
              aria-pressed={filterText.includes(`route:${r.name}`)}
              onClick={() => quick(`route:${r.name}`)}
            >
              {r.name}
            </button>
          ))}
          <button
            className="chip"
            aria-pressed={filterText.includes('is:error')}
            onClick={() => quick('is:error')}
          >
            errors
          </button>
        </div>
        <span className="muted count">
          {visible.length === total ? `${total} requests` : `${visible.length} of ${total}`}
        </span>
        <button aria-pressed={paused} onClick={() => setPaused(!paused)} title="p">
          {paused ? 'Resume' : 'Pause'}
        </button>
        {!follow && (
          <button onClick={() => setFollow(true)} title="Jump to the newest request">
            Follow newest
          </button>
        )}
        <button onClick={() => void run((c) => c.call('log.clear', {}))}>Clear</button>
        <button title="Add the requests of a HAR file to the log" onClick={() => harInput.current?.click()}>
          Open HAR…
        </button>
        <input
          ref={harInput}
          type="file"
          accept=".har,.json"
          hidden
          aria-label="HAR file to open"
          onChange={(e) => void openHar(e.currentTarget)}
        />
        <button
          title="The whole log as HAR 1.2"
          onClick={() =>
            void run((c) => c.call('log.har', {})).then(
              (har) => har && saveText('switchyard.har', JSON.stringify(har, null, 2)),
            )
          }
        >
          Export HAR
        </button>
      </div>
      <div className="log-body">
        <div className="log-grid" role="grid" aria-rowcount={visible.length + 1} aria-label="Requests">
          <div className="log-row head" role="row">
            {['Time', 'Gateway', 'Route', 'Method', 'Path', 'Status', 'Duration', 'Size'].map((h) => (
              <span key={h} role="columnheader">
                {h}
              </span>
            ))}
          </div>
          <div
            className="log-scroll"
            ref={scroller}
            tabIndex={0}
            onKeyDown={(e) => keyNav(e, visible, selectedSeq, select, rows.scrollToIndex)}
          >
            {visible.length === 0 ? (
              <p className="empty-log">
                {total === 0
                  ? 'No requests yet. Send some to a gateway (or use Demo traffic on the Traffic tab) and they appear here as they happen.'
                  : 'No request matches the filter.'}
              </p>
            ) : (
              <div style={{ height: rows.getTotalSize(), position: 'relative' }}>
                {rows.getVirtualItems().map((item) => {
                  const e = visible[item.index]!;
                  return (
                    <Row
                      key={e.seq}
                      e={e}
                      top={item.start}
                      index={item.index}
                      selected={e.seq === selectedSeq}
                      onSelect={select}
                    />
                  );
                })}
              </div>
            )}
          </div>
        </div>
        {selectedSeq !== undefined && <RequestDetail seq={selectedSeq} onClose={() => select(undefined)} />}
      </div>
    </section>
  );
}

const Row = memo(function Row(props: {
  e: LogSummary;
  top: number;
  index: number;
  selected: boolean;
  onSelect: (seq: number) => void;
}) {
  const { e } = props;
  return (
    <div
      className={`log-row status-${Math.floor(e.status / 100)}${props.selected ? ' selected' : ''}`}
      role="row"
      aria-rowindex={props.index + 2}
      aria-selected={props.selected}
      style={{ transform: `translateY(${props.top}px)` }}
      onClick={() => props.onSelect(e.seq)}
    >
      <span role="gridcell">{new Date(e.time).toLocaleTimeString(undefined, { hour12: false })}</span>
      <span role="gridcell">{e.gateway}</span>
      <span role="gridcell" title={e.override ? 'forced (override)' : undefined}>
        {e.route ?? '–'}
        {e.override ? ' ⚑' : ''}
      </span>
      <span role="gridcell">{e.websocket ? 'WS' : e.method}</span>
      <span role="gridcell" className="path" title={e.path}>
        {e.path}
      </span>
      <span role="gridcell" className="status">
        {e.status}
      </span>
      <span role="gridcell">{Math.round(e.durationMs)} ms</span>
      <span role="gridcell">{formatBytes(e.bytesOut)}</span>
    </div>
  );
});

function keyNav(
  e: React.KeyboardEvent,
  visible: LogSummary[],
  selected: number | undefined,
  select: (seq: number) => void,
  scrollTo: (i: number) => void,
): void {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  e.preventDefault();
  const at = visible.findIndex((x) => x.seq === selected);
  const next = Math.min(
    visible.length - 1,
    Math.max(0, at < 0 ? visible.length - 1 : at + (e.key === 'ArrowDown' ? 1 : -1)),
  );
  const entry = visible[next];
  if (entry) {
    select(entry.seq);
    scrollTo(next);
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
