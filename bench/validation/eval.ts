import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { HistoryEntry } from '../../shared/validation.js';
import {
  HistoryModel,
  LEVEL_SHIFT_SPAN,
  RUN_ANOMALY_KINDS,
  SYNTHETIC_ORGANISATIONS,
  asRunMetrics,
  generateHistory,
  injectIntoSeries,
  injectRunAnomaly,
  magnitudeOf,
  typicalBusyDay,
  type AlarmThresholds,
  type OrganisationProfile,
  type RunAnomalyKind,
  type SyntheticDay,
} from '../../main/validation/index.js';
import { AUDIT_SEED, AUDIT_WORLD } from './audit/index.js';
import { runHarness, type HarnessOptions } from './harness/harness.js';
import { summariseHarness, type HarnessSummary } from './harness/report.js';
import { developmentVariant, thresholdOverrides } from './options.js';
import { developmentWorld, type DevelopmentVariant } from './development/world.js';
import { cliAgreement, inProcessJudge, recordingJudge } from './judges.js';
import { phase22Static, zScore30 } from './references.js';
import { formatEvalMarkdown } from './report.js';
import { formatWorlds } from './worlds-report.js';

/**
 * `npm run eval:validation`: how well does the historical validator catch each kind of run-level
 * anomaly, and how often does it cry wolf on clean runs — beside the Phase 2.2 static rules and a
 * plain 3σ z-score over the last 30 runs, judged on exactly the same cases. Seeded: the same
 * options print the same table.
 */

export const METHODS = ['gatehouse', 'phase22', 'zscore30'] as const;
export type Method = (typeof METHODS)[number];
export const DAY_CATEGORIES = ['session', 'weekend', 'recess', 'first-back'] as const;
export type DayCategory = (typeof DAY_CATEGORIES)[number];
export const SHORT_HISTORY_LENGTHS = [7, 14, 21, 30, 60] as const;

export interface EvalOptions {
  seed: number;
  /** Days of synthetic history per organisation (3 years ≈ 1,100). */
  historyDays: number;
  /** The last this-many days of each history are judged, each against all the days before it. */
  judgedDays: number;
  organisations: readonly OrganisationProfile[];
  /** Share of history days carrying a past anomaly (never judged as clean). */
  contaminationRate: number;
  /** Gatehouse alarm thresholds other than the defaults (for tuning). */
  thresholds?: Partial<AlarmThresholds>;
}

export const DEFAULT_EVAL_OPTIONS: EvalOptions = {
  seed: 20250805,
  historyDays: 1100,
  judgedDays: 365,
  organisations: SYNTHETIC_ORGANISATIONS,
  contaminationRate: 0.01,
};

export class Tally {
  cases = 0;
  readonly hits: Record<Method, number> = { gatehouse: 0, phase22: 0, zscore30: 0 };
  /** Gatehouse answers of insufficient_history (the static fallback judged and nothing fired). */
  insufficient = 0;

  add(flags: Record<Method, boolean>, insufficient = false): void {
    this.cases++;
    for (const method of METHODS) if (flags[method]) this.hits[method]++;
    if (insufficient) this.insufficient++;
  }

  rate(method: Method): number {
    return this.cases === 0 ? Number.NaN : this.hits[method] / this.cases;
  }
}

export interface EvalResult {
  options: { seed: number; historyDays: number; judgedDays: number; organisations: string[]; contaminationRate: number };
  recall: Map<RunAnomalyKind, Tally>;
  overallRecall: Tally;
  falsePositives: Map<DayCategory, Tally>;
  normalDays: Tally;
  shortRecall: Map<number, Tally>;
  shortFalsePositives: Map<number, Tally>;
  /** Recall over all kinds and false positives on normal days, per organisation. */
  byOrganisation: Map<string, { recall: Tally; falsePositives: Tally }>;
}

let activeThresholds: Partial<AlarmThresholds> | undefined;

function modelOf(history: readonly HistoryEntry[]): HistoryModel {
  return HistoryModel.fromHistory(history, { thresholds: activeThresholds });
}

function judgeAll(model: HistoryModel, history: readonly HistoryEntry[], current: HistoryEntry): { flags: Record<Method, boolean>; insufficient: boolean } {
  const verdict = model.judge(current).verdict;
  return {
    flags: { gatehouse: verdict === 'anomalous', phase22: phase22Static(history, current), zscore30: zScore30(history, current) },
    insufficient: verdict === 'insufficient_history',
  };
}

export function dayCategory(day: SyntheticDay): DayCategory {
  if (day.firstBack) return 'first-back';
  if (day.recess) return 'recess';
  return day.weekday === 0 || day.weekday === 6 ? 'weekend' : 'session';
}

/**
 * Which kinds make sense on a day: volume, mix and duration kinds on session weekdays (Mondays
 * and Fridays included: busy, but the quiet ends of the week); bursts on weekends.
 */
export function kindsFor(day: SyntheticDay): RunAnomalyKind[] {
  const category = dayCategory(day);
  if (category === 'weekend') return ['weekend-burst'];
  return category === 'session' ? RUN_ANOMALY_KINDS.filter((k) => k !== 'weekend-burst') : [];
}

/** One injected case: the judged run changes (bursts borrow a busy weekday's size). */
function injectedCase(days: readonly SyntheticDay[], entries: readonly HistoryEntry[], index: number, kind: RunAnomalyKind): { history: HistoryEntry[]; current: HistoryEntry } {
  const context = { busyDay: typicalBusyDay(days, index) };
  const current = entries[index]!;
  return { history: entries.slice(0, index), current: { startedAt: current.startedAt, metrics: injectRunAnomaly(asRunMetrics(current.metrics), { kind }, context) } };
}

/**
 * A level shift holds for LEVEL_SHIFT_SPAN runs ending at `index`; each of those runs is judged
 * against the (already shifted) runs before it, and a method catches the shift if it alerts on
 * any of them — "a sustained shift is news worth one alert".
 */
function judgeLevelShift(entries: readonly HistoryEntry[], index: number, models: ReadonlyMap<number, HistoryModel>): { flags: Record<Method, boolean>; insufficient: boolean } {
  const series = injectIntoSeries(entries.slice(0, index + 1), { kind: 'level-shift' });
  const flags: Record<Method, boolean> = { gatehouse: false, phase22: false, zscore30: false };
  let insufficient = false;
  const first = Math.max(1, index - LEVEL_SHIFT_SPAN + 1);
  let model = models.get(first) ?? modelOf(series.slice(0, first));
  for (let run = first; run <= index; run++) {
    if (run > first) model = model.extendedWith(series[run - 1]!);
    const judged = judgeAll(model, series.slice(0, run), series[run]!);
    for (const method of METHODS) flags[method] ||= judged.flags[method];
    insufficient ||= judged.insufficient;
  }
  return { flags, insufficient };
}

function judgeInjected(days: readonly SyntheticDay[], entries: readonly HistoryEntry[], index: number, models: ReadonlyMap<number, HistoryModel>, recall: (kind: RunAnomalyKind) => Tally[]): void {
  const model = models.get(index)!;
  for (const kind of kindsFor(days[index]!)) {
    let outcome: { flags: Record<Method, boolean>; insufficient: boolean };
    if (kind === 'level-shift') outcome = judgeLevelShift(entries, index, models);
    else {
      const { history, current } = injectedCase(days, entries, index, kind);
      outcome = judgeAll(model, history, current);
    }
    for (const tally of recall(kind)) tally.add(outcome.flags, outcome.insufficient);
  }
}

function evaluateLongHistory(result: EvalResult, days: readonly SyntheticDay[], options: EvalOptions, organisation: string): void {
  const own = { recall: new Tally(), falsePositives: new Tally() };
  result.byOrganisation.set(organisation, own);
  const entries = days.map((d) => d.entry);
  const start = Math.max(1, days.length - options.judgedDays);
  // The model before each day, walked one run at a time (the last few kept for level shifts).
  const models = new Map<number, HistoryModel>();
  let model = modelOf(entries.slice(0, start - LEVEL_SHIFT_SPAN));
  for (let index = start - LEVEL_SHIFT_SPAN; index < days.length; index++) {
    if (index > start - LEVEL_SHIFT_SPAN) model = model.extendedWith(entries[index - 1]!);
    models.set(index, model);
    models.delete(index - LEVEL_SHIFT_SPAN - 1);
    if (index < start) continue;
    const day = days[index]!;
    if (day.contaminated) continue;
    const history = entries.slice(0, index);
    const clean = judgeAll(model, history, day.entry);
    const category = dayCategory(day);
    result.falsePositives.get(category)!.add(clean.flags);
    if (category !== 'first-back') {
      result.normalDays.add(clean.flags);
      own.falsePositives.add(clean.flags);
    }
    judgeInjected(days, entries, index, models, (kind) => [result.recall.get(kind)!, result.overallRecall, own.recall]);
  }
}

/** Young histories: every length in SHORT_HISTORY_LENGTHS, started on many different days. */
function evaluateShortHistories(result: EvalResult, days: readonly SyntheticDay[]): void {
  const entries = days.map((d) => d.entry);
  for (const length of SHORT_HISTORY_LENGTHS) {
    for (let start = 0; start + length < days.length; start += 23) {
      const index = start + length;
      if (days[index]!.contaminated) continue;
      const window = entries.slice(start, index + 1);
      const windowDays = days.slice(start, index + 1);
      const history = window.slice(0, length);
      const model = modelOf(history);
      const clean = judgeAll(model, history, window[length]!);
      result.shortFalsePositives.get(length)!.add(clean.flags, clean.insufficient);
      judgeInjected(windowDays, window, length, new Map([[length, model]]), () => [result.shortRecall.get(length)!]);
    }
  }
}

export function runValidationEval(overrides: Partial<EvalOptions> = {}): EvalResult {
  const options = { ...DEFAULT_EVAL_OPTIONS, ...overrides };
  activeThresholds = options.thresholds;
  const result: EvalResult = {
    options: { seed: options.seed, historyDays: options.historyDays, judgedDays: options.judgedDays, organisations: options.organisations.map((o) => o.name), contaminationRate: options.contaminationRate },
    recall: new Map(RUN_ANOMALY_KINDS.map((k) => [k, new Tally()])),
    overallRecall: new Tally(),
    falsePositives: new Map(DAY_CATEGORIES.map((c) => [c, new Tally()])),
    normalDays: new Tally(),
    shortRecall: new Map(SHORT_HISTORY_LENGTHS.map((l) => [l, new Tally()])),
    shortFalsePositives: new Map(SHORT_HISTORY_LENGTHS.map((l) => [l, new Tally()])),
    byOrganisation: new Map(),
  };
  options.organisations.forEach((profile, i) => {
    const days = generateHistory(profile, { seed: options.seed + 7919 * i, days: options.historyDays, contaminationRate: options.contaminationRate });
    evaluateLongHistory(result, days, options, profile.name);
    evaluateShortHistories(result, days);
  });
  return result;
}

export function evalResultJson(result: EvalResult): unknown {
  const rates = (t: Tally): Record<string, number> => Object.fromEntries(METHODS.map((m) => [m, t.rate(m)]));
  return {
    options: result.options,
    recall: [...result.recall].map(([kind, t]) => ({ kind, magnitude: magnitudeOf({ kind }), cases: t.cases, ...rates(t) })),
    overallRecall: { cases: result.overallRecall.cases, ...rates(result.overallRecall) },
    falsePositiveRate: [...result.falsePositives].map(([days, t]) => ({ days, cases: t.cases, ...rates(t) })),
    normalDays: { cases: result.normalDays.cases, ...rates(result.normalDays) },
    byOrganisation: [...result.byOrganisation].map(([organisation, t]) => ({ organisation, recall: rates(t.recall), falsePositiveRate: rates(t.falsePositives) })),
    shortHistories: [...result.shortFalsePositives].map(([length, t]) => ({
      historyRuns: length, cleanCases: t.cases, falsePositiveRate: rates(t), insufficientShare: t.insufficient / Math.max(1, t.cases),
      injectedCases: result.shortRecall.get(length)!.cases, recall: rates(result.shortRecall.get(length)!),
    })),
  };
}

/** "fetched:3.2,mix:3.5" → overrides, for tuning runs. */
/** The development world: the one the thresholds are tuned on (`drift`: its rougher variant, for a second opinion). */
export function runDevelopmentEval(thresholds?: Partial<AlarmThresholds>, overrides: Partial<HarnessOptions> = {}, variant: DevelopmentVariant = 'plain'): HarnessSummary {
  return summariseHarness(runHarness(developmentWorld(variant), inProcessJudge({ thresholds }), { seed: DEVELOPMENT_SEED, ...overrides }));
}

/** The audit world, with a sample of its cases replayed through `gatehouse validate --batch`. */
export function runAuditEval(overrides: Partial<HarnessOptions> = {}, viaCli = true): { summary: HarnessSummary; cli: { cases: number; differing: number } | null } {
  const recording = recordingJudge(400);
  const summary = summariseHarness(runHarness(AUDIT_WORLD, recording.judge, { seed: AUDIT_SEED, ...overrides }));
  return { summary, cli: viaCli ? cliAgreement(recording.sample) : null };
}

const DEVELOPMENT_SEED = 31_337;

const USAGE = `Usage: node dist/bench/validation/eval.js [--only=issue5|development|worlds] [--dev-seed=N] [--dev-world=plain|drift] [--seed=N] [--days=N]
  [--thresholds=fetched:3.2,mix:3.5] [--no-cli] [--json]
  Without --only: issue 5, development and the audit world (with a sample replayed through the CLI unless --no-cli).
  --dev-world=drift: the development streams with a level that walks and over-dispersed days (issue 5 and the audit ignore it).
  Tuning runs use --only=development (other draws with --dev-seed, one seed per run) and --only=issue5: never the audit.`;

/** A seed or a day count: `--dev-seed=31337,1` once read as NaN and ran the default draw unnoticed. */
function integerOption(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new Error(`${name} takes one whole number; got ${text}\n${USAGE}`);
  return Number(text);
}

function main(argv: string[]): void {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      seed: { type: 'string' },
      days: { type: 'string' },
      thresholds: { type: 'string' },
      'dev-seed': { type: 'string' },
      'dev-world': { type: 'string', default: 'plain' },
      'no-cli': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  // Strict parsing and --help: a mistyped or unknown option must not fall through to the whole evaluation, audit included.
  if (values.help) return void process.stdout.write(`${USAGE}\n`);
  const { only } = values;
  if (only !== undefined && !['issue5', 'development', 'worlds'].includes(only)) throw new Error(`--only takes issue5, development or worlds; got ${only}\n${USAGE}`);
  const variant = developmentVariant(values['dev-world'], USAGE);
  const overrides: Partial<EvalOptions> = {};
  if (values.seed) overrides.seed = integerOption('--seed', values.seed);
  if (values.days) overrides.judgedDays = integerOption('--days', values.days);
  if (values.thresholds) overrides.thresholds = thresholdOverrides(values.thresholds);
  const developmentDraw = values['dev-seed'] ? { seed: integerOption('--dev-seed', values['dev-seed']) } : {};
  const started = performance.now();
  const out: string[] = [];
  const json: Record<string, unknown> = {};
  if (!only || only === 'issue5') {
    const result = runValidationEval(overrides);
    json.issue5 = evalResultJson(result);
    out.push(formatEvalMarkdown(result));
  }
  if (!only || only === 'worlds' || only === 'development') {
    // `--dev-seed`: another draw of the development world, so a tuning change is not a one-seed fluke.
    const development = runDevelopmentEval(overrides.thresholds, developmentDraw, variant);
    json.development = development;
    if (only === 'development') out.push(formatWorlds(development, development, null));
    else {
      const audit = runAuditEval({}, !values['no-cli']);
      json.audit = audit.summary;
      json.cliAgreement = audit.cli;
      out.push(formatWorlds(development, audit.summary, audit.cli));
    }
  }
  if (values.json) process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
  else process.stdout.write(`${out.join('\n')}\n_${Math.round(performance.now() - started)} ms_\n`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) main(process.argv.slice(2));
