import type { RunSpan } from './cadence.js';

/**
 * The normal state of one volume metric, learnt one run at a time (issue 10 items 1–2): a rate
 * per weekday (the weekly shape), a recent level that scales it, and the day-to-day spread. All
 * three are count-aware (Poisson–gamma: sums of records over sums of exposure, not averages of
 * ratios, so a 5-a-day stream's zeros count for what they are) and forget at their own pace.
 *
 * Only runs the caller weighs as in-state teach it: quiet days, the first days back, runs of an
 * open change and outliers (by their tail probability, both ways — a zero is trimmed as surely as
 * a spike) stay out of the level, the shape and the spread alike.
 */

const HALF_LIFE_DAYS = { rates: 182, level: 28, spread: 120 };
/**
 * After this many days without a run even the slowest part (the weekly shape) keeps under a
 * millionth of what it learnt (20 half-lives): the history no longer says anything about the
 * next run, and forgetting for longer only underflows. Past ~41 years the squared weights went to
 * zero: a 74-year-old history drew a band narrower than its own expectation, and a history with
 * such a gap inside it never finished its walk.
 */
export const FORGOTTEN_AFTER_DAYS = 20 * Math.max(...Object.values(HALF_LIFE_DAYS));
/** ~10% day-to-day noise at least: the level itself is estimated, and rounding never helps. */
export const PHI_FLOOR = 0.01;
export const PHI_PRIOR = 0.05;
/**
 * The spread's prior is worth 20 runs of a 20-a-day stream. A busy stream outweighs it within
 * weeks; a 5-a-day stream, whose runs say little about overdispersion under their counting
 * noise, stays close to it — the hierarchical shrinkage low-count streams need.
 */
const PHI_PRIOR_RUNS = 20;
const PHI_PRIOR_REFERENCE_MEAN = 20;
const MIN_RUNS_FOR_SPREAD = 3;

/**
 * 2^(-days/halfLife). Daily runs age by one day almost always: those factors (`oneDay`) are
 * worked out once, here, rather than looked up by half-life in a map (three lookups per metric
 * per run of the walk).
 */
const ONE_DAY_DECAY = { rates: 2 ** (-1 / HALF_LIFE_DAYS.rates), level: 2 ** (-1 / HALF_LIFE_DAYS.level), spread: 2 ** (-1 / HALF_LIFE_DAYS.spread) };
function decay(days: number, halfLife: number, oneDay: number): number {
  return days === 1 ? oneDay : 2 ** (-days / halfLife);
}

export class VolumeBaseline {
  private readonly rateRecords = new Float64Array(7);
  private readonly rateExposure = new Float64Array(7);
  private readonly rateRuns = new Float64Array(7);
  private readonly rateRuns2 = new Float64Array(7);
  private levelRecords = 0;
  private levelExposure = 0;
  private levelRuns = 0;
  private levelRuns2 = 0;
  private spreadSum = 0;
  private spreadInformation = 0;
  private day: number | null = null;
  private readonly rateValues = new Float64Array(7);
  private ratesFresh = false;
  private busiest = 0;
  /** Cleared whenever the spread's sums change; the shared prior (another metric's spread) is read fresh each run. */
  private phiCache: number | null = null;

  /** `phiPrior` is the prior the spread shrinks to: the shared one, or another metric's spread. */
  constructor(private readonly phiPrior: () => number = () => PHI_PRIOR) {}

  /** An independent copy (a walk forks to judge what-ifs); `phiPrior` rebinds the shared prior. */
  copy(phiPrior: () => number = this.phiPrior): VolumeBaseline {
    const twin = new VolumeBaseline(phiPrior);
    Object.assign(twin, this, {
      phiPrior,
      rateRecords: Float64Array.from(this.rateRecords),
      rateExposure: Float64Array.from(this.rateExposure),
      rateRuns: Float64Array.from(this.rateRuns),
      rateRuns2: Float64Array.from(this.rateRuns2),
      rateValues: new Float64Array(7),
      ratesFresh: false,
      phiCache: null,
    });
    return twin;
  }

  /** Forgets as days pass: called before each run is judged. */
  age(dayNumber: number): void {
    if (this.day !== null && dayNumber > this.day) {
      // Forgetting for longer forgets nothing more that counts, and the squared weights would underflow.
      const days = Math.min(dayNumber - this.day, FORGOTTEN_AFTER_DAYS);
      const rates = decay(days, HALF_LIFE_DAYS.rates, ONE_DAY_DECAY.rates);
      this.ratesFresh = false;
      for (let w = 0; w < 7; w++) {
        this.rateRecords[w]! *= rates;
        this.rateExposure[w]! *= rates;
        this.rateRuns[w]! *= rates;
        this.rateRuns2[w]! *= rates * rates;
      }
      const level = decay(days, HALF_LIFE_DAYS.level, ONE_DAY_DECAY.level);
      this.levelRecords *= level;
      this.levelExposure *= level;
      this.levelRuns *= level;
      this.levelRuns2 *= level * level;
      const spread = decay(days, HALF_LIFE_DAYS.spread, ONE_DAY_DECAY.spread);
      this.phiCache = null;
      this.spreadSum *= spread;
      this.spreadInformation *= spread;
    }
    if (this.day === null || dayNumber > this.day) this.day = dayNumber;
  }

  /** Records per run on this weekday at level 1, shrunk toward the all-weekday rate by one record's worth. */
  rate(weekday: number): number {
    return this.rates()[weekday]!;
  }

  /** The busiest weekday's rate: what "a quiet weekday" is measured against (worked out with the rates). */
  busiestRate(): number {
    this.rates();
    return this.busiest;
  }

  /** All seven rates and the busiest, worked out once per state (the walk asks for them many times a run). */
  private rates(): Float64Array {
    if (this.ratesFresh) return this.rateValues;
    const pooled = this.pooledRate();
    const rates = this.rateValues;
    let busiest = 0;
    for (let w = 0; w < 7; w++) {
      rates[w] = this.rateAt(w, pooled);
      busiest = Math.max(busiest, rates[w]!);
    }
    this.busiest = busiest;
    this.ratesFresh = true;
    return rates;
  }

  /** The all-weekday rate the weekday rates shrink toward. */
  private pooledRate(): number {
    let records = 0;
    let exposure = 0;
    for (let w = 0; w < 7; w++) {
      records += this.rateRecords[w]!;
      exposure += this.rateExposure[w]!;
    }
    return exposure > 0 ? Math.max(records / exposure, 0.05) : 1;
  }

  private rateAt(weekday: number, pooled: number): number {
    return (this.rateRecords[weekday]! + 1) / (this.rateExposure[weekday]! + 1 / pooled);
  }

  /** The recent level that scales the weekly shape (1 = the shape's own scale). */
  level(): number {
    return (this.levelRecords + 1) / (this.levelExposure + 1);
  }

  expected(weekday: number): number {
    return this.level() * this.rate(weekday);
  }

  /** Records at level 1 of a run bringing these shares of each weekday's records (one whole weekday: its rate). */
  rateOver(span: RunSpan): number {
    if (span.wholeDay) return this.rate(span.weekday);
    const rates = this.rates();
    let rate = 0;
    if (span.oneOf) for (let w = 0; w < 7; w++) rate = Math.max(rate, rates[w]! * span.byWeekday[w]!);
    else for (let w = 0; w < 7; w++) if (span.byWeekday[w]! !== 0) rate += rates[w]! * span.byWeekday[w]!;
    return rate;
  }

  /** Clean runs seen on this weekday (effective, after forgetting). */
  runsOn(weekday: number): number {
    return this.rateRuns[weekday]!;
  }

  phi(): number {
    if (this.phiCache !== null) return this.phiCache;
    this.phiCache = this.estimatePhi();
    return this.phiCache;
  }

  private estimatePhi(): number {
    const prior = this.phiPrior();
    const weight = PHI_PRIOR_RUNS / (prior + 1 / PHI_PRIOR_REFERENCE_MEAN) ** 2;
    return Math.max(PHI_FLOOR, (this.spreadSum + weight * prior) / (this.spreadInformation + weight));
  }

  /**
   * The spread of a new run around its expectation: the day-to-day overdispersion plus the
   * relative variance of the estimated level and weekday rate (counting noise over the records
   * behind them, and overdispersion over their effective number of runs). A young history earns
   * a wider band.
   */
  predictivePhi(weekday: number): number {
    const phi = this.phi();
    return phi + this.estimationVariance(weekday, phi);
  }

  private estimationVariance(weekday: number, phi: number): number {
    const levelPart = 1 / (this.levelRecords + 1) + (this.levelRuns > 0 ? (phi * this.levelRuns2) / (this.levelRuns * this.levelRuns) : phi);
    const runs = this.rateRuns[weekday]!;
    const ratePart = 1 / (this.rateRecords[weekday]! + 1) + (runs > 0 ? (phi * this.rateRuns2[weekday]!) / (runs * runs) : phi);
    return levelPart + ratePart;
  }

  /**
   * Learns one in-state run with this weight (0–1). `trimmed`: its tail probability marks it an
   * outlier, so it stays out of the spread (the level and shape already got a reduced weight).
   */
  learn(value: number, span: RunSpan, weight: number, trimmed: boolean): void {
    if (!(weight > 0)) return;
    const { byWeekday, weekday } = span;
    // The weekdays the run brings records of: its own alone for a whole day.
    const [first, last] = span.wholeDay ? [weekday, weekday] : [0, 6];
    const level = this.level();
    const spanRate = this.rateOver(span);
    const mean = Math.max(level * spanRate, 1e-6);
    // A weekday's first runs say more about its rate than about the spread around it.
    if (!trimmed && this.rateRuns[weekday]! >= MIN_RUNS_FOR_SPREAD) {
      const phi = this.phi();
      const excess = ((value - mean) ** 2 - value) / (mean * mean) - this.estimationVariance(weekday, phi);
      const information = 1 / (1 / mean + phi) ** 2;
      this.phiCache = null;
      this.spreadSum += weight * information * excess;
      this.spreadInformation += weight * information;
    }
    // Each weekday the run brings records of learns its part of them, as its rate expects them.
    const rates = this.rates();
    for (let w = first; w <= last; w++) {
      const exposure = byWeekday[w]!;
      if (exposure === 0) continue;
      const part = spanRate > 0 ? (rates[w]! * exposure) / spanRate : 0;
      this.rateRecords[w]! += weight * value * part;
      this.rateExposure[w]! += weight * level * exposure;
      this.rateRuns[w]! += weight * part;
      this.rateRuns2[w]! += weight * part * (weight * part);
    }
    this.ratesFresh = false;
    // The level reads the rate as just updated: on a weekday's first runs the rate carries the
    // scale, and the level (starting at 1) must not learn the same scale a second time.
    this.levelRecords += weight * value;
    // The weekdays' rates the run spans, not all seven: the day ages (and every rate changes) before anyone reads the rest.
    const pooled = this.pooledRate();
    for (let w = first; w <= last; w++) if (byWeekday[w]! !== 0) this.levelExposure += weight * this.rateAt(w, pooled) * byWeekday[w]!;
    this.levelRuns += weight;
    this.levelRuns2 += weight * weight;
  }

  /**
   * Re-baselines at a change: the level is re-estimated from the runs since it began (`records`
   * seen over `exposure`, the weekday rates summed over those runs); the old level's memory is
   * dropped, the weekly shape and the spread stay.
   */
  rebaseline(records: number, exposure: number, runs: number): void {
    this.levelRecords = records;
    this.levelExposure = exposure;
    this.levelRuns = runs;
    this.levelRuns2 = runs;
  }

  /**
   * The weekly shape as the days the records arrived on, from one learnt on the days of runs that
   * each brought `dayBefore` of their records from the day before (see
   * `RunCadence.dailyRunsDayBefore`): learnt(w) = dayBefore · true(w − 1) + (1 − dayBefore) · true(w),
   * solved for the true rates, which the exposure behind each weekday then carries.
   */
  unblendWeekdays(dayBefore: number): void {
    if (!(dayBefore > 0)) return;
    const learnt = Array.from({ length: 7 }, (_, w) => (this.rateExposure[w]! > 0 ? this.rateRecords[w]! / this.rateExposure[w]! : 0));
    const rates = solveCirculant(dayBefore, learnt);
    if (rates === null) return;
    // Each learnt rate is a weighted mean of two true ones, so the true rates lie about as far
    // apart as the learnt ones: the solution is kept within half the quietest and half again the
    // busiest, where the noise the unblending amplifies (most with runs in the middle of the
    // working day) could otherwise take a weekend's rate to nothing, and its runs read as bursts.
    const [floor, ceiling] = [0.5 * Math.min(...learnt), 1.5 * Math.max(...learnt)];
    for (let w = 0; w < 7; w++) this.rateRecords[w] = Math.min(ceiling, Math.max(rates[w]!, floor)) * this.rateExposure[w]!;
    this.ratesFresh = false;
  }

  /** Keeps the weekly shape as it is, worth at most `runs` runs of each weekday, so that the runs to come reshape it. */
  doubtShape(runs: number): void {
    for (let w = 0; w < 7; w++) {
      const factor = this.rateRuns[w]! > runs ? runs / this.rateRuns[w]! : 1;
      this.rateRecords[w]! *= factor;
      this.rateExposure[w]! *= factor;
      this.rateRuns[w]! *= factor;
      this.rateRuns2[w]! *= factor * factor;
    }
    this.ratesFresh = false;
  }

  /** Scales the level (a long quiet period that became the new normal), keeping the evidence behind it. */
  scaleLevel(factor: number): void {
    const target = Math.max(this.level() * factor, 1e-6);
    const records = target * (this.levelExposure + 1) - 1;
    if (records >= 0) this.levelRecords = records;
    else {
      this.levelRecords = 0;
      this.levelExposure = Math.max(0, 1 / target - 1);
    }
  }
}

/**
 * x such that (1 − p) · x[w] + p · x[w − 1] = y[w] for every w (indices mod 7), by elimination on
 * the 7 × 7 system; null when it is singular (it is not for 0 < p < 1: seven is odd).
 */
function solveCirculant(p: number, y: readonly number[]): number[] | null {
  const n = y.length;
  const a = Array.from({ length: n }, (_, row) => {
    const line = new Array<number>(n + 1).fill(0);
    line[row] = 1 - p;
    line[(row + n - 1) % n]! += p;
    line[n] = y[row]!;
    return line;
  });
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let row = col + 1; row < n; row++) if (Math.abs(a[row]![col]!) > Math.abs(a[pivot]![col]!)) pivot = row;
    if (Math.abs(a[pivot]![col]!) < 1e-9) return null;
    [a[col], a[pivot]] = [a[pivot]!, a[col]!];
    for (let row = 0; row < n; row++) {
      if (row === col) continue;
      const factor = a[row]![col]! / a[col]![col]!;
      if (factor !== 0) for (let k = col; k <= n; k++) a[row]![k]! -= factor * a[col]![k]!;
    }
  }
  return a.map((line, row) => line[n]! / line[row]!);
}
