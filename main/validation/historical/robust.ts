import { median, quantileSorted } from 'simple-statistics';

/**
 * Robust summaries. Past anomalies sit in the history (nobody cleans it), so every baseline here
 * is a trimmed or median-based statistic: one bad week cannot widen the band for the next month.
 */

/** Mean of the middle 50%: robust like a median, but not stuck on integers for small counts. */
export function interquartileMean(values: readonly number[]): number {
  return trimmedMean(values, 0.25);
}

export function trimmedMean(values: readonly number[], fraction: number): number {
  if (values.length === 0) return Number.NaN;
  // A typed array sorts numerically without a comparator: the level series sorts thousands of these.
  const sorted = Float64Array.from(values).sort();
  const cut = Math.floor(sorted.length * fraction);
  let sum = 0;
  for (let i = cut; i < sorted.length - cut; i++) sum += sorted[i]!;
  return sum / (sorted.length - 2 * cut);
}

export function upperQuartile(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  return quantileSorted([...values].sort((a, b) => a - b), 0.75);
}

/** 1.4826·MAD: a standard deviation that ignores the worst half of the data. */
export function robustSigma(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const center = median([...values]);
  return 1.4826 * median(values.map((v) => Math.abs(v - center)));
}

export interface CountObservation {
  observed: number;
  expected: number;
}

/**
 * Overdispersion phi of counts around their expectations (Var = mu + phi·mu²), by moments over
 * the observations that are not themselves outliers: past anomalies are dropped at 4 sigma and
 * the estimate is refitted, so they do not widen the band.
 */
export function estimateOverdispersion(observations: readonly CountObservation[], floor: number): number {
  let phi = 0.05;
  for (let round = 0; round < 3; round++) {
    let excess = 0;
    let weight = 0;
    for (const { observed, expected } of observations) {
      if (!(expected > 0)) continue;
      const sd = Math.sqrt(expected + phi * expected * expected);
      if (Math.abs(observed - expected) > 4 * sd) continue;
      excess += (observed - expected) ** 2 - observed;
      weight += expected * expected;
    }
    phi = weight > 0 ? Math.max(floor, excess / weight) : floor;
  }
  return phi;
}

export interface ShareObservation {
  part: number;
  whole: number;
}

export interface ShareEstimate {
  share: number;
  /** Intra-run correlation of the beta-binomial: 0 is plain binomial noise. */
  rho: number;
}

/**
 * A share (added of fetched, ...) pooled over runs, with its beta-binomial overdispersion;
 * runs more than 4 sigma away are dropped and the estimate refitted. The first guess is the
 * median run's share, and no run weighs more than five typical ones: a few huge broken runs
 * would otherwise outweigh every ordinary run and never be dropped.
 */
export function estimateShare(observations: readonly ShareObservation[], rhoFloor: number): ShareEstimate {
  const sized = observations.filter((o) => o.whole > 0);
  if (sized.length === 0) return { share: pooledShare(observations, () => true), rho: rhoFloor };
  // No run counts for more than five typical runs: a huge one is one run, not a thousand.
  const cap = 5 * median(sized.map((o) => o.whole));
  const capped = sized.map((o) => (o.whole <= cap ? o : { part: (o.part * cap) / o.whole, whole: cap }));
  let share = median(capped.map((o) => o.part / o.whole));
  let rho = 0.05;
  for (let round = 0; round < 3; round++) {
    const keep = (o: ShareObservation): boolean => Math.abs(o.part - o.whole * share) <= 4 * shareSd(o.whole, share, rho) + 1;
    share = pooledShare(capped, keep);
    rho = shareDispersion(capped.filter(keep), share, rhoFloor);
  }
  return { share, rho };
}

function pooledShare(observations: readonly ShareObservation[], keep: (o: ShareObservation) => boolean): number {
  let part = 0;
  let whole = 0;
  for (const o of observations) {
    if (!keep(o)) continue;
    part += o.part;
    whole += o.whole;
  }
  // Half a record each way (Jeffreys): a share never seen in a few runs is small, not impossible.
  return (part + 0.5) / (whole + 1);
}

function shareDispersion(observations: readonly ShareObservation[], share: number, floor: number): number {
  const binomial = share * (1 - share);
  let excess = 0;
  let weight = 0;
  for (const { part, whole } of observations) {
    excess += (part - whole * share) ** 2 - whole * binomial;
    weight += whole * (whole - 1) * binomial;
  }
  return weight > 0 ? Math.min(1, Math.max(floor, excess / weight)) : floor;
}

export function shareSd(whole: number, share: number, rho: number): number {
  return Math.sqrt(whole * share * (1 - share) * (1 + (whole - 1) * rho));
}

export interface Line {
  intercept: number;
  slope: number;
}

/**
 * Tukey's resistant line through the medians of the lower and upper thirds: a straight fit that
 * a handful of slow runs cannot bend (least squares would chase them).
 */
export function resistantLine(xs: readonly number[], ys: readonly number[]): Line {
  const order = xs.map((_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const third = Math.max(1, Math.floor(order.length / 3));
  const low = order.slice(0, third);
  const high = order.slice(order.length - third);
  const xLow = median(low.map((i) => xs[i]!));
  const xHigh = median(high.map((i) => xs[i]!));
  const slope = xHigh - xLow > 0 ? Math.max(0, (median(high.map((i) => ys[i]!)) - median(low.map((i) => ys[i]!))) / (xHigh - xLow)) : 0;
  const intercept = median(xs.map((x, i) => ys[i]! - slope * x));
  return { intercept, slope };
}

/**
 * The last `size` values kept sorted as they slide, so the level before each of ~1,000 runs is an
 * O(size) update instead of a sort (the model is rebuilt whenever the history grows).
 */
export class SlidingSortedWindow {
  private readonly arrival: number[] = [];
  private readonly sorted: number[] = [];

  constructor(private readonly size: number) {}

  get length(): number {
    return this.sorted.length;
  }

  push(value: number): void {
    this.sorted.splice(lowerBound(this.sorted, value), 0, value);
    this.arrival.push(value);
    if (this.arrival.length > this.size) this.sorted.splice(lowerBound(this.sorted, this.arrival.shift()!), 1);
  }

  /** Same trimming as `interquartileMean`. */
  interquartileMean(): number {
    const n = this.sorted.length;
    if (n === 0) return Number.NaN;
    const cut = Math.floor(n * 0.25);
    let sum = 0;
    for (let i = cut; i < n - cut; i++) sum += this.sorted[i]!;
    return sum / (n - 2 * cut);
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let low = 0;
  let high = sorted.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (sorted[mid]! < value) low = mid + 1;
    else high = mid;
  }
  return low;
}
