import { describe, expect, it } from 'vitest';
import { evenSplit, maxFor, rebalance, type SliderRoute } from '../../../../renderer/src/lib/weights.js';

const r = (...weights: (number | [number, 'locked'])[]): SliderRoute[] =>
  weights.map((w) => (Array.isArray(w) ? { weight: w[0], locked: true } : { weight: w, locked: false }));
const total = (ws: number[]) => ws.reduce((a, b) => a + b, 0);

describe('rebalance', () => {
  it('moves the other routes proportionally', () => {
    expect(rebalance(r(50, 30, 20), 0, 60)).toEqual([60, 24, 16]);
    expect(rebalance(r(90, 10), 0, 50)).toEqual([50, 50]);
    expect(rebalance(r(50, 30, 20), 2, 0)).toEqual([63, 37, 0]);
  });

  it('shares equally when the others have nothing', () => {
    expect(rebalance(r(100, 0, 0), 0, 40)).toEqual([40, 30, 30]);
    expect(rebalance(r(100, 0, 0, 0), 0, 0)).toEqual([0, 34, 33, 33]);
  });

  it('keeps locked routes and caps the moved one at what they leave', () => {
    expect(rebalance(r(40, [30, 'locked'], 30), 0, 60)).toEqual([60, 30, 10]);
    expect(rebalance(r(40, [30, 'locked'], 30), 0, 95)).toEqual([70, 30, 0]);
    expect(maxFor(r(40, [30, 'locked'], 30), 0)).toBe(70);
    // The only unlocked route cannot move.
    expect(rebalance(r(40, [30, 'locked'], [30, 'locked']), 0, 10)).toEqual([40, 30, 30]);
  });

  it('always totals exactly 100 with whole numbers, whatever the inputs', () => {
    let seed = 11;
    const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let k = 0; k < 2000; k++) {
      const n = 2 + Math.floor(rand() * 5);
      // A random starting split: an even one, moved about a few times, with some routes locked.
      let weights = evenSplit(Array.from({ length: n }, () => ({ weight: 0, locked: false })));
      for (let m = 0; m < 3; m++)
        weights = rebalance(
          weights.map((w) => ({ weight: w, locked: false })),
          Math.floor(rand() * n),
          rand() * 100,
        );
      const routes = weights.map((w) => ({ weight: w, locked: rand() < 0.2 }));
      const index = Math.floor(rand() * n);
      const out = rebalance(routes, index, rand() * 120 - 10);
      expect(total(out)).toBe(100);
      for (const w of out) expect(Number.isInteger(w) && w >= 0).toBe(true);
      routes.forEach((route, i) => i !== index && route.locked && expect(out[i]).toBe(route.weight));
    }
  });

  it('pins a single route at 100', () => {
    expect(rebalance(r(100), 0, 20)).toEqual([100]);
  });
});

describe('evenSplit', () => {
  it('splits evenly, the remainder to the first: 34/33/33', () => {
    expect(evenSplit(r(90, 5, 5))).toEqual([34, 33, 33]);
    expect(evenSplit(r(1, 1))).toEqual([50, 50]);
    expect(evenSplit(r([40, 'locked'], 0, 0, 0))).toEqual([40, 20, 20, 20]);
  });
});
