import type { CommandName, Params } from './contract.js';

/**
 * How long a call may go unanswered before the client gives up on it. An engine answers every call, so
 * a call with no answer means a lost message or a stuck transport, and a UI that waits on it forever
 * shows a spinner forever; a bound turns that into an error the user sees.
 */
export const DEFAULT_CALL_TIMEOUT_MS = 30_000;

/**
 * Commands that legitimately take longer than the default: as long as the work they were asked for, with
 * the default on top for the answers still in flight at its end.
 */
export const CALL_TIMEOUTS: { readonly [K in CommandName]?: (params: Params<K>) => number } = {
  // R per second for S seconds (at most 60 s), or N requests as fast as they complete (bounded by 60 s too).
  'traffic.generate': (p) => (p.ratePerSecond ? (p.seconds ?? 10) : 60) * 1000 + DEFAULT_CALL_TIMEOUT_MS,
  // The HAR's entries at their rate: 10,000 at the default 20 per second take 500 s.
  'traffic.replay': (p) =>
    (p.har.log.entries.length / (p.ratePerSecond ?? 20)) * 1000 + DEFAULT_CALL_TIMEOUT_MS,
};

/** The bound for one call: the command's own, else `fallback`. */
export function callTimeout<K extends CommandName>(command: K, params: Params<K>, fallback: number): number {
  const own = CALL_TIMEOUTS[command] as ((p: Params<K>) => number) | undefined;
  return own ? Math.max(fallback, own(params)) : fallback;
}
