import v8 from 'node:v8';

/**
 * How far V8 lets the old generation grow past the live heap before a full collection, in percent.
 *
 * V8's default lets it grow to up to 4x the live heap when collections are cheap, which suits a
 * short-lived script and not a proxy that stays resident all day: Switchyard's live heap is small and
 * bounded (the request log is capped), so that headroom is garbage held as RSS. Under a million requests
 * the default climbed from 183 MB at 100k to a 224 MB plateau over a live heap of 28 MB that never
 * grew; with the old generation allowed to double, RSS stayed within 3% of its 100k figure and small-body
 * throughput did not move (`npm run bench:soak`; figures in the README). The flag is one factor for every
 * mode, so it also replaces the tighter ones V8 uses while it reduces memory (1.1-1.3x); at an idle
 * live heap of about 16 MB that is a few MB, against tens of MB saved under load.
 * What it costs: under 1 MiB bodies full collections come far more often (twice as often in one
 * measurement, 16-28 against none in 6 s in another; the README has the figures), and their marking on
 * V8's helper threads took the gateway 129-224 µs per response against a bare proxy's 43 µs at V8's
 * default. 200% took 15-20% less CPU per response there, but peaked 25 MB higher and plateaued at 190 MB
 * instead of 156 MB in the soak; small bodies showed no difference beyond the noise. Memory is the
 * product's side of that.
 */
export const HEAP_GROWING_PERCENT = 100;

/** Applies the policy to this process's V8 (Node 22 and Electron's Node 24 both know the flag); idempotent. */
export function applyResidentHeapPolicy(): void {
  v8.setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
