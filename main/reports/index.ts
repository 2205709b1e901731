import { GatehouseError } from '../../shared/errors.js';
import type { Store } from '../store/index.js';
import { canaryDocument, canaryWindowRuns, compareCanary, type CanaryComparison } from './canary.js';
import type { ReportDocument } from './document.js';
import { validationGateDocument } from './gates.js';
import { parseSince } from './measure.js';
import { monitoringDocument, trialDocument } from './monitoring.js';
import { readTrials, type TrialReader } from './trials.js';
import { flagStore, GLOBAL_SCOPE, KILL_SCOPE, taskScope, type FlagEvent } from '../flags/index.js';
import { requireKnownTask } from '../validation/index.js';

export { compareCanary, canaryDocument, canaryWindowRuns, MAX_OVERHEAD_PERCENT, type CanaryComparison, type CanaryPeriod, type Recommendation } from './canary.js';
export { compareRunWindow, perRecordTimeRatio, DEFAULT_MAX_SLOWDOWN_PERCENT, MIN_RUNS_FOR_VERDICT, type GuardrailStatus, type SideMeasures, type TimeRatio, type WindowComparison, type WindowOptions } from './compare-window.js';
export { overallStatus, type Chart, type Criterion, type CriterionStatus, type ReportDocument, type Section } from './document.js';
export { GATE_TARGETS, validationGateCriteria } from './gates.js';
export { groupStats, parseSince, recordsLost, type RunGroupStats } from './measure.js';
export { renderHtml, renderMarkdown } from './render.js';
export { rolloutReport, rolloutReportDocument } from './rollout.js';
export { chartSvg } from './svg.js';
export { ledgerTrials, noTrials, type TrialFilter, type TrialMeasurements, type TrialReader } from './trials.js';

export const REPORT_KINDS = ['validation', 'trial', 'canary', 'monitoring'] as const;
export type ReportKind = (typeof REPORT_KINDS)[number];

export interface ReportRequest {
  kind: ReportKind;
  /** `48h`, `7d` or an ISO date; absent means all time. */
  since?: string;
  task?: string;
  now?: Date;
  trialReader?: TrialReader;
}

export interface BuiltReport {
  document: ReportDocument;
  /** The canary comparison as data, for `--json`. */
  canary?: CanaryComparison;
}

/**
 * The period a report's `since` (48h, 7d, an ISO date; absent: all time) names, up to `now`; a bad one is a USAGE error,
 * and so is one after `now`: the period would run backwards ("from 2027-01-01 to 2026-12-05"), which no report can read.
 * `name` is how the refusal names it: the API's field (`since`), or the option as typed on the command line (`--since`).
 */
export function reportPeriod(since: string | undefined, now: Date, name = 'since'): { since: string | null; until: string } {
  if (since === undefined) return { since: null, until: now.toISOString() };
  let start: Date;
  try {
    start = parseSince(since, now);
  } catch (error) {
    throw new GatehouseError('USAGE', `${name}: ${(error as Error).message}`);
  }
  if (start.getTime() > now.getTime()) {
    throw new GatehouseError('USAGE', `${name}: "${since.trim()}" is after now (${now.toISOString()}); a report's period runs from ${name} up to now`);
  }
  return { since: start.toISOString(), until: now.toISOString() };
}

/** Flag events read per page: the monitoring report reads every page of its period, so none is cut off by a LIMIT. */
const FLAG_EVENTS_PAGE = 1000;

/**
 * The flag changes in the period, oldest first; with `task`, those that reach its runs: the global
 * and kill scopes' and its own (another task's scope never changed this task's runs).
 */
async function flagChangesIn(store: Store, window: { since: string | null; until: string }, task: string | undefined): Promise<FlagEvent[]> {
  const flags = flagStore(store);
  const events: FlagEvent[] = [];
  for (let after: number | undefined; ; ) {
    const page = await flags.history({ since: window.since ?? undefined, limit: FLAG_EVENTS_PAGE, after });
    events.push(...page);
    if (page.length < FLAG_EVENTS_PAGE) break;
    after = page.at(-1)!.id;
  }
  const reaching = task === undefined ? null : new Set([GLOBAL_SCOPE, KILL_SCOPE, taskScope(task)]);
  return events.filter((e) => e.at <= window.until && (reaching === null || reaching.has(e.scope))).reverse();
}

/** Every number in a report is computed here from stored runs (and trials); nothing is typed in. */
export async function buildReport(store: Store, request: ReportRequest): Promise<BuiltReport> {
  const now = request.now ?? new Date();
  const window = reportPeriod(request.since, now);
  const generatedAt = now.toISOString();
  // A task named must be one the database knows (NOT_FOUND names those it does): a mistyped name is no "no data".
  // The validation gate and the monitoring report read only its runs (the filter in SQL); the validation gate and a trial report only the trials judged as it.
  const task = request.task?.trim() || undefined;
  if (task !== undefined) await requireKnownTask(store, task);
  switch (request.kind) {
    case 'canary': {
      if (!task) throw new GatehouseError('USAGE', 'the canary report needs the canary task\'s name');
      const selected = await canaryWindowRuns(store, task, window);
      const canary = compareCanary(selected.runs, task, selected.period);
      return { document: canaryDocument(canary, generatedAt), canary };
    }
    case 'validation': {
      const runs = await store.reports.runs({ since: window.since ?? undefined, until: window.until, task });
      return { document: validationGateDocument(runs, await readTrials(store, request.trialReader, { ...window, task }), window, generatedAt, task) };
    }
    case 'trial':
      return { document: trialDocument(await readTrials(store, request.trialReader, { ...window, task }), window, generatedAt, task) };
    case 'monitoring': {
      const runs = await store.reports.runs({ since: window.since ?? undefined, until: window.until, task });
      return { document: monitoringDocument(runs, await flagChangesIn(store, window, task), window, generatedAt, task) };
    }
  }
}
