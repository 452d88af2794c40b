/** A source of uniform draws in [0, 1). Injected everywhere a decision is random, so tests can seed it. */
export type Random = () => number;

export const systemRandom: Random = Math.random;

/** mulberry32: a small, fast, seedable generator; good enough for traffic splits, not for secrets. */
export function seededRandom(seed: number): Random {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
