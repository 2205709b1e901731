import { VolumeBaseline } from './baseline.js';
import type { RunSpan } from './cadence.js';
import { MAX_RUN_EVIDENCE, SHIFT_FACTORS, ShiftDetector, changeEvidence, type Direction, type ShiftSide } from './change.js';
import { countLowerTail, countUpperTail, logCountProbability, mixtureLowerTail, mixtureMean, mixtureUpperTail, roughScore, tailScore, type CountComponent } from './distributions.js';
import { RatioMemory, RunningRatio } from './episodes.js';
import type { RegimeWeights } from './regime.js';

/**
 * One volume metric (fetched, added or updated) walked run by run: its normal state, its quiet
 * depth and catch-up bump, its shift detector and the change it has open, if any. The stream's
 * regime (normal or quiet) is shared by the three and read from fetched; see StreamWalk.
 */

/**
 * A change stays open for this many days from its first run (its runs fold into one open
 * anomaly), then it is the baseline: "a quiet period several runs long becomes the baseline".
 */
export const CHANGE_OPEN_DAYS = 5;
/** Likelihood ratio (log) a run must show for the changed level to continue an open change. */
const ONGOING_EVIDENCE = 1;
/**
 * A run that favours the open change's level (see `leaningEvidence`), however slightly, and stands
 * this far (sigmas) off the baseline its way is reported as part of the change while it is open
 * (`leansWithChange`).
 */
const LEANING_SCORE = 1;
/** ... and against it, to close the change as over (the level came back). */
const RETURNED_EVIDENCE = -2;
/** A one-off outlier: the filter reads a run this far out of every state as noise, not a state. */
const OUTLIER_PROBABILITY = 0.01;
/** Outliers by tail probability (sigmas): full weight below the first, none above the second. */
const ROBUST_SCORES = { full: 2.5, none: 4 };
const SPREAD_TRIM_SCORE = 3.5;
/** Below this expectation a run cannot show a state or a change (a weekend of a weekday feed). */
export const INFORMATIVE_MEAN = 1;
const PRIOR_DEPTH = { ratio: 0.35, spread: 0.7 };
/** Quiet periods of its own a stream must have shown before their depth can speak for a run (see `ownQuietDepthEvidence`). */
const MIN_OWN_QUIET_EPISODES = 2;
/**
 * A regime the judge gives less weight than this is left out of the mixture: it could move a
 * tail by at most 1e-4, not enough to move any alarm, and most runs are then one distribution.
 */
const NEGLIGIBLE_WEIGHT = 1e-4;
const PRIOR_BUMP = { ratio: 1.3, spread: 0.3 };

/** Which of the normal and leaving states a mixture gives a catch-up bump, as likely as not (`addMixture`). */
interface Bumped {
  normal: boolean;
  exit: boolean;
}
/** The first days back: the normal state may bring a catch-up bump too. */
const BUMPED_BACK: Bumped = { normal: true, exit: true };
/** Any other run: only a quiet period's end brings the bump. */
const BUMPED_LEAVING: Bumped = { normal: false, exit: true };
/**
 * A first day back's low side (`TrackPrediction.lowJudging`): the normal state (and the leaving
 * one) at the plain level, not as likely as not bumped. A catch-up bump only ever adds records,
 * but its remembered ratio is uncertain, and that spread gave the bumped half a long lower tail:
 * a first day back at a fraction of the level, or empty, stood under the single-run bar. The
 * quiet period's going on keeps its weight, so a run at the quiet depth is still no news.
 * Development (4 seeds pooled): caught 61,044 → 61,073 of 66,609 (drop 7,121 → 7,145, zero
 * 8,186 → 8,188, shift-down 582 → 585), normal-day false alarms 164 → 165 (busy days 65 → 66),
 * first days back 13 → 13; issue 5 recall 0.93271 → 0.93293 (level shifts +2), false alarms
 * unchanged. Used only when a stream is back with a bump of at least 1: below 1 the bumped
 * half is the lower one, and judging against the plain level alone would be a stricter test.
 */
const AT_PLAIN_LEVEL: Bumped = { normal: false, exit: false };
/**
 * Per run, how much of the quiet runs' weight the level a promoted quiet period settles at keeps
 * (about a week and a half of memory; see `recentQuiet`).
 */
const RECENT_QUIET_DECAY = 0.85;
/**
 * Per run, how much of its weight a quiet run keeps in the depth the period has settled at, which
 * the judge expects of its next runs (`settledQuiet`: about four runs of memory). Development, 4
 * seeds pooled (caught of 66,609 / normal-day false alarms / quiet days among them): before 60,858
 * / 197 / 75; at 0.65 60,867 / 196 / 74, 0.75 60,863 / 193 / 71, 0.8 60,862 / 194 / 72, 0.85
 * 60,852 / 190 / 68, 0.92 60,844 / 191 / 69. Issue 5 unchanged.
 */
const SETTLED_QUIET_DECAY = 0.75;

export interface OpenChange {
  id: string;
  direction: Direction;
  since: string;
  sinceDay: number;
  /** The rule that raised it; the runs after carry it on as `ongoing`. */
  rule: string;
  runs: number;
  observed: number;
  expected: number;
  exposure: number;
  evidenceRuns: number;
  /** Marked `expected`: no longer reported; the next run that continues it makes it the baseline. */
  accepted: boolean;
  /**
   * The drop's runs' evidence for the depth of the stream's own quiet periods against a lasting
   * halving, summed as a CUSUM (never below zero): see `weighQuietDepth`.
   */
  quietDepthEvidence: number;
  /**
   * Every run's evidence (log likelihood ratio) for the change's level against the baseline, summed
   * from its opening (the opening run's or shift's own evidence): what a contrary run is weighed
   * against (see `contestedRise`).
   */
  evidence: number;
  /** Runs that stood against the change's level by RETURNED_EVIDENCE or more and did not close it (see `contestedRise`). */
  contraryRuns: number;
}

export interface TrackPrediction {
  /** The normal state's expectation for this run and its predictive spread. */
  mean: number;
  phi: number;
  rate: number;
  /** The predictive mixture the run is judged against. */
  judging: CountComponent[];
  /**
   * What the low side alone is judged against, where it differs from `judging`: on a first day
   * back, the normal state at its plain level (see `predict`). Absent: `judging` for both sides.
   */
  lowJudging?: CountComponent[];
  /** Among the first days back (the normal state may bring a catch-up bump). */
  returning: boolean;

}

export interface TrackAssessment {
  prediction: TrackPrediction;
  value: number;
  weekday: number;
  dayNumber: number;
  /** The weight the judge gives the quiet state on this run (set by the walk). */
  quietShare: number;
  /** Sigma-scale surprise of the value under the judging mixture, each way. */
  lowScore: number;
  highScore: number;
  /** What the open change makes of this run. */
  changeStatus: 'none' | 'ongoing' | 'silent' | 'returned';
  /** The run's evidence for the open change's level against the baseline (0 with no change open). */
  changeEvidence: number;
  /**
   * A `silent` run that still sides with the open change: the changed level explains it better
   * than the baseline, only not by the margin that lets it move the change's own estimate.
   */
  leansWithChange: boolean;
  shift: Record<Direction, ShiftSide> | null;
}

/** A run as the track learns it: the weekdays it brings records of and what the walk knows about it. */
export interface LearnedRun {
  /** The share of each weekday's records the run brings, and its weekday (see `RunCadence.span`). */
  span: RunSpan;
  /** The filtered P(quiet) after the run. */
  quiet: number;
  /** What the run may teach (feedback). */
  weight: number;
  /** Among the first days back after a quiet period. */
  returning: boolean;
  /** The walk's expectation for the run is still too rough to call it an outlier. */
  warmingUp: boolean;
  /** The stream is in a quiet period. */
  episodeOpen: boolean;
  /** The calendar puts the run in a recess. */
  announcedRecess: boolean;
}

export class VolumeTrack {
  baseline: VolumeBaseline;
  shift = new ShiftDetector();
  depth = new RatioMemory(PRIOR_DEPTH.ratio, PRIOR_DEPTH.spread);
  bump = new RatioMemory(PRIOR_BUMP.ratio, PRIOR_BUMP.spread);
  episode = new RunningRatio();
  /**
   * The quiet runs of late outside the calendar's recesses, recent ones weighing most: the level a
   * quiet period promoted to the new normal settles at. The whole episode's ratio is dragged down
   * by a recess the spell ran through (a source that fell a week before a recess and stayed down
   * after it was re-baselined at the recess's depth, and its next ordinary runs read as a rise).
   */
  recentQuiet = new RunningRatio();
  /**
   * This quiet period's runs, recent ones weighing most: the depth it has settled at, which the
   * judge expects of a run that stays in it. The whole period's average (`episode`) holds the runs
   * it eased in on: a period that tapered in over days and settled deeper was judged against a
   * depth its runs had left behind, and its settled runs stood below the quiet band.
   */
  settledQuiet = new RunningRatio();
  back = new RunningRatio();
  change: OpenChange | null = null;

  /**
   * Added and updated follow fetched: their shifts and changes are fetched's (a source that
   * halves halves all three), and their own departures from the mix are the mix rules'
   * business. They keep their own baseline, bands and single-run alarms, not a shift detector
   * or changes of their own — which keeps a walk over years of runs within milliseconds.
   */
  readonly followsFetched: boolean;
  /**
   * The prediction `predict` returns and the mixture components it is built of, overwritten at
   * each prediction: a walk reads a run's prediction only while it judges and learns that run,
   * and fresh ones (three numbers each, boxed) were about a third of a cold judgement's
   * allocation. A copy starts with its own, so a probe's result outlives the walk's next step.
   */
  private readonly prediction: TrackPrediction = { mean: 0, phi: 0, rate: 0, judging: [], lowJudging: undefined, returning: false };
  private readonly componentPool: CountComponent[] = [];
  private componentsUsed = 0;
  /** The likelihoods `likelihoods` returns, overwritten at each call as the prediction is. */
  private readonly likelihood: Record<keyof RegimeWeights, number> = { normal: 0, enter: 0, stay: 0, exit: 0 };
  /** The assessment `assess` returns, overwritten at each assessment as the prediction is. */
  private assessment: TrackAssessment | null = null;

  constructor(
    readonly metric: string,
    phiPrior?: () => number,
  ) {
    this.baseline = new VolumeBaseline(phiPrior);
    this.followsFetched = metric !== 'fetched';
  }

  copy(phiPrior?: () => number): VolumeTrack {
    const twin = new VolumeTrack(this.metric, phiPrior);
    twin.baseline = this.baseline.copy(phiPrior);
    twin.shift = this.shift.copy();
    twin.depth = this.depth.copy();
    twin.bump = this.bump.copy();
    twin.episode = Object.assign(new RunningRatio(), this.episode);
    twin.recentQuiet = Object.assign(new RunningRatio(), this.recentQuiet);
    twin.settledQuiet = Object.assign(new RunningRatio(), this.settledQuiet);
    twin.back = Object.assign(new RunningRatio(), this.back);
    twin.change = this.change ? { ...this.change } : null;
    return twin;
  }

  /** `span`: the share of each weekday's records the run brings (see `RunCadence.span`). */
  predict(span: RunSpan, weights: RegimeWeights, returning: boolean): TrackPrediction {
    const rate = this.baseline.rateOver(span);
    const mean = this.baseline.level() * rate;
    const phi = this.baseline.predictivePhi(span.weekday);
    const prediction = this.prediction;
    prediction.mean = mean;
    prediction.phi = phi;
    prediction.rate = rate;
    prediction.returning = returning;
    // A fresh list (cheap) over reused components: emptying the old one is a runtime call.
    const judging: CountComponent[] = [];
    prediction.judging = judging;
    prediction.lowJudging = undefined;
    this.componentsUsed = 0;
    // Most runs are plainly in the normal state: one distribution, nothing else to build.
    if (!returning && weights.normal >= 1 - NEGLIGIBLE_WEIGHT) {
      judging.push(this.weighed(1, 1, 1, mean, phi));
      if (span.catchUp) this.lowSideOfOneRun(span, prediction);
      return prediction;
    }
    const kept = keptWeight(weights.normal) + keptWeight(weights.enter) + keptWeight(weights.stay) + keptWeight(weights.exit);
    this.addMixture(judging, weights, kept, mean, phi, returning ? BUMPED_BACK : BUMPED_LEAVING);
    if (returning && this.bump.typical >= 1) {
      // The low side of a first day back (see `AT_PLAIN_LEVEL`).
      prediction.lowJudging = [];
      this.addMixture(prediction.lowJudging, weights, kept, mean, phi, AT_PLAIN_LEVEL);
    }
    if (span.catchUp) this.lowSideOfOneRun(span, prediction);
    return prediction;
  }

  /**
   * A catch-up's low side is judged against one run of its own weekday (see `RunCadence.catchUp`:
   * a source listed over a fixed window fetches no more records after a gap), its high side
   * against all the runs it stands for.
   */
  private lowSideOfOneRun(span: RunSpan, prediction: TrackPrediction): void {
    const scale = prediction.rate > 0 ? this.baseline.rate(span.weekday) / prediction.rate : 1;
    prediction.lowJudging = (prediction.lowJudging ?? prediction.judging).map((c) => ({ ...c, mean: c.mean * scale }));
  }

  /** The next of the prediction's reused components: `share` of the regime's `weight` of the `kept` total. */
  private weighed(share: number, weight: number, kept: number, mean: number, phi: number): CountComponent {
    let component = this.componentPool[this.componentsUsed];
    if (component === undefined) {
      component = { weight: 0, mean: 0, phi: 0 };
      this.componentPool.push(component);
    }
    this.componentsUsed += 1;
    component.weight = (share * weight) / kept;
    component.mean = mean;
    component.phi = phi;
    return component;
  }

  /**
   * Adds the run's distribution under each regime the judge weighs, each weighed by its weight of
   * the `kept` total: normal, entering or staying quiet, leaving (`bumped` says which of normal and
   * leaving carry a catch-up bump). Each regime read by name, in this order (the order the kept
   * weights are summed in): a read keyed by a changing name is a generic lookup, and predictions
   * run for every metric of every run. Built straight into the mixture: a cold walk predicts
   * thousands of runs, and a list per regime copied into the mixture was a fifth of its allocations.
   */
  private addMixture(mixture: CountComponent[], weights: RegimeWeights, kept: number, mean: number, phi: number, bumped: Bumped): void {
    const { normal, enter, stay, exit } = weights;
    if (normal >= NEGLIGIBLE_WEIGHT) this.addNormal(mixture, normal, kept, mean, phi, bumped.normal);
    if (enter >= NEGLIGIBLE_WEIGHT) mixture.push(this.weighed(1, enter, kept, mean * this.depth.typical, phi + 1 / this.depth.shape));
    // At the depth the period settled at; its spread as the whole period's runs know it. With
    // the settled runs' few records for the spread too, a low-count stream's quiet band
    // widened and its drops and zeros inside quiet periods went unreported (development,
    // 4 seeds pooled, decay 0.85: 39 fewer caught, normal-day false alarms 188; the filter
    // reading the settled depth as well: 211, busy and light days 74 / 48 → 90 / 56).
    if (stay >= NEGLIGIBLE_WEIGHT) mixture.push(this.weighed(1, stay, kept, this.quietMean(mean, this.settledQuiet), this.quietPhi(phi)));
    if (exit >= NEGLIGIBLE_WEIGHT) this.addNormal(mixture, exit, kept, mean, phi, bumped.exit);
  }

  /** The normal state's distribution at the plain level, or with a catch-up bump as likely as not. */
  private addNormal(mixture: CountComponent[], weight: number, kept: number, mean: number, phi: number, bumped: boolean): void {
    if (!bumped) mixture.push(this.weighed(1, weight, kept, mean, phi));
    else mixture.push(this.weighed(0.5, weight, kept, mean, phi), this.weighed(0.5, weight, kept, mean * this.bump.typical, phi + 1 / this.bump.shape));
  }

  /** A run's expected value in the quiet state: the stream's usual depth, updated by `quiet`'s runs. */
  private quietMean(mean: number, quiet: RunningRatio): number {
    return (mean * (this.depth.shape + quiet.observed)) / (this.depth.shape / this.depth.typical + quiet.expected);
  }

  /** The quiet state's spread: the depth's uncertainty, as the whole period's runs leave it. */
  private quietPhi(phi: number): number {
    return phi + 1 / (this.depth.shape + this.episode.observed);
  }

  /** Likelihood of the value under each regime, with a small outlier share (a spike moves no state). */
  likelihoods(prediction: TrackPrediction, value: number): Record<keyof RegimeWeights, number> {
    const { mean, phi } = prediction;
    const vague = OUTLIER_PROBABILITY / ((value + 1) * Math.log(10 * mean + 12));
    // The same distributions as addMixture, each worked out once and without building them,
    // but for a run that stays quiet: the filter reads the whole period's depth, the judge its settled one.
    const plain = Math.exp(filterLogLikelihood(value, mean, phi));
    const bumped = 0.5 * plain + 0.5 * Math.exp(filterLogLikelihood(value, mean * this.bump.typical, phi + 1 / this.bump.shape));
    const normal = (1 - OUTLIER_PROBABILITY) * (prediction.returning ? bumped : plain) + vague;
    // A quiet state's uncertain depth gives it a long upper tail; it must never explain a run
    // busier than the normal state expects better than the normal state does.
    const enter = withOutliers(filterLogLikelihood(value, mean * this.depth.typical, phi + 1 / this.depth.shape), vague);
    const stay = withOutliers(filterLogLikelihood(value, this.quietMean(mean, this.episode), this.quietPhi(phi)), vague);
    const likelihood = this.likelihood;
    likelihood.normal = normal;
    likelihood.enter = value > mean ? Math.min(enter, normal) : enter;
    likelihood.stay = value > mean ? Math.min(stay, normal) : stay;
    likelihood.exit = (1 - OUTLIER_PROBABILITY) * bumped + vague;
    return likelihood;
  }

  /**
   * Evidence (log likelihood ratio) that a run is the stream back at its normal level after a
   * quiet period of its usual depth that the walk took for its level, against that level.
   */
  returnEvidence(prediction: TrackPrediction, value: number): number {
    const { mean, phi } = prediction;
    return filterLogLikelihood(value, mean / this.depth.typical, phi + 1 / this.depth.shape) - filterLogLikelihood(value, mean, phi);
  }

  /**
   * Evidence (log likelihood ratio) that a run lies at the depth of this stream's own past quiet
   * periods rather than at the halving the shift test is built for. Null until the stream has
   * shown MIN_OWN_QUIET_EPISODES quiet periods: the pooled prior alone (about a third, widely
   * spread) says nothing about this stream, and would take a lasting drop for a quiet period.
   */
  ownQuietDepthEvidence(prediction: TrackPrediction, value: number): number | null {
    if (this.depth.episodes < MIN_OWN_QUIET_EPISODES) return null;
    const { mean, phi } = prediction;
    return filterLogLikelihood(value, mean * this.depth.typical, phi + 1 / this.depth.shape) - filterLogLikelihood(value, mean * SHIFT_FACTORS.down, phi);
  }

  /**
   * `watchShift`: which sides of the shift detector read this run (see StreamWalk.watchesShift).
   * `exact`: whether the tails must be exact (a judgement) or only good enough to weigh an
   * outlier (a history run of a metric that follows fetched, see `followsFetched`).
   */
  assess(run: { weekday: number; dayNumber: number; entry: { startedAt: string } }, value: number, prediction: TrackPrediction, watchShift: 'both' | 'down' | 'none', exact: boolean): TrackAssessment {
    const { lowScore, highScore } = exact || !this.followsFetched ? surprise(prediction.judging, value, prediction.lowJudging) : roughSurprise(prediction.judging, value, prediction.lowJudging);
    let changeStatus: TrackAssessment['changeStatus'] = 'none';
    let leansWithChange = false;
    let evidence = 0;
    if (this.change) {
      evidence = prediction.mean < INFORMATIVE_MEAN * 0.5 ? 0 : continuationEvidence(this.change, value, prediction);
      changeStatus = evidence >= ONGOING_EVIDENCE ? 'ongoing' : evidence <= RETURNED_EVIDENCE && !contestedRise(this.change, evidence, prediction) ? 'returned' : 'silent';
      leansWithChange = changeStatus === 'silent' && changeSideScore(this.change.direction, value, prediction, lowScore, highScore) >= LEANING_SCORE && leaningEvidence(this.change, value, prediction) > 0;
    }
    const shift = watchShift !== 'none' && !this.change && !this.followsFetched ? this.shift.peek({ value, mean: prediction.mean, phi: prediction.phi, rate: prediction.rate, startedAt: run.entry.startedAt, dayNumber: run.dayNumber, doubt: this.returnDoubt(prediction) }, watchShift === 'both') : null;
    const assessment = this.assessment ?? { prediction, value, weekday: run.weekday, dayNumber: run.dayNumber, quietShare: 0, lowScore, highScore, changeStatus, changeEvidence: evidence, leansWithChange, shift };
    this.assessment = assessment;
    assessment.prediction = prediction;
    assessment.value = value;
    assessment.weekday = run.weekday;
    assessment.dayNumber = run.dayNumber;
    assessment.quietShare = 0;
    assessment.lowScore = lowScore;
    assessment.highScore = highScore;
    assessment.changeStatus = changeStatus;
    assessment.changeEvidence = evidence;
    assessment.leansWithChange = leansWithChange;
    assessment.shift = shift;
    return assessment;
  }

  /**
   * In the first days back, the quiet period may not be over: a run at the stream's usual quiet
   * depth is no evidence of a shift (see StreamWalk.watchesShift). Undefined outside them.
   */
  private returnDoubt(prediction: TrackPrediction): { mean: number; phi: number } | undefined {
    if (!prediction.returning) return undefined;
    return { mean: prediction.mean * this.depth.typical, phi: prediction.phi + 1 / this.depth.shape };
  }

  /** Two-sided tail score: how much of an outlier the run is, whatever its direction. */
  static outlierScore(assessment: TrackAssessment): number {
    return Math.max(assessment.lowScore, assessment.highScore);
  }

  /**
   * Learns the run, in proportion to what it may teach and the state the filter puts it in.
   * `warmUpOutlier`: while the walk (or the run's weekday) is young its own expectations are too
   * rough to call anything an outlier, and the run is weighed by this score instead (see
   * `StreamWalk.warmUpOutlier`).
   */
  learn(assessment: TrackAssessment, run: LearnedRun, warmUpOutlier = 0): void {
    const { quiet, weight, returning, warmingUp, episodeOpen, announcedRecess } = run;
    const outlier = warmingUp ? warmUpOutlier : VolumeTrack.outlierScore(assessment);
    const robust = robustWeight(outlier);
    const { value, prediction } = assessment;
    const inChange = this.change !== null;
    if (!returning && !inChange) this.baseline.learn(value, run.span, (1 - quiet) * weight * robust, outlier >= SPREAD_TRIM_SCORE || !run.span.settled);
    // The depth is learnt from the runs the filter thinks may be quiet, in proportion; once it is
    // sure of the normal state again, a half-begun episode is forgotten.
    if (quiet > 0.05) {
      this.episode.add(value, prediction.mean, quiet);
      this.settledQuiet.decay(SETTLED_QUIET_DECAY);
      this.settledQuiet.add(value, prediction.mean, quiet);
    } else if (!episodeOpen) {
      this.episode.clear();
      this.settledQuiet.clear();
    }
    this.recentQuiet.decay(RECENT_QUIET_DECAY);
    if (quiet > 0.05 && !announcedRecess) this.recentQuiet.add(value, prediction.mean, quiet);
    if (returning && prediction.mean >= INFORMATIVE_MEAN) this.back.add(value, prediction.mean);
  }

  /** Opens a change at this run (or at the shift's first run), closing any other. */
  open(direction: Direction, rule: string, run: { startedAt: string; dayNumber: number; value: number }, prediction: TrackPrediction, from?: ShiftSide): void {
    const since = from?.since ?? run.startedAt;
    this.change = {
      id: `${this.metric}:${direction}:${since}`,
      direction,
      since,
      sinceDay: from?.since ? from.sinceDay : run.dayNumber,
      rule,
      runs: from?.runs ?? 1,
      observed: from ? from.observed : run.value,
      expected: from ? from.expected : prediction.mean,
      exposure: from ? from.exposure : prediction.rate,
      evidenceRuns: from?.runs ?? 1,
      accepted: false,
      quietDepthEvidence: 0,
      contraryRuns: 0,
      evidence: from ? from.statistic : Math.min(MAX_RUN_EVIDENCE, changeEvidence(run.value, prediction.mean, run.value + 0.5, prediction.phi)),
    };
    this.shift.reset();
  }

  /**
   * Adds a run of the open drop to its evidence for the stream's own quiet depth against a lasting
   * halving (`ownQuietDepthEvidence`), as a CUSUM: a tapering quiet period's first partial runs
   * lean to the halving and are forgotten, not held against the runs at its depth that follow.
   */
  weighQuietDepth(prediction: TrackPrediction, value: number): void {
    const change = this.change;
    if (!change || change.direction !== 'down') return;
    const evidence = this.ownQuietDepthEvidence(prediction, value);
    if (evidence !== null) change.quietDepthEvidence = Math.max(0, change.quietDepthEvidence + evidence);
  }

  /** Carries an open change over one more run. */
  continueChange(assessment: TrackAssessment): void {
    const change = this.change;
    if (!change) return;
    change.runs += 1;
    change.evidence += assessment.changeEvidence;
    if (assessment.changeEvidence <= RETURNED_EVIDENCE) change.contraryRuns += 1;
    if (assessment.changeStatus === 'returned') this.change = null;
    else if (assessment.changeStatus === 'ongoing') {
      change.observed += assessment.value;
      change.expected += assessment.prediction.mean;
      change.exposure += assessment.prediction.rate;
      change.evidenceRuns += 1;
    }
  }

  /**
   * The open change becomes the baseline: it lasted, or someone marked it expected and it went
   * on. A rise (or a drop of this metric alone) re-baselines the level on the change's own runs.
   * A drop that is a quiet period (`quietDrop`) needs no new level: the quiet state carries it,
   * and the normal level is kept for the return.
   */
  settleChange(quietDrop: boolean): OpenChange | null {
    const change = this.change;
    if (!change) return null;
    if (change.direction === 'down' && quietDrop) this.episode.add(change.observed, change.expected);
    else this.baseline.rebaseline(change.observed, change.exposure, change.evidenceRuns);
    this.change = null;
    this.shift.reset();
    return change;
  }

  /**
   * The quiet period ended: remember its depth, start counting the first days back. The depth of
   * one nobody announced (`unannounced`) is where it settled, read as a promoted one's level is
   * (`recentQuiet`), not its average over all its runs, whose first ones are a taper or a failed
   * fetch as often as the period itself (the remembered depths come out a little shallower). On
   * development (4 seeds pooled) normal-day false alarms fell 242 → 215, fewer on every seed, and
   * first days back 16 → 14, for 17 of 66,609 injected cases (spikes −27, drops and zeros +24);
   * issue 5 unchanged but for one young-history case. Announced recesses keep the average: read
   * there too, issue 5's normal-day false alarms rose 0.24 → 0.29 %.
   */
  endEpisode(unannounced: boolean): void {
    const ratio = (unannounced ? this.recentQuiet.ratio() : null) ?? this.episode.ratio();
    if (ratio !== null) this.depth.record(ratio);
    this.episode.clear();
    this.settledQuiet.clear();
    this.back.clear();
  }

  /** The first days back are over: remember their bump. */
  endReturn(): void {
    const ratio = this.back.ratio();
    if (ratio !== null) this.bump.record(ratio);
    this.back.clear();
  }

  /** A long quiet period became the new normal: the level follows it. */
  promoteEpisode(): void {
    const ratio = this.recentQuiet.ratio() ?? this.episode.ratio();
    if (ratio !== null) this.baseline.scaleLevel(ratio);
    this.episode.clear();
    this.settledQuiet.clear();
    this.change = null;
    this.shift.reset();
  }
}

/** The share of its weight a run this far out (sigmas, either way) teaches the level with (ROBUST_SCORES). */
export function robustWeight(outlier: number): number {
  return outlier <= ROBUST_SCORES.full ? 1 : Math.max(0, (ROBUST_SCORES.none - outlier) / (ROBUST_SCORES.none - ROBUST_SCORES.full));
}

/** Whether a run this far out (sigmas) teaches the level nothing (see `robustWeight`). */
export function teachesNothing(outlier: number): boolean {
  return robustWeight(outlier) === 0;
}

/**
 * Whether a run against an open rise leaves it open (`silent`) rather than closing it as over: the
 * rise has been carried on by a run of its own after its opening one, no run has stood against it
 * yet, its runs' summed evidence (`OpenChange.evidence`) still favours its level with this run's
 * counted in, and the run is judged in the plainly normal state (not the first days back, not near
 * a quiet period, whose levels a contrary run may belong to). One ordinary day inside a lasting
 * rise closed it, and the rise's next run opened it again, as news. A second contrary run closes
 * it: a stream back at its old level for two days in every eight otherwise kept each brief return
 * open until it settled as the new level. Drops are left as they were: a drop's contrary runs are
 * as often the return from a quiet period that began with it. Development (4 seeds pooled): caught
 * 61,013 → 61,022 of 66,609 (shift-up 888 → 890, shift-down 579 → 582), normal-day false alarms
 * 183 → 164 (busy 73 → 65, light 46 → 41, quiet 64 → 58), first days back 13 → 13; issue 5 the
 * same but one 60-run young-history case. Any number of contrary runs: 61,023 / 164 / 13 (the
 * reopening stream above). Without the plainly normal state: 61,003 / 178 / 17 and one issue 5
 * first day back; without the carried-on run as well: 61,007 / 192 / 21.
 */
function contestedRise(change: OpenChange, evidence: number, prediction: TrackPrediction): boolean {
  // `predict` builds a single component exactly then.
  const plainlyNormal = prediction.judging.length === 1 && !prediction.returning;
  return change.direction === 'up' && change.evidenceRuns >= 2 && change.contraryRuns === 0 && change.evidence + evidence > 0 && plainlyNormal;
}

/**
 * Evidence that a run carries an open change on: the level the change opened at (its observed over
 * expected ratio) explains the run better than the baseline does.
 */
function continuationEvidence(change: OpenChange, value: number, prediction: TrackPrediction): number {
  const { mean, phi } = prediction;
  return changeEvidence(value, mean, mean * changeRatio(change), phi);
}

/** The level an open change has shown so far, as a share of the baseline (its observed over expected). */
function changeRatio(change: OpenChange): number {
  return (change.observed + 0.5) / (change.expected + 0.5);
}

/**
 * Evidence that a run sides with the open change rather than the baseline, the change's level taken
 * as its runs have shown it or as the shift test assumes (a halving, a rise to ×2.5), whichever is
 * nearer the baseline. A lasting change often opens on its most extreme run: a drop's next runs at
 * half favour the baseline over the opening fifth, and went unreported while the drop was open.
 * Read at the nearer level, each of four development seeds caught more shifts (pooled: down
 * 46.4 → 48.1 %, up 73.1 → 74.6 %) for 2 more false alarms in about 25,000 normal days. Only the
 * reporting reads it: whether a run carries the change's level on, or closes it as over, is still
 * judged at the level the change has shown.
 */
function leaningEvidence(change: OpenChange, value: number, prediction: TrackPrediction): number {
  const shown = changeRatio(change);
  const ratio = change.direction === 'down' ? Math.max(shown, SHIFT_FACTORS.down) : Math.min(shown, SHIFT_FACTORS.up);
  return changeEvidence(value, prediction.mean, prediction.mean * ratio, prediction.phi);
}

/**
 * How far a run stands off the normal level the open change's way. A drop's later runs are judged
 * by the quiet state the filter soon gives weight to — under which they are unremarkable — but
 * whether they still side with the drop is a question about the normal level it left.
 */
function changeSideScore(direction: Direction, value: number, prediction: TrackPrediction, lowScore: number, highScore: number): number {
  if (direction === 'up') return highScore;
  if (lowScore >= LEANING_SCORE || value >= prediction.mean) return lowScore;
  return tailScore(countLowerTail(value, prediction.mean, prediction.phi));
}

/**
 * A likelihood with the outlier share: (1 − OUTLIER_PROBABILITY) of the state's own, plus the
 * `vague` share any run gets (a module function, not a closure per call: likelihoods runs on
 * every run of every walk).
 */
function withOutliers(logLikelihood: number, vague: number): number {
  return (1 - OUTLIER_PROBABILITY) * Math.exp(logLikelihood) + vague;
}

/** A regime's weight as the mixture keeps it: none when the judge gives it a negligible one. */
function keptWeight(weight: number): number {
  return weight >= NEGLIGIBLE_WEIGHT ? weight : 0;
}

/**
 * The filter's log likelihood of a count: exact for small expectations, the gamma (Wilson–Hilferty)
 * approximation's density beyond — the filter weighs states against each other (with an outlier
 * share capping the tails), it needs no more, and it runs on every run of every walk.
 */
function filterLogLikelihood(value: number, mean: number, phi: number): number {
  if (mean < 20) return logCountProbability(value, mean, phi);
  // Density of (y/mean)^(1/3) ~ normal(center, spread), carried back to the count scale.
  const shape = mean / (1 + phi * mean);
  const spread = Math.sqrt(1 / (9 * shape));
  const y = value + 0.5;
  // One cube root for both reads of it: the filter weighs four or five of these per run of every walk.
  const root = Math.cbrt(y / mean);
  const z = (root - (1 - 1 / (9 * shape))) / spread;
  const jacobian = root / (3 * spread * y);
  return -0.5 * z * z - HALF_LOG_TWO_PI + Math.log(jacobian);
}

const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/**
 * The cube-root approximation alone: enough to weigh a history run as an outlier or not. The low
 * side under `lowComponents` (see `surprise`).
 */
function roughSurprise(components: readonly CountComponent[], value: number, lowComponents = components): { lowScore: number; highScore: number } {
  let low = Number.POSITIVE_INFINITY;
  let high = Number.POSITIVE_INFINITY;
  for (const c of components) {
    const score = roughScore(value, c.mean, c.phi);
    low = Math.min(low, -score);
    high = Math.min(high, score);
  }
  if (lowComponents !== components) {
    low = Number.POSITIVE_INFINITY;
    for (const c of lowComponents) low = Math.min(low, -roughScore(value, c.mean, c.phi));
  }
  return { lowScore: Math.max(0, low), highScore: Math.max(0, high) };
}

/**
 * Sigma-scale surprise of the value each way: above `components`, and below `lowComponents` (a
 * first day back's low side, `TrackPrediction.lowJudging`: the same states, the normal one at its
 * plain level). Their states are the same, so a value plainly ordinary under `components` is so
 * under both, and each side's tail is summed once, under its own mixture: first days back pay
 * nothing more than other runs. Exact sums are skipped for a run every component finds plainly
 * ordinary (within 1.5 sigma, on the cube-root scale from a mean of 3): most runs, and what keeps
 * a walk over years of runs within milliseconds.
 * Under one mixture for both sides, the tail on the value's side of its mean is summed first: when
 * it holds less than half the mass (`SURELY_UNDER_HALF`), the other holds more than half and scores
 * nothing, so it is not summed (`otherTailReachesHalf`). Summing it was half the terms of a cold
 * walk's sums.
 */
export function surprise(components: readonly CountComponent[], value: number, lowComponents = components): { lowScore: number; highScore: number } {
  if (plainlyOrdinary(components, value)) return { lowScore: 0, highScore: 0 };
  if (lowComponents !== components) return { lowScore: tailScore(mixtureLowerTail(lowComponents, value)), highScore: tailScore(mixtureUpperTail(components, value)) };
  if (value >= mixtureMean(components)) {
    const upper = upperTailOf(components, value);
    return { lowScore: otherTailReachesHalf(upper) ? HALF_TAIL_SCORE : tailScore(lowerTailOf(components, value)), highScore: tailScore(upper) };
  }
  const lower = lowerTailOf(components, value);
  return { lowScore: tailScore(lower), highScore: otherTailReachesHalf(lower) ? HALF_TAIL_SCORE : tailScore(upperTailOf(components, value)) };
}

/** Whether every component finds the value within 1.5 sigma (see `surprise`). */
export function plainlyOrdinary(components: readonly CountComponent[], value: number): boolean {
  for (const c of components) {
    const near = c.mean < 3 ? Math.abs(value - c.mean) <= 1.5 * Math.sqrt(c.mean + c.phi * c.mean * c.mean) + 1 : Math.abs(roughScore(value, c.mean, c.phi)) <= 1.5;
    if (!near) return false;
  }
  return true;
}

/**
 * Below this a tail surely holds less than half the mass: the distributions' own error (the sums'
 * truncation at 1e-13 of their total, rounding, the normal approximation's 1.5e-7) is far smaller.
 */
const SURELY_UNDER_HALF = 0.5 - 1e-6;
/** The score of any tail of a half or more (`tailScore` bounds it there: the same value, bit for bit). */
const HALF_TAIL_SCORE = tailScore(0.5);

/**
 * Whether the other tail of a value whose tail on one side is `tail` reaches half the mass: the two
 * tails of a count both hold its own probability, so they sum to one or more (for the mixture too:
 * its weights sum to one), and one under a half leaves the other over it. Only under one mixture:
 * a first day back's low side is judged under another.
 */
function otherTailReachesHalf(tail: number): boolean {
  return tail < SURELY_UNDER_HALF;
}

/** P(X ≤ value) under the mixture; a single distribution's own tail, unweighted, when it is one. */
function lowerTailOf(components: readonly CountComponent[], value: number): number {
  if (components.length !== 1) return mixtureLowerTail(components, value);
  const c = components[0]!;
  return countLowerTail(value, c.mean, c.phi);
}

/** P(X ≥ value) under the mixture, as `lowerTailOf`. */
function upperTailOf(components: readonly CountComponent[], value: number): number {
  if (components.length !== 1) return mixtureUpperTail(components, value);
  const c = components[0]!;
  return countUpperTail(value, c.mean, c.phi);
}
