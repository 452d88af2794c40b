import { memo, useLayoutEffect, useMemo, useRef, useState } from 'react';
import type { LogSummary } from '../../../shared/api/contract.js';
import { desktop, download, saveText } from '../api/desktop.js';
import { useFixedRows } from '../lib/fixed-rows.js';
import { hasTerm, toggleTerm } from '../../../shared/log-query.js';
import { routeColor } from '../lib/route-colors.js';
import { useAppStore } from '../store/app-store.js';
import { loadOlderPage } from '../store/log-paging.js';
import { shownCount, useLogStore } from '../store/log-store.js';
import { RequestDetail } from './RequestDetail.js';
import { formatBytes } from '../lib/format-bytes.js';
import {
  columnTemplate,
  LOG_COLUMNS,
  protocolLabel,
  tcpSummary,
  MIN_COLUMN_WIDTH,
  nextSort,
  sortEntries,
  type LogSort,
} from '../lib/log-columns.js';
import { useRemembered } from '../lib/remembered.js';
import { LogSplitter } from './LogSplitter.js';
import { Notices } from './Notices.js';
import { ReplayCompare } from './ReplayCompare.js';

const ROW_HEIGHT = 26;
const onNearTop = () => void loadOlderPage();

/**
 * Every request, virtualized (only the rows in view exist), following the newest unless the user has
 * scrolled up; scrolling to the top loads older pages from the engine. Pause freezes what is shown, not
 * what is kept. Everything in a row came from a client: it is rendered as text, never as HTML.
 */
export function RequestLog() {
  const version = useLogStore((s) => s.version);
  const visible = useLogStore((s) => s.visible);
  const total = useLogStore((s) => s.entries.length);
  const pausedAt = useLogStore((s) => s.pausedAt);
  const olderAvailable = useLogStore((s) => s.olderAvailable);
  const searching = useLogStore((s) => s.searching);
  const olderMatches = useLogStore((s) => s.olderMatches);
  const [sort, setSort] = useState<LogSort>();
  const [widths, setWidths] = useRemembered<Record<string, number>>('switchyard.logColumns', {});
  const filterText = useLogStore((s) => s.filterText);
  const selectedSeq = useLogStore((s) => s.selectedSeq);
  const { setPaused, setFilter, select } = useLogStore.getState();
  const run = useAppStore((s) => s.run);
  const gateways = useAppStore((s) => s.gateways);
  const scroller = useRef<HTMLDivElement>(null);
  const harInput = useRef<HTMLInputElement>(null);
  const notify = useAppStore((s) => s.notify);
  const paused = pausedAt !== undefined;
  const [comparing, setComparing] = useState(false);
  const count = shownCount(visible, pausedAt);
  // Sorted by a column, the rows are a sorted copy of what is shown; otherwise the list itself, in log order.
  const shown = useMemo(
    () => (sort ? sortEntries(visible.slice(0, count), sort) : visible),
    [visible, version, count, sort],
  );
  const rows = useFixedRows(scroller, count, ROW_HEIGHT, onNearTop);
  useKeepPlaceOnPrepend(scroller, visible, version, ROW_HEIGHT);

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

  const quick = (term: string) => setFilter(toggleTerm(filterText, term));
  const selectedGateway = useAppStore((s) => s.gateways.find((g) => g.name === s.selected));
  const scrollTo = (index: number) => {
    const el = scroller.current;
    if (!el) return;
    rows.setFollow(index === count - 1);
    const top = index * ROW_HEIGHT;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + ROW_HEIGHT > el.scrollTop + el.clientHeight)
      el.scrollTop = top + ROW_HEIGHT - el.clientHeight;
  };
  const arrived = visible.length - count;
  // Each route in the colour it has in the sliders and the chart.
  const colors = useMemo(
    () =>
      new Map(
        gateways.flatMap((g) =>
          g.config.routes.map((r, i) => [`${g.name}\u0000${r.name}`, routeColor(i)] as const),
        ),
      ),
    [gateways],
  );

  // Clearing empties the log for every window and tab: with others connected, ask first.
  const clear = async () => {
    const n = await run((c) => c.call('clients.count', {}));
    if (!n) return;
    const others = n.clients - 1;
    if (
      others > 0 &&
      !confirm(
        `${others} other ${others === 1 ? 'window is' : 'windows are'} connected to this engine and will lose the log too. Clear it?`,
      )
    )
      return;
    await run((c) => c.call('log.clear', {}));
  };
  // What the filter shows, from the engine's full entries (headers and bodies included).
  const exportHar = async () => {
    // In a browser the control server streams the file (a full log is hundreds of megabytes as one
    // message); the desktop app has no such server to rely on, and asks over IPC.
    if (!desktop())
      return download(
        `/api/v1/log.har${filterText.trim() ? `?filter=${encodeURIComponent(filterText)}` : ''}`,
        'switchyard.har',
      );
    const har = await run((c) => c.call('log.har', filterText.trim() ? { query: filterText } : {}));
    if (har) await saveText('switchyard.har', JSON.stringify(har, null, 2));
  };

  return (
    <section className={`log${selectedSeq !== undefined ? ' with-detail' : ''}`} aria-label="Request log">
      <LogSplitter />
      <div className="log-toolbar">
        <input
          id="log-filter"
          type="search"
          placeholder="Filter: status:5xx route:v2 path:/api header:x-user body:alice is:error, or text"
          value={filterText}
          onChange={(e) => setFilter(e.currentTarget.value)}
          aria-label="Filter requests"
        />
        <div className="chips" role="group" aria-label="Quick filters">
          {gateways.map((g) => (
            <button
              key={g.name}
              className="chip"
              aria-pressed={hasTerm(filterText, `gateway:${g.name}`)}
              onClick={() => quick(`gateway:${g.name}`)}
            >
              {g.name}
            </button>
          ))}
          {selectedGateway?.config.routes.map((r) => (
            <button
              key={r.name}
              className="chip route"
              aria-pressed={hasTerm(filterText, `route:${r.name}`)}
              onClick={() => quick(`route:${r.name}`)}
            >
              {r.name}
            </button>
          ))}
          <button
            className="chip"
            aria-pressed={hasTerm(filterText, 'is:error')}
            onClick={() => quick('is:error')}
          >
            errors
          </button>
        </div>
        <span className="muted count">
          {visible.length === total && !searching ? `${total} requests` : `${visible.length} of ${total}`}
          {searching ? ` · searched in the engine${olderMatches ? ', more on scrolling up' : ''}` : ''}
          {paused && arrived > 0 ? ` (${arrived} new while paused)` : ''}
        </span>
        <button aria-pressed={paused} onClick={() => setPaused(!paused)} title="p">
          {paused ? 'Resume' : 'Pause'}
        </button>
        {!rows.follow && (
          <button onClick={() => rows.setFollow(true)} title="Jump to the newest request">
            Follow newest
          </button>
        )}
        {olderAvailable && (
          <button onClick={onNearTop} title="The engine holds older requests: load the page before these">
            Load older
          </button>
        )}
        <button onClick={() => void clear()}>Clear</button>
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
          title="The requests the filter shows (all of them without a filter), as HAR 1.2"
          onClick={() => void exportHar()}
        >
          Export HAR
        </button>
        <button
          title="Send the selected request, or the requests shown, to two routes and compare the answers"
          onClick={() => setComparing(true)}
        >
          Replay and compare…
        </button>
        {comparing && (
          <ReplayCompare
            selected={visible.find((e) => e.seq === selectedSeq)}
            shown={visible.slice(0, count)}
            onClose={() => setComparing(false)}
          />
        )}
      </div>
      <div className="log-body">
        <div
          className="log-grid"
          role="grid"
          aria-rowcount={count + 1}
          aria-label="Requests"
          style={{ '--log-columns': columnTemplate(widths) } as React.CSSProperties}
        >
          <div className="log-row head" role="row">
            {LOG_COLUMNS.map((c) => (
              <ColumnHeader
                key={c.key}
                label={c.label}
                sort={sort?.key === c.key ? sort.dir : undefined}
                onSort={() => setSort(nextSort(sort, c.key))}
                width={widths[c.key] ?? c.width}
                onResize={(w) => setWidths({ ...widths, [c.key]: w })}
              />
            ))}
          </div>
          <div
            className="log-scroll"
            ref={scroller}
            tabIndex={0}
            onKeyDown={(e) => keyNav(e, shown.slice(0, count), selectedSeq, select, scrollTo)}
          >
            {count === 0 ? (
              <p className="empty-log">
                {total === 0 && !searching
                  ? 'No requests yet. Send some to a gateway (or use Demo traffic on the Traffic tab) and they appear here as they happen.'
                  : 'No request matches the filter.'}
              </p>
            ) : (
              <div style={{ height: count * ROW_HEIGHT, position: 'relative' }}>
                {shown.slice(rows.first, rows.last).map((e, k) => (
                  <Row
                    key={e.seq}
                    e={e}
                    color={colors.get(`${e.gateway}\u0000${e.route ?? ''}`)}
                    top={(rows.first + k) * ROW_HEIGHT}
                    index={rows.first + k}
                    selected={e.seq === selectedSeq}
                    onSelect={select}
                  />
                ))}
              </div>
            )}
          </div>
          <Notices />
        </div>
        {selectedSeq !== undefined && <RequestDetail seq={selectedSeq} onClose={() => select(undefined)} />}
      </div>
    </section>
  );
}

/** A column's header: its name sorts by it (asc, desc, none); the handle at its right edge resizes it. */
function ColumnHeader(props: {
  label: string;
  sort: 'asc' | 'desc' | undefined;
  onSort(): void;
  width: number;
  onResize(width: number): void;
}) {
  const cell = useRef<HTMLSpanElement>(null);
  const drag = (e: React.PointerEvent<HTMLSpanElement>) => {
    e.preventDefault();
    const startX = e.clientX;
    const start = cell.current?.getBoundingClientRect().width ?? props.width;
    const handle = e.currentTarget;
    handle.setPointerCapture(e.pointerId);
    const move = (ev: PointerEvent) =>
      props.onResize(Math.max(MIN_COLUMN_WIDTH, Math.round(start + ev.clientX - startX)));
    const up = () => {
      handle.removeEventListener('pointermove', move);
      handle.removeEventListener('pointerup', up);
    };
    handle.addEventListener('pointermove', move);
    handle.addEventListener('pointerup', up);
  };
  const keys = (e: React.KeyboardEvent) => {
    if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
    e.preventDefault();
    props.onResize(Math.max(MIN_COLUMN_WIDTH, props.width + (e.key === 'ArrowRight' ? 10 : -10)));
  };
  return (
    <span
      ref={cell}
      role="columnheader"
      aria-sort={props.sort === 'asc' ? 'ascending' : props.sort === 'desc' ? 'descending' : 'none'}
    >
      <button className="column-sort" onClick={props.onSort} title={`Sort by ${props.label.toLowerCase()}`}>
        {props.label}
        {props.sort === 'asc' ? ' ▲' : props.sort === 'desc' ? ' ▼' : ''}
      </button>
      <span
        className="column-resize"
        role="separator"
        aria-orientation="vertical"
        aria-label={`Resize ${props.label}`}
        tabIndex={0}
        onPointerDown={drag}
        onKeyDown={keys}
      />
    </span>
  );
}

/** When older rows are put in front, the rows the user was looking at stay where they were. */
function useKeepPlaceOnPrepend(
  scroller: React.RefObject<HTMLDivElement | null>,
  visible: readonly LogSummary[],
  version: number,
  rowHeight: number,
): void {
  const firstSeq = useRef<number>(undefined);
  useLayoutEffect(() => {
    const before = firstSeq.current;
    firstSeq.current = visible[0]?.seq;
    const el = scroller.current;
    if (!el || before === undefined || visible[0] === undefined || visible[0].seq >= before) return;
    const added = visible.findIndex((e) => e.seq === before);
    if (added > 0) el.scrollTop += added * rowHeight;
  }, [scroller, visible, version, rowHeight]);
}

const Row = memo(function Row(props: {
  e: LogSummary;
  color: string | undefined;
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
        {props.color && <span className="swatch" style={{ background: props.color }} />}
        {e.route ?? '–'}
        {e.override ? ' ⚑' : ''}
      </span>
      <span role="gridcell">{e.websocket ? 'WS' : e.method}</span>
      <span role="gridcell" title={e.host}>
        {e.host ?? '–'}
      </span>
      <span role="gridcell" className={`protocol${e.protocol === 'h2' ? ' h2' : ''}${e.tls ? ' tls' : ''}`}>
        {protocolLabel(e)}
      </span>
      {e.protocol === 'tcp' ? (
        <span role="gridcell" className="path muted" title={tcpSummary(e)}>
          {tcpSummary(e)}
        </span>
      ) : (
        <span role="gridcell" className="path" title={e.path}>
          {e.path}
        </span>
      )}
      <span role="gridcell" className="status">
        {e.status}
        {e.wsState && <span className={`ws-state ${e.wsState}`}> {e.wsState}</span>}
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
