import { useCallback, useEffect, useState } from 'react';
import type { CaStatus, TrustChange, TrustState } from '../../../shared/ca-status.js';
import { useAppStore } from '../store/app-store.js';

const STATE_TEXT: Record<TrustState, string> = {
  trusted: 'trusted',
  'not-trusted': 'not trusted',
  other: 'another Switchyard CA', // an older CA under the same name: Trust replaces it
  unknown: 'cannot tell',
};

/**
 * The local CA that signs the HTTPS listeners' certificates: where it is, which trust stores trust it,
 * and Trust / Remove. Stores that need root are never changed for the user: the commands are shown.
 */
export function LocalCaSettings() {
  const run = useAppStore((s) => s.run);
  const [status, setStatus] = useState<CaStatus>();
  const [changes, setChanges] = useState<{ action: string; list: TrustChange[] }>();
  const [busy, setBusy] = useState(false);

  const refresh = useCallback(() => {
    void run((c) => c.call('ca.status', {})).then((s) => s && setStatus(s));
  }, [run]);
  useEffect(refresh, [refresh]);

  const act = async (command: 'ca.trust' | 'ca.uninstall', action: string) => {
    setBusy(true);
    const list = await run((c) => c.call(command, {}));
    setBusy(false);
    if (list) setChanges({ action, list });
    refresh();
  };

  return (
    <section className="settings-section" aria-label="Local CA">
      <h3>Local CA</h3>
      {status ? (
        <>
          <dl className="facts">
            <dt>Certificate</dt>
            <dd className="mono">{status.path}</dd>
            <dt>State</dt>
            <dd>
              {status.exists ? `exists, valid until ${status.validTo?.slice(0, 10)}` : 'not created yet'}
            </dd>
            {status.fingerprint && (
              <>
                <dt>SHA-256</dt>
                <dd className="mono fingerprint">{status.fingerprint}</dd>
              </>
            )}
          </dl>
          {status.exists && (
            <ul className="trust-stores" aria-label="Trust stores">
              {status.stores.length === 0 && <li className="muted">No trust store found to check.</li>}
              {status.stores.map((s) => (
                <li key={s.store}>
                  <span className={`trust ${s.state}`}>{STATE_TEXT[s.state]}</span>
                  <span>
                    {s.store}
                    {s.detail && <span className="muted"> ({s.detail})</span>}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </>
      ) : (
        <p>Loading…</p>
      )}
      <div className="settings-row">
        <button disabled={busy} onClick={() => void act('ca.trust', 'Trust')}>
          {status?.exists ? 'Trust' : 'Create and trust'}
        </button>
        <button disabled={busy || !status?.exists} onClick={() => void act('ca.uninstall', 'Remove')}>
          Remove from trust stores
        </button>
      </div>
      {changes && <ChangeList {...changes} />}
    </section>
  );
}

/** What Trust or Remove did per store, and the commands left for the user (root, a missing certutil). */
function ChangeList({ action, list }: { action: string; list: TrustChange[] }) {
  return (
    <div className="trust-changes" role="status" aria-label={`${action} result`}>
      {list.length === 0 && <p className="muted">Nothing to change.</p>}
      {list.map((c) => (
        <div key={c.store}>
          <span className={c.done ? 'ok' : 'field-error'}>{c.done ? '✓' : '!'}</span> {c.store}: {c.message}
          {c.commands.length > 0 && <pre className="commands">{c.commands.join('\n')}</pre>}
        </div>
      ))}
    </div>
  );
}
