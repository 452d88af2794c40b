import { useState } from 'react';
import type { LogEntry } from '../../../shared/log-entry.js';
import { decodeBase64Text } from '../../../shared/har.js';
import { useAppStore } from '../store/app-store.js';
import { useLogStore } from '../store/log-store.js';

/** Headers that describe the old connection, not the request: not offered for editing. */
const HIDDEN = new Set(['host', 'content-length', 'transfer-encoding', 'connection', 'x-switchyard-traffic']);

/**
 * Sends a logged request again, as it was or edited (method, path, headers, body), through its gateway's
 * routing or forced to one route; the new request is selected in the log when it arrives.
 */
export function ResendForm({ entry, onDone }: { entry: LogEntry; onDone: () => void }) {
  const run = useAppStore((s) => s.run);
  const notify = useAppStore((s) => s.notify);
  const gateway = useAppStore((s) => s.gateways.find((g) => g.name === entry.gateway));
  const [method, setMethod] = useState(entry.method);
  const [path, setPath] = useState(entry.path);
  const [headers, setHeaders] = useState(() =>
    Object.entries(entry.requestHeaders)
      .filter(([k]) => !HIDDEN.has(k))
      .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => `${k}: ${x}`))
      .join('\n'),
  );
  const [body, setBody] = useState(() =>
    entry.requestBody ? decodeBase64Text(entry.requestBody.base64) : '',
  );
  const [via, setVia] = useState('');
  const [error, setError] = useState<string>();

  const send = async () => {
    const parsed: Record<string, string> = {};
    for (const line of headers.split('\n').filter((l) => l.trim())) {
      const colon = line.indexOf(':');
      if (colon <= 0) return setError(`Write each header as Name: value (“${line.trim()}”)`);
      parsed[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    setError(undefined);
    const r = await run((c) =>
      c.call('log.resend', {
        seq: entry.seq,
        ...(via ? { route: via } : {}),
        request: { method: method.trim().toUpperCase(), path, headers: parsed, ...(body ? { body } : {}) },
      }),
    );
    if (!r) return;
    notify('info', `Resent: ${r.status}${r.route ? ` via route ${r.route}` : ''}.`);
    if (r.seq !== undefined) useLogStore.getState().select(r.seq);
    onDone();
  };

  return (
    <form
      className="resend"
      aria-label="Resend the request"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <div className="resend-line">
        <input aria-label="Method" value={method} onChange={(e) => setMethod(e.currentTarget.value)} />
        <input aria-label="Path" value={path} onChange={(e) => setPath(e.currentTarget.value)} />
      </div>
      <label>
        Through
        <select aria-label="Through" value={via} onChange={(e) => setVia(e.currentTarget.value)}>
          <option value="">gateway {entry.gateway}: its routing decides</option>
          {gateway?.config.routes.map((r) => (
            <option key={r.name} value={r.name}>
              route {r.name} only
            </option>
          ))}
        </select>
      </label>
      <label>
        Headers
        <textarea
          aria-label="Headers"
          rows={4}
          value={headers}
          onChange={(e) => setHeaders(e.currentTarget.value)}
        />
      </label>
      <label>
        Body
        <textarea aria-label="Body" rows={3} value={body} onChange={(e) => setBody(e.currentTarget.value)} />
      </label>
      {entry.requestBody?.truncated && (
        <p className="muted">The log kept only the start of the body; that is what is sent.</p>
      )}
      {error && <p className="field-error">{error}</p>}
      <div className="resend-line">
        <button type="submit" className="primary">
          Send
        </button>
        <button type="button" onClick={onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
