import { GatehouseError } from '../../shared/errors.js';
import type { Store } from '../store/index.js';
import { canaryDocument, canaryWindowRuns, compareCanary, type CanaryComparison } from './canary.js';
import type { ReportDocument } from './document.js';
import { validationGateDocument } from './gates.js';
import { parseSince } from './measure.js';
import { monitoringDocument, trialDocument } from './monitoring.js';
import { readTrials, type TrialReader } from './trials.js';
import { flagStore } from '../flags/index.js';

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

function period(request: ReportRequest, now: Date): { since: string | null; until: string } {
  if (request.since === undefined) return { since: null, until: now.toISOString() };
  try {
    return { since: parseSince(request.since, now).toISOString(), until: now.toISOString() };
  } catch (error) {
    throw new GatehouseError('USAGE', `since: ${(error as Error).message}`);
  }
}

/** Every number in a report is computed here from stored runs (and trials); nothing is typed in. */
export async function buildReport(store: Store, request: ReportRequest): Promise<BuiltReport> {
  const now = request.now ?? new Date();
  const window = period(request, now);
  const generatedAt = now.toISOString();
  // A task named: the validation gate reads only its runs (the filter in SQL) and the trials judged as it; a trial report only those trials.
  const task = request.task?.trim() || undefined;
  const runs = await store.reports.runs({ since: window.since ?? undefined, until: window.until, task: request.kind === 'validation' ? task : undefined });
  switch (request.kind) {
    case 'canary': {
      if (!request.task) throw new GatehouseError('USAGE', 'the canary report needs the canary task\'s name');
      const selected = await canaryWindowRuns(store, request.task, window);
      const canary = compareCanary(selected.runs, request.task, selected.period);
      return { document: canaryDocument(canary, generatedAt), canary };
    }
    case 'validation':
      return { document: validationGateDocument(runs, await readTrials(store, request.trialReader, { ...window, task }), window, generatedAt, task) };
    case 'trial':
      return { document: trialDocument(await readTrials(store, request.trialReader, { ...window, task }), window, generatedAt, task) };
    case 'monitoring': {
      const events = (await flagStore(store).history({ limit: 1000 })).filter((e) => (window.since === null || e.at >= window.since) && e.at <= window.until).reverse();
      return { document: monitoringDocument(runs, events, window, generatedAt) };
    }
  }
}
