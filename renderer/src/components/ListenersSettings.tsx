import { useCallback, useEffect, useState } from 'react';
import type { ListenersSource } from '../../../shared/config/listeners.js';
import type { SharedListenerStatus } from '../../../shared/status.js';
import { useAppStore } from '../store/app-store.js';

/** The ports' boxes as data: the field of `listeners:` each edits, and what it is for. */
const PORT_FIELDS = [
  { field: 'http', label: 'HTTP port', placeholder: 'off, e.g. 8000' },
  { field: 'https', label: 'HTTPS port (HTTP/2)', placeholder: 'off, e.g. 8443' },
] as const;

type Draft = Record<'http' | 'https' | 'host', string>;

const draftOf = (l: ListenersSource): Draft => ({
  http: l.http?.toString() ?? '',
  https: l.https?.toString() ?? '',
  host: l.host ?? '',
});

/**
 * The shared ports (top-level `listeners:`), where every gateway's virtual hosts answer. They are part of
 * the configuration, not an app setting: editable in both modes, and written back to the YAML file.
 */
export function ListenersSettings() {
  const run = useAppStore((s) => s.run);
  const client = useAppStore((s) => s.client);
  const [saved, setSaved] = useState<ListenersSource>();
  const [draft, setDraft] = useState<Draft>({ http: '', https: '', host: '' });
  const [status, setStatus] = useState<SharedListenerStatus[]>([]);

  const refresh = useCallback(() => {
    void run((c) => c.call('listeners.status', {})).then((s) => s && setStatus(s));
  }, [run]);
  useEffect(() => {
    void run((c) => c.call('listeners.get', {})).then((l) => {
      if (!l) return;
      setSaved(l);
      setDraft(draftOf(l));
    });
    refresh();
    // The shared ports bind as gateways do; their state follows the engine's status events.
    return client?.on('status.changed', refresh);
  }, [run, client, refresh]);

  const dirty = saved !== undefined && JSON.stringify(draftOf(saved)) !== JSON.stringify(draft);
  const apply = async () => {
    const next = await run((c) => c.call('listeners.set', { listeners: fromDraft(draft) }));
    if (!next) return;
    setSaved(next);
    setDraft(draftOf(next));
    refresh();
  };

  return (
    <section className="settings-section" aria-label="Listeners">
      <h3>Listeners</h3>
      <p className="muted">
        Shared ports that answer every gateway's virtual hosts by name, e.g. http://shop.localhost:8000/.
      </p>
      <div className="settings-row">
        {PORT_FIELDS.map(({ field, label, placeholder }) => (
          <label key={field}>
            {label}
            <input
              inputMode="numeric"
              value={draft[field]}
              placeholder={placeholder}
              onChange={(e) => setDraft({ ...draft, [field]: e.currentTarget.value })}
            />
          </label>
        ))}
        <label>
          Bind address
          <input
            value={draft.host}
            placeholder="127.0.0.1"
            onChange={(e) => setDraft({ ...draft, host: e.currentTarget.value })}
          />
        </label>
      </div>
      <div className="settings-row">
        <ul className="listener-states" aria-label="Shared port states">
          {status.length === 0 && <li className="muted">No shared ports.</li>}
          {status.map((s) => (
            <li key={s.kind}>
              <span className={`dot ${s.state}`} />
              {s.kind} {s.host}:{s.boundPort ?? s.port}{' '}
              <span className={s.state === 'error' ? 'field-error' : 'muted'}>
                {s.state === 'error' ? `cannot listen: ${s.error ?? 'error'}` : s.state}
              </span>
            </li>
          ))}
        </ul>
        <button className="primary" disabled={!dirty} onClick={() => void apply()}>
          Apply
        </button>
      </div>
    </section>
  );
}

/** The boxes as `listeners:`: empty leaves a port out; anything else goes to the engine to judge. */
function fromDraft(d: Draft): Record<string, unknown> {
  const value = (text: string) => (/^\d+$/.test(text.trim()) ? Number(text.trim()) : text.trim());
  return Object.fromEntries(
    Object.entries(d)
      .filter(([, text]) => text.trim() !== '')
      .map(([field, text]) => [field, field === 'host' ? text.trim() : value(text)]),
  );
}
