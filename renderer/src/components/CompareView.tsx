import { useEffect, useMemo, useState } from 'react';
import type { GatewayView } from '../../../shared/api/contract.js';
import { addCompareIgnore } from '../../../shared/config/edit.js';
import { decodeBase64Text } from '../../../shared/har.js';
import type { BodyPreview, LogEntry, ShadowDifference } from '../../../shared/log-entry.js';
import { shadowShapes, type ShadowShape } from '../lib/compare-shapes.js';
import { useAppStore } from '../store/app-store.js';
import { useLogStore } from '../store/log-store.js';

/**
 * Shadow traffic compared (issue 14): the gateway's logged requests by shape with their shadows' verdicts,
 * newest first; opening a shape shows a request's primary and shadow answers side by side with the
 * differences marked, and each difference can be ignored from then on with one click.
 */
export function CompareView({ gateway }: { gateway: GatewayView }) {
  // The entries array is appended in place: `version` says when it changed.
  const version = useLogStore((s) => s.version);
  const entries = useLogStore((s) => s.entries);
  // Counted from the summaries the log already holds: their verdicts are enough, no entry is fetched.
  const shapes = useMemo(() => shadowShapes(entries, gateway.name), [entries, gateway.name, version]);
  const [open, setOpen] = useState<string>();
  const current = shapes.find((s) => key(s) === open);
  const shadowRoutes = gateway.config.routes.filter((r) => r.shadow).map((r) => r.name);

  return (
    <div className="compare-view">
      <div className="section-head">
        <h3>Shadow answers by request shape</h3>
      </div>
      {shapes.length === 0 ? (
        <p className="muted">
          {shadowRoutes.length
            ? `No compared requests yet: requests to this gateway are copied to ${shadowRoutes.join(', ')} and their answers compared here.`
            : 'No route of this gateway takes shadow traffic. Give one a shadow share (Routes, or shadow: 100% in YAML) to compare its answers with the primary’s.'}
        </p>
      ) : (
        <table className="stats-table compare-shapes">
          <thead>
            <tr>
              <th>Request shape</th>
              <th>Shadow route</th>
              <th>Same</th>
              <th>Different</th>
              <th>Error</th>
            </tr>
          </thead>
          <tbody>
            {shapes.map((s) => (
              <tr key={key(s)} className={key(s) === open ? 'selected' : undefined}>
                <td>
                  <button
                    className="link"
                    aria-expanded={key(s) === open}
                    onClick={() => setOpen(key(s) === open ? undefined : key(s))}
                  >
                    {s.shape}
                  </button>
                </td>
                <td>{s.route}</td>
                <td className={s.same ? 'verdict-same' : undefined} aria-label={`${s.same} same`}>
                  {s.same}
                </td>
                <td
                  className={s.different ? 'verdict-different' : undefined}
                  aria-label={`${s.different} different`}
                >
                  {s.different}
                </td>
                <td className={s.error ? 'verdict-error' : undefined} aria-label={`${s.error} error`}>
                  {s.error}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {current && <ShapeDetail key={key(current)} gateway={gateway} shape={current} />}
      <LearnedNoise gateway={gateway.name} />
    </div>
  );
}

/** What `noise: true` has learned (Diffy's idea): fields two answers of the primary disagree on. */
function LearnedNoise({ gateway }: { gateway: string }) {
  const client = useAppStore((s) => s.client);
  const [noise, setNoise] = useState<{ route: string; rules: string[] }[]>([]);
  // Asked again when the view redraws (the log moved), at most once a second.
  const tick = Math.floor(Date.now() / 1000);
  useEffect(() => {
    if (!client) return;
    let live = true;
    client
      .call('compare.noise', { gateway })
      .then((n) => live && setNoise(n))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [client, gateway, tick]);
  if (!noise.some((n) => n.rules.length)) return null;
  return (
    <section className="learned-noise" aria-label="Learned noise">
      <h4>Learned noise</h4>
      <p className="muted">Fields that differ between two answers of the primary, ignored from then on.</p>
      <ul>
        {noise.map((n) => (
          <li key={n.route}>
            {n.route}:{' '}
            {n.rules.map((r) => (
              <code key={r}>{r}</code>
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

const key = (s: ShadowShape) => `${s.shape}\n${s.route}`;

/** One request of a shape, the newest that differed (or the newest), primary and shadow side by side. */
function ShapeDetail({ gateway, shape }: { gateway: GatewayView; shape: ShadowShape }) {
  const run = useAppStore((s) => s.run);
  const notify = useAppStore((s) => s.notify);
  const [seq, setSeq] = useState(shape.seqs[0]!);
  const [entry, setEntry] = useState<LogEntry>();
  useEffect(() => {
    let live = true;
    void run((c) => c.call('log.get', { seq })).then((e) => live && e && setEntry(e));
    return () => {
      live = false;
    };
  }, [seq, run]);
  const shadow = entry?.shadows?.find((s) => s.route === shape.route);
  const route = gateway.config.routes.find((r) => r.name === shape.route);
  const ignored = route?.shadow?.ignore ?? [];

  const ignore = async (rule: string) => {
    // The same typed edit and save as the editor, so the YAML keeps everything else as written.
    const source = addCompareIgnore(gateway.source, shape.route, rule);
    const saved = await run((c) => c.call('gateways.save', { gateway: source, previousName: gateway.name }));
    if (saved) notify('info', `${shape.route} now ignores ${rule}.`);
  };

  return (
    <section className="compare-detail" aria-label={`${shape.shape} compared`}>
      <div className="section-head">
        <h3>{shape.shape}</h3>
        <label>
          Request{' '}
          <select value={seq} onChange={(e) => setSeq(Number(e.currentTarget.value))}>
            {shape.seqs.slice(0, 200).map((s) => (
              <option key={s} value={s}>
                #{s}
              </option>
            ))}
          </select>
        </label>
      </div>
      {!entry ? (
        <p className="muted">Loading…</p>
      ) : !shadow ? (
        <p className="muted">This request has no answer from {shape.route} (the log may have dropped it).</p>
      ) : (
        <>
          <p className={`compare-summary verdict-${shadow.verdict}`}>
            {entry.method} {entry.path}: {shadow.summary}
            {shadow.ignored ? ` (${shadow.ignored} ignored)` : ''}
          </p>
          {shadow.differences && shadow.differences.length > 0 && (
            <table className="stats-table compare-differences" aria-label="Differences">
              <thead>
                <tr>
                  <th>Field</th>
                  <th>{entry.route ?? 'primary'}</th>
                  <th>{shadow.route}</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {shadow.differences.map((d) => (
                  <tr key={d.path} className="diff">
                    <td className="mono">{d.path}</td>
                    <td className="mono">{d.primary ?? '(none)'}</td>
                    <td className="mono">{d.shadow ?? '(none)'}</td>
                    <td>
                      {ignored.includes(d.path) ? (
                        <span className="muted">ignored from now on</span>
                      ) : (
                        <button onClick={() => void ignore(d.path)} aria-label={`Ignore ${d.path}`}>
                          Ignore this field
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <div className="compare-sides">
            <Side
              title={`Primary: ${entry.route ?? '–'}`}
              status={entry.status}
              headers={entry.responseHeaders}
              body={entry.responseBody}
              differences={shadow.differences ?? []}
            />
            <Side
              title={`Shadow: ${shadow.route}`}
              status={shadow.status}
              headers={shadow.responseHeaders ?? {}}
              body={shadow.responseBody}
              differences={shadow.differences ?? []}
              error={shadow.verdict === 'error' ? shadow.summary : undefined}
            />
          </div>
        </>
      )}
    </section>
  );
}

/** One answer: status, headers and body, each part that differs from the other answer marked. */
function Side(props: {
  title: string;
  status: number | undefined;
  headers: Record<string, string | string[]>;
  body: BodyPreview | undefined;
  differences: ShadowDifference[];
  error?: string | undefined;
}) {
  const paths = new Set(props.differences.map((d) => d.path));
  const bodyKeys = props.differences.flatMap((d) => (d.path.startsWith('body:') ? [lastKey(d.path)] : []));
  const text = props.body ? pretty(decodeBase64Text(props.body.base64)) : '';
  return (
    <div className="compare-side" aria-label={props.title}>
      <h4>{props.title}</h4>
      {props.error && <p className="field-error">{props.error}</p>}
      <p className={paths.has('status') ? 'diff' : undefined}>
        Status <strong>{props.status ?? 'no answer'}</strong>
      </p>
      <table className="headers">
        <tbody>
          {Object.entries(props.headers).map(([name, value]) => (
            <tr key={name} className={paths.has(`header:${name.toLowerCase()}`) ? 'diff' : undefined}>
              <th>{name}</th>
              <td>{Array.isArray(value) ? value.join(', ') : value}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <pre className="compare-body">
        {text.split('\n').map((line, i) => (
          <span
            key={i}
            className={
              paths.has('body') || bodyKeys.some((k) => k && line.trimStart().startsWith(`"${k}":`))
                ? 'diff'
                : undefined
            }
          >
            {line}
          </span>
        ))}
        {props.body?.truncated && <span className="muted">… (first 16 KiB)</span>}
      </pre>
    </div>
  );
}

/** The last key a body path names: `price` of `body:$.items[0].price`. */
function lastKey(path: string): string | undefined {
  return /\.([^.[\]]+)(?:\[\d+\])*$/.exec(path)?.[1];
}

/** JSON indented, so changed fields sit on lines of their own; other text as it is. */
function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
