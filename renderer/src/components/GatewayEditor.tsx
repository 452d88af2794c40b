import { useEffect, useMemo, useRef, useState } from 'react';
import { parse, stringify } from 'yaml';
import type { GatewayView } from '../../../shared/api/contract.js';
import type { ConfigIssue } from '../../../shared/config/issues.js';
import type { GatewaySource } from '../../../shared/config/source.js';
import { lineOfPath } from '../../../shared/config/yaml-lines.js';
import {
  GATEWAY_YAML_FIELDS,
  ROUTE_YAML_FIELDS,
  isBracketKey,
  newRouteDraft,
  toForm,
  toSource,
  withRunningWeights,
  type GatewayForm,
  type RouteDraft,
} from '../lib/gateway-form.js';
import {
  PORT_PROTOCOLS,
  portProtocol,
  withProtocol,
  type PortProtocol,
  type TlsMode,
} from '../lib/gateway-form-listen.js';
import { useAppStore } from '../store/app-store.js';
import { ChaosPanel } from './ChaosPanel.js';
import { ConditionInput } from './ConditionInput.js';
import { HealthDots, healthOf } from './HealthDots.js';
import { Tabs } from './Tabs.js';
import { WeightSliders } from './WeightSliders.js';

type View = 'form' | 'yaml';

/**
 * The gateway editor: settings, the routes table and a YAML tab over one draft. Every change is
 * validated by the engine as you type (nothing is applied until Apply), and its issues are shown at the
 * field, or the line, they concern.
 */
export function GatewayEditor({ gateway }: { gateway: GatewayView }) {
  const run = useAppStore((s) => s.run);
  const client = useAppStore((s) => s.client);
  const select = useAppStore((s) => s.select);
  const [form, setForm] = useState<GatewayForm>(() => toForm(gateway.source));
  const [dirty, setDirty] = useState(false);
  const [issues, setIssues] = useState<ConfigIssue[]>([]);
  const [view, setView] = useState<View>('form');
  // The YAML as the user typed it, kept (even when it does not parse) until they edit the form or revert.
  const [yamlText, setYamlText] = useState<string>();
  const [yamlError, setYamlError] = useState<string>();
  const source = useMemo(() => toSource(form), [form]);
  const running = useRef(gateway.source);

  // Outside changes (sliders, another client, the file) show up unless the user is editing; while they
  // are, weights moved live are taken into the form, so Apply keeps them.
  useEffect(() => {
    const before = running.current;
    running.current = gateway.source;
    if (!dirty) {
      setForm(toForm(gateway.source));
      setYamlText((t) => (t !== undefined && sameGateway(t, gateway.source) ? t : undefined));
    } else if (yamlText === undefined) setForm((f) => withRunningWeights(f, before, gateway.source));
  }, [gateway.source, dirty, yamlText]);

  useValidation(source, dirty, setIssues);

  const update = (next: GatewayForm) => {
    setForm(next);
    setDirty(true);
    setYamlText(undefined);
    setYamlError(undefined);
  };
  const editYaml = (text: string) => {
    setYamlText(text);
    setDirty(true);
    const parsed = parseGatewayYaml(text);
    setYamlError(parsed.error);
    if (parsed.value) setForm(toForm(parsed.value));
  };
  const apply = async () => {
    const saved = await run((c) => c.call('gateways.save', { gateway: source, previousName: gateway.name }));
    if (!saved) return;
    setDirty(false);
    setForm(toForm(saved.source));
    if (saved.name !== gateway.name) select(saved.name);
  };
  const revert = () => {
    setForm(toForm(gateway.source));
    setDirty(false);
    setIssues([]);
    setYamlText(undefined);
    setYamlError(undefined);
  };
  const at = (...path: (string | number)[]) => issueAt(issues, path);
  const listenerError = gateway.status?.state === 'error' ? gateway.status.error : undefined;

  return (
    <div className="editor">
      <WeightSliders gateway={gateway} />
      {/* Faults are HTTP answers, delays and bandwidth of requests: a TCP gateway has none of them. */}
      {gateway.config.protocol !== 'tcp' && <ChaosPanel gateway={gateway} />}
      <div className="editor-bar">
        <Tabs
          className="subtabs"
          label="Editor views"
          id="editor"
          tabs={[
            { key: 'form', label: 'Form' },
            { key: 'yaml', label: 'YAML' },
          ]}
          selected={view}
          onSelect={setView}
        />
        <span className={issues.length || yamlError || listenerError ? 'field-error' : 'muted'} role="status">
          {editorStatus(issues.length, yamlError, listenerError, dirty)}
        </span>
        <button onClick={revert} disabled={!dirty}>
          Revert
        </button>
        <button
          className="primary"
          onClick={() => void apply()}
          disabled={!dirty || issues.length > 0 || yamlError !== undefined || !client}
        >
          Apply
        </button>
      </div>
      <div role="tabpanel" id={`editor-${view}-panel`} aria-labelledby={`editor-${view}-tab`}>
        {view === 'form' ? (
          <FormView form={form} update={update} at={at} issues={issues} gateway={gateway} />
        ) : (
          <YamlView
            text={yamlText ?? stringify(source)}
            parseError={yamlError}
            issues={issues}
            onChange={editYaml}
          />
        )}
      </div>
    </div>
  );
}

/** The editor bar's one line: what stops an Apply, then whether the gateway listens, then the draft. */
function editorStatus(
  issues: number,
  yamlError: string | undefined,
  listenerError: string | undefined,
  dirty: boolean,
): string {
  if (yamlError) return 'The YAML does not parse: not applied';
  if (issues) return `${issues} problem${issues === 1 ? '' : 's'}: not applied`;
  const draft = dirty ? 'Unsaved changes' : 'Running as shown';
  if (listenerError) return `Gateway cannot listen: ${listenerError}${dirty ? ` · ${draft}` : ''}`;
  return draft;
}

/** One gateway from YAML text: the mapping (checked by the engine as the draft), or why it is not one. */
function parseGatewayYaml(text: string): { value?: GatewaySource; error?: string } {
  try {
    const value = parse(text) as unknown;
    if (!value || typeof value !== 'object' || Array.isArray(value))
      return { error: 'the YAML must be one gateway: a mapping with name, port and routes' };
    return { value: value as GatewaySource };
  } catch (err) {
    return { error: (err as Error).message.split('\n')[0] };
  }
}

/** Whether YAML text says the same gateway as a source (as the form reads both). */
function sameGateway(text: string, source: GatewaySource): boolean {
  const parsed = parseGatewayYaml(text).value;
  return !!parsed && JSON.stringify(toSource(toForm(parsed))) === JSON.stringify(toSource(toForm(source)));
}

type At = (...path: (string | number)[]) => string | undefined;

function FormView({
  form,
  update,
  at,
  issues,
  gateway,
}: {
  form: GatewayForm;
  update: (f: GatewayForm) => void;
  at: At;
  issues: ConfigIssue[];
  gateway: GatewayView;
}) {
  const named = useNamedConditions();
  const set = <K extends keyof GatewayForm>(key: K, value: GatewayForm[K]) =>
    update({ ...form, [key]: value });
  const setRoute = (i: number, patch: Partial<RouteDraft>) =>
    set(
      'routes',
      form.routes.map((r, k) => (k === i ? { ...r, ...patch } : r)),
    );
  const move = (i: number, by: number) => {
    const routes = [...form.routes];
    const [r] = routes.splice(i, 1);
    routes.splice(i + by, 0, r!);
    set('routes', routes);
  };
  const addRoute = () => {
    const keys = new Set(form.routes.map((r) => r.key));
    let n = form.routes.length + 1;
    while (keys.has(`route${n}`)) n++;
    set('routes', [...form.routes, newRouteDraft(`route${n}`)]);
  };
  // A TCP gateway's routes pick by weight only: HTTP's boxes would only draw validation errors.
  const tcp = portProtocol(form.port) === 'tcp';
  const routesIssue = issues.find((i) => i.path.length === 2 && i.path[1] === 'routes')?.message;
  const otherIssues = issues.filter((i) => i.path.length <= 1);

  return (
    <div className="form">
      <fieldset className="settings">
        <legend>Gateway</legend>
        <Field label="Name" error={at('name')}>
          <input value={form.name} onChange={(e) => set('name', e.currentTarget.value)} />
        </Field>
        {/* htmlFor: the label names the port box alone, not the protocol select beside it. */}
        <Field label="Port" error={at('port')} htmlFor="gateway-port">
          <span className="port-input">
            <input
              id="gateway-port"
              value={form.port}
              placeholder={form.virtualHosts.trim() ? 'none' : '8080'}
              title="8080, 8443/https or 5433/tcp; empty with virtual hosts: only on the shared ports"
              onChange={(e) => set('port', e.currentTarget.value)}
            />
            <select
              aria-label="Port protocol"
              value={portProtocol(form.port)}
              onChange={(e) => set('port', withProtocol(form.port, e.currentTarget.value as PortProtocol))}
            >
              {PORT_PROTOCOLS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </span>
        </Field>
        {/* Names and TLS are HTTP's: a TCP gateway is reached on its port alone. */}
        {!tcp && (
          <>
            <Field label="Virtual hosts" error={at('virtual_hosts')}>
              <input
                value={form.virtualHosts}
                placeholder="shop.localhost, *.shop.localhost"
                title="Names the shared ports (Settings, Listeners) answer for this gateway, by Host and SNI"
                onChange={(e) => set('virtualHosts', e.currentTarget.value)}
              />
            </Field>
            <Field label="TLS" error={at('tls')}>
              <select
                value={form.tls}
                title="auto: a certificate from the local CA (Settings, Local CA)"
                onChange={(e) => set('tls', e.currentTarget.value as TlsMode)}
              >
                <option value="none">
                  {portProtocol(form.port) === 'https' ? 'auto (port says https)' : 'none'}
                </option>
                <option value="auto">auto (local CA)</option>
                <option value="files">certificate files</option>
              </select>
            </Field>
            {form.tls === 'files' && (
              <>
                <Field label="Certificate file" error={at('tls', 'cert')}>
                  <input
                    value={form.tlsCert}
                    placeholder="/path/to/cert.pem"
                    onChange={(e) => set('tlsCert', e.currentTarget.value)}
                  />
                </Field>
                <Field label="Key file" error={at('tls', 'key')}>
                  <input
                    value={form.tlsKey}
                    placeholder="/path/to/key.pem"
                    onChange={(e) => set('tlsKey', e.currentTarget.value)}
                  />
                </Field>
              </>
            )}
          </>
        )}
        <Field label="Bind address" error={at('host')}>
          <input
            value={form.host}
            placeholder="127.0.0.1"
            onChange={(e) => set('host', e.currentTarget.value)}
          />
        </Field>
        <Field label="Sticky" error={at('sticky')}>
          <select value={form.sticky} onChange={(e) => set('sticky', e.currentTarget.value)}>
            <option value="none">none</option>
            <option value="route">route (cookie)</option>
            <option value="instance">instance (cookie)</option>
          </select>
        </Field>
        <Field label="Sticky by" error={at('sticky_by')}>
          <input
            value={form.stickyBy}
            placeholder="header X-User, cookie NAME, query NAME or ip"
            onChange={(e) => set('stickyBy', e.currentTarget.value)}
          />
        </Field>
        <Field label="Timeout" error={at('timeout')}>
          <input
            value={form.timeout}
            placeholder="30s"
            onChange={(e) => set('timeout', e.currentTarget.value)}
          />
        </Field>
        <Field label="Connect timeout" error={at('connect_timeout')}>
          <input
            value={form.connectTimeout}
            placeholder="5s"
            onChange={(e) => set('connectTimeout', e.currentTarget.value)}
          />
        </Field>
        <Field label="Wait for upstream" error={at('wait_for_upstream')}>
          <input
            value={form.waitForUpstream}
            placeholder="off, e.g. 10s"
            title="Hold requests while a target refuses connections (a dev server restarting), then 502"
            onChange={(e) => set('waitForUpstream', e.currentTarget.value)}
          />
        </Field>
        {!tcp &&
          GATEWAY_YAML_FIELDS.map((field) => (
            <YamlBox
              key={field}
              label={GATEWAY_YAML_LABELS[field]}
              value={form.yaml[field]}
              placeholder={GATEWAY_YAML_PLACEHOLDERS[field]}
              error={
                issues.find((x) => x.route === undefined && String(x.field ?? '').startsWith(field))?.message
              }
              onChange={(v) => set('yaml', { ...form.yaml, [field]: v })}
            />
          ))}
        {!tcp && (
          <label className="check">
            <input
              type="checkbox"
              checked={form.preserveHost}
              onChange={(e) => set('preserveHost', e.currentTarget.checked)}
            />
            Preserve the client's Host header
          </label>
        )}
      </fieldset>
      {otherIssues.map((i) => (
        <p key={i.message} className="field-error">
          {i.message}
        </p>
      ))}
      <section className="routes">
        <div className="section-head">
          <h3>Routes</h3>
          <span className="muted">
            Order matters: the first route whose condition matches gets the request (by its condition
            strength).
          </span>
          <button onClick={addRoute}>Add route</button>
        </div>
        {routesIssue && (
          <p className="field-error" role="alert">
            {routesIssue}
          </p>
        )}
        {form.routes.length === 0 && (
          <p className="muted">No routes: every request gets 503 until you add one.</p>
        )}
        {form.routes.map((r, i) => {
          const key = r.key;
          const rowIssue = at('routes', key);
          return (
            <div className="route-card" key={i} aria-label={`Route ${key}`}>
              <div className="route-head">
                <Field label="Route" error={rowIssue}>
                  <input
                    value={r.key}
                    onChange={(e) => setRoute(i, renamed(r, e.currentTarget.value))}
                    aria-label={`Route ${i + 1} name`}
                  />
                </Field>
                <Field label="Targets" error={at('routes', key, 'targets') ?? at('routes', key, 'target')}>
                  <input
                    value={isBracketKey(r.key) ? r.key.slice(1, -1) : r.targets}
                    disabled={isBracketKey(r.key)}
                    title={
                      isBracketKey(r.key)
                        ? 'A "[host:port]" route is its own target'
                        : 'URLs or host:port, comma-separated; balanced round-robin'
                    }
                    onChange={(e) => setRoute(i, { targets: e.currentTarget.value })}
                    aria-label={`Route ${i + 1} targets`}
                  />
                </Field>
                <Field label="Weight" error={at('routes', key, 'weight')}>
                  <input
                    value={r.weight}
                    placeholder="shares the rest"
                    onChange={(e) => setRoute(i, { weight: e.currentTarget.value })}
                    aria-label={`Route ${i + 1} weight`}
                  />
                </Field>
                <div className="route-actions">
                  <HealthDots health={healthOf(gateway, key)} label={`Health of ${key}'s instances`} />
                  <button aria-label={`Move route ${key} up`} disabled={i === 0} onClick={() => move(i, -1)}>
                    ↑
                  </button>
                  <button
                    aria-label={`Move route ${key} down`}
                    disabled={i === form.routes.length - 1}
                    onClick={() => move(i, 1)}
                  >
                    ↓
                  </button>
                  <button
                    className="danger"
                    aria-label={`Remove route ${key}`}
                    onClick={() =>
                      set(
                        'routes',
                        form.routes.filter((_, k) => k !== i),
                      )
                    }
                  >
                    Remove
                  </button>
                </div>
              </div>
              {tcp ? (
                <p className="muted route-body">A TCP route takes connections by weight only.</p>
              ) : (
                <div className="route-body">
                  <Field label="Condition" error={undefined} wide htmlFor={`condition-${i}`}>
                    <ConditionInput
                      id={`condition-${i}`}
                      value={r.condition}
                      onChange={(v) => setRoute(i, { condition: v })}
                      error={at('routes', key, 'condition')}
                      named={named}
                    />
                  </Field>
                  <Field label="Condition strength" error={at('routes', key, 'condition_strength')}>
                    <input
                      value={r.strength}
                      placeholder={r.condition ? '100%' : '0%'}
                      onChange={(e) => setRoute(i, { strength: e.currentTarget.value })}
                      aria-label={`Route ${i + 1} condition strength`}
                    />
                  </Field>
                  <Field
                    label="Rewrites (YAML list)"
                    error={
                      issues.find((x) => x.route === key && String(x.field ?? '').startsWith('rewrites'))
                        ?.message
                    }
                    wide
                  >
                    <textarea
                      rows={Math.max(1, r.rewrites.split('\n').length)}
                      value={r.rewrites}
                      placeholder="- path: /v2%[path] if path starts-with /api"
                      onChange={(e) => setRoute(i, { rewrites: e.currentTarget.value })}
                      aria-label={`Route ${i + 1} rewrites`}
                    />
                  </Field>
                  {ROUTE_YAML_FIELDS.map((field) => (
                    <YamlBox
                      key={field}
                      label={ROUTE_YAML_LABELS[field]}
                      aria={`Route ${i + 1} ${ROUTE_YAML_LABELS[field].replace(/ \(.*/, '').toLowerCase()}`}
                      value={r.yaml[field]}
                      placeholder={ROUTE_YAML_PLACEHOLDERS[field]}
                      error={
                        issues.find((x) => x.route === key && String(x.field ?? '').startsWith(field))
                          ?.message
                      }
                      onChange={(v) => setRoute(i, { yaml: { ...r.yaml, [field]: v } })}
                    />
                  ))}
                  <Field label="Targets' CA file" error={at('routes', key, 'ca')}>
                    <input
                      value={r.ca}
                      placeholder="system CAs"
                      onChange={(e) => setRoute(i, { ca: e.currentTarget.value })}
                      aria-label={`Route ${i + 1} CA file`}
                    />
                  </Field>
                  <div className="route-flags">
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={r.tlsVerify}
                        onChange={(e) => setRoute(i, { tlsVerify: e.currentTarget.checked })}
                        aria-label={`Route ${i + 1} verify TLS`}
                      />
                      Verify the targets' certificates
                    </label>
                    <label className="check">
                      <input
                        type="checkbox"
                        checked={r.h2}
                        onChange={(e) => setRoute(i, { h2: e.currentTarget.checked })}
                        aria-label={`Route ${i + 1} HTTP/2`}
                      />
                      HTTP/2 upstream (gRPC)
                    </label>
                  </div>
                </div>
              )}
            </div>
          );
        })}
      </section>
    </div>
  );
}

const ROUTE_YAML_LABELS = {
  health_check: 'Health check (YAML)',
  passive: 'Passive ejection (YAML)',
  headers: 'Header rules (YAML)',
  respond: 'Mock answer (YAML)',
} as const;
const ROUTE_YAML_PLACEHOLDERS = {
  health_check: '{ path: /health, interval: 2s, timeout: 1s, unhealthy_after: 2, healthy_after: 1 }',
  passive: '{ failures: 3, within: 10s, eject_for: 15s }',
  headers: 'request: { set: { X-Env: dev }, remove: [X-Debug] }',
  respond: '{ status: 503, headers: { Retry-After: "30" }, body: back soon }',
} as const;
const GATEWAY_YAML_LABELS = { cors: 'CORS (YAML)', headers: 'Header rules (YAML)' } as const;
const GATEWAY_YAML_PLACEHOLDERS = {
  cors: '{ origins: ["http://localhost:5173"], credentials: true }',
  headers: 'response: { set: { Cache-Control: no-store } }',
} as const;

/** A nested map edited as YAML (health check, header rules, mock answer, CORS); empty removes it. */
function YamlBox(props: {
  label: string;
  aria?: string;
  value: string;
  placeholder: string;
  error: string | undefined;
  onChange: (v: string) => void;
}) {
  return (
    <Field label={props.label} error={props.error} wide>
      <textarea
        rows={Math.max(1, props.value.split('\n').length)}
        value={props.value}
        placeholder={props.placeholder}
        aria-label={props.aria}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      />
    </Field>
  );
}

/**
 * A labelled field with its error. The error names only what is wrong: the gateway and route the field
 * sits in are on the screen already. With `htmlFor` the label names the control alone (a composite
 * control, like the condition, has its own description).
 */
function Field(props: {
  label: string;
  error: string | undefined;
  wide?: boolean;
  htmlFor?: string;
  children: React.ReactNode;
}) {
  const className = `field${props.wide ? ' wide' : ''}${props.error ? ' invalid' : ''}`;
  const error = props.error && <span className="field-error">{withoutPlace(props.error)}</span>;
  if (props.htmlFor)
    return (
      <div className={className}>
        <label className="label" htmlFor={props.htmlFor}>
          {props.label}
        </label>
        {props.children}
        {error}
      </div>
    );
  return (
    <label className={className}>
      <span className="label">{props.label}</span>
      {props.children}
      {error}
    </label>
  );
}

/** An issue's message without its leading "gateway 'g': route 'r': " (the form shows where). */
function withoutPlace(message: string): string {
  return message
    .replace(/^gateway '[^']*': /, '')
    .replace(/^route '[^']*': /, '')
    .replace(
      /^(name|port|host|sticky|sticky_by|timeout|connect_timeout|targets?|weight|condition_strength|virtual_hosts|tls|ca): /,
      '',
    );
}

/**
 * A route renamed in the form. A "[host:port]" route is its own target: renamed to a plain name, it
 * keeps that target in its targets field rather than losing it.
 */
function renamed(r: RouteDraft, key: string): Partial<RouteDraft> {
  if (isBracketKey(r.key) && !isBracketKey(key) && !r.targets.trim())
    return { key, targets: r.key.slice(1, -1) };
  return { key };
}

/**
 * The gateway as YAML, editable; parse errors and engine issues are shown at their line. The text is the
 * editor's: what the user typed stays as typed, parseable or not.
 */
function YamlView({
  text,
  parseError,
  issues,
  onChange,
}: {
  text: string;
  parseError: string | undefined;
  issues: ConfigIssue[];
  onChange: (text: string) => void;
}) {
  const problems = useMemo(
    () =>
      issues
        .map((i) => ({ line: lineOfPath(text, i.path.slice(1)), message: i.message }))
        .sort((a, b) => (a.line ?? 0) - (b.line ?? 0)),
    [issues, text],
  );
  const lines = text.split('\n');
  const bad = new Set(problems.map((p) => p.line));
  return (
    <div className="yaml-view">
      <div className="yaml-editor">
        <pre className="gutter" aria-hidden="true">
          {lines.map((_, n) => (
            <span key={n} className={bad.has(n + 1) ? 'bad' : ''}>
              {n + 1}
              {'\n'}
            </span>
          ))}
        </pre>
        <textarea
          aria-label="Gateway YAML"
          spellCheck={false}
          value={text}
          rows={Math.max(8, lines.length + 1)}
          onChange={(e) => onChange(e.currentTarget.value)}
        />
      </div>
      {parseError && <p className="field-error">YAML: {parseError}</p>}
      <ul className="yaml-problems">
        {problems.map((p) => (
          <li key={`${p.line}-${p.message}`} className="field-error">
            {p.line ? `line ${p.line}: ` : ''}
            {p.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The message of the issue whose path is exactly [0, ...path]. */
function issueAt(issues: ConfigIssue[], path: (string | number)[]): string | undefined {
  return issues.find((i) => i.path.length === path.length + 1 && path.every((p, k) => i.path[k + 1] === p))
    ?.message;
}

/** Validates the draft through the engine as the user types (debounced), ignoring stale answers. */
function useValidation(
  source: Record<string, unknown>,
  dirty: boolean,
  setIssues: (i: ConfigIssue[]) => void,
): void {
  const client = useAppStore((s) => s.client);
  const latest = useRef(0);
  useEffect(() => {
    if (!dirty || !client) return;
    const ticket = ++latest.current;
    const timer = setTimeout(() => {
      void client.call('config.validate', { gateway: source }).then(
        (r) => ticket === latest.current && setIssues(r.issues),
        () => undefined,
      );
    }, 150);
    return () => clearTimeout(timer);
  }, [source, dirty, client, setIssues]);
}

/** The stored conditions a route may name, read when the form opens. */
function useNamedConditions(): Record<string, string> {
  const client = useAppStore((s) => s.client);
  const [named, setNamed] = useState<Record<string, string>>({});
  useEffect(() => {
    if (!client) return;
    let live = true;
    client
      .call('conditions.list', {})
      .then((list) => live && setNamed(Object.fromEntries(list.map((c) => [c.name, c.condition]))))
      .catch(() => undefined);
    return () => {
      live = false;
    };
  }, [client]);
  return named;
}
