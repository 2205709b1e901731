import type { Anomaly } from '../../../shared/validation.js';
import { logGamma, negativeBinomial, tailForScore, tailScore } from './distributions.js';
import { metricOf, type MetricsCarrier } from './points.js';
import type { ResolvedThresholds } from './thresholds.js';
import { estimateShare, shareSd, type ShareEstimate, type ShareObservation } from './robust.js';
import { formatCount, formatPercent, round } from './wording.js';

/**
 * The mix of a run: which share of the fetched records were new, updated, unchanged or
 * quarantined. Volume can look normal while the mix is broken — change detection that calls
 * everything new, a source replaying stale data, a rule that starts rejecting a whole committee.
 */

const MIX_WINDOW_RUNS = 90;
/** The short-history fallback runs the mix checks from three runs on, with the estimate's own uncertainty added. */
export const MIN_MIX_RUNS = 3;
/** Shares wobble from run to run by a few percent at least (a committee's busy week is not random sampling). */
const RHO_FLOOR = 0.02;
const YOUNG_RHO = 0.3;
/** A share alarm needs a few records of difference: 1 of 3 is not a shift, whatever the odds. */
const MIN_RECORDS_OFF = 2;
/** Quarantining this many at once is worth a look even when the history never quarantined any. */
const MIN_QUARANTINE_SURGE = 3;
const MAX_QUARANTINE_PHI = 2;

export interface MixModel {
  added: ShareEstimate;
  updated: ShareEstimate;
  changed: ShareEstimate;
  quarantined: ShareEstimate;
  /** Records fetched in the window: the floor for a share that was always zero. */
  fetchedInWindow: number;
}

export function buildMixModel(points: readonly MetricsCarrier[]): MixModel | null {
  const window = points.filter((p) => metricOf(p, 'fetched') > 0).slice(-MIX_WINDOW_RUNS);
  if (window.length < MIN_MIX_RUNS) return null;
  const fetchedInWindow = window.reduce((sum, p) => sum + metricOf(p, 'fetched'), 0);
  const share = (part: (p: MetricsCarrier) => number): ShareEstimate => {
    const observations: ShareObservation[] = window.map((p) => ({ part: part(p), whole: metricOf(p, 'fetched') }));
    // A handful of runs cannot show how much a share wobbles: assume more until they can.
    const estimate = estimateShare(observations, RHO_FLOOR + YOUNG_RHO / window.length);
    // A new run also varies by how well the share is known: ρ/k between runs, 1/records within.
    return { share: estimate.share, rho: estimate.rho * (1 + 1 / window.length) + 1 / fetchedInWindow };
  };
  return {
    added: share((p) => metricOf(p, 'added')),
    updated: share((p) => metricOf(p, 'updated')),
    changed: share((p) => metricOf(p, 'added') + metricOf(p, 'updated')),
    quarantined: share((p) => metricOf(p, 'quarantined')),
    fetchedInWindow,
  };
}

export function mixAnomalies(model: MixModel, current: MetricsCarrier, thresholds: Pick<ResolvedThresholds, 'mix' | 'mixSignature' | 'quarantine'>): Anomaly[] {
  const fetched = metricOf(current, 'fetched');
  if (fetched <= 0) return [];
  const added = metricOf(current, 'added');
  const updated = metricOf(current, 'updated');
  const accepted = fetched - metricOf(current, 'quarantined');
  // Everything new, or nothing changed at all, are the exact signatures (AlarmThresholds.signature).
  const signature = Math.min(thresholds.mixSignature, thresholds.mix);
  const found = [
    shareAnomaly('addedShare', 'all-new', 'high', added, fetched, model.added, added > 0 && added >= accepted ? signature : thresholds.mix),
    shareAnomaly('updatedShare', 'mix-shift', 'high', updated, fetched, model.updated, thresholds.mix),
    shareAnomaly('changedShare', 'stale-source', 'low', added + updated, fetched, model.changed, added + updated === 0 ? signature : thresholds.mix),
    quarantineSurge(metricOf(current, 'quarantined'), fetched, model, thresholds.quarantine),
  ];
  return found.filter((a): a is Anomaly => a !== null);
}

/** Normal approximation to the beta-binomial, with continuity correction. */
function shareAnomaly(metric: string, rule: string, side: 'high' | 'low', part: number, whole: number, estimate: ShareEstimate, alarmScore: number): Anomaly | null {
  const expected = whole * estimate.share;
  const sd = Math.max(shareSd(whole, estimate.share, estimate.rho), 0.5);
  const off = side === 'high' ? part - expected : expected - part;
  const score = exactTailScore(side, part, whole, estimate) ?? (off - 0.5) / sd;
  if (score < alarmScore || off < MIN_RECORDS_OFF) return null;
  const low = Math.max(0, (expected - alarmScore * sd - 0.5) / whole);
  const high = Math.min(1, (expected + alarmScore * sd + 0.5) / whole);
  return {
    metric, rule, value: round(part / whole, 4), expected: round(estimate.share, 4), low: round(low, 4), high: round(high, 4), score: round(score, 2),
    message: mixMessage(rule, part, whole, low, high),
  };
}

/**
 * Above this many fetched records the tail is summed over the same share of this many. The sum
 * runs term by term toward the far end of the tail, so its cost grows with the run's size (a run
 * of 1e15 records never finished); and beyond a few thousand records the share's own spread
 * (rho at least 0.02) dwarfs the counting noise, so the tail no longer depends on the size.
 */
const EXACT_TAIL_RECORDS = 20_000;

/**
 * The beta-binomial tail of `part` of `whole` records, summed exactly at every size (null for a
 * share of 0 or 1: the caller then uses the normal approximation). It is the score, not one of
 * two to take the larger of: the normal approximation errs both ways. On a handful of records it
 * understates how unlikely "none of 9 changed" is and overstates how unlikely "3 of 4 updated" is
 * where a tenth usually are (development harness: FP on normal days 1.14% → 1.08%). On hundreds
 * of records the share itself dominates the spread, and a share is skewed like its beta: a run
 * whose quarter-share came in at a half is far likelier than a symmetric band says (a clean
 * 189 of 373 new where 22% usually are scored 4.25 under it).
 */
export function betaBinomialTail(side: 'high' | 'low', part: number, whole: number, estimate: ShareEstimate): number | null {
  if (!(estimate.share > 0 && estimate.share < 1)) return null;
  // More new or updated records than fetched ones (metrics that do not add up) read as all of
  // them: the log-gamma of the negative remainder is NaN, and a low-side sum from that part down
  // to zero ran a billion steps on `added: 1e9`.
  const within = Math.min(part, whole);
  const n = Math.min(whole, EXACT_TAIL_RECORDS);
  const x = whole > EXACT_TAIL_RECORDS ? Math.round((within * EXACT_TAIL_RECORDS) / whole) : within;
  const rho = Math.min(0.5, Math.max(1e-6, estimate.rho));
  const a = (estimate.share * (1 - rho)) / rho;
  const b = ((1 - estimate.share) * (1 - rho)) / rho;
  // From the observed count x of n outward, in log space at the start (a product from k = 0
  // underflows on thousands of records): P(k+1)/P(k) = (n-k)(a+k) / ((k+1)(b+n-k-1)).
  const logStart = logGamma(n + 1) - logGamma(x + 1) - logGamma(n - x + 1)
    + logGamma(x + a) + logGamma(n - x + b) - logGamma(n + a + b) - (logGamma(a) + logGamma(b) - logGamma(a + b));
  let pmf = Math.exp(logStart);
  let tail = pmf;
  if (side === 'high') {
    for (let k = x; k < n && pmf > tail * 1e-12; k++) {
      pmf *= ((n - k) * (a + k)) / ((k + 1) * (b + n - k - 1));
      tail += pmf;
    }
  } else {
    for (let k = x; k > 0 && pmf > tail * 1e-12; k--) {
      pmf *= (k * (b + n - k)) / ((n - k + 1) * (a + k - 1));
      tail += pmf;
    }
  }
  return Math.min(1, tail);
}

function exactTailScore(side: 'high' | 'low', part: number, whole: number, estimate: ShareEstimate): number | null {
  const tail = betaBinomialTail(side, part, whole, estimate);
  return tail === null ? null : tailScore(tail);
}

function mixMessage(rule: string, part: number, whole: number, low: number, high: number): string {
  const usual = `usually ${formatPercent(low)}–${formatPercent(high)}`;
  const of = `${formatCount(part)} of ${formatCount(whole)} fetched records`;
  if (rule === 'all-new') return `${of} were new (${formatPercent(part / whole)}), ${usual} — change detection or the stored hashes may be broken; do not accept before checking.`;
  if (rule === 'stale-source') return `only ${of} were new or updated (${formatPercent(part / whole)}), ${usual} — the source may be replaying stale data; check its updateDate window.`;
  return `${of} were updated (${formatPercent(part / whole)}), ${usual} — look for a source that touches every record or a comparison that sees changes where there are none.`;
}

/**
 * Quarantine is rare, so its count is compared with a Poisson–gamma tail rather than a normal
 * band; a share that was always zero is floored at half a record over the window (never "any
 * quarantine at all is infinitely surprising"), and it takes at least 3 records to call a surge.
 */
function quarantineSurge(quarantined: number, fetched: number, model: MixModel, alarmScore: number): Anomaly | null {
  if (quarantined < MIN_QUARANTINE_SURGE) return null;
  const share = Math.max(model.quarantined.share, 0.5 / Math.max(1, model.fetchedInWindow));
  const expected = fetched * share;
  // Quarantines come in clumps (one bad committee feed), but a cap keeps a never-seen surge visible.
  const distribution = negativeBinomial(expected, Math.min(MAX_QUARANTINE_PHI, model.quarantined.rho / share));
  const score = tailScore(distribution.upperTail(quarantined));
  if (score < alarmScore) return null;
  const high = distribution.highestNormal(tailForScore(alarmScore));
  const usual = `usually ${formatCount(high) === '0' ? 'none' : `at most ${formatCount(high)}`}`;
  return {
    metric: 'quarantinedShare', rule: 'quarantine-surge', value: round(quarantined / fetched, 4), expected: round(share, 4),
    low: 0, high: round(high / fetched, 4), score: round(score, 2),
    message: `quarantined ${formatCount(quarantined)} of ${formatCount(fetched)} fetched records (${formatPercent(quarantined / fetched)}), ${usual} — read the quarantine reasons: a source format change or a broken rule rejects records in bulk.`,
  };
}
