import { median } from 'simple-statistics';

/**
 * Robust summaries for the mix and the duration. Past anomalies sit in the history (nobody
 * cleans it), so each is median-based or refitted without its outliers: one bad week cannot
 * widen the band for the next month. (The volumes' own count-aware estimates are in baseline.ts.)
 */

/** 1.4826·MAD: a standard deviation that ignores the worst half of the data. */
export function robustSigma(values: readonly number[]): number {
  if (values.length < 2) return Number.NaN;
  const center = median([...values]);
  return 1.4826 * median(values.map((v) => Math.abs(v - center)));
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
