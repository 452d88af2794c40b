/**
 * The statistics that say whether a difference between two routes is real: Wilson intervals for error
 * rates, a two-proportion z-test for errors, a Mann-Whitney U test for latency (read from the stats'
 * latency histograms, ties within a bucket counted as ties), and order-statistic intervals for percentiles.
 * Below MIN_SAMPLE requests on either side the answer is "not enough requests to tell", never a number.
 */

/** Requests each side needs before a test is run at all (the normal approximations need about this many). */
export const MIN_SAMPLE = 30;
/** Two-sided significance level. */
export const ALPHA = 0.05;
const Z95 = 1.959963984540054;

export interface Interval {
  low: number;
  high: number;
}

export interface Significance {
  verdict: 'not-enough' | 'significant' | 'not-significant';
  /** In words, for the UI and reports. */
  text: string;
  /** Two-sided p-value, when a test was run. */
  pValue?: number;
}

/** The 95% Wilson score interval of k successes in n trials. */
export function wilson(k: number, n: number): Interval {
  if (n === 0) return { low: 0, high: 1 };
  const p = k / n;
  const z2 = Z95 * Z95;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (Z95 * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half) };
}

/** The standard normal distribution function (Abramowitz and Stegun 7.1.26, error below 1.5e-7). */
export function normalCdf(z: number): number {
  const x = Math.abs(z) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * x);
  const erf =
    1 -
    ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) *
      t *
      Math.exp(-x * x);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

function verdictOf(z: number, what: string): Significance {
  const pValue = 2 * (1 - normalCdf(Math.abs(z)));
  return pValue < ALPHA
    ? { verdict: 'significant', pValue, text: `${what} (p = ${pValue.toPrecision(2)})` }
    : {
        verdict: 'not-significant',
        pValue,
        text: `no significant difference (p = ${pValue.toPrecision(2)})`,
      };
}

const notEnough = (n1: number, n2: number): Significance | undefined =>
  n1 < MIN_SAMPLE || n2 < MIN_SAMPLE
    ? { verdict: 'not-enough', text: `not enough requests to tell (${MIN_SAMPLE} each needed)` }
    : undefined;

/** Two-proportion z-test (pooled): is route 2's error rate different from route 1's? */
export function twoProportion(k1: number, n1: number, k2: number, n2: number): Significance {
  const few = notEnough(n1, n2);
  if (few) return few;
  const pooled = (k1 + k2) / (n1 + n2);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2));
  if (se === 0) return { verdict: 'not-significant', pValue: 1, text: 'no difference' };
  const z = (k2 / n2 - k1 / n1) / se;
  return verdictOf(z, z > 0 ? 'more errors, significant' : 'fewer errors, significant');
}

/**
 * Mann-Whitney U from two latency histograms over the same buckets (normal approximation with the tie
 * correction): is route 2 slower or faster than route 1?
 */
export function mannWhitney(h1: ArrayLike<number>, h2: ArrayLike<number>): Significance {
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < h1.length; i++) {
    n1 += h1[i]!;
    n2 += h2[i]!;
  }
  const few = notEnough(n1, n2);
  if (few) return few;
  // U2: pairs where route 2's latency is higher, ties counting half.
  let u = 0;
  let below1 = 0;
  let ties = 0;
  for (let i = 0; i < h1.length; i++) {
    const a = h1[i]!;
    const b = h2[i]!;
    u += b * (below1 + a / 2);
    below1 += a;
    const t = a + b;
    ties += t * t * t - t;
  }
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - ties / (n * (n - 1)));
  if (variance <= 0) return { verdict: 'not-significant', pValue: 1, text: 'no difference' };
  const z = (u - mean) / Math.sqrt(variance);
  return verdictOf(z, z > 0 ? 'slower, significant' : 'faster, significant');
}

/**
 * A 95% interval for the p-th percentile of n values in a histogram: the values at the order statistics
 * n·p ∓ 1.96·sqrt(n·p·(1−p)) (the binomial approximation), read through `valueAt(rank)`.
 */
export function percentileInterval(
  n: number,
  p: number,
  valueAt: (rank: number) => number,
): Interval | undefined {
  if (n < MIN_SAMPLE) return undefined;
  const spread = Z95 * Math.sqrt(n * p * (1 - p));
  const low = Math.max(1, Math.floor(n * p - spread));
  const high = Math.min(n, Math.ceil(n * p + spread) + 1);
  return { low: valueAt(low), high: valueAt(high) };
}
