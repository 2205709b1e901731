import { kindAsJudged, notJudgedWhy, type NotJudgedCounts } from '../../shared/api-validation.js';
import { CLEAN_RUNS_FLAGGED, INJECTED_CAUGHT, partOf, rateWithN } from '../../shared/intervals.js';
import { counted, formatCount } from '../../shared/plural.js';
import { anomalyMessages } from '../../shared/validation.js';
import type { ReportedRun } from '../store/index.js';
import type { ReportDocument, Section } from './document.js';
import { groupStats, recordsLost } from './measure.js';
import type { TrialMeasurements } from './trials.js';
import type { FlagEvent } from '../flags/index.js';

/** `task`: only that task's runs, and the flag changes that reach them (global, kill and its own scope); the report says so. */
export function monitoringDocument(runs: ReportedRun[], flagEvents: FlagEvent[], period: { since: string | null; until: string }, generatedAt: string, task?: string): ReportDocument {
  const stats = groupStats(runs);
  const byStatus = new Map<string, number>();
  for (const run of runs) byStatus.set(run.status, (byStatus.get(run.status) ?? 0) + 1);
  const labels = runs.map((run) => `#${run.runId}`);
  const ofTask = task === undefined ? '' : ` of task ${task}`;
  return {
    title: task === undefined ? 'Monitoring report' : `Monitoring report: task ${task}`,
    generatedAt,
    period,
    headline: runs.length === 0 ? `No runs${ofTask} in the period.` : `${counted(runs.length, 'run')}${ofTask}: ${[...byStatus].map(([s, n]) => `${formatCount(n)} ${s}`).join(', ')}; ${formatCount(stats.anomalousRuns)} anomalous; ${counted(stats.recordsLost, 'record')} lost`,
    sections: [
      {
        heading: 'Runs',
        table: {
          // Every part of fetched = added + updated + unchanged + quarantined + rolled back, so each row adds up to its fetched (or shows what it lost).
          headers: ['run', 'task', 'status', 'mode', 'started', 'fetched', 'added', 'updated', 'unchanged', 'quarantined', 'rolled back', 'ms', 'batches failed', 'verdict', 'lost'],
          rows: runs.map((r) => [r.runId, r.task ?? null, r.status, r.mode, r.startedAt, r.metrics.fetched, r.metrics.added, r.metrics.updated, r.metrics.unchanged, r.metrics.quarantined, r.metrics.rolledBack ?? 0, r.metrics.durationMs, r.batches.failed, r.validation?.verdict ?? null, recordsLost(r)]),
        },
      },
      { heading: 'Duration', chart: { kind: 'line', title: 'Run duration', unit: 'ms', labels, series: [{ name: 'duration', values: runs.map((r) => r.metrics.durationMs) }] } },
      {
        heading: 'Records',
        chart: {
          kind: 'bar',
          title: 'Records per run',
          labels,
          series: [
            { name: 'added', values: runs.map((r) => r.metrics.added) },
            { name: 'updated', values: runs.map((r) => r.metrics.updated) },
            { name: 'quarantined', values: runs.map((r) => r.metrics.quarantined) },
          ],
        },
      },
      {
        heading: 'Anomalies',
        table: {
          headers: ['run', 'task', 'review', 'anomalies'],
          rows: runs.filter((r) => r.validation?.verdict === 'anomalous').map((r) => [r.runId, r.task ?? null, r.review, anomalyMessages(r.validation!.anomalies)]),
        },
      },
      {
        heading: 'Flag changes',
        ...(task === undefined ? {} : { paragraphs: [`The changes that reach task ${task}'s runs: the global and kill scopes' and task:${task}'s; other tasks' scopes are left out.`] }),
        table: { headers: ['event', 'at', 'flag', 'scope', 'old', 'new', 'operator', 'reason'], rows: flagEvents.map((e) => [e.id, e.at, e.flag, e.scope, e.oldJson ?? '(unset)', e.newJson ?? '(unset)', e.actor, e.reason]) },
      },
    ],
  };
}

/** "0 of 1 injected anomaly caught": the noun agrees with how many there were, in the trial report and the validation gate alike. */
export function caughtOf(trials: Pick<TrialMeasurements, 'anomaliesDetected' | 'anomaliesInjected'>): string {
  return partOf(trials.anomaliesDetected, trials.anomaliesInjected, INJECTED_CAUGHT);
}

/** "0 of 1 clean run flagged". */
export function flaggedOf(trials: Pick<TrialMeasurements, 'falsePositives' | 'cleanRuns'>): string {
  return partOf(trials.falsePositives, trials.cleanRuns, { noun: 'clean run', outcome: 'flagged' });
}

/** The injected kinds against what caught them; a control injects nothing, so it has no bar (a zero one read as "nothing caught"). */
function detectionSection(trials: TrialMeasurements): Section {
  const injected = trials.rows.filter((t) => t.injected !== null);
  if (injected.length === 0) return { heading: 'Detection', paragraphs: ['No anomaly was injected in these trials (control runs only): nothing to catch.'] };
  return { heading: 'Detection', chart: { kind: 'bar', title: 'Injected and caught anomalies', labels: injected.map((t) => t.name), series: [{ name: 'injected', values: injected.map((t) => t.injected) }, { name: 'caught', values: injected.map((t) => t.detected) }] } };
}

/** The trials not judged by why; measurements that do not say were all runs ended before a verdict (no run-level injection was told apart then). */
export function notJudgedCausesOf(trials: Pick<TrialMeasurements, 'notJudged' | 'notJudgedCauses'>): NotJudgedCounts {
  return trials.notJudgedCauses ?? { runEnded: trials.notJudged, injectedNothing: 0 };
}

/** Said after the rates when some trials were never judged, and why: they are in neither. */
export function notJudgedNote(trials: Pick<TrialMeasurements, 'notJudged' | 'notJudgedCauses'>): string {
  return trials.notJudged === 0 ? '' : `; ${formatCount(trials.notJudged)} not judged (${notJudgedWhy(notJudgedCausesOf(trials))}; in neither rate)`;
}

/**
 * Said after one rate of the validation gate: how many of its trials (injections for detection,
 * controls for false positives) were left out of it, and why.
 */
export function notJudgedInRate(causes: NotJudgedCounts, what: 'injection' | 'control'): string {
  const count = causes.runEnded + causes.injectedNothing;
  return count === 0 ? '' : `; ${counted(count, what)} not judged, left out (${notJudgedWhy(causes)})`;
}

/** Why the report's "Not judged" trials were, one paragraph per cause among them. */
function notJudgedParagraphs(causes: NotJudgedCounts): string[] {
  return [
    ...(causes.runEnded > 0 ? ['Trials whose staging run ended before a verdict (interrupted or failed: a source or database fault, a stop): the validators were never given a finished run.'] : []),
    ...(causes.injectedNothing > 0 ? ["Injections that changed nothing on their day (a run-level anomaly scales what a clean run brings, and left it as it was): no run was made, as there was no anomaly in it to catch."] : []),
    'These count in neither the detection nor the false-positive rate.',
  ];
}

/** `task`: the report covers only the trials judged as that task, and says so. */
export function trialDocument(trials: TrialMeasurements | null, period: { since: string | null; until: string }, generatedAt: string, task?: string): ReportDocument {
  const title = task === undefined ? 'Trial report' : `Trial report: task ${task}`;
  if (!trials) {
    const inPeriod = period.since === null ? '' : ' in the period';
    const none = task === undefined ? `no staging trials have been recorded${inPeriod}` : `no staging trial judged as task ${task} has been recorded${inPeriod} (gatehouse trial --task ${task} runs some)`;
    return { title, generatedAt, period, headline: `No trial data: ${none}.`, sections: [{ heading: 'Trials', paragraphs: ['Detection rate: no data.', 'False positive rate: no data.'] }] };
  }
  return {
    title,
    generatedAt,
    period,
    headline: `${counted(trials.trials, 'trial')}${task === undefined ? '' : ` judged as task ${task}`}: ${caughtOf(trials)}; ${flaggedOf(trials)}${notJudgedNote(trials)}${trials.mixedSettings ? ` (${trials.mixedSettings})` : ''}${lastRunOnlyNote(trials)}`,
    sections: [
      { heading: 'Trials', table: { headers: ['trial', 'injected', 'caught', 'clean runs', 'false positives', 'not judged'], rows: trials.rows.map((t) => [t.name, t.injected, t.detected, t.cleanRuns, t.falsePositives, t.notJudged]) } },
      ...(trials.notJudged > 0
        ? [
            {
              heading: 'Not judged',
              paragraphs: notJudgedParagraphs(notJudgedCausesOf(trials)),
              table: { headers: ['trial', 'not judged', 'why'], rows: trials.rows.filter((t) => t.notJudged > 0).map((t) => [t.name, t.notJudged, t.notJudgedReasons.join('; ')]) },
            },
          ]
        : []),
      detectionSection(trials),
      ...(trials.byMagnitude && trials.byMagnitude.length > 0
        ? [
            {
              heading: 'Detection against magnitude',
              paragraphs: ["An injection counts as caught only when an alarm of its own kind fired on it and not on its paired control; false positives are controls on which that kind's alarms fired. Intervals: Wilson, 95 %."],
              table: {
                headers: ['kind', 'magnitude', 'detection', 'false positives'],
                rows: trials.byMagnitude.map((m) => [kindAsJudged(m), m.magnitude, rateWithN(m.caught, m.injected, m.detectionInterval, INJECTED_CAUGHT), rateWithN(m.falsePositives, m.controls, m.falsePositiveInterval, CLEAN_RUNS_FLAGGED)]),
              },
            },
          ]
        : []),
      ...(trials.detectionDelay && trials.detectionDelay.length > 0 ? [detectionDelaySection(trials.detectionDelay)] : []),
    ],
  };
}

/** Said in the headline when some trials were scored by the older rule: the overall counts add them in, their kind's rows keep them apart. */
function lastRunOnlyNote(trials: Pick<TrialMeasurements, 'scoredOnLastRunOnly'>): string {
  const count = trials.scoredOnLastRunOnly ?? 0;
  if (count === 0) return '';
  return ` (${counted(count, 'level-shift trial')} recorded before window scoring ${count === 1 ? 'was' : 'were'} scored on ${count === 1 ? 'its' : 'their'} last run only, where a shift caught on an earlier day counted as a miss; ${count === 1 ? 'it is' : 'they are'} in these counts and in rows of ${count === 1 ? 'its' : 'their'} own)`;
}

const firstAlarmText = (days: readonly { day: number; trials: number }[]): string => days.map(({ day, trials }) => `day ${day}: ${trials}`).join(', ');

/** On which day of its window each caught trial of a kind held over several runs first alarmed: the detection delay. */
function detectionDelaySection(rows: NonNullable<TrialMeasurements['detectionDelay']>): Section {
  return {
    heading: 'Detection delay',
    paragraphs: [
      "A level shift is held over several days' runs and counts as caught when any of them raised an alarm of its kind (the validator alerts on the change, then takes it as the new level). First alarm: on which day of its window (day 1: its first run) each caught trial first alarmed — how long the change went unnoticed.",
      ...(rows.some((row) => row.windowRuns === null) ? ['Trials recorded before window scoring were scored on their last run only; when they first alarmed was not recorded.'] : []),
    ],
    table: {
      headers: ['kind', 'window', 'caught', 'first alarm'],
      rows: rows.map((row) => [row.name, row.windowRuns === null ? null : `${row.windowRuns} days`, row.caught, row.windowRuns === null ? 'not recorded' : row.caught === 0 ? null : firstAlarmText(row.firstAlarmDays)]),
    },
  };
}
