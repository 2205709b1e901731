import type { Anomaly, AssumedState, HistoryEntry, MetricBand } from '../../../shared/validation.js';
import { countLowerTail, countUpperTail, mixtureHighestNormal, mixtureLowestNormal, mixtureMean, negativeBinomial, tailForScore, tailScore } from './distributions.js';
import { durationAnomaly, durationBand } from './duration.js';
import { betaBinomialTail, mixAnomalies } from './mix.js';
import { metricOf } from './points.js';
import { VOLUME_METRICS, type RunEvaluation, type StreamWalk, type VolumeFinding } from './stream-walk.js';
import type { TrackPrediction } from './volume-track.js';
import { volumeBars } from './thresholds.js';
import { catchUpPhrase, countPhrase, dayPhrase, formatCount, formatPercent, formatRange, round, shortDate, volumeAdvice } from './wording.js';

/**
 * A walk's verdict on one run, worded: the state the walk assumed (named in every message), each
 * metric's band in that state, and the anomalies — this run's value, its band, its score on the
 * one sigma scale, and for a change the id that folds its runs into one open anomaly.
 */

export interface WalkJudgement {
  anomalies: Anomaly[];
  bands: Record<string, MetricBand>;
  state: AssumedState;
}

export function judgeWithWalk(walk: StreamWalk, current: HistoryEntry): WalkJudgement {
  const evaluation = walk.probe(current);
  const state = assumedState(walk, evaluation);
  const bands: Record<string, MetricBand> = {};
  for (const metric of VOLUME_METRICS) {
    const assessment = evaluation.assessments[metric];
    const { prediction } = assessment;
    const bars = volumeBars(walk.thresholds, metric);
    bands[metric] = mixtureBand(prediction, bars, evaluation.lowAgainstNormal ? prediction : null, walk.nearEmptyCeiling(assessment, bars));
  }
  const anomalies: Anomaly[] = [];
  for (const finding of evaluation.findings) {
    const repeatsFetched = finding.metric !== 'fetched' && evaluation.findings.some((f) => f.metric === 'fetched' && f.direction === finding.direction);
    if (!repeatsFetched && !explainedByFetched(walk, finding, current)) anomalies.push(volumeAnomaly(walk, evaluation, finding, bands[finding.metric]!, state));
  }
  const mix = walk.mix;
  if (mix) anomalies.push(...mixAnomalies(mix, current, walk.thresholds));
  const duration = walk.duration;
  if (duration) {
    const slow = durationAnomaly(duration, current, walk.thresholds.duration);
    if (slow) anomalies.push(slow);
    const band = durationBand(duration, metricOf(current, 'fetched'), walk.thresholds.duration);
    bands.durationMs = { expected: round(band.expected, 0), low: round(band.low, 0), high: round(band.high, 0) };
  }
  const catchUp = evaluation.context.span.catchUp;
  return { anomalies, bands, state: catchUp ? { ...state, description: `${state.description}; ${catchUpPhrase(catchUp, current.startedAt)}` } : state };
}

/**
 * Added and updated are parts of fetched, and a part's low count, once fetched itself is in range,
 * says only that its share of the records that did arrive was low: judged as a count it counts
 * fetched's in-range wobble a second time, and the near-empty bar it can face rests on a failed
 * fetch that this run's fetched rules out. So a part low alone is news only if its share of this
 * run's fetched passes the same bar under the share's beta-binomial (0 new of 32 fetched where 11
 * new are usual is a 3-sigma count but a 1-in-200 share). A part high alone keeps its own, stricter
 * bar: a spike scales every part, and a part's own noise on top of fetched's is evidence too
 * (judged on the share, issue 5 lost one spike). Development, 4 seeds pooled, with the exact tail
 * at every size (mix.ts): normal-day false alarms 190 → 183, caught 61,017 → 61,013; issue 5 recall
 * unchanged, session false alarms 4 → 3. Gating both sides: 179 FP, 60,995 caught, issue 5 one spike fewer.
 */
function explainedByFetched(walk: StreamWalk, finding: VolumeFinding, current: HistoryEntry): boolean {
  if (finding.metric === 'fetched' || finding.kind !== 'single' || finding.direction !== 'down' || !walk.mix) return false;
  const fetched = metricOf(current, 'fetched');
  if (fetched <= 0) return false;
  const part = metricOf(current, finding.metric);
  const tail = betaBinomialTail('low', part, fetched, walk.mix[finding.metric]);
  if (tail === null) return false;
  const bars = volumeBars(walk.thresholds, finding.metric);
  return tailScore(tail) < (finding.rule === 'near-zero-volume' ? bars.empty : bars.single);
}

/**
 * The range a volume alarm fires outside of, under the predictive mixture (what the console draws);
 * its low end under the mixture the low side is judged against (`TrackPrediction.lowJudging`: on a
 * first day back the plain level, so the band agrees with the verdict). `normal`: the low side is
 * judged against the normal state as well (`RunEvaluation.lowAgainstNormal`), and the band's low
 * end is the higher of the two. `nearEmptyCeiling`: runs of at most this many
 * records face the empty-run bar (`StreamWalk.finding`), and the low end says so: it once allowed
 * only for the empty run, and a Friday of one record expected to bring 7.5 was flagged near-zero
 * while its message read "usually brings 1–22".
 */
function mixtureBand(prediction: TrackPrediction, bars: { single: number; empty: number }, normal: { mean: number; phi: number } | null, nearEmptyCeiling: number): MetricBand {
  const components = prediction.judging;
  const judged = Number.isFinite(bars.single);
  const lowestNormal = (tail: number): number => {
    const mixtureLow = mixtureLowestNormal(prediction.lowJudging ?? components, tail);
    return normal ? Math.max(mixtureLow, negativeBinomial(normal.mean, normal.phi).lowestNormal(tail)) : mixtureLow;
  };
  // The lower tail grows with the count: the first near-empty count the empty-run bar lets
  // through is the low end, or, if it flags them all, the first count above them that the
  // single-run bar lets through.
  const lowestUnflaggedNearEmpty = lowestNormal(tailForScore(bars.empty));
  const low = lowestUnflaggedNearEmpty <= nearEmptyCeiling ? lowestUnflaggedNearEmpty : Math.max(Math.floor(nearEmptyCeiling) + 1, judged ? lowestNormal(tailForScore(bars.single)) : 0);
  const high = judged ? mixtureHighestNormal(components, tailForScore(bars.single)) : Number.MAX_SAFE_INTEGER;
  return { expected: round(mixtureMean(components), 1), low, high };
}

export function assumedState(walk: StreamWalk, evaluation: RunEvaluation): AssumedState {
  const run = evaluation.context.entry.startedAt;
  const weights = evaluation.context.step.judging;
  const regime = walk.regime;
  if (weights.enter + weights.stay >= 0.5) {
    const since = regime.episode?.since ?? null;
    return { regime: 'quiet', since, description: since ? `a quiet period since ${shortDate(since, run)}` : 'a quiet period the calendar expects to start now' };
  }
  if (evaluation.context.returning || weights.exit >= 0.5) {
    const last = regime.lastEpisode;
    return { regime: 'returning', since: last?.until ?? null, description: last ? `the first days back after a quiet period (${shortDate(last.since, run)} – ${shortDate(last.until, run)})` : 'the first days back after a quiet period' };
  }
  const change = walk.tracks.fetched.change;
  if (change && !change.accepted) {
    return { regime: 'change', since: change.since, description: `a ${change.direction === 'down' ? 'drop' : 'rise'} that began on ${shortDate(change.since, run)}` };
  }
  const since = regime.lastEpisode?.until ?? null;
  return { regime: 'normal', since, description: since ? `the normal state since ${shortDate(since, run)}` : 'the normal state' };
}

/** DESIGN §3's anomaly keys in their order, then the change's: as the API's schema prints it and as `validate --help` lists them. */
function volumeAnomaly(walk: StreamWalk, evaluation: RunEvaluation, finding: VolumeFinding, band: MetricBand, state: AssumedState): Anomaly {
  const { metric, assessment } = finding;
  const run = evaluation.context.entry.startedAt;
  const weekday = evaluation.context.weekday;
  const value = assessment.value;
  const base = { metric, rule: finding.rule, value };
  if (finding.kind === 'single') {
    const catchUp = evaluation.context.span.catchUp;
    const usually = catchUp
      ? `${catchUpPhrase(catchUp, run)}${state.regime === 'normal' ? '' : ` (${state.description})`}, which usually bring`
      : `${dayPhrase(weekday, state)} usually brings`;
    return {
      ...base, expected: band.expected, low: band.low, high: band.high, score: round(finding.score, 2),
      message: `${countPhrase(metric, value)}; ${usually} ${formatRange(band.low, band.high)} (about ${formatCount(band.expected)}) — ${volumeAdvice(finding.rule)}.`,
      changeId: `${metric}:${finding.direction}:${evaluation.context.entry.startedAt}`, ongoing: false,
    };
  }
  // A change: this run against the level before it began.
  const { mean, phi } = assessment.prediction;
  const alpha = tailForScore(volumeBars(walk.thresholds, metric).single);
  const before = negativeBinomial(mean, phi);
  const low = before.lowestNormal(alpha);
  const high = before.highestNormal(alpha);
  const usual = `${dayPhrase(weekday, { regime: 'normal', since: null, description: '' })} brought ${formatRange(low, high)} before`;
  if (finding.kind === 'shift') {
    const side = finding.shift!;
    const share = side.expected > 0 ? side.observed / side.expected : 0;
    return {
      ...base, expected: round(mean, 1), low, high, score: round(finding.score, 2),
      message: `${countPhrase(metric, value)}; the ${side.runs} runs since ${shortDate(side.since!, run)} brought ${formatPercent(share)} of their usual volume (${usual}) — a sustained ${finding.direction === 'down' ? 'drop' : 'rise'}: ${volumeAdvice('level-shift')}.`,
      changeId: `${metric}:${finding.direction}:${side.since}`, ongoing: false,
    };
  }
  const change = walk.tracks[metric].change!;
  const observed = change.observed + value;
  const expected = change.expected + mean;
  const tail = finding.direction === 'down' ? countLowerTail(observed, expected, phi) : countUpperTail(observed, expected, phi);
  return {
    ...base, expected: round(mean, 1), low, high, score: round(tailScore(tail), 2),
    message: `${countPhrase(metric, value)}, still ${finding.direction === 'down' ? 'below' : 'above'} the level before ${shortDate(change.since, run)} (${usual}) — the ${finding.direction === 'down' ? 'drop' : 'rise'} that began on ${shortDate(change.since, run)} is still open: ${volumeAdvice('level-shift')}.`,
    changeId: change.id, ongoing: true,
  };
}
