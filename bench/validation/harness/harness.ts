import { createRng, pick, type Rng } from './rng.js';
import { HARNESS_KINDS, shiftFactor, type HarnessDay, type HarnessKind, type HarnessRun, type HarnessStream, type HarnessWorld } from './world.js';

/**
 * The harness: one experimental design for every world. It judges a world's runs with whatever
 * judge it is handed and imports nothing from the validator, nor from any world (a guard test
 * holds that line). The audit world and the development world each plug in their streams and
 * injections (`HarnessWorld`); what is sampled, injected where, and how it is scored is decided
 * here, once, for both. `npm run eval:validation` hands it the in-process judge, and a sample of
 * the audit's cases is replayed through `gatehouse validate --batch`.
 *
 * What counts, fixed before any result was seen:
 * - clean runs by what the day was: `busy` and `light` weekdays in the normal state, `quiet`
 *   (day 6 on of a quiet period), `first-back` (the first two busy days after one), and three
 *   kinds of day where one alert is the right answer and they are reported apart: `onset` (days
 *   1–5 of a quiet period nobody announced), `after-change` (days 1–5 of a lasting change of
 *   level) and `holiday` (an unforeseeable one-day drop). The false-positive rate on normal days
 *   is over busy, light and quiet days.
 * - every anomaly kind on every day it can exist on (a drop needs three records expected, a
 *   burst a quiet day with a busy day to copy, the mix kinds ten records), whatever the day is —
 *   quiet, boundary, first back; shifts both ways, started 2–4 runs before the judged run, which
 *   is caught only if its own verdict is anomalous (an ongoing alert of the same change counts).
 * - onsets and changes: the share alerted, and how many raised more than one distinct alert.
 */

export interface HarnessVerdict {
  verdict: string;
  anomalies: readonly { changeId?: string; ongoing?: boolean }[];
}
export type HarnessJudge = (history: readonly HarnessRun[], current: HarnessRun) => HarnessVerdict;

export const DAY_CATEGORIES = ['busy', 'light', 'quiet', 'first-back', 'onset', 'after-change', 'holiday'] as const;

/** The days the normal-day false-positive rate counts: every tool that budgets against it reads this one list. */
export function isNormalDay(day: HarnessDay): boolean {
  const category = categoryOf(day);
  return category === 'busy' || category === 'light' || category === 'quiet';
}
export type DayCategory = (typeof DAY_CATEGORIES)[number];
export const INJECTION_CONTEXTS = ['normal', 'boundary', 'quiet', 'first-back'] as const;
export type InjectionContext = (typeof INJECTION_CONTEXTS)[number];
export const SHORT_LENGTHS = [3, 5, 10, 20, 40, 60] as const;

export interface HarnessOptions {
  seed: number;
  streams: number;
  /** Days of each long history; the days from `judgeFrom` on are judged. */
  days: number;
  judgeFrom: number;
  /** Short histories started per stream and length. */
  shortStarts: number;
}

export const DEFAULT_HARNESS_OPTIONS: Omit<HarnessOptions, 'seed'> = { streams: 30, days: 640, judgeFrom: 400, shortStarts: 4 };

export class Count {
  cases = 0;
  hits = 0;
  add(hit: boolean): void {
    this.cases++;
    if (hit) this.hits++;
  }
  get rate(): number {
    return this.cases === 0 ? Number.NaN : this.hits / this.cases;
  }
}

export interface StartTally {
  /** Quiet periods (or changes) whose start was judged. */
  starts: number;
  alerted: number;
  /** Starts that raised more than one distinct alert (different change ids, or fresh alerts). */
  repeated: number;
}

export interface HarnessResult {
  options: HarnessOptions;
  clean: Map<DayCategory, Count>;
  normal: Count;
  recall: Map<HarnessKind, Count>;
  recallByContext: Map<HarnessKind, Map<InjectionContext, Count>>;
  overall: Count;
  onsets: StartTally;
  changes: StartTally;
  short: Map<number, { clean: Count; injected: Count; insufficient: Count }>;
}

const anomalous = (v: HarnessVerdict): boolean => v.verdict === 'anomalous';

export function categoryOf(day: HarnessDay): DayCategory {
  if (day.holiday) return 'holiday';
  if (day.sinceChange >= 1 && day.sinceChange <= 5) return 'after-change';
  if (day.quietDay >= 1 && day.quietDay <= 5) return 'onset';
  if (day.quietDay >= 6) return 'quiet';
  if (day.backDay >= 1) return 'first-back';
  return day.busyWeekday ? 'busy' : 'light';
}

export function contextOf(day: HarnessDay): InjectionContext {
  if (day.state === 'quiet') return 'quiet';
  if (day.backDay >= 1) return 'first-back';
  return day.boundary ? 'boundary' : 'normal';
}

type SingleKind = Exclude<HarnessKind, 'shift-down' | 'shift-up'>;

/** Whether a kind can exist on this day, by the world's own truth (never by what a validator sees). */
function eligible(kind: SingleKind, day: HarnessDay, busy: HarnessDay | undefined): boolean {
  switch (kind) {
    case 'spike':
      return day.expected >= 2;
    case 'drop':
    case 'zero':
      return day.expected >= 3;
    case 'burst':
      return busy !== undefined && (day.state === 'quiet' || !day.busyWeekday) && busy.run.metrics.fetched >= 5 * Math.max(day.expected, 1) && busy.run.metrics.fetched >= 5;
    case 'all-new':
    case 'stale':
    case 'quarantine':
      return day.run.metrics.fetched >= 10;
    case 'slow':
      return day.run.metrics.fetched >= 1;
  }
}

/** The latest clean busy day of the normal state before `index`. */
function lastBusyDay(days: readonly HarnessDay[], index: number): HarnessDay | undefined {
  for (let i = index - 1; i >= Math.max(0, index - 60); i--) {
    const d = days[i]!;
    if (d.busyWeekday && d.state === 'normal' && !d.broken && !d.holiday && d.backDay === 0) return d;
  }
  return undefined;
}

class StartTracker {
  private readonly seen = new Map<string, { alerted: boolean; fresh: number; ids: Set<string> }>();
  note(key: string, verdict: HarnessVerdict): void {
    const entry = this.seen.get(key) ?? { alerted: false, fresh: 0, ids: new Set<string>() };
    if (anomalous(verdict)) {
      entry.alerted = true;
      for (const a of verdict.anomalies) {
        const known = a.changeId !== undefined && entry.ids.has(a.changeId);
        if (!known && !a.ongoing) entry.fresh++;
        if (a.changeId) entry.ids.add(a.changeId);
      }
    }
    this.seen.set(key, entry);
  }
  tally(into: StartTally): void {
    for (const entry of this.seen.values()) {
      into.starts++;
      if (entry.alerted) into.alerted++;
      if (entry.fresh > 1) into.repeated++;
    }
  }
}

function judgeLongStream(result: HarnessResult, stream: HarnessStream, judge: HarnessJudge, rng: Rng, world: HarnessWorld): void {
  const { days } = stream;
  const onsets = new StartTracker();
  const changes = new StartTracker();
  for (let index = result.options.judgeFrom; index < days.length; index++) {
    const day = days[index]!;
    if (day.broken) continue;
    const history = days.slice(0, index).map((d) => d.run);
    const clean = judge(history, day.run);
    const category = categoryOf(day);
    result.clean.get(category)!.add(anomalous(clean));
    if (isNormalDay(day)) result.normal.add(anomalous(clean));
    if (category === 'onset') onsets.note(`${stream.id}:${day.episode}`, clean);
    if (category === 'after-change') changes.note(`${stream.id}:change`, clean);
    if (index % 2 === 0) judgeInjected(result, days, index, history, judge, rng, world);
    if (index % 3 === 0) judgeShift(result, days, index, judge, rng, world);
  }
  onsets.tally(result.onsets);
  changes.tally(result.changes);
}

function judgeInjected(result: HarnessResult, days: readonly HarnessDay[], index: number, history: readonly HarnessRun[], judge: HarnessJudge, rng: Rng, world: HarnessWorld, into?: Count): void {
  const day = days[index]!;
  const busy = lastBusyDay(days, index);
  for (const kind of HARNESS_KINDS) {
    if (kind === 'shift-down' || kind === 'shift-up' || !eligible(kind, day, busy)) continue;
    const caught = anomalous(judge(history, world.inject(rng, kind, day.run, busy?.run ?? day.run)));
    if (into) {
      into.add(caught);
      continue;
    }
    result.recall.get(kind)!.add(caught);
    result.recallByContext.get(kind)!.get(contextOf(day))!.add(caught);
    result.overall.add(caught);
  }
}

/** A lasting shift that began 2–4 runs before this busy day of the normal state, judged on this run. */
function judgeShift(result: HarnessResult, days: readonly HarnessDay[], index: number, judge: HarnessJudge, rng: Rng, world: HarnessWorld): void {
  const day = days[index]!;
  const span = 2 + Math.floor(rng.next() * 3);
  const window = days.slice(index - span, index + 1);
  const clean = window.every((d) => d.state === 'normal' && !d.broken && !d.holiday && d.backDay === 0 && d.sinceChange === 0);
  if (!day.busyWeekday || day.expected < 3 || day.boundary || !clean) return;
  const kind = pick(rng, ['shift-down', 'shift-up'] as const);
  const factor = shiftFactor(rng, kind);
  const shifted = window.map((d) => ({ startedAt: d.run.startedAt, metrics: world.scale(d.run.metrics, factor) }));
  const history = [...days.slice(0, index - span).map((d) => d.run), ...shifted.slice(0, -1)];
  const caught = anomalous(judge(history, shifted[shifted.length - 1]!));
  result.recall.get(kind)!.add(caught);
  result.recallByContext.get(kind)!.get('normal')!.add(caught);
  result.overall.add(caught);
}

function judgeShortHistories(result: HarnessResult, stream: HarnessStream, judge: HarnessJudge, rng: Rng, world: HarnessWorld): void {
  const { days } = stream;
  for (const length of SHORT_LENGTHS) {
    const tally = result.short.get(length)!;
    for (let k = 0; k < result.options.shortStarts; k++) {
      const start = Math.floor(rng.next() * (result.options.judgeFrom - length - 1));
      const index = start + length;
      const day = days[index]!;
      if (day.broken) continue;
      const history = days.slice(start, index).map((d) => d.run);
      const clean = judge(history, day.run);
      if (day.holiday || day.quietDay >= 1 && day.quietDay <= 5 || day.sinceChange > 0) continue;
      tally.clean.add(anomalous(clean));
      tally.insufficient.add(clean.verdict === 'insufficient_history');
      judgeInjected(result, days.slice(start), length, history, judge, rng, world, tally.injected);
    }
  }
}

export function runHarness(world: HarnessWorld, judge: HarnessJudge, overrides: Partial<HarnessOptions> & Pick<HarnessOptions, 'seed'>): HarnessResult {
  const options = { ...DEFAULT_HARNESS_OPTIONS, ...overrides };
  const result: HarnessResult = {
    options,
    clean: new Map(DAY_CATEGORIES.map((c) => [c, new Count()])),
    normal: new Count(),
    recall: new Map(HARNESS_KINDS.map((k) => [k, new Count()])),
    recallByContext: new Map(HARNESS_KINDS.map((k) => [k, new Map(INJECTION_CONTEXTS.map((c) => [c, new Count()]))])),
    overall: new Count(),
    onsets: { starts: 0, alerted: 0, repeated: 0 },
    changes: { starts: 0, alerted: 0, repeated: 0 },
    short: new Map(SHORT_LENGTHS.map((l) => [l, { clean: new Count(), injected: new Count(), insufficient: new Count() }])),
  };
  for (let i = 0; i < options.streams; i++) {
    const stream = world.generate({ seed: options.seed, index: i, days: options.days });
    const rng = createRng(options.seed, i, 0x1e57);
    judgeLongStream(result, stream, judge, rng, world);
    judgeShortHistories(result, stream, judge, rng, world);
  }
  return result;
}
