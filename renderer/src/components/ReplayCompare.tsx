import { useEffect, useRef, useState } from 'react';
import type { LogSummary } from '../../../shared/api/contract.js';
import { formatCompareText, type CompareReport } from '../../../shared/compare/report.js';
import { useAppStore } from '../store/app-store.js';

/** Requests one run sends at most (compare.run's limit). */
const MAX_SEQS = 10_000;

/**
 * Replay and compare (issue 14): the selected request, or the requests the filter shows, sent again to two
 * routes of their gateway (compare.run with their seqs) and the answers compared; the report is the CLI's
 * text, grouped by request shape.
 */
export function ReplayCompare(props: {
  selected: LogSummary | undefined;
  shown: readonly LogSummary[];
  onClose: () => void;
}) {
  const run = useAppStore((s) => s.run);
  const gateways = useAppStore((s) => s.gateways);
  const dialog = useRef<HTMLDialogElement>(null);
  const [scope, setScope] = useState<'selected' | 'shown'>(props.selected ? 'selected' : 'shown');
  const picked = scope === 'selected' && props.selected ? [props.selected] : props.shown;
  // One gateway a run: the selected request's, or that of the newest request shown.
  const gatewayName = picked.at(-1)?.gateway;
  const gateway = gateways.find((g) => g.name === gatewayName);
  const routes = gateway?.config.routes.map((r) => r.name) ?? [];
  const [a, setA] = useState(routes[0] ?? '');
  const [b, setB] = useState(routes[1] ?? '');
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<CompareReport>();
  useEffect(() => {
    dialog.current?.showModal();
  }, []);
  const seqs = picked
    .filter((e) => e.gateway === gatewayName && !e.websocket)
    .slice(-MAX_SEQS)
    .map((e) => e.seq);

  const start = async () => {
    if (!gatewayName) return;
    setBusy(true);
    setReport(undefined);
    const r = await run((c) => c.call('compare.run', { gateway: gatewayName, routes: [a, b], seqs }));
    setBusy(false);
    if (r) setReport(r);
  };

  return (
    <dialog
      ref={dialog}
      className="settings-dialog replay-compare"
      onClose={props.onClose}
      aria-label="Replay and compare"
    >
      <h2>Replay and compare</h2>
      {!gateway ? (
        <p className="muted">No requests of a gateway to replay.</p>
      ) : (
        <div className="settings-grid">
          <label>
            Requests
            <select value={scope} onChange={(e) => setScope(e.currentTarget.value as 'selected' | 'shown')}>
              {props.selected && <option value="selected">the selected request</option>}
              <option value="shown">the requests shown ({props.shown.length})</option>
            </select>
          </label>
          <p className="muted">
            {seqs.length} requests of {gateway.name} are sent to both routes (forced with the override
            header); unsafe methods reach the upstreams again.
          </p>
          <label>
            Baseline route
            <select value={a} onChange={(e) => setA(e.currentTarget.value)}>
              {routes.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
          <label>
            Candidate route
            <select value={b} onChange={(e) => setB(e.currentTarget.value)}>
              {routes.map((r) => (
                <option key={r}>{r}</option>
              ))}
            </select>
          </label>
        </div>
      )}
      {report && (
        <div className="replay-report" aria-label="Compare report">
          <p className={report.different || report.error ? 'verdict-different' : 'verdict-same'}>
            {report.total} requests: {report.same} same, {report.different} different, {report.error} errors
          </p>
          <pre className="compare-body">{formatCompareText(report)}</pre>
        </div>
      )}
      <div className="dialog-actions">
        <button onClick={() => dialog.current?.close()}>Close</button>
        <button
          className="primary"
          disabled={!gateway || busy || !a || !b || a === b || seqs.length === 0}
          onClick={() => void start()}
        >
          {busy ? 'Comparing…' : 'Replay and compare'}
        </button>
      </div>
    </dialog>
  );
}
