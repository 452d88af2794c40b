import { hash32, hashUnit } from '../../shared/wire/hash.js';
import type { Random } from './random.js';

/**
 * The small policies route selection is made of, each behind a one-method interface (as Caddy's
 * selection policies are). Random ones take an injected source; hashed ones are deterministic per key.
 */

export interface Weighted {
  readonly name: string;
  readonly weight: number;
}

/** Picks one of the candidates by weight; undefined when no candidate has weight. */
export interface WeightPolicy {
  choose<T extends Weighted>(candidates: readonly T[], key: string | undefined): T | undefined;
}

/** Returns a draw in [0, 1) for a strength test: the route is taken when draw < strength. */
export interface StrengthPolicy {
  draw(route: string, key: string | undefined): number;
}

export class RandomWeights implements WeightPolicy {
  constructor(private readonly random: Random) {}
  choose<T extends Weighted>(candidates: readonly T[]): T | undefined {
    let total = 0;
    for (const c of candidates) total += c.weight;
    if (total <= 0) return undefined;
    let point = this.random() * total;
    for (const c of candidates) {
      if (c.weight <= 0) continue;
      point -= c.weight;
      if (point < 0) return c;
    }
    // Floating-point leftovers: the last route with weight.
    return [...candidates].reverse().find((c) => c.weight > 0);
  }
}

/**
 * Weighted rendezvous hashing: each candidate scores -ln(u)/weight with u from hash(key, candidate); the
 * lowest wins. Used for instances under sticky_by: adding or removing one moves only the keys it gains or
 * loses.
 */
export function rendezvousPick<T extends Weighted>(candidates: readonly T[], key: string): T | undefined {
  let best: T | undefined;
  let bestScore = Infinity;
  for (const c of candidates) {
    if (c.weight <= 0) continue;
    const score = -Math.log(hashUnit(`${key}\u0000${c.name}`)) / c.weight;
    if (score < bestScore) {
      bestScore = score;
      best = c;
    }
  }
  return best;
}

/**
 * sticky_by for routes: a key hashes to one of SLOTS slots, and each route owns a share of the slots equal
 * to its weight. When weights change, the table is rebuilt from the previous one moving as few slots as
 * possible: routes that lost weight give up slots, routes that gained take exactly those. So a user on a
 * route whose weight did not drop keeps that route, whatever happens to the others.
 */
export class SlotWeights implements WeightPolicy {
  static readonly SLOTS = 10_000;
  private readonly owner: Int32Array;

  constructor(
    private readonly names: readonly string[],
    weights: readonly number[],
    private readonly fallback: WeightPolicy,
    previous?: SlotWeights,
  ) {
    this.owner = allocateSlots(names, weights, previous);
  }

  choose<T extends Weighted>(candidates: readonly T[], key: string | undefined): T | undefined {
    if (key === undefined) return this.fallback.choose(candidates, key);
    const index = this.owner[hash32(key) % SlotWeights.SLOTS] ?? -1;
    return index >= 0 ? candidates.find((c) => c.name === this.names[index]) : undefined;
  }

  /** Which route name owns each slot (for rebuilding). */
  ownerName(slot: number): string | undefined {
    const i = this.owner[slot] ?? -1;
    return i >= 0 ? this.names[i] : undefined;
  }
}

/** Largest-remainder quotas, then a minimal-change reassignment from the previous table. */
function allocateSlots(
  names: readonly string[],
  weights: readonly number[],
  previous?: SlotWeights,
): Int32Array {
  const n = SlotWeights.SLOTS;
  const total = weights.reduce((a, b) => a + b, 0);
  const owner = new Int32Array(n).fill(-1);
  if (total <= 0) return owner;
  const exact = weights.map((w) => (w / total) * n);
  const quota = exact.map(Math.floor);
  const order = exact
    .map((e, i) => [e - Math.floor(e), i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  for (let k = 0, left = n - quota.reduce((a, b) => a + b, 0); k < left; k++) quota[order[k]![1]]!++;

  const indexOf = new Map(names.map((name, i) => [name, i]));
  const held = new Array<number>(names.length).fill(0);
  if (previous) {
    for (let slot = 0; slot < n; slot++) {
      const i = indexOf.get(previous.ownerName(slot) ?? '');
      if (i !== undefined && held[i]! < quota[i]!) {
        owner[slot] = i;
        held[i]!++;
      }
    }
  }
  let next = 0;
  for (let slot = 0; slot < n; slot++) {
    if (owner[slot] !== -1) continue;
    while (next < names.length && held[next]! >= quota[next]!) next++;
    if (next >= names.length) break;
    owner[slot] = next;
    held[next]!++;
  }
  return owner;
}

export class RandomStrength implements StrengthPolicy {
  constructor(private readonly random: Random) {}
  draw(): number {
    return this.random();
  }
}

/** Under sticky_by the strength draw is a hash of the key, so a user is in or out of a condition's share for good. */
export class HashedStrength implements StrengthPolicy {
  constructor(private readonly fallback: StrengthPolicy) {}
  draw(route: string, key: string | undefined): number {
    return key === undefined
      ? this.fallback.draw(route, key)
      : hashUnit(`${key}\u0000strength\u0000${route}`);
  }
}
