/**
 * Weight slider arithmetic. Weights are whole percentages that always total exactly 100: moving one
 * route's slider takes from (or gives to) the other unlocked routes in proportion to what they have,
 * and locked routes keep their value.
 */
export interface SliderRoute {
  weight: number;
  locked: boolean;
}

/** The most route `index` can have: 100 less what locked routes hold. */
export function maxFor(routes: readonly SliderRoute[], index: number): number {
  const locked = routes.reduce((sum, r, i) => sum + (i !== index && r.locked ? r.weight : 0), 0);
  return Math.max(0, 100 - locked);
}

/** Sets route `index` to `value` and rebalances the other unlocked routes; returns the new weights. */
export function rebalance(routes: readonly SliderRoute[], index: number, value: number): number[] {
  const weights = routes.map((r) => r.weight);
  if (routes.length === 0) return weights;
  if (routes.length === 1) return [100];
  const free = routes.map((r, i) => i !== index && !r.locked);
  const lockedTotal = routes.reduce((sum, r, i) => sum + (i !== index && r.locked ? r.weight : 0), 0);
  if (!free.some(Boolean)) {
    // Nothing can absorb a change: the route holds what the locked ones leave.
    weights[index] = Math.max(0, 100 - lockedTotal);
    return weights;
  }
  const target = clamp(Math.round(value), 0, Math.max(0, 100 - lockedTotal));
  const rest = 100 - lockedTotal - target;
  const freeTotal = routes.reduce((sum, r, i) => sum + (free[i] ? r.weight : 0), 0);
  const freeCount = free.filter(Boolean).length;
  const exact = routes.map((r, i) =>
    free[i] ? (freeTotal > 0 ? (r.weight / freeTotal) * rest : rest / freeCount) : 0,
  );
  const shares = largestRemainder(exact, rest, free);
  return routes.map((r, i) => (i === index ? target : free[i] ? (shares[i] as number) : r.weight));
}

/** Divides what locked routes leave evenly over the unlocked ones: 34/33/33 for three. */
export function evenSplit(routes: readonly SliderRoute[]): number[] {
  const lockedTotal = routes.reduce((sum, r) => sum + (r.locked ? r.weight : 0), 0);
  const free = routes.map((r) => !r.locked);
  const count = free.filter(Boolean).length;
  if (count === 0) return routes.map((r) => r.weight);
  const rest = Math.max(0, 100 - lockedTotal);
  const shares = largestRemainder(
    routes.map((_, i) => (free[i] ? rest / count : 0)),
    rest,
    free,
  );
  return routes.map((r, i) => (free[i] ? (shares[i] as number) : r.weight));
}

/** Whole numbers for the `eligible` entries that sum to `total`, each as close to `exact` as can be. */
function largestRemainder(exact: number[], total: number, eligible: boolean[]): number[] {
  const floors = exact.map((e, i) => (eligible[i] ? Math.floor(e + 1e-9) : 0));
  let left = total - floors.reduce((a, b) => a + b, 0);
  const order = exact
    .map((e, i) => ({ i, frac: e - Math.floor(e + 1e-9) }))
    .filter(({ i }) => eligible[i])
    .sort((a, b) => b.frac - a.frac || a.i - b.i);
  for (let k = 0; left > 0 && order.length; k = (k + 1) % order.length, left--) floors[order[k]!.i]!++;
  return floors;
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
