import { hashUnit } from './hash.js';
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
 * lowest wins. Changing one candidate's weight only moves keys to or from that candidate, so a user keeps
 * their variant while other routes are re-weighted, as far as the weights allow.
 */
export class HashedWeights implements WeightPolicy {
  constructor(private readonly fallback: WeightPolicy) {}
  choose<T extends Weighted>(candidates: readonly T[], key: string | undefined): T | undefined {
    if (key === undefined) return this.fallback.choose(candidates, key);
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
    return key === undefined ? this.fallback.draw(route, key) : hashUnit(`${key}\u0000strength\u0000${route}`);
  }
}
