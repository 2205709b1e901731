import { asRan, rolledBackAfterRunning, type RolledBackLater } from '../backup/index.js';
import { evaluateAllFlags, flagStore, parseStoredValue, taskScope, type FlagEvent } from '../flags/index.js';
import { controlOnTheChanges, ranOnTheChanges } from '../rollouts/index.js';
import type { ReportedRun, Store } from '../store/index.js';
import { counted } from '../../shared/plural.js';
import { compareRunWindow, DEFAULT_MAX_SLOWDOWN_PERCENT, type GuardrailStatus, type TimeRatio, type WindowComparison, type WindowOptions } from './compare-window.js';
import { percent, type Criterion, type ReportDocument } from './document.js';
import { groupStats, judgedRuns, type RunGroupStats } from './measure.js';
import { requireKnownTask } from '../validation/index.js';

export const MAX_OVERHEAD_PERCENT = DEFAULT_MAX_SLOWDOWN_PERCENT;

/** Hold: every measure passed, but something the rollout depends on is not proven yet (the reasons say what). */
export type Recommendation = 'Full rollout' | 'Hold' | 'Rollback' | 'Iterate' | 'Not enough data';

export interface CanaryPeriod {
  since: string | null;
  until: string;
  /** When the canary task's flag scope was last set: the window never starts before it. */
  canaryStartedAt: string | null;
  /** The canary task's own flag values a kill overrides ("X is killed by … over task:daily's true"): its runs did not run them. */
  killedFlags?: string[];
  /** The canary scope's flag values its runs ran: a control run that ran them all ran what the canary runs. */
  canaryValues?: { flag: string; value: unknown }[];
  /** Who made other tasks run the canary's values ("X [global] set to true by bob at … (why)"): why their runs are no control. */
  canaryValuesSetBy?: string[];
  /** Runs of the window an operator rolled back after they ran (`gatehouse rollback`): who, when and why. */
  rolledBackLater?: RolledBackLater[];
}

export interface CanaryComparison extends CanaryPeriod {
  task: string;
  /** Other tasks' runs of the window left out of the control because they ran the canary's values. */
  controlOnCanaryValues: number;
  /** The tasks whose runs formed the control. */
  controlTasks: string[];
  canary: RunGroupStats;
  /** The control: other scheduled tasks' runs in the same window on other flags (never seeded, trial or pre-canary runs, nor runs on the canary's values). */
  baseline: RunGroupStats;
  window: WindowComparison;
  timeRatio: TimeRatio | null;
  durationOverheadPercent: number | null;
  criteria: Criterion[];
  recommendation: Recommendation;
  reasons: string[];
}

/** A trial or staging run carries its trial label in its flags; such runs never enter a canary comparison. */
const isTrialRun = (run: ReportedRun): boolean => run.flags?.trial !== undefined;

const statusOf = (status: GuardrailStatus): Criterion['status'] => (status === 'not enough data' ? 'no data' : status);
const times = (value: number) => `×${value.toFixed(2)}`;

function criteriaFor(w: WindowComparison, canaryRolledBack: RolledBackLater[]): Criterion[] {
  const needs = `needs ${counted(w.minRuns, 'finished run')} each side; canary has ${w.canary.finished}, control ${w.control.finished}`;
  const rolledBack = canaryRolledBack.length === 0 ? null : `not counted as failed: ${canaryRolledBack.map((r) => `run ${r.runId}, rolled back by ${r.operator} after it ran`).join('; ')}`;
  const errorsNote = [w.guardrails.failures === 'not enough data' ? needs : null, rolledBack].filter((note) => note !== null).join('; ');
  const unreviewed = w.canary.unreviewedAnomalies > 0 ? `; ${counted(w.canary.unreviewedAnomalies, 'canary anomaly awaits', 'canary anomalies await')} an analyst's review` : '';
  const anomaly: Criterion =
    w.canary.confirmedAnomalies > 0
      ? { name: 'Real anomaly seen', target: '≥ 1 confirmed', actual: String(w.canary.confirmedAnomalies), status: 'pass' }
      : w.control.confirmedAnomalies > 0
        ? { name: 'Real anomaly seen', target: '≥ 1 confirmed', actual: '0', status: 'fail', note: `control runs had ${w.control.confirmedAnomalies} confirmed; the canary none${unreviewed}` }
        : { name: 'Real anomaly seen', target: '≥ 1 confirmed', actual: '0', status: 'no data', note: `no anomaly an analyst confirmed in this window${unreviewed}` };
  const ratio = w.timeRatio;
  return [
    { name: 'No errors', target: '0 failed runs or batches', actual: `${counted(w.canary.failedRuns, 'failed run')}, ${counted(w.canary.failedBatches, 'failed batch', 'failed batches')}`, status: statusOf(w.guardrails.failures), ...(errorsNote === '' ? {} : { note: errorsNote }) },
    {
      name: `Per-record time within ${w.maxSlowdownPercent} %`,
      target: `canary / control ≤ ${times(1 + w.maxSlowdownPercent / 100)} (upper 95 % bound)`,
      actual: ratio === null ? 'no data' : `${times(ratio.ratio)} (95 % interval ${times(ratio.low)}–${times(ratio.high)})`,
      status: statusOf(w.guardrails.perRecordTime),
      ...(w.guardrails.perRecordTime === 'not enough data' ? { note: needs } : ratio ? { note: `Welch on log time per record, ${ratio.canaryRuns} canary and ${counted(ratio.controlRuns, 'control run')}` } : {}),
    },
    { name: 'Zero data loss', target: '0 records lost', actual: String(w.canary.recordsLost), status: statusOf(w.guardrails.dataLoss), ...(w.guardrails.dataLoss === 'not enough data' ? { note: needs } : {}) },
    {
      name: 'Alert rate not above control',
      target: 'canary interval not wholly above control',
      actual: `${w.canary.alerts} of ${w.canary.finished} canary, ${w.control.alerts} of ${w.control.finished} control`,
      status: statusOf(w.guardrails.alertRate),
      ...(w.guardrails.alertRate === 'not enough data' ? { note: needs } : {}),
    },
    anomaly,
  ];
}

/**
 * What keeps a clean canary from proving the rollout: anomalies nobody has judged yet, canary values
 * a kill overrode, and canary runs an operator rolled back after they ran (judged as they ran, yet
 * the rollback may be what the change broke: someone has to say whether it was).
 */
function rolloutBlockers(w: WindowComparison, killedFlags: string[], canaryRolledBack: RolledBackLater[]): string[] {
  const unreviewed = w.canary.unreviewedAnomalies;
  return [
    ...(unreviewed > 0 ? [`${unreviewed} canary ${unreviewed === 1 ? 'anomaly awaits' : 'anomalies await'} an analyst's review: each may be what the change broke (confirm it or mark it expected first)`] : []),
    ...killedFlags.map((killed) => `${killed}: the canary's runs did not run its value`),
    ...canaryRolledBack.map(
      (r) => `canary run ${r.runId} was rolled back by ${r.operator} at ${r.at}${r.reason ? ` (${r.reason})` : ''} after it ran: judged as it ran, not as a failed run — find out whether the change caused the rollback before rolling out`,
    ),
  ];
}

/**
 * A time criterion failed only by the width of its interval (the measured ratio is within the limit)
 * is thin evidence, not a measured slowdown: says so, and roughly how many more runs would narrow the
 * interval under the limit if the pace held as measured (the half-width shrinks as 1/√runs).
 */
function thinTimeEvidence(w: WindowComparison): string {
  const ratio = w.timeRatio;
  const limit = Math.log(1 + w.maxSlowdownPercent / 100);
  if (ratio === null || Math.log(ratio.ratio) >= limit) return '';
  const scale = ((Math.log(ratio.high) - Math.log(ratio.ratio)) / (limit - Math.log(ratio.ratio))) ** 2;
  const more = (runs: number) => Math.max(1, Math.ceil(runs * scale) - runs);
  return ` — thin evidence, not a measured slowdown: ${ratio.canaryRuns} canary and ${counted(ratio.controlRuns, 'control run')} leave the interval this wide; about ${more(ratio.canaryRuns)} more canary and ${counted(more(ratio.controlRuns), 'more control run')} would bring its top under ${times(1 + w.maxSlowdownPercent / 100)} if the pace holds as measured`;
}

/** Why the control stays short when the other tasks ran what the canary runs: waiting brings no control run while that stands. */
function controlOnCanaryNote(period: CanaryPeriod & { controlOnCanaryValues: number }): string {
  if (period.controlOnCanaryValues === 0) return '';
  const setBy = (period.canaryValuesSetBy ?? []).length > 0 ? ` (${period.canaryValuesSetBy!.join('; ')})` : '';
  return ` — not counted as control: ${counted(period.controlOnCanaryValues, 'run')} of other tasks ran the canary's own values${setBy}, so they compare the canary with itself; no control run comes while every other task runs them`;
}

/**
 * Rollback when the canary broke something; "Not enough data" (never a pass) below the minimum; Hold
 * when every measure passed but something is unproven; Full rollout only when nothing is.
 */
function recommend(criteria: Criterion[], w: WindowComparison, period: CanaryPeriod & { controlOnCanaryValues: number }, canaryRolledBack: RolledBackLater[]): { recommendation: Recommendation; reasons: string[] } {
  const { canaryStartedAt } = period;
  const [errors, performance, loss, alerts, anomaly] = criteria as [Criterion, Criterion, Criterion, Criterion, Criterion];
  const broken = [errors, loss].filter((c) => c.status === 'fail').map((c) => `${c.name.toLowerCase()}: ${c.actual}`);
  if (broken.length > 0) return { recommendation: 'Rollback', reasons: broken };
  if (canaryStartedAt === null) return { recommendation: 'Not enough data', reasons: ['no flag was ever set for this task: there is no canary to judge'] };
  if (!w.enoughData || performance.status === 'no data') {
    const needed = `${counted(w.minRuns, 'finished run')} each side ${w.minRuns === 1 ? 'is' : 'are'} needed; canary has ${w.canary.finished}, control ${w.control.finished}`;
    return { recommendation: 'Not enough data', reasons: [`keep the canary running: ${needed}${w.control.finished < w.minRuns ? controlOnCanaryNote(period) : ''}`] };
  }
  const reasons = [performance, alerts, anomaly].filter((c) => c.status === 'fail').map((c) => `${c.name}: ${c.actual}${c.note && c === anomaly ? ` (${c.note})` : ''}${c === performance ? thinTimeEvidence(w) : ''}`);
  if (reasons.length > 0) return { recommendation: 'Iterate', reasons };
  const blockers = rolloutBlockers(w, period.killedFlags ?? [], canaryRolledBack);
  if (blockers.length > 0) return { recommendation: 'Hold', reasons: blockers };
  return { recommendation: 'Full rollout', reasons: anomaly.status === 'no data' ? ['every criterion met; note: no confirmed anomaly to see in this window'] : ['every criterion met'] };
}

/**
 * The canary task's runs against other scheduled tasks' runs of the same window. `runs` should be
 * the window's runs; runs of no task (seeded history) and trial runs are left out here too.
 */
export function compareCanary(runs: ReportedRun[], task: string, period: CanaryPeriod, options: WindowOptions = {}): CanaryComparison {
  const rolledBackLater = new Map((period.rolledBackLater ?? []).map((r) => [r.runId, r]));
  const counted = runs.filter((run) => !isTrialRun(run) && (period.canaryStartedAt === null || run.startedAt >= period.canaryStartedAt)).map((run) => asRan(run, rolledBackLater));
  const canaryRuns = counted.filter((run) => run.task === task);
  // A control run on the canary's values (tried on its task too, or everywhere a while) is no control: the rollouts' rule.
  const canaryValues = period.canaryValues ?? [];
  const onCanaryValues = (run: ReportedRun) => canaryValues.length > 0 && ranOnTheChanges(run, canaryValues);
  const otherTasks = counted.filter((run) => typeof run.task === 'string' && run.task !== task);
  const controlRuns = otherTasks.filter((run) => !onCanaryValues(run));
  const window = compareRunWindow(canaryRuns, controlRuns, options);
  const canaryRolledBack = canaryRuns.flatMap((run) => rolledBackLater.get(run.runId) ?? []);
  const criteria = criteriaFor(window, canaryRolledBack);
  const controlOnCanaryValues = otherTasks.length - controlRuns.length;
  return {
    task, ...period, controlOnCanaryValues,
    controlTasks: [...new Set(controlRuns.map((run) => run.task!))].sort(),
    // The table's counts are the criteria's: a run an environment fault interrupted is neither finished nor an error of the canary's.
    canary: groupStats(canaryRuns, judgedRuns),
    baseline: groupStats(controlRuns, judgedRuns),
    window,
    timeRatio: window.timeRatio,
    durationOverheadPercent: window.timeRatio === null ? null : (window.timeRatio.ratio - 1) * 100,
    criteria,
    ...recommend(criteria, window, { ...period, controlOnCanaryValues }, canaryRolledBack),
  };
}

/**
 * The canary's window: from the latest flag change that set a value on the task's scope (or `since`, when later)
 * until `until`, or until the revert that left the scope with no value (a guardrail's, an operator's): the
 * task's runs after it ran on everyone's values, and judging them as the canary's blamed it for them. An
 * unknown task is an error, not an empty report.
 */
export async function canaryWindowRuns(store: Store, task: string, period: { since: string | null; until: string }): Promise<{ period: CanaryPeriod; runs: ReportedRun[] }> {
  await requireKnownTask(store, task);
  // The scope was set by the latest change that gave it a value; a revert (unset) ends a canary, it does not begin one.
  const scope = taskScope(task);
  const [newest] = await flagStore(store).history({ scope, limit: 1 });
  const [latest] = await flagStore(store).history({ scope, limit: 1, valueSet: true });
  const canaryStartedAt = latest?.at ?? null;
  const since = [period.since, canaryStartedAt].filter((t): t is string => t !== null).sort().at(-1) ?? null;
  const revertedAt = latest && newest!.id !== latest.id && !(await scopeHoldsValues(store, task)) ? newest!.at : null;
  const until = revertedAt !== null && revertedAt < period.until ? revertedAt : period.until;
  const runs = canaryStartedAt === null ? [] : await store.reports.runs({ since: since ?? undefined, until });
  // The values the canary ran are those the change that began it left: a revert after it ends the window, it changed none of its runs.
  const canaryValues = latest ? valuesSetBy(await flagStore(store).lastEventPerFlag(scope, latest.id)) : [];
  // Who set them is read only when some other task's run ran them: the only report that names it (a flag history read per task otherwise wasted).
  const controlOnCanaryValues = canaryValues.length > 0 && runs.some((run) => typeof run.task === 'string' && run.task !== task && ranOnTheChanges(run, canaryValues));
  const canaryValuesSetBy = controlOnCanaryValues ? (await controlOnTheChanges(store, canaryValues, task)).setBy : [];
  return { period: { since, until, canaryStartedAt, canaryValues, canaryValuesSetBy, killedFlags: await killedCanaryFlags(store, task), rolledBackLater: await rolledBackAfterRunning(store, runs) }, runs };
}

/** Each flag's value as its last change left it; a flag that change unset has none. */
function valuesSetBy(lastPerFlag: FlagEvent[]): { flag: string; value: unknown }[] {
  return lastPerFlag.flatMap(({ flag, newJson }) => {
    const value = parseStoredValue(newJson);
    return value === null ? [] : [{ flag, value }];
  });
}

async function scopeHoldsValues(store: Store, task: string): Promise<boolean> {
  const scope = taskScope(task);
  return (await flagStore(store).values()).some((value) => value.scope === scope);
}

/** The canary task's own flag values that a kill overrides now. */
async function killedCanaryFlags(store: Store, task: string): Promise<string[]> {
  const scope = taskScope(task);
  const [stored, inForce] = await Promise.all([flagStore(store).values(), evaluateAllFlags(store, { task })]);
  return inForce.flatMap((r) => (r.reason === 'DISABLED' && stored.some((v) => v.flag === r.flag && v.scope === scope) ? [`${r.flag} is ${r.killed}`] : []));
}

function statsRow(label: string, canary: number | string | null, baseline: number | string | null): (string | number | null)[] {
  return [label, canary, baseline];
}

export function canaryDocument(comparison: CanaryComparison, generatedAt: string): ReportDocument {
  const { canary: c, baseline: b, window: w } = comparison;
  const fixed = (v: number | null, digits = 1) => (v === null ? 'no data' : v.toFixed(digits));
  const rate = (v: number | null) => (v === null ? 'no data' : percent(v * 100));
  return {
    title: `Canary report: task ${comparison.task}`,
    generatedAt,
    period: { since: comparison.since, until: comparison.until },
    headline: `Recommendation: ${comparison.recommendation} — ${comparison.reasons.join('; ')}`,
    sections: [
      { heading: 'Criteria', criteria: comparison.criteria },
      {
        heading: `Canary against control tasks (${comparison.controlTasks.join(', ') || 'none'}) since the canary began (${comparison.canaryStartedAt ?? 'never'})`,
        table: {
          headers: ['measure', `canary (${comparison.task})`, 'control'],
          rows: [
            statsRow('runs (finished)', `${c.runs} (${c.finished})`, `${b.runs} (${b.finished})`),
            statsRow('success rate', percent(c.successRate), percent(b.successRate)),
            statsRow('ms per record', fixed(c.msPerRecord, 3), fixed(b.msPerRecord, 3)),
            statsRow('per-record time ratio', comparison.timeRatio ? `${times(comparison.timeRatio.ratio)} (${times(comparison.timeRatio.low)}–${times(comparison.timeRatio.high)})` : 'no data', '—'),
            statsRow('failed batches', `${c.failedBatches} of ${c.batches}`, `${b.failedBatches} of ${b.batches}`),
            statsRow('alert rate', rate(w.canary.alertRate), rate(w.control.alertRate)),
            statsRow('confirmed anomalies', w.canary.confirmedAnomalies, w.control.confirmedAnomalies),
            statsRow('unreviewed anomalies', w.canary.unreviewedAnomalies, w.control.unreviewedAnomalies),
            statsRow('records lost', c.recordsLost, b.recordsLost),
          ],
        },
      },
      {
        heading: 'Success rate and speed',
        chart: {
          kind: 'bar',
          title: 'Canary vs control',
          labels: ['success rate %', 'ms per record ×1000'],
          series: [
            { name: 'canary', values: [c.successRate, c.msPerRecord === null ? null : c.msPerRecord * 1000] },
            { name: 'control', values: [b.successRate, b.msPerRecord === null ? null : b.msPerRecord * 1000] },
          ],
        },
      },
    ],
  };
}
