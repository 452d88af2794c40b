import { abortStatus } from '../../shared/config/resilience-fields.js';
import type { Faults } from '../../shared/config/model.js';
import { formatBandwidth, formatPercent, parseDuration } from '../../shared/config/units.js';
import type { TraceStep } from '../../shared/log-entry.js';
import { FAULT_ABORT_HEADER, FAULT_DELAY_HEADER } from '../../shared/wire/fault-headers.js';
import type { Random } from './random.js';

/**
 * Fault injection (Envoy's fault filter, per route): what to do to one request. Each fault is drawn on
 * its own with the route's percentage from the engine's random source (seeded in tests), or forced by
 * X-Switchyard-Fault-* headers when the route allows it; every fault chosen is a trace step.
 */
export interface FaultPlan {
  delayMs?: number;
  /** Answer this status without forwarding, or close the connection ('reset'). */
  abort?: number | 'reset';
  /** Hold the response to this many bytes per second. */
  bandwidthBps?: number;
  /** Which faults were injected, for the log and stats: 'delay', 'abort', 'reset', 'bandwidth'. */
  kinds: string[];
  trace: TraceStep[];
}

export function planFaults(
  faults: Faults | undefined,
  header: (name: string) => string | undefined,
  random: Random,
): FaultPlan | undefined {
  if (!faults) return undefined;
  const plan: FaultPlan = { kinds: [], trace: [] };
  const forcedDelay = faults.headerControl ? header(FAULT_DELAY_HEADER) : undefined;
  const forcedAbort = faults.headerControl ? header(FAULT_ABORT_HEADER) : undefined;
  if (forcedDelay !== undefined) {
    const ms = parseDuration(/^\d+(\.\d+)?$/.test(forcedDelay.trim()) ? Number(forcedDelay) : forcedDelay);
    if (typeof ms === 'number') {
      plan.delayMs = Math.min(ms, 60_000);
      plan.trace.push({ kind: 'fault', text: `delay ${plan.delayMs} ms, asked by ${FAULT_DELAY_HEADER}` });
    } else plan.trace.push({ kind: 'fault', text: `${FAULT_DELAY_HEADER} ignored: ${ms}` });
  } else if (faults.delay && faults.delay.percent > 0) {
    const draw = random();
    if (draw < faults.delay.percent / 100) {
      plan.delayMs = faults.delay.durationMs;
      plan.trace.push({
        kind: 'fault',
        text: `delay ${plan.delayMs} ms (draw ${draw.toFixed(3)} < ${formatPercent(faults.delay.percent)})`,
      });
    }
  }
  if (forcedAbort !== undefined) {
    const a = abortStatus(forcedAbort);
    if (typeof a === 'string')
      plan.trace.push({ kind: 'fault', text: `${FAULT_ABORT_HEADER} ignored: ${a}` });
    else {
      plan.abort = a.status;
      plan.trace.push({ kind: 'fault', text: `abort with ${a.status}, asked by ${FAULT_ABORT_HEADER}` });
    }
  } else if (faults.abort && faults.abort.percent > 0) {
    const draw = random();
    if (draw < faults.abort.percent / 100) {
      plan.abort = faults.abort.status;
      plan.trace.push({
        kind: 'fault',
        text: `abort with ${faults.abort.status} (draw ${draw.toFixed(3)} < ${formatPercent(faults.abort.percent)})`,
      });
    }
  }
  if (faults.bandwidthBps !== undefined && plan.abort === undefined) {
    plan.bandwidthBps = faults.bandwidthBps;
    plan.trace.push({ kind: 'fault', text: `response held to ${formatBandwidth(faults.bandwidthBps)}` });
  }
  if (plan.delayMs !== undefined) plan.kinds.push('delay');
  if (plan.abort !== undefined) plan.kinds.push(plan.abort === 'reset' ? 'reset' : 'abort');
  if (plan.bandwidthBps !== undefined) plan.kinds.push('bandwidth');
  return plan.trace.length ? plan : undefined;
}
