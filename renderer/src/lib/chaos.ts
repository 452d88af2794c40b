import type { RouteSource } from '../../../shared/config/source.js';
import { abortStatus } from '../../../shared/config/resilience-fields.js';
import { parseBandwidth, parseDuration, parsePercent } from '../../../shared/config/units.js';

/** A route's faults as written (`{delay, abort, bandwidth, header_control}`). */
export type RawFaults = NonNullable<RouteSource['faults']>;

/** The Chaos panel's boxes for one route: what runs, as text (percent as whole numbers). */
export interface ChaosDraft {
  delayPercent: number;
  delayDuration: string;
  abortPercent: number;
  /** A status from 400 to 599, or `reset`. */
  abortStatus: string;
  /** Empty: no limit. */
  bandwidth: string;
}

/** What a box holds when the route has no such fault yet: the numbers a demo usually wants. */
export const CHAOS_DEFAULTS = { delayDuration: '800ms', abortStatus: '503' } as const;

const pct = (v: unknown): number => {
  const p = parsePercent(v);
  return typeof p === 'number' ? p : 0;
};

/** The boxes for a route's faults as written (undefined or null: no faults). */
export function chaosDraft(faults: RawFaults | null | undefined): ChaosDraft {
  return {
    delayPercent: faults?.delay ? pct(faults.delay.percent) : 0,
    delayDuration: faults?.delay ? String(faults.delay.duration) : CHAOS_DEFAULTS.delayDuration,
    abortPercent: faults?.abort ? pct(faults.abort.percent) : 0,
    abortStatus: faults?.abort ? String(faults.abort.status) : CHAOS_DEFAULTS.abortStatus,
    bandwidth: faults?.bandwidth === undefined || faults.bandwidth === null ? '' : String(faults.bandwidth),
  };
}

export type ChaosField = keyof ChaosDraft;

/** Why a box's text cannot be sent, in words; undefined when it can. */
export function chaosError(field: ChaosField, text: string): string | undefined {
  const t = text.trim();
  switch (field) {
    case 'delayPercent':
    case 'abortPercent':
      return /^\d+(\.\d+)?$/.test(t) && Number(t) <= 100 ? undefined : 'Enter a number from 0 to 100';
    case 'delayDuration':
      return typeof parseDuration(t) === 'number' ? undefined : 'Enter a duration such as 800ms or 2s';
    case 'abortStatus':
      return typeof abortStatus(t) === 'string' ? 'Enter a status from 400 to 599, or reset' : undefined;
    case 'bandwidth':
      return !t || typeof parseBandwidth(t) === 'number'
        ? undefined
        : 'Enter a rate such as 256kbps, 1mbps or 64KB/s (empty: no limit)';
  }
}

/**
 * The faults to send for a route: the boxes written as YAML would have them, keeping what the panel
 * does not show (header_control). A fault at 0% is left out; nothing left is null (no faults).
 */
export function faultsOf(draft: ChaosDraft, base: RawFaults | null | undefined): RawFaults | null {
  const out: RawFaults = {};
  if (draft.delayPercent > 0)
    out.delay = { percent: `${draft.delayPercent}%`, duration: draft.delayDuration.trim() };
  if (draft.abortPercent > 0) {
    const s = draft.abortStatus.trim().toLowerCase();
    out.abort = { percent: `${draft.abortPercent}%`, status: /^\d+$/.test(s) ? Number(s) : s };
  }
  if (draft.bandwidth.trim()) out.bandwidth = draft.bandwidth.trim();
  if (base?.header_control) out.header_control = true;
  return Object.keys(out).length ? out : null;
}

/** The running faults in a few words: "delay 10% × 800ms, abort 5% → 503, 256kbps" or "no faults". */
export function chaosSummary(faults: RawFaults | null | undefined): string {
  const d = chaosDraft(faults);
  const parts: string[] = [];
  if (d.delayPercent > 0) parts.push(`delay ${d.delayPercent}% × ${d.delayDuration}`);
  if (d.abortPercent > 0) parts.push(`abort ${d.abortPercent}% → ${d.abortStatus}`);
  if (d.bandwidth) parts.push(`limited to ${d.bandwidth}`);
  if (faults?.header_control) parts.push('header-controlled');
  return parts.length ? parts.join(', ') : 'no faults';
}
