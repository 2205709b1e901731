import { probit } from 'simple-statistics';

/**
 * Count distributions for run volumes. A run's record count is a count, not a measurement: with
 * 5 records a day a plain normal band says "-3 to 13" and never notices a zero, while with 5,000 a
 * day the noise is mostly day-to-day variation, not counting noise. The negative binomial
 * (Poisson–gamma) covers both: Var = mu + phi·mu², exact tails for small counts, overdispersion
 * for large ones.
 */

/** Tail probabilities below this are reported as this: the score saturates near 8 sigma. */
const SMALLEST_TAIL = 1e-15;
/** The pmf is tabulated until terms fall below this share of the mode's mass. */
const NEGLIGIBLE_MASS = 1e-18;
const MAX_TABULATED_TERMS = 60_000;
/**
 * Above this variance (sd 30) counting is no longer discrete in any way that matters and a table
 * would run to thousands of terms per check; the gamma that the negative binomial approaches is
 * used instead, through the Wilson–Hilferty cube-root transform (closed form both ways).
 */
const CONTINUOUS_VARIANCE = 900;

export interface CountDistribution {
  readonly mean: number;
  /** P(X ≤ x) */
  lowerTail(x: number): number;
  /** P(X ≥ x) */
  upperTail(x: number): number;
  /** The smallest count whose lower tail reaches `alpha`: counts below it are alarms. */
  lowestNormal(alpha: number): number;
  /** The largest count whose upper tail reaches `alpha`: counts above it are alarms. */
  highestNormal(alpha: number): number;
}

/** Ratio pmf(x+1)/pmf(x); phi = 0 is the Poisson limit. */
function stepRatio(x: number, mean: number, phi: number): number {
  if (phi <= 0) return mean / (x + 1);
  const shape = 1 / phi;
  return ((x + shape) / (x + 1)) * (mean / (shape + mean));
}

function modeOf(mean: number, phi: number): number {
  if (phi <= 0) return Math.floor(mean);
  const shape = 1 / phi;
  return shape > 1 ? Math.max(0, Math.floor(((shape - 1) * mean) / shape)) : 0;
}

/**
 * Tabulates the pmf outwards from the mode with the recurrence (no factorials, no underflow at
 * 5,000 records), then normalizes; cumulative sums make every tail an array lookup.
 */
export function negativeBinomial(mean: number, phi: number): CountDistribution {
  const mu = Math.max(mean, 1e-9);
  const variance = mu + Math.max(0, phi) * mu * mu;
  if (variance > CONTINUOUS_VARIANCE) return wilsonHilferty(mu, variance);
  const mode = modeOf(mu, phi);
  const below: number[] = [];
  let term = 1;
  for (let x = mode; x > 0 && term > NEGLIGIBLE_MASS && below.length < MAX_TABULATED_TERMS; x--) {
    term /= stepRatio(x - 1, mu, phi);
    below.push(term);
  }
  const above: number[] = [];
  term = 1;
  for (let x = mode; term > NEGLIGIBLE_MASS && above.length < MAX_TABULATED_TERMS; x++) {
    term *= stepRatio(x, mu, phi);
    above.push(term);
  }
  const first = mode - below.length;
  const pmf = [...below.reverse(), 1, ...above];
  const total = pmf.reduce((sum, p) => sum + p, 0);
  const cumulative = new Float64Array(pmf.length);
  let running = 0;
  for (let i = 0; i < pmf.length; i++) {
    running += pmf[i]! / total;
    cumulative[i] = running;
  }
  return tabulated(mu, first, cumulative);
}

/** Gamma with the same mean and variance: (X/mean)^(1/3) is close to normal. */
function wilsonHilferty(mean: number, variance: number): CountDistribution {
  const shape = (mean * mean) / variance;
  const center = 1 - 1 / (9 * shape);
  const spread = Math.sqrt(1 / (9 * shape));
  const z = (x: number): number => (Math.cbrt(Math.max(0, x) / mean) - center) / spread;
  const countAt = (score: number): number => mean * Math.max(0, center + score * spread) ** 3;
  return {
    mean,
    // ±0.5: the continuity correction, so a count on the edge is judged like the table would.
    lowerTail: (x) => standardNormalCdf(z(Math.floor(x) + 0.5)),
    upperTail: (x) => standardNormalCdf(-z(Math.ceil(x) - 0.5)),
    lowestNormal: (alpha) => Math.max(0, Math.ceil(countAt(-inverseTail(alpha)) - 0.5)),
    highestNormal: (alpha) => Math.floor(countAt(inverseTail(alpha)) + 0.5),
  };
}

/** The sigma whose one-sided tail is `alpha`. */
function inverseTail(alpha: number): number {
  return -probit(Math.min(0.5, Math.max(SMALLEST_TAIL, alpha)));
}

function tabulated(mean: number, first: number, cumulative: Float64Array): CountDistribution {
  const last = first + cumulative.length - 1;
  const cdf = (x: number): number => {
    if (x < first) return 0;
    if (x >= last) return 1;
    return cumulative[Math.floor(x) - first]!;
  };
  return {
    mean,
    lowerTail: (x) => cdf(Math.floor(x)),
    upperTail: (x) => Math.max(0, 1 - cdf(Math.ceil(x) - 1)),
    lowestNormal(alpha) {
      let x = Math.max(0, first);
      while (x < last && cdf(x) < alpha) x++;
      return x;
    },
    highestNormal(alpha) {
      let x = last;
      while (x > first && 1 - cdf(x - 1) < alpha) x--;
      return x;
    },
  };
}

/** A one-sided tail probability as a number of standard-normal sigmas (0 when unremarkable). */
export function tailScore(tail: number): number {
  const bounded = Math.min(0.5, Math.max(SMALLEST_TAIL, tail));
  return -probit(bounded);
}

/** The tail probability that corresponds to a sigma threshold (one-sided). */
export function tailForScore(score: number): number {
  return 1 - standardNormalCdf(score);
}

function standardNormalCdf(z: number): number {
  // Abramowitz–Stegun 7.1.26 via erf; simple-statistics' table lookup is too coarse out here.
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/** Two-sided normal tail scores for a continuous residual measured in sigmas. */
export function normalScore(residual: number, sigma: number): number {
  if (!(sigma > 0)) return 0;
  return residual / sigma;
}
