import type { LogSummary } from '../../../shared/api/contract.js';
import { formatBytes } from './format-bytes.js';

/** The request log's columns as data: label, default width, and the value a sort compares. */
export interface LogColumn {
  key: string;
  label: string;
  /** Pixels; the path column takes what is left (at least this much). */
  width: number;
  /** Until the user sets a width, a column gives way down to this on narrow windows. */
  min: number;
  value(e: LogSummary): string | number;
}

export const LOG_COLUMNS: readonly LogColumn[] = [
  { key: 'time', min: 56, label: 'Time', width: 80, value: (e) => e.seq },
  { key: 'gateway', min: 48, label: 'Gateway', width: 110, value: (e) => e.gateway },
  { key: 'route', min: 48, label: 'Route', width: 120, value: (e) => e.route ?? '' },
  { key: 'method', min: 36, label: 'Method', width: 60, value: (e) => (e.websocket ? 'WS' : e.method) },
  { key: 'host', min: 40, label: 'Host', width: 150, value: (e) => e.host ?? '' },
  { key: 'protocol', min: 36, label: 'Proto', width: 64, value: (e) => protocolLabel(e) },
  { key: 'path', min: 60, label: 'Path', width: 120, value: (e) => e.path },
  { key: 'status', min: 32, label: 'Status', width: 80, value: (e) => e.status },
  { key: 'duration', min: 44, label: 'Duration', width: 70, value: (e) => e.durationMs },
  { key: 'size', min: 44, label: 'Size', width: 70, value: (e) => e.bytesOut },
];

export const MIN_COLUMN_WIDTH = 36;

/** Short names of how the client spoke, for a narrow column. */
const PROTOCOL_LABELS: Record<NonNullable<LogSummary['protocol']>, string> = {
  'http/1.0': '1.0',
  'http/1.1': '1.1',
  h2: 'h2',
  tcp: 'tcp',
};

/** `h2 TLS`, `1.1`, `tcp`: the protocol, and whether the client's connection was TLS; empty when unknown (imports). */
export function protocolLabel(e: Pick<LogSummary, 'protocol' | 'tls'>): string {
  const name = e.protocol ? PROTOCOL_LABELS[e.protocol] : '';
  return e.tls ? `${name} TLS`.trim() : name;
}

/** What a TCP connection's row says where a request's path would be: how it ended, and the bytes both ways. */
export function tcpSummary(e: Pick<LogSummary, 'closeCause' | 'bytesIn' | 'bytesOut'>): string {
  return `${e.closeCause ?? 'open'} · ${formatBytes(e.bytesIn)} in / ${formatBytes(e.bytesOut)} out`;
}

export interface LogSort {
  key: string;
  dir: 'asc' | 'desc';
}

/**
 * The grid's column template: a width the user set is kept as set; the others give way on narrow
 * windows, the path column most of all (it takes what is left).
 */
export function columnTemplate(widths: Record<string, number>): string {
  return LOG_COLUMNS.map((c) => {
    const set = widths[c.key];
    if (c.key === 'path') return `minmax(${Math.max(MIN_COLUMN_WIDTH, set ?? c.min)}px, 1fr)`;
    return set !== undefined ? `${Math.max(MIN_COLUMN_WIDTH, set)}px` : `minmax(${c.min}px, ${c.width}px)`;
  }).join(' ');
}

/** A sorted copy; ties keep log order, so equal statuses stay oldest first. */
export function sortEntries(list: readonly LogSummary[], sort: LogSort): LogSummary[] {
  const column = LOG_COLUMNS.find((c) => c.key === sort.key);
  if (!column) return [...list];
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...list].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    const by = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return by !== 0 ? by * sign : a.seq - b.seq;
  });
}

/** The next sort when a column's header is clicked: ascending, descending, then none (log order). */
export function nextSort(current: LogSort | undefined, key: string): LogSort | undefined {
  if (current?.key !== key) return { key, dir: 'asc' };
  return current.dir === 'asc' ? { key, dir: 'desc' } : undefined;
}
