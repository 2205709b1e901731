import { probit } from 'simple-statistics';

/**
 * Count distributions for run volumes. A run's record count is a count, not a measurement: with
 * 5 records a day a plain normal band says "-3 to 13" and never notices a zero, while with 5,000 a
 * day the noise is mostly day-to-day variation, not counting noise. The negative binomial
 * (Poisson–gamma) covers both: Var = mu + phi·mu², exact tails for small counts, overdispersion
 * for large ones. Everything here is closed form or a short recurrence: the validator walks
 * thousands of runs per judgement, so no tables are built.
 */

/** Tail probabilities below this are reported as this: the score saturates near 8 sigma. */
const SMALLEST_TAIL = 1e-15;
/**
 * Above this variance (sd 30) counting is no longer discrete in any way that matters and an exact
 * sum would run to hundreds of terms; the gamma that the negative binomial approaches is used
 * instead, through the Wilson–Hilferty cube-root transform (closed form both ways).
 */
const CONTINUOUS_VARIANCE = 900;
const MAX_TERMS = 20_000;
/** Terms below this share of the running sum are dropped: tails beyond 1e-12 all read as about 7 sigma. */
const NEGLIGIBLE_SHARE = 1e-13;

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

/** One negative binomial in a mixture: the validator's predictive for a run is a few of these. */
export interface CountComponent {
  weight: number;
  mean: number;
  phi: number;
}

const LANCZOS = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];

/** log Γ(x) for x > 0 (Lanczos, g = 7): about 15 digits, a few dozen flops. */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0]!;
  for (let i = 1; i < 9; i++) sum += LANCZOS[i]! / (z + i);
  const t = z + 7.5;
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** log P(X = y) of the negative binomial with this mean and overdispersion (phi = 0: Poisson). */
export function logCountProbability(y: number, mean: number, phi: number): number {
  const mu = Math.max(mean, 1e-9);
  if (phi <= 1e-9) return y * Math.log(mu) - mu - logGamma(y + 1);
  const shape = 1 / phi;
  return logGamma(y + shape) - logGamma(shape) - logGamma(y + 1) + shape * Math.log(shape / (shape + mu)) + y * Math.log(mu / (shape + mu));
}

/**
 * What P(y+1)/P(y) needs of one distribution (see `stepRatio`), worked out once per tail sum: at
 * every term it cost two of the step's four divisions.
 */
interface StepTerms {
  mu: number;
  poisson: boolean;
  shape: number;
  /** mu / (shape + mu) */
  odds: number;
}

function stepTerms(mu: number, phi: number): StepTerms {
  const shape = 1 / phi;
  return { mu, poisson: phi <= 1e-9, shape, odds: mu / (shape + mu) };
}

/** Ratio P(y+1)/P(y). */
function stepRatio(y: number, terms: StepTerms): number {
  if (terms.poisson) return terms.mu / (y + 1);
  return ((y + terms.shape) / (y + 1)) * terms.odds;
}

function modeOf(mu: number, phi: number): number {
  if (phi <= 1e-9) return Math.floor(mu);
  const shape = 1 / phi;
  return shape > 1 ? Math.max(0, Math.floor(((shape - 1) * mu) / shape)) : 0;
}

/** Σ P(k) for k = y, y-1, ... (terms shrink away from the mode). */
function sumDown(y: number, mu: number, phi: number): number {
  const terms = stepTerms(mu, phi);
  let p = Math.exp(logCountProbability(y, mu, phi));
  let sum = p;
  for (let k = y, n = 0; k > 0 && p > sum * NEGLIGIBLE_SHARE && n < MAX_TERMS; k--, n++) {
    p /= stepRatio(k - 1, terms);
    sum += p;
  }
  // `+ 0` changes no value (sum ≥ 0); it keeps V8 from boxing the running sum on the heap at
  // every term (it did: a tenth of a cold walk's allocations came from these two loops).
  return sum + 0;
}

/** Σ P(k) for k = y, y+1, ... */
function sumUp(y: number, mu: number, phi: number): number {
  const terms = stepTerms(mu, phi);
  let p = Math.exp(logCountProbability(y, mu, phi));
  let sum = p;
  for (let k = y, n = 0; p > sum * NEGLIGIBLE_SHARE && n < MAX_TERMS; k++, n++) {
    p *= stepRatio(k, terms);
    sum += p;
  }
  return sum + 0; // as in sumDown
}

function isContinuous(mu: number, phi: number): boolean {
  return mu + Math.max(0, phi) * mu * mu > CONTINUOUS_VARIANCE;
}

/** Gamma with the same mean and variance: (X/mean)^(1/3) is close to normal. */
function cubeRootScore(x: number, mu: number, phi: number): number {
  const variance = mu + Math.max(0, phi) * mu * mu;
  const shape = (mu * mu) / variance;
  const center = 1 - 1 / (9 * shape);
  return (Math.cbrt(Math.max(0, x) / mu) - center) / Math.sqrt(1 / (9 * shape));
}

/** P(X ≤ x) */
export function countLowerTail(x: number, mean: number, phi: number): number {
  const mu = Math.max(mean, 1e-9);
  const y = Math.floor(x);
  if (y < 0) return 0;
  // +0.5: the continuity correction, so a count on the edge is judged as the exact sum would.
  if (isContinuous(mu, phi)) return standardNormalCdf(cubeRootScore(y + 0.5, mu, phi));
  return y <= modeOf(mu, phi) ? Math.min(1, sumDown(y, mu, phi)) : Math.max(0, 1 - sumUp(y + 1, mu, phi));
}

/** P(X ≥ x) */
export function countUpperTail(x: number, mean: number, phi: number): number {
  const mu = Math.max(mean, 1e-9);
  const y = Math.ceil(x);
  if (y <= 0) return 1;
  if (isContinuous(mu, phi)) return standardNormalCdf(-cubeRootScore(y - 0.5, mu, phi));
  return y > modeOf(mu, phi) ? Math.min(1, sumUp(y, mu, phi)) : Math.max(0, 1 - sumDown(y - 1, mu, phi));
}

export function mixtureLowerTail(components: readonly CountComponent[], x: number): number {
  let tail = 0;
  for (const c of components) tail += c.weight * countLowerTail(x, c.mean, c.phi);
  return tail;
}

export function mixtureUpperTail(components: readonly CountComponent[], x: number): number {
  let tail = 0;
  for (const c of components) tail += c.weight * countUpperTail(x, c.mean, c.phi);
  return tail;
}

export function mixtureMean(components: readonly CountComponent[]): number {
  let mean = 0;
  for (const c of components) mean += c.weight * c.mean;
  return mean;
}

/**
 * A cheap sigma-scale distance of x from a component (cube-root normal approximation): used to
 * skip the exact tails for the many runs that are plainly ordinary.
 */
export function roughScore(x: number, mean: number, phi: number): number {
  return cubeRootScore(x, Math.max(mean, 1e-9), phi);
}

/**
 * One distribution's band in one pass: the smallest count whose lower tail reaches `alpha` and the
 * largest whose upper tail does. Closed form on the continuous side, a running sum on the exact one.
 */
export function countBand(mean: number, phi: number, alpha: number): { low: number; high: number } {
  const mu = Math.max(mean, 1e-9);
  const variance = mu + Math.max(0, phi) * mu * mu;
  if (variance > CONTINUOUS_VARIANCE) {
    const shape = (mu * mu) / variance;
    const center = 1 - 1 / (9 * shape);
    const spread = Math.sqrt(1 / (9 * shape));
    const z = -probit(Math.min(0.5, Math.max(SMALLEST_TAIL, alpha)));
    const countAt = (score: number): number => mu * Math.max(0, center + score * spread) ** 3;
    return { low: Math.max(0, Math.ceil(countAt(-z) - 0.5)), high: Math.floor(countAt(z) + 0.5) };
  }
  let k = Math.max(0, Math.floor(mu - 12 * Math.sqrt(variance)));
  let p = Math.exp(logCountProbability(k, mu, phi));
  let below = k > 0 ? countLowerTail(k - 1, mu, phi) : 0;
  let low = -1;
  const terms = stepTerms(mu, phi);
  for (let n = 0; n < MAX_TERMS; n++, k++) {
    // `below` is P(X < k): k is the band's top while P(X ≥ k) still reaches alpha.
    if (1 - below < alpha) return { low: Math.max(low, 0), high: Math.max(k - 1, Math.max(low, 0)) };
    below += p;
    if (low < 0 && below >= alpha) low = k;
    p *= stepRatio(k, terms);
  }
  return { low: Math.max(low, 0), high: k };
}

/**
 * Where the band searches start and stop doubling: a component whose mean overflowed or whose tail
 * is NaN (an outside history with an absurd gap or count) must not keep a bisection going for ever;
 * the search still ends with a number a count can be.
 */
const LARGEST_COUNT = Number.MAX_SAFE_INTEGER;

/** The smallest count whose lower tail under the mixture reaches `alpha`. */
export function mixtureLowestNormal(components: readonly CountComponent[], alpha: number): number {
  if (components.length === 1) return countBand(components[0]!.mean, components[0]!.phi, alpha).low;
  let low = 0;
  let high = Math.min(LARGEST_COUNT, Math.ceil(Math.max(1, ...components.map((c) => c.mean))));
  if (mixtureLowerTail(components, 0) >= alpha) return 0;
  while (high < LARGEST_COUNT && mixtureLowerTail(components, high) < alpha) high = Math.min(LARGEST_COUNT, high * 2);
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (mixtureLowerTail(components, mid) >= alpha) high = mid;
    else low = mid;
  }
  return high;
}

/** The largest count whose upper tail under the mixture reaches `alpha`. */
export function mixtureHighestNormal(components: readonly CountComponent[], alpha: number): number {
  if (components.length === 1) return countBand(components[0]!.mean, components[0]!.phi, alpha).high;
  let low = Math.floor(Math.min(...components.map((c) => c.mean)));
  let high = Math.min(LARGEST_COUNT, Math.ceil(Math.max(2, ...components.map((c) => c.mean)) * 2));
  while (high < LARGEST_COUNT && mixtureUpperTail(components, high) >= alpha) high = Math.min(LARGEST_COUNT, high * 2);
  if (mixtureUpperTail(components, low) < alpha) low = 0;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (mixtureUpperTail(components, mid) >= alpha) low = mid;
    else high = mid;
  }
  return low;
}

/** One negative binomial as a distribution object (mix and quarantine read it this way). */
export function negativeBinomial(mean: number, phi: number): CountDistribution {
  const components = [{ weight: 1, mean: Math.max(mean, 1e-9), phi }];
  return {
    mean,
    lowerTail: (x) => mixtureLowerTail(components, x),
    upperTail: (x) => mixtureUpperTail(components, x),
    lowestNormal: (alpha) => mixtureLowestNormal(components, alpha),
    highestNormal: (alpha) => mixtureHighestNormal(components, alpha),
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

export function standardNormalCdf(z: number): number {
  // Abramowitz–Stegun 7.1.26 via erf; simple-statistics' table lookup is too coarse out here.
  const t = 1 / (1 + 0.3275911 * (Math.abs(z) / Math.SQRT2));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(z * z) / 2);
  return z >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
