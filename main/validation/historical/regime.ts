import type { CalendarPrior } from './calendar.js';

/**
 * The stream's two states, learnt from its own runs (issue 10 item 1): `normal`, and `quiet` — a
 * recess, a committee on its own schedule, a source that publishes little for a while. A
 * two-state filter with sticky transitions reads which state the runs show:
 *
 * - entering a quiet period: a hazard learnt from the stream's own past episodes (a pooled prior
 *   until it has some), plus what the congressional calendar anticipates, weighted by how well
 *   this stream's history has followed the calendar (its recesses confirmed or rejected, one by
 *   one, by the runs inside them). The calendar is a prior, never a switch;
 * - leaving one: a hazard from the stream's own episode lengths (how long this one has lasted
 *   against how long its past ones did, for a stream the calendar does not speak for), plus the
 *   calendar's recess ends.
 *
 * Judging and filtering read the same weights with one difference: an unanticipated entry into a
 * quiet period is news, so the judging weights leave the generic entry hazard out — a one-day
 * drop after busy days is judged against the normal state — while the filter keeps it, so a quiet
 * period several runs long becomes the state the next runs are judged in. Leaving a quiet period
 * is never news.
 */

/** Prior entry hazard: about one unannounced quiet period in two months of runs. */
const PRIOR_ENTRY = { episodes: 1, runs: 60 };
/** Prior episode length (days) and its weight in episodes. */
const PRIOR_DURATION = { days: 10, weight: 2 };
/** Prior agreement with the calendar, Beta(1, 1): even odds until the stream's recesses say. */
const PRIOR_AGREEMENT = { confirmed: 1, seen: 2 };
const NO_AGREEMENT = 0.2;
/** Prior share of quiet runs away from the calendar's recesses: one in twenty. */
const PRIOR_QUIET_ELSEWHERE = { quiet: 1, runs: 20 };
/** The latest quiet periods whose lengths shape a stream's exit hazard: the latest, so a stream that changes its habits is followed. */
const MAX_EPISODE_LENGTHS = 24;
/**
 * Days into a quiet period before its own-history hazard applies. Until then the filter is still
 * deciding whether the drop is a quiet period at all (a holiday, a failed fetch or a lasting
 * change look the same for a day or two), and a hazard made low by long past periods would make it
 * sure too soon and cut short the shift detector's watch over the start (measured on the issue 5
 * harness: one more false alarm on a normal day when it applied from the first day).
 */
const OWN_HAZARD_FROM_DAY = 3;
/** The first this-many busy runs after a quiet period may bring a catch-up bump (it is usually two; one more is cheap insurance). */
export const BACK_RUNS = 3;
/** A quiet period this much longer than any seen (and six weeks at least) is the new normal. */
const PROMOTE_AFTER = { minDays: 42, longestFactor: 1.5 };
/**
 * A stream the calendar speaks for (agreement at least `calendarAgreement`) has its recesses
 * anticipated, and its unannounced quiet spells are a population of their own: outages, holidays,
 * or a source that came back at another level. Such a spell is weighed against the stream's own
 * unannounced spells, not against the calendar's five-week recesses: it becomes the new normal
 * after three weeks, or 1.5× the longest unannounced spell it has come back from. Under the old
 * horizon a calendar stream whose level fell for good flipped between quiet and normal for six to
 * eight weeks, judged all that while against the old level. Development, 4 seeds pooled: recall
 * 60,696 → 60,729 of 66,609, normal-day false alarms 246 → 242, first days back 19 → 16; issue 5
 * level shift 67.0 → 67.2 %, the rest unchanged. An agreement of 0.15 promoted a young (60-run)
 * issue 5 stream's recess the calendar did not yet anticipate for it (young-history false alarms
 * 2.9 → 5.1 %); 0.25 none. A stream whose busy day brings under `busyRecords` keeps the long
 * horizon: its filter drifts into "quiet" on a few light days of counting noise, and a 5-a-day
 * stream's spurious spell, promoted, read its return from the August recess as a rise (five alerts).
 */
const UNANNOUNCED_PROMOTE_AFTER = { minDays: 21, calendarAgreement: 0.25, busyRecords: 20 };
/**
 * A quiet period that begins at most this many days after the last one ended continues its spell:
 * a run or two near the old level and a weekend. Chosen on development (1, 3, 4, 5, 7 and 10 days
 * tried): from 4 days on one more first day back alerted, from 7 on two congressional recesses a
 * week apart made one spell in the issue 5 harness and a false alarm on the way back (measured
 * before announced recesses were kept out of spells).
 */
const SPELL_GAP_DAYS = 3;
/** The least chance the judge gives a quiet period of ending on any run... */
const MIN_JUDGED_EXIT = 0.05;
/**
 * ... and inside a recess the calendar announced, which the stream follows (`followsThisRecess`):
 * there the least chance is MIN_JUDGED_EXIT times the chance the stream keeps to its own
 * schedule instead, but never under this. The calendar's dates are approximate, and a return days
 * before they say is still no news: in the issue 5 harness a stream came back on 31 December, a
 * recess day deep in the calendar's winter break, and a floor of 0.03 (0.02, 0.01, 0.005) called
 * that first day back a burst.
 */
const MIN_JUDGED_EXIT_IN_FOLLOWED_RECESS = 0.04;
/**
 * A quiet period that starts where the calendar, weighted by the stream's agreement with it,
 * puts at least this much chance of a recess was anticipated: its start is no news.
 */
const ANTICIPATED = 0.2;
/**
 * In the first days back, a filter this sure of the normal state is not in doubt: the judge reads
 * it sharpened, as on any other day (see `returnInDoubt`).
 */
export const SURE_OF_RETURN = 0.1;
/** Calendar evidence per recess is capped: one recess never settles the question alone. */
const MAX_RECESS_EVIDENCE = 8;

export interface RegimeWeights {
  normal: number;
  /** Entering a quiet period on this run (its depth unknown yet: the stream's usual one). */
  enter: number;
  /** Staying in the quiet period the last runs showed. */
  stay: number;
  /** Leaving it on this run (a catch-up bump possible). */
  exit: number;
}

export interface Episode {
  since: string;
  sinceDay: number;
  runs: number;
  /** The calendar expected it (a recess the stream follows): its start is no news. */
  anticipated: boolean;
  /** The calendar as the judge reads it put a recess here (see `agreementOn`): no level shift to watch for. */
  announced: boolean;
  /**
   * The first day of the quiet spell it belongs to: its own start, or the spell's of an unannounced
   * quiet period that ended at most SPELL_GAP_DAYS before it began (see `spellStart`).
   */
  spellSinceDay: number;
}

export interface RegimeStep {
  judging: RegimeWeights;
  filtering: RegimeWeights;
  /** The filter's weights for a light run (see `shownQuiet`): entries the calendar anticipates only. */
  showing: RegimeWeights;
}

/** The four regimes' weights for P(quiet) `q` before the run and the chances of entering and leaving a quiet period on it. */
function setRegimeWeights(weights: RegimeWeights, q: number, entry: number, leave: number): void {
  weights.normal = (1 - q) * (1 - entry);
  weights.enter = (1 - q) * entry;
  weights.stay = q * (1 - leave);
  weights.exit = q * leave;
}

/** P(quiet) `q` sharpened toward 0 or 1 (see `step`); its cube worked out once (a power is not cheap, and this runs every run). */
function sharpened(q: number): number {
  const cubed = q ** 3;
  return cubed / (cubed + (1 - q) ** 3);
}

function emptyStep(): RegimeStep {
  return {
    judging: { normal: 0, enter: 0, stay: 0, exit: 0 },
    filtering: { normal: 0, enter: 0, stay: 0, exit: 0 },
    showing: { normal: 0, enter: 0, stay: 0, exit: 0 },
  };
}

export class RegimeFilter {
  /** P(quiet) after the last run. */
  quiet = 0;
  /**
   * P(quiet) as the runs that could show the stream's level have shown it: a light run (a weekend
   * of a weekday feed) carries it on and lets only the calendar's anticipated entries into it. The
   * filter's own P(quiet) also lets the generic entry hazard in on such runs, and a weekend's two
   * empty runs expecting a record or two each raised it to about 0.2 — on a Monday the judge then
   * read an unannounced quiet period as already under way, and a drop to a tenth of a busy day
   * was judged against it and not reported (an unannounced start is news: see the judging weights).
   */
  shownQuiet = 0;
  episode: Episode | null = null;
  lastEpisode: { since: string; until: string } | null = null;
  /**
   * The quiet spell the last episode belonged to, the day it ended, and how long it had lasted when
   * the stream last came back from it (0 if it never did: only one-run episodes so far).
   */
  private lastSpell: { sinceDay: number; untilDay: number; length: number } | null = null;
  /** Informative runs left in the "first days back" window after an episode. */
  backRunsLeft = 0;
  private lastDay: number | null = null;
  private lastCalendar = 0;
  private entries = PRIOR_ENTRY.episodes;
  private normalRuns = PRIOR_ENTRY.runs;
  private episodeCount = 0;
  private durationSum = 0;
  /** The lengths (days) of the stream's latest quiet periods. */
  private episodeLengths: number[] = [];
  private longestEpisode = 0;
  /** The longest unannounced quiet spell (days) the stream has come back from. */
  private longestUnannounced = 0;
  private agreement = { ...PRIOR_AGREEMENT };
  private recessEvidence: { logRatio: number; runs: number } | null = null;
  private quietElsewhere = { quiet: 0, runs: 0 };
  /**
   * The weights `step` returns, overwritten at each step: a walk reads them only while it judges
   * that run, and three fresh sets of four numbers per run were a tenth of a cold judgement's
   * allocation. A copy gets its own, so a probe's result outlives the walk's next step.
   */
  private stepWeights = emptyStep();

  copy(): RegimeFilter {
    const twin = Object.assign(new RegimeFilter(), this);
    twin.stepWeights = emptyStep();
    twin.episode = this.episode ? { ...this.episode } : null;
    twin.episodeLengths = this.episodeLengths.slice();
    twin.agreement = { ...this.agreement };
    twin.recessEvidence = this.recessEvidence ? { ...this.recessEvidence } : null;
    twin.quietElsewhere = { ...this.quietElsewhere };
    return twin;
  }

  /**
   * How well this stream's history has followed the calendar's recesses, 0–1: how much likelier
   * its recesses found it quiet than its other days did (a stream quiet a fifth of the time on
   * its own schedule is quiet in a fifth of the calendar's recesses too — that is no agreement).
   * The share quiet in recesses is read at its lower 10% credible bound (a Beta posterior, normal
   * approximation): the calendar speaks for a stream in proportion to the evidence that it should.
   */
  get calendarAgreement(): number {
    const { confirmed, seen } = this.agreement;
    const missed = seen - confirmed;
    const spread = Math.sqrt((confirmed * missed) / (seen * seen * (seen + 1)));
    return this.agreementAt(Math.max(0, confirmed / seen - 1.28 * spread));
  }

  /**
   * The calendar's say over a run on a day it describes as `calendar`, as the judge reads it. A
   * young stream that has not yet been through one of the calendar's long recesses has no evidence
   * either way, and the lower credible bound above silences the calendar for it (Beta(1, 1) reads
   * 0): every recess such a stream met was news — a level shift a few days into a recess the
   * calendar announced, a drop or a near-empty run inside one. Around the calendar's long recesses
   * it is judged with the prior at its mean instead, what the prior says with no evidence; the
   * first long recess it goes through confirms or rejects it, and from then on the bound speaks.
   * Only the judge reads it so (the judging weights, and whether the shift test stands aside for a
   * quiet period): the filter, which decides the state the stream learns in, and the episodes'
   * bookkeeping keep the evidence alone. Issue 5 young histories, clean-run false alarms: 30 runs
   * 12.5 → 4.3 %, 60 runs 2.92 → 1.09 %, 21 runs unchanged (9.32 %). Fed to the filter as well it
   * took 60 runs to 0.73 % and 21 runs to 8.96 %, but an own-schedule stream's quiet period that
   * began near its first recess was taken for the recess, and what that taught it (its spells,
   * its entry hazard) cost development 10 more false alarms on normal days in four seeds, a year
   * on. One-day holidays keep the bound: a young stream's holiday read as an announced quiet
   * period hid level shifts that began around it (issue 5, 30-run histories: five shifts missed).
   * `calendarAgreement`: the bound, when the caller has it already.
   */
  agreementOn(calendar: CalendarPrior, calendarAgreement?: number): number {
    return this.judgedByPrior(calendar) ? this.agreementAt(this.agreement.confirmed / this.agreement.seen) : (calendarAgreement ?? this.calendarAgreement);
  }

  /** Whether this run is judged with the calendar prior at its mean (see `agreementOn`). */
  private judgedByPrior(calendar: CalendarPrior): boolean {
    return calendar.longRecess && this.agreement.seen <= PRIOR_AGREEMENT.seen;
  }

  /**
   * Whether a young stream's calendar prior puts this run inside a recess (see `agreementOn`): the
   * shift test then stands aside, whether or not the filter has called the quiet period yet — it
   * learns from evidence only, and a young stream's filter is slow to be sure.
   */
  priorAnnouncesRecess(calendar: CalendarPrior): boolean {
    return this.judgedByPrior(calendar) && this.agreementOn(calendar) * calendar.weight >= ANTICIPATED;
  }

  /**
   * The agreement a share `inRecess` of quiet runs in the calendar's recesses shows, against the
   * share quiet elsewhere. Below a fifth of lift the calendar says nothing about this stream: a
   * small chance of a quiet period at an unknown depth would otherwise excuse every drop near a
   * recess date.
   */
  private agreementAt(inRecess: number): number {
    const elsewhere = this.quietElsewhereShare;
    const lift = (inRecess - elsewhere) / (1 - elsewhere);
    return Math.max(0, (lift - NO_AGREEMENT) / (1 - NO_AGREEMENT));
  }

  /** The share of the stream's runs away from the calendar's recesses that were quiet. */
  private get quietElsewhereShare(): number {
    return (this.quietElsewhere.quiet + PRIOR_QUIET_ELSEWHERE.quiet) / (this.quietElsewhere.runs + PRIOR_QUIET_ELSEWHERE.runs);
  }

  get meanEpisodeDays(): number {
    return (this.durationSum + PRIOR_DURATION.days * PRIOR_DURATION.weight) / (this.episodeCount + PRIOR_DURATION.weight);
  }

  /**
   * The transition weights for a run on `dayNumber`, given what the calendar says of that day
   * (`calendar`) and of the days since the last run (`between`: starts and ends summed).
   * `busyRun`: the run falls on one of the stream's busy weekdays, where it can show the level.
   * The weights returned are this filter's own, overwritten by its next step.
   */
  step(dayNumber: number, calendar: CalendarPrior, between: { start: number; end: number }, busyRun: boolean): RegimeStep {
    const days = this.lastDay === null ? 1 : Math.max(1, Math.min(30, dayNumber - this.lastDay));
    // The judge reads the calendar as a young stream's prior says (see `agreementOn`); the filter,
    // which decides the state the stream learns in, only as far as its own recesses have shown.
    // Worked out once here (a square root and two divisions), not at each of its three reads.
    const calendarAgreement = this.calendarAgreement;
    const filtered = this.transitions(dayNumber, days, calendar, between, calendarAgreement);
    const judgedAgreement = this.agreementOn(calendar, calendarAgreement);
    const judged = judgedAgreement === calendarAgreement ? filtered : this.transitions(dayNumber, days, calendar, between, judgedAgreement);
    const genericEntry = days === 1 ? this.entries / this.normalRuns : 1 - Math.pow(1 - this.entries / this.normalRuns, days);
    // The judge reads the state the runs show, sharpened: a tenth of a chance of "quiet" left by a
    // weekend with nothing to see is not a state, and must not excuse a drop. Leaving a quiet
    // period is never news: the judge always keeps a little room for it.
    // In the first days back the filter's doubt is no weekend's: the quiet period may not be over.
    const q = this.shownQuiet;
    const shown = this.returnInDoubt(q, calendar, judgedAgreement, busyRun) ? q : sharpened(q);
    const step = this.stepWeights;
    setRegimeWeights(step.judging, shown, judged.anticipatedEntry, this.judgedExit(dayNumber, days, calendar, between, judgedAgreement, judged.exit));
    setRegimeWeights(step.filtering, this.quiet, Math.min(0.99, filtered.anticipatedEntry + genericEntry * (1 - filtered.anticipatedEntry)), filtered.exit);
    setRegimeWeights(step.showing, q, filtered.anticipatedEntry, filtered.exit);
    return step;
  }

  /**
   * Whether the judge reads the filter's P(quiet) `q` as it stands, unsharpened: in the first days
   * back, while the quiet period may not be over. It is not in doubt on a busy weekday's run once
   * the filter is sure of the normal state (q under SURE_OF_RETURN), unless the calendar, as far
   * as this stream follows it, still anticipates a recess, or the return rests on one busy run
   * inside the calendar's recess dates (a day's work in a recess looks the same). A light run
   * cannot show the level, and stays in doubt.
   * Why: a 1–2 % chance of "still quiet" alone held a drop to a fifth or a tenth on a busy day back
   * under the single-run bar (development, seed 31337: 67 of 105 such drops missed, many at
   * 2.1–2.9σ). Development, 4 seeds pooled: caught 60,764 → 60,810 of 66,609, normal-day false
   * alarms and first days back unchanged; issue 5 recall 93.1 → 93.2 %. Each clause earns its
   * place: sharpening any run at q < 0.1 gave 208 false alarms (weekends of a quiet period after a
   * false return); without the one-run clause a young 60-run history raised a false alarm (a busy
   * day inside a recess taken for the return); without the calendar clause issue 5's recess-day
   * false alarms went 0.18 → 0.54 %.
   */
  private returnInDoubt(q: number, calendar: CalendarPrior, judgedAgreement: number, busyRun: boolean): boolean {
    if (this.backRunsLeft === 0) return false;
    if (q >= SURE_OF_RETURN || !busyRun) return true;
    return judgedAgreement * calendar.weight >= ANTICIPATED || (this.backRunsLeft === BACK_RUNS && calendar.weight > 0);
  }

  /**
   * The chance the judge gives the quiet period of ending on this run, `exit` as the stream's
   * calendar agreement `c` puts it. Inside a recess the calendar anticipated for this stream, the
   * stream is read as following the calendar with `followsThisRecess`, not with `c`: a run at the
   * normal level there is a return only if the stream left the calendar's schedule this time, and
   * is otherwise a spike or a burst. With `c` alone a stream that follows the calendar (agreement
   * 0.3–0.65 in development) kept a third to two thirds of its own-schedule exit hazard through
   * every recess, and a spike of a recess day to the normal level or a weekday's volume on a
   * recess weekend was read as the recess ending (development seed 31337: of the spikes and bursts
   * missed inside quiet periods, 164 of 282 were judged at the floor's exit weight, MIN_JUDGED_EXIT). Development, 4
   * seeds pooled: caught 61,013 → 61,033 of 66,609, false alarms unchanged on every kind of day;
   * issue 5 recall 0.93259 → 0.93271, false alarms unchanged.
   */
  private judgedExit(dayNumber: number, days: number, calendar: CalendarPrior, between: { start: number; end: number }, c: number, exit: number): number {
    const follows = this.followsThisRecess(c, calendar);
    if (follows === c) return Math.max(exit, MIN_JUDGED_EXIT);
    const followingExit = this.transitions(dayNumber, days, calendar, between, follows).exit;
    return Math.max(followingExit, MIN_JUDGED_EXIT_IN_FOLLOWED_RECESS, MIN_JUDGED_EXIT * (1 - follows * calendar.weight));
  }

  /**
   * The chance the stream follows the calendar during this quiet period, for an agreement `c`: a
   * quiet period that began where the calendar anticipated a recess, judged while the calendar
   * still says recess, is evidence the stream follows it this time. By Bayes, with a quiet period
   * of the stream's own starting there as often as its runs away from recesses are quiet
   * (the share `agreementAt` weighs against): c / (c + (1 − c) · that share). `c` itself elsewhere.
   */
  private followsThisRecess(c: number, calendar: CalendarPrior): number {
    if (c <= 0 || calendar.weight <= 0 || !this.episode?.anticipated) return c;
    return c / (c + (1 - c) * this.quietElsewhereShare);
  }

  /** The calendar's anticipated entry and the chance of leaving a quiet period on this run, for a calendar agreement `c`. */
  private transitions(dayNumber: number, days: number, calendar: CalendarPrior, between: { start: number; end: number }, c: number): { anticipatedEntry: number; exit: number } {
    const before = this.lastDay === null ? 0 : this.lastCalendar;
    const anticipatedEntry = Math.min(0.95, (c * Math.min(1, between.start)) / Math.max(1e-6, 1 - c * before));
    const calendarExit = before > 0 ? Math.min(1, between.end / before) : Math.min(1, between.end);
    // While the calendar still says recess, a stream that follows it is not expected to leave.
    const genericExit = (1 - c * calendar.weight) * this.ownExit(dayNumber, days, c);
    return { anticipatedEntry, exit: Math.min(1, 1 - (1 - genericExit) * (1 - c * calendarExit)) };
  }

  /**
   * The chance the current quiet period ends within the `days` up to `dayNumber`. The pooled
   * answer is a constant hazard, one over the mean episode length; a stream the calendar does not
   * speak for (c = 0: its quiet periods are its own) knows more — how long this period has lasted
   * against how long its past ones did. A stream whose quiet periods run three to six weeks rarely
   * comes back four days in: the filter then needs more than one busy-looking run (a burst, a
   * backfill) to believe the period over. The survival curve is the count of its past periods
   * longer than this one so far, plus a geometric prior worth PRIOR_DURATION.weight periods (a
   * stream with none keeps the pooled hazard). It only ever lowers the pooled hazard: raising it
   * where a period has outlived its predecessors cost false alarms on normal days in development,
   * and a period far longer than any seen is promoted to the new normal anyway. A stream that
   * follows the calendar has its exits told by the calendar's recess ends (applied to those too,
   * it cost the issue 5 harness level shifts and a false alarm).
   */
  private ownExit(dayNumber: number, days: number, calendarAgreement: number): number {
    const dailyExit = 1 / this.meanEpisodeDays;
    const pooled = days === 1 ? dailyExit : 1 - Math.pow(1 - dailyExit, days);
    const age = this.episode ? dayNumber - this.episode.sinceDay : 0;
    if (calendarAgreement > 0 || age < OWN_HAZARD_FROM_DAY) return pooled;
    const survival = (length: number): number => {
      let longer = PRIOR_DURATION.weight * Math.pow(1 - 1 / PRIOR_DURATION.days, Math.max(0, length));
      for (const past of this.episodeLengths) if (past > length) longer += 1;
      return longer;
    };
    return Math.min(pooled, 1 - survival(age) / survival(age - days));
  }

  /**
   * The filtered P(quiet) after a run, with the bookkeeping of episodes. `quietEvidence` is the
   * log likelihood ratio (quiet at the usual depth vs normal) of this run, for the calendar's
   * account; `informative` says whether the run could show a state at all, `busy` whether it is
   * one of the stream's busy weekdays (the first days back are counted in those: a weekend in
   * between does not use them up), `nearRecess` the calendar's strongest recess weight over this
   * day and the next three, `busyExpected` what the normal state expects of its busiest weekday.
   * Returns true when a long quiet period has just become the new normal.
   */
  observe(run: { dayNumber: number; startedAt: string; informative: boolean; busy: boolean; nearRecess: () => number; busyExpected: () => number }, posterior: number, calendar: CalendarPrior, quietEvidence: number, shownPosterior = posterior): boolean {
    this.settleSpell(run.dayNumber);
    this.accountCalendar(calendar, run.informative ? quietEvidence : 0, run.informative);
    if (calendar.weight === 0 && run.informative) {
      this.quietElsewhere.runs += 1;
      this.quietElsewhere.quiet += posterior;
    }
    this.lastDay = run.dayNumber;
    this.lastCalendar = calendar.weight;
    this.quiet = posterior;
    this.shownQuiet = shownPosterior;
    if (posterior < 0.5) this.normalRuns += 1;
    if (this.episode === null) {
      if (posterior >= 0.5) {
        // The calendar's recess dates are approximate: a quiet period starting a few days before one it expects was expected.
        const anticipated = this.calendarAgreement * run.nearRecess() >= ANTICIPATED;
        const announced = anticipated || this.agreementOn(calendar) * run.nearRecess() >= ANTICIPATED;
        this.episode = { since: run.startedAt, sinceDay: run.dayNumber, runs: 1, anticipated, announced, spellSinceDay: anticipated ? run.dayNumber : this.spellStart(run.dayNumber) };
        if (!this.episode.anticipated) this.entries += 1;
      } else if (run.busy && this.backRunsLeft > 0) this.backRunsLeft -= 1;
      return false;
    }
    if (posterior >= 0.5) {
      this.episode.runs += 1;
      if (run.dayNumber - this.episode.spellSinceDay > this.promotionHorizon(this.episode, run.busyExpected)) {
        this.episode = null;
        this.quiet = 0;
        this.shownQuiet = 0;
        return true;
      }
      return false;
    }
    this.closeEpisode(run);
    return false;
  }

  /** Days into its spell after which a quiet period is the new normal (see PROMOTE_AFTER, UNANNOUNCED_PROMOTE_AFTER). */
  private promotionHorizon(episode: Episode, busyExpected: () => number): number {
    const own = UNANNOUNCED_PROMOTE_AFTER;
    if (!episode.anticipated && this.calendarAgreement >= own.calendarAgreement && busyExpected() >= own.busyRecords) {
      return Math.max(own.minDays, PROMOTE_AFTER.longestFactor * this.longestUnannounced);
    }
    return Math.max(PROMOTE_AFTER.minDays, PROMOTE_AFTER.longestFactor * this.longestEpisode);
  }

  /**
   * A drop that lasted (or was marked expected) is a quiet period that began at its first run,
   * whatever the filter made of it so far: a low-count stream's filter is slow to be sure.
   */
  forceQuiet(since: string, sinceDay: number): void {
    this.quiet = 1;
    this.shownQuiet = 1;
    this.episode ??= { since, sinceDay, runs: 2, anticipated: false, announced: false, spellSinceDay: this.spellStart(sinceDay) };
  }

  private closeEpisode(run: { dayNumber: number; startedAt: string }): void {
    const episode = this.episode!;
    const days = run.dayNumber - episode.sinceDay;
    if (episode.runs >= 2) {
      this.episodeCount += 1;
      this.durationSum += days;
      this.longestEpisode = Math.max(this.longestEpisode, days);
      this.episodeLengths.push(days);
      if (this.episodeLengths.length > MAX_EPISODE_LENGTHS) this.episodeLengths.shift();
      this.backRunsLeft = BACK_RUNS;
    }
    this.lastEpisode = { since: episode.since, until: run.startedAt };
    // A recess the calendar announced is explained by it: it neither continues a spell nor starts one.
    const cameBackBefore = this.lastSpell?.sinceDay === episode.spellSinceDay ? this.lastSpell.length : 0;
    this.lastSpell = episode.anticipated ? null : { sinceDay: episode.spellSinceDay, untilDay: run.dayNumber, length: episode.runs >= 2 ? run.dayNumber - episode.spellSinceDay : cameBackBefore };
    this.episode = null;
  }

  /**
   * Counts the last spell among the unannounced spells the stream has come back from once it can no
   * longer continue: a run more than SPELL_GAP_DAYS after it with no quiet period reopening it, or a
   * quiet period that is not part of it. Counted at each brief return instead, a lasting drop's own
   * spell set the horizon it had to outlast: each return a few weeks in raised the longest spell to
   * the spell's age, the horizon to 1.5 times that, and the spell was promoted only after a stretch
   * with no return half its age long (development, seed 31337, a calendar stream down to ×0.43:
   * judged against the old level for eight weeks, the horizon 30 → 38 → 51 days as it went; now
   * promoted after three). Development, 4 seeds pooled: caught 60,856 → 60,865 of 66,609 (31337
   * +9, seeds 1–3 unchanged), normal-day false alarms 202 → 201, first days back 14 → 14; issue 5
   * unchanged. A spell promoted to the new normal still counts at the length of its last return:
   * leaving it out as never come back from cost seed 2 nine drops and zero runs on a low-count
   * stream with outages (pooled 60,857).
   */
  private settleSpell(dayNumber: number): void {
    const last = this.lastSpell;
    if (!last) return;
    const continues = this.episode ? this.episode.spellSinceDay === last.sinceDay : dayNumber - last.untilDay <= SPELL_GAP_DAYS;
    if (continues) return;
    this.longestUnannounced = Math.max(this.longestUnannounced, last.length);
    this.lastSpell = null;
  }

  /**
   * Where an unannounced quiet period starting on `dayNumber` begins its spell. A lasting drop the
   * filter takes for a quiet period is interrupted now and then by a run or two near the old level
   * (noise, a busy weekday): each restarts the episode, and without the spell none would ever grow
   * long enough to be promoted to the new normal — the level stayed at the old one for months.
   * Recesses the calendar announces stay out of spells: two a day apart are two recesses, and
   * merged they were promoted mid-recess and every run after the return alerted.
   */
  private spellStart(dayNumber: number): number {
    const last = this.lastSpell;
    return last && dayNumber - last.untilDay <= SPELL_GAP_DAYS ? last.sinceDay : dayNumber;
  }

  /** Each long calendar recess, once past, confirms or rejects the calendar for this stream. */
  private accountCalendar(calendar: CalendarPrior, evidence: number, informative: boolean): void {
    if (calendar.deepLongRecess) {
      this.recessEvidence ??= { logRatio: 0, runs: 0 };
      if (informative) {
        this.recessEvidence.logRatio += evidence;
        this.recessEvidence.runs += 1;
      }
      return;
    }
    if (this.recessEvidence && this.recessEvidence.runs >= 2) {
      const bounded = Math.max(-MAX_RECESS_EVIDENCE, Math.min(MAX_RECESS_EVIDENCE, this.recessEvidence.logRatio));
      this.agreement.confirmed += 1 / (1 + Math.exp(-bounded));
      this.agreement.seen += 1;
    }
    this.recessEvidence = null;
  }
}
