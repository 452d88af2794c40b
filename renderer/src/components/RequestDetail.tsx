import { useEffect, useState } from 'react';
import type { BodyPreview, LogEntry, TraceStep } from '../../../shared/log-entry.js';
import { base64Bytes, decodeBase64Text, toHar } from '../../../shared/har.js';
import { saveText } from '../api/desktop.js';
import { toCurl } from '../lib/curl.js';
import { toFetch, toHttpie } from '../lib/request-snippets.js';
import { proxyLink } from '../lib/proxy-link.js';
import { useAppStore } from '../store/app-store.js';
import { formatBytes } from '../lib/format-bytes.js';
import { useLogStore } from '../store/log-store.js';
import { ResendForm } from './ResendForm.js';
import { Tabs } from './Tabs.js';
import { WsMessages } from './WsMessages.js';

type Tab = 'request' | 'response' | 'decision' | 'messages';

/** One request in full: headers, bodies, timing and the routing decision in words. All of it is untrusted text. */
export function RequestDetail({ seq, onClose }: { seq: number; onClose: () => void }) {
  const run = useAppStore((s) => s.run);
  const notify = useAppStore((s) => s.notify);
  const gateways = useAppStore((s) => s.gateways);
  const info = useAppStore((s) => s.info);
  const [entry, setEntry] = useState<LogEntry>();
  const [tab, setTab] = useState<Tab>('decision');
  const [resending, setResending] = useState(false);
  // Bumped when the engine says this entry changed (a WebSocket's messages, its close): read it again.
  const changed = useLogStore((s) => s.selectedChanged);
  useEffect(() => {
    setEntry(undefined);
    setResending(false);
    setTab((t) => (t === 'messages' ? 'decision' : t));
  }, [seq]);
  useEffect(() => {
    let live = true;
    void run((c) => c.call('log.get', { seq })).then((e) => live && e && setEntry(e));
    return () => {
      live = false;
    };
  }, [seq, run, changed]);
  if (!entry)
    return (
      <aside className="detail" aria-label="Request details">
        Loading…
      </aside>
    );
  const gateway = gateways.find((g) => g.name === entry.gateway);
  const openThrough =
    gateway && entry.method === 'GET'
      ? gateway.config.routes.flatMap((r) => {
          const href = proxyLink(info, gateway.name, r.name, entry.path);
          return href ? [{ route: r.name, href }] : [];
        })
      : [];

  const repeatable = !entry.websocket && entry.protocol !== 'tcp';
  const copy = async (as: string, text: string) => {
    try {
      await navigator.clipboard.writeText(text);
      notify('info', `Copied as ${as}.`);
    } catch {
      notify('error', `Could not use the clipboard; the ${as} is: ${text}`);
    }
  };
  const exportHar = () =>
    void saveText(`request-${entry.seq}.har`, JSON.stringify(toHar([entry], 'ui'), null, 2));

  return (
    <aside className="detail" aria-label="Request details">
      <div className="detail-head">
        <strong className={`status status-${Math.floor(entry.status / 100)}`}>{entry.status}</strong>
        <span className="method">{entry.method}</span>
        <span className="path" title={entry.path}>
          {entry.path}
        </span>
        <button className="ghost" aria-label="Close details" onClick={onClose}>
          ×
        </button>
      </div>
      <div className="detail-actions">
        {/* A WebSocket or a TCP connection is not a request a command line can repeat. */}
        {repeatable && (
          <>
            <button onClick={() => void copy('cURL', toCurl(entry))}>Copy as cURL</button>
            <button onClick={() => void copy('fetch', toFetch(entry))}>Copy as fetch</button>
            <button onClick={() => void copy('HTTPie', toHttpie(entry))}>Copy as HTTPie</button>
          </>
        )}
        <button onClick={exportHar}>Export HAR</button>
        {repeatable && (
          <button aria-expanded={resending} onClick={() => setResending(!resending)}>
            Resend…
          </button>
        )}
        {openThrough.length > 0 && (
          <span className="compare">
            Open through:{' '}
            {openThrough.map(({ route, href }) => (
              <a key={route} href={href} target="_blank" rel="noreferrer noopener">
                {route}
              </a>
            ))}
          </span>
        )}
      </div>
      {resending && <ResendForm entry={entry} onDone={() => setResending(false)} />}
      <Tabs
        className="subtabs"
        label="Request details"
        id="detail"
        tabs={[
          { key: 'decision', label: 'Decision' },
          { key: 'request', label: 'Request' },
          { key: 'response', label: 'Response' },
          ...(entry.websocket ? [{ key: 'messages' as const, label: 'Messages' }] : []),
        ]}
        selected={tab}
        onSelect={setTab}
      />
      <div
        className="detail-body"
        role="tabpanel"
        id={`detail-${tab}-panel`}
        aria-labelledby={`detail-${tab}-tab`}
      >
        {tab === 'decision' && (
          <>
            <h4>Why it went there</h4>
            <ol className="trace">
              {entry.trace.length ? (
                entry.trace.map((t, i) => (
                  <li key={i}>
                    <span className={`trace-kind ${t.kind}`}>{TRACE_LABELS[t.kind] ?? t.kind}</span>
                    {t.text}
                  </li>
                ))
              ) : (
                <li>No routing decision was made.</li>
              )}
            </ol>
            {entry.error && <p className="field-error">{entry.error}</p>}
            <dl className="facts">
              <dt>Gateway</dt>
              <dd>{entry.gateway}</dd>
              <dt>Route</dt>
              <dd>
                {entry.route ?? '–'}
                {entry.override ? ' (forced)' : ''}
              </dd>
              <dt>Target</dt>
              <dd>{entry.target ?? '–'}</dd>
              <dt>Forwarded as</dt>
              <dd>{entry.forwardedPath ?? '–'}</dd>
              <dt>Time</dt>
              <dd>{new Date(entry.time).toISOString()}</dd>
              <dt>Duration</dt>
              <dd>{Math.round(entry.durationMs)} ms</dd>
              <dt>Sent / received</dt>
              <dd>
                {formatBytes(entry.bytesIn)} / {formatBytes(entry.bytesOut)}
              </dd>
              <dt>Client</dt>
              <dd>{entry.clientIp}</dd>
              {entry.host !== undefined && (
                <>
                  <dt>Host</dt>
                  <dd>{entry.host}</dd>
                </>
              )}
              {entry.protocol !== undefined && (
                <>
                  <dt>Protocol</dt>
                  <dd>
                    {PROTOCOL_NAMES[entry.protocol]}
                    {entry.tls ? ' over TLS' : ''}
                  </dd>
                </>
              )}
              {entry.closeCause !== undefined && (
                <>
                  <dt>Closed</dt>
                  <dd>{entry.closeCause}</dd>
                </>
              )}
            </dl>
          </>
        )}
        {tab === 'request' && (
          <>
            <Headers headers={entry.requestHeaders} />
            <Body
              preview={entry.requestBody}
              type={header(entry.requestHeaders, 'content-type')}
              evicted={entry.bodiesEvicted}
            />
          </>
        )}
        {tab === 'messages' && <WsMessages entry={entry} />}
        {tab === 'response' && (
          <>
            <Headers headers={entry.responseHeaders} />
            <Body
              preview={entry.responseBody}
              type={header(entry.responseHeaders, 'content-type')}
              evicted={entry.bodiesEvicted}
            />
          </>
        )}
      </div>
    </aside>
  );
}

const PROTOCOL_NAMES: Record<NonNullable<LogEntry['protocol']>, string> = {
  'http/1.0': 'HTTP/1.0',
  'http/1.1': 'HTTP/1.1',
  h2: 'HTTP/2',
  tcp: 'TCP',
};

function Headers({ headers }: { headers: Record<string, string | string[]> }) {
  const rows = Object.entries(headers).flatMap(([k, v]) =>
    (Array.isArray(v) ? v : [v]).map((value) => [k, value] as const),
  );
  return (
    <table className="headers">
      <tbody>
        {rows.map(([k, v], i) => (
          <tr key={i}>
            <th>{k}</th>
            <td>{v}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Body({
  preview,
  type,
  evicted,
}: {
  preview: BodyPreview | undefined;
  type: string | undefined;
  evicted: boolean | undefined;
}) {
  if (!preview)
    return (
      <p className="muted">
        {evicted ? 'Body preview dropped to keep the log within its memory budget.' : 'No body.'}
      </p>
    );
  const note = preview.truncated ? (
    <p className="muted">Showing the first {formatBytes(base64Bytes(preview.base64).length)} (preview).</p>
  ) : null;
  if (type?.startsWith('image/')) {
    // A data: URL in an <img> cannot run script, SVG included.
    return (
      <>
        {note}
        <img className="body-image" alt="response body" src={`data:${type};base64,${preview.base64}`} />
      </>
    );
  }
  const bytes = base64Bytes(preview.base64);
  const textual = !type || /json|text|xml|javascript|yaml|x-www-form-urlencoded/.test(type);
  if (textual && looksLikeText(bytes)) {
    const text = decodeBase64Text(preview.base64);
    if (type?.includes('json') || /^\s*[{[]/.test(text)) {
      try {
        return (
          <>
            {note}
            <div className="json">
              <JsonNode value={JSON.parse(text)} depth={0} />
            </div>
          </>
        );
      } catch {
        // truncated or not JSON after all: show the text
      }
    }
    return (
      <>
        {note}
        <pre className="body-text">{text}</pre>
      </>
    );
  }
  return (
    <>
      {note}
      <pre className="body-hex">{hexDump(bytes.subarray(0, 4096))}</pre>
    </>
  );
}

/** Foldable JSON: objects and arrays are <details>, open for the first two levels. */
function JsonNode({ value, depth, name }: { value: unknown; depth: number; name?: string }) {
  const label = name !== undefined ? <span className="json-key">{JSON.stringify(name)}: </span> : null;
  if (value !== null && typeof value === 'object') {
    const entries = Array.isArray(value)
      ? value.map((v, i) => [String(i), v] as const)
      : Object.entries(value);
    const [open, close] = Array.isArray(value) ? ['[', ']'] : ['{', '}'];
    return (
      <details open={depth < 2} className="json-node">
        <summary>
          {label}
          {open}
          {entries.length === 0 ? close : <span className="muted"> {entries.length} </span>}
        </summary>
        {entries.map(([k, v]) => (
          <JsonNode key={k} name={Array.isArray(value) ? undefined : k} value={v} depth={depth + 1} />
        ))}
        {entries.length > 0 && <div>{close}</div>}
      </details>
    );
  }
  return (
    <div className="json-leaf">
      {label}
      <span className={`json-${value === null ? 'null' : typeof value}`}>{JSON.stringify(value)}</span>
    </div>
  );
}

function looksLikeText(bytes: Uint8Array): boolean {
  const n = Math.min(bytes.length, 512);
  for (let i = 0; i < n; i++) if (bytes[i] === 0) return false;
  return true;
}

function hexDump(bytes: Uint8Array): string {
  const lines: string[] = [];
  for (let i = 0; i < bytes.length; i += 16) {
    const row = bytes.subarray(i, i + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const ascii = [...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${i.toString(16).padStart(6, '0')}  ${hex.padEnd(47)}  ${ascii}`);
  }
  return lines.join('\n');
}

function header(headers: Record<string, string | string[]>, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** What each step of the decision trace is, in a word, so waits, ejections and faults stand out. */
const TRACE_LABELS: Record<TraceStep['kind'], string> = {
  override: 'override',
  sticky: 'sticky',
  condition: 'condition',
  strength: 'strength',
  weight: 'weight',
  chain: 'chain',
  rewrite: 'rewrite',
  instance: 'instance',
  'no-route': 'no route',
  health: 'health',
  fault: 'fault',
  wait: 'waited',
  respond: 'mock',
  headers: 'headers',
  cors: 'CORS',
  shadow: 'shadow',
};
