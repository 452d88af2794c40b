import { useEffect, useRef, useState } from 'react';
import type { GatewayView } from '../../../shared/api/contract.js';
import { routeMap } from '../../../shared/config/source.js';
import {
  chaosDraft,
  chaosError,
  chaosSummary,
  faultsOf,
  type ChaosDraft,
  type ChaosField,
  type RawFaults,
} from '../lib/chaos.js';
import { routeColor } from '../lib/route-colors.js';
import { DraftInput } from './DraftInput.js';
import { useAppStore } from '../store/app-store.js';

/**
 * Faults per route, live (issue 15): delay, abort and bandwidth, each sent through `routes.setFaults` when
 * a slider is released or a box is committed (Enter or leaving it), like the weights. What the boxes show
 * when nobody is editing them is the gateway source's running faults, so the engine's echo is the truth.
 */
export function ChaosPanel({ gateway }: { gateway: GatewayView }) {
  const routes = Object.entries(routeMap(gateway.source.routes)).filter(([, r]) => !r?.respond);
  if (routes.length === 0) return null;
  return (
    <section className="chaos" aria-label="Chaos">
      <div className="section-head">
        <h3>Chaos</h3>
        <span className="muted">
          Inject faults into live traffic: a share of requests delayed, aborted (a status, or reset), or
          slowed to a bandwidth.
        </span>
      </div>
      {routes.map(([key, r]) => (
        <ChaosRow
          key={key}
          gateway={gateway.name}
          route={key}
          color={routeColor(gateway.config.routes.findIndex((x) => x.name === key))}
          faults={r?.faults}
        />
      ))}
    </section>
  );
}

function ChaosRow(props: {
  gateway: string;
  route: string;
  color: string;
  faults: RawFaults | null | undefined;
}) {
  const run = useAppStore((s) => s.run);
  // A duration or status typed while its fault is at 0% is not in the source yet; it is kept here so
  // moving the percent up afterwards uses it.
  const [kept, setKept] = useState<{ delayDuration?: string; abortStatus?: string }>({});
  const written = chaosDraft(props.faults);
  const running: ChaosDraft = {
    ...written,
    delayDuration: props.faults?.delay
      ? written.delayDuration
      : (kept.delayDuration ?? written.delayDuration),
    abortStatus: props.faults?.abort ? written.abortStatus : (kept.abortStatus ?? written.abortStatus),
  };
  // What was sent last, until the engine's echo arrives: a second change made before then builds on it.
  const sent = useRef<ChaosDraft>(undefined);
  useEffect(() => {
    sent.current = undefined;
  }, [props.faults]);
  const send = (field: ChaosField, value: string | number) => {
    const next: ChaosDraft = { ...(sent.current ?? running), [field]: value };
    sent.current = next;
    if (field === 'delayDuration' || field === 'abortStatus')
      setKept((k) => ({ ...k, [field]: String(value) }));
    void run((c) =>
      c.call('routes.setFaults', {
        name: props.gateway,
        route: props.route,
        faults: faultsOf(next, props.faults),
      }),
    );
  };
  const anything = !!props.faults && Object.keys(props.faults).length > 0;
  const r = props.route;
  return (
    <div className="chaos-row" aria-label={`Chaos for ${r}`}>
      <span className="route-label" title={r}>
        <span className="swatch" style={{ background: props.color }} />
        {r}
      </span>
      <fieldset className="chaos-fault">
        <legend>Delay</legend>
        <PercentSlider
          label={`${r} delay`}
          value={running.delayPercent}
          onCommit={(v) => send('delayPercent', v)}
        />
        <span className="muted">for</span>
        <CommitBox
          label={`${r} delay duration`}
          field="delayDuration"
          value={running.delayDuration}
          width="5em"
          onCommit={(v) => send('delayDuration', v)}
        />
      </fieldset>
      <fieldset className="chaos-fault">
        <legend>Abort</legend>
        <PercentSlider
          label={`${r} abort`}
          value={running.abortPercent}
          onCommit={(v) => send('abortPercent', v)}
        />
        <span className="muted">with</span>
        <CommitBox
          label={`${r} abort status`}
          field="abortStatus"
          value={running.abortStatus}
          width="4em"
          title="A status from 400 to 599, or reset (the connection is closed)"
          onCommit={(v) => send('abortStatus', v)}
        />
      </fieldset>
      <fieldset className="chaos-fault">
        <legend>Bandwidth</legend>
        <CommitBox
          label={`${r} bandwidth`}
          field="bandwidth"
          value={running.bandwidth}
          width="6em"
          placeholder="no limit"
          onCommit={(v) => send('bandwidth', v)}
        />
      </fieldset>
      <span className="chaos-running" role="status" aria-label={`${r} faults running`}>
        {chaosSummary(props.faults)}
      </span>
      <button
        disabled={!anything}
        aria-label={`Clear faults of ${r}`}
        onClick={() =>
          void run((c) => c.call('routes.setFaults', { name: props.gateway, route: r, faults: null }))
        }
      >
        clear
      </button>
    </div>
  );
}

/**
 * A percent slider and its exact box. A drag shows its value at once and is sent on release; a keyboard
 * step (arrows, Home, End) is sent as it happens, as the weight sliders do.
 */
function PercentSlider(props: { label: string; value: number; onCommit: (v: number) => void }) {
  const [drag, setDrag] = useState<number>();
  const dragging = drag !== undefined;
  const shown = drag ?? props.value;
  return (
    <>
      <input
        type="range"
        min={0}
        max={100}
        step={1}
        value={Math.round(shown)}
        aria-label={`${props.label}, percent of requests`}
        aria-valuetext={`${shown} percent`}
        onPointerDown={() => setDrag(props.value)}
        onPointerUp={(e) => {
          setDrag(undefined);
          const v = Number(e.currentTarget.value);
          if (v !== props.value) props.onCommit(v);
        }}
        onChange={(e) => {
          const v = Number(e.currentTarget.value);
          if (dragging) setDrag(v);
          else if (v !== props.value) props.onCommit(v);
        }}
      />
      <CommitBox
        label={`${props.label}, percent`}
        field="delayPercent"
        value={String(shown)}
        width="3.5em"
        onCommit={(v) => props.onCommit(Number(v))}
      />
      <span className="unit">%</span>
    </>
  );
}

/**
 * A box whose text is a draft until Enter or leaving it; only valid text is sent (the error says why
 * not), and Escape puts back the running value.
 */
function CommitBox(props: {
  label: string;
  field: ChaosField;
  value: string;
  width: string;
  title?: string;
  placeholder?: string;
  onCommit: (value: string) => void;
}) {
  return (
    <DraftInput
      boxClass="chaos-box"
      errorClass="chaos-error"
      errorId={`chaos-error-${props.label.replace(/\W+/g, '-')}`}
      style={{ width: props.width }}
      aria-label={props.label}
      title={props.title}
      placeholder={props.placeholder}
      value={props.value}
      check={(text) => chaosError(props.field, text)}
      onCommit={props.onCommit}
    />
  );
}
