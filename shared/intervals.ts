/**
 * Confidence intervals every gate reports with its rates, so a rate is never read without its
 * uncertainty. No Node imports: the console uses the same function.
 */
import { counted, formatCount } from './plural.js';

/** The two-sided 95 % standard-normal quantile. */
export const Z_95 = 1.959964;

export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for `successes` of `n` (Wilson 1927): unlike the plain p ± z·√(p(1−p)/n)
 * it stays inside [0, 1] and is honest at 0 of 3 or 3 of 3. Null when there is nothing to measure.
 */
export function wilsonInterval(successes: number, n: number, z = Z_95): Interval | null {
  if (n <= 0) return null;
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // At 0 of n and n of n the bound is exactly 0 or 1; centre ∓ half leaves rounding dust there
  // (0 of 3 read 5.6e-17, 10 of 10 read 0.9999999999999999 in the API's JSON).
  return { low: successes === 0 ? 0 : Math.max(0, centre - half), high: successes === n ? 1 : Math.min(1, centre + half) };
}

/** "95 % CI 4.6–69.9 %", or empty when there is no interval. */
export function intervalText(interval: Interval | null): string {
  return interval ? `95 % CI ${(interval.low * 100).toFixed(1)}–${(interval.high * 100).toFixed(1)} %` : '';
}

/** What a rate counts, named inside its parentheses: "(0 of 1 clean run flagged; …)", never "(0 of 1; …) clean runs flagged". */
export interface RateOf {
  noun: string;
  plural?: string;
  outcome: string;
}

/**
 * What a trial's detection rate counts, on the CLI, in the reports and on the console alike: "1 of 2
 * injected anomalies caught". DESIGN's word is "catch" (what the validators catch): the CLI said
 * "caught" in its columns and the report's headline, "detected" in its rates, for the same count.
 */
export const INJECTED_CAUGHT: RateOf = { noun: 'injected anomaly', plural: 'injected anomalies', outcome: 'caught' };
/** What a trial's false-positive rate counts: "0 of 1 clean run flagged". */
export const CLEAN_RUNS_FLAGGED: RateOf = { noun: 'clean run', outcome: 'flagged' };

/** A per-kind ledger row's rate: a control kind's is of clean runs flagged, any other kind's of injected anomalies caught. */
export function trialRateOf(level: string): RateOf {
  return level === 'control' ? CLEAN_RUNS_FLAGGED : INJECTED_CAUGHT;
}

/** "0 of 1 clean run flagged", "2 of 1,200 injected anomalies caught": the noun agrees with the whole, in every report and card alike. */
export function partOf(part: number, whole: number, of: RateOf): string {
  return `${formatCount(part)} of ${counted(whole, of.noun, of.plural)} ${of.outcome}`;
}

/** "25.0 % (1 of 4; 95 % CI 4.6–69.9 %)": a measured rate is never shown without its n and interval. */
export function rateWithN(part: number, whole: number, interval: Interval | null = wilsonInterval(part, whole), of?: RateOf): string {
  if (whole === 0) return 'no data (n = 0)';
  const ci = interval ? `; ${intervalText(interval)}` : '';
  const counts = of ? partOf(part, whole, of) : `${formatCount(part)} of ${formatCount(whole)}`;
  return `${((part / whole) * 100).toFixed(1)} % (${counts}${ci})`;
}
