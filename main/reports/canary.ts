import type { ReportedRun } from '../store/index.js';
import { percent, type Criterion, type ReportDocument } from './document.js';
import { groupStats, overheadPercent, type RunGroupStats } from './measure.js';

export const MAX_OVERHEAD_PERCENT = 10;

export type Recommendation = 'Full rollout' | 'Rollback' | 'Iterate';

export interface CanaryComparison {
  task: string;
  since: string | null;
  until: string;
  canary: RunGroupStats;
  baseline: RunGroupStats;
  durationOverheadPercent: number | null;
  criteria: Criterion[];
  recommendation: Recommendation;
  reasons: string[];
}

function criteriaFor(canary: RunGroupStats, baseline: RunGroupStats, overhead: number | null): Criterion[] {
  const noRuns = canary.finished === 0;
  const errors = canary.errors + canary.failedBatches;
  const anomaly: Criterion =
    canary.realAnomalies > 0
      ? { name: 'Real anomaly seen', target: '≥ 1', actual: String(canary.realAnomalies), status: 'pass' }
      : baseline.realAnomalies > 0
        ? { name: 'Real anomaly seen', target: '≥ 1', actual: '0', status: 'fail', note: `the other runs saw ${baseline.realAnomalies}; the canary saw none` }
        : { name: 'Real anomaly seen', target: '≥ 1', actual: '0', status: 'no data', note: 'there was no anomaly to see in this period' };
  return [
    { name: 'No errors', target: '0 failed runs or batches', actual: noRuns ? 'no data' : `${canary.errors} failed runs, ${canary.failedBatches} failed batches`, status: noRuns ? 'no data' : errors === 0 ? 'pass' : 'fail' },
    {
      name: 'Performance within 10 %',
      target: `≤ ${MAX_OVERHEAD_PERCENT} % slower per record`,
      actual: overhead === null ? 'no data' : `${overhead >= 0 ? '+' : ''}${percent(overhead)}`,
      status: overhead === null ? 'no data' : overhead <= MAX_OVERHEAD_PERCENT ? 'pass' : 'fail',
      ...(overhead === null ? { note: 'needs finished runs with records on both sides' } : {}),
    },
    { name: 'Zero data loss', target: '0 records lost', actual: noRuns ? 'no data' : String(canary.recordsLost), status: noRuns ? 'no data' : canary.recordsLost === 0 ? 'pass' : 'fail' },
    anomaly,
  ];
}

/**
 * Rollback when the canary broke something (errors, lost records); Full rollout only when every
 * criterion passed (the anomaly one may say there was none to see); Iterate otherwise.
 */
function recommend(criteria: Criterion[], canary: RunGroupStats): { recommendation: Recommendation; reasons: string[] } {
  const [errors, performance, loss, anomaly] = criteria as [Criterion, Criterion, Criterion, Criterion];
  if (canary.finished === 0) return { recommendation: 'Iterate', reasons: ['no finished canary runs in the period: keep the canary running'] };
  const reasons: string[] = [];
  if (errors.status === 'fail') reasons.push(`errors: ${errors.actual}`);
  if (loss.status === 'fail') reasons.push(`${loss.actual} records lost`);
  if (reasons.length > 0) return { recommendation: 'Rollback', reasons };
  if (performance.status !== 'pass') reasons.push(performance.status === 'fail' ? `overhead ${performance.actual} exceeds ${MAX_OVERHEAD_PERCENT} %` : 'no baseline to measure overhead against');
  if (anomaly.status === 'fail') reasons.push(anomaly.note ?? 'no real anomaly seen');
  if (reasons.length > 0) return { recommendation: 'Iterate', reasons };
  return { recommendation: 'Full rollout', reasons: anomaly.status === 'no data' ? ['every criterion met; note: there was no anomaly to see in this period'] : ['every criterion met'] };
}

/** The canary task's runs against every other run in the same period. */
export function compareCanary(runs: ReportedRun[], task: string, period: { since: string | null; until: string }): CanaryComparison {
  const canary = groupStats(runs.filter((run) => run.task === task));
  const baseline = groupStats(runs.filter((run) => run.task !== task));
  const durationOverheadPercent = overheadPercent(canary.msPerRecord, baseline.msPerRecord);
  const criteria = criteriaFor(canary, baseline, durationOverheadPercent);
  return { task, ...period, canary, baseline, durationOverheadPercent, criteria, ...recommend(criteria, canary) };
}

function statsRow(label: string, canary: number | string | null, baseline: number | string | null): (string | number | null)[] {
  return [label, canary, baseline];
}

export function canaryDocument(comparison: CanaryComparison, generatedAt: string): ReportDocument {
  const { canary: c, baseline: b } = comparison;
  const fixed = (v: number | null, digits = 1) => (v === null ? 'no data' : v.toFixed(digits));
  return {
    title: `Canary report: task ${comparison.task}`,
    generatedAt,
    period: { since: comparison.since, until: comparison.until },
    headline: `Recommendation: ${comparison.recommendation} — ${comparison.reasons.join('; ')}`,
    sections: [
      { heading: 'Criteria', criteria: comparison.criteria },
      {
        heading: 'Canary against the rest',
        table: {
          headers: ['measure', `canary (${comparison.task})`, 'other runs'],
          rows: [
            statsRow('runs (finished)', `${c.runs} (${c.finished})`, `${b.runs} (${b.finished})`),
            statsRow('success rate', percent(c.successRate), percent(b.successRate)),
            statsRow('mean duration, ms', fixed(c.meanDurationMs, 0), fixed(b.meanDurationMs, 0)),
            statsRow('ms per record', fixed(c.msPerRecord, 3), fixed(b.msPerRecord, 3)),
            statsRow('duration overhead', percent(comparison.durationOverheadPercent), '—'),
            statsRow('failed batches', `${c.failedBatches} of ${c.batches}`, `${b.failedBatches} of ${b.batches}`),
            statsRow('anomalous runs', c.anomalousRuns, b.anomalousRuns),
            statsRow('confirmed false positives', c.confirmedFalsePositives, b.confirmedFalsePositives),
            statsRow('records lost', c.recordsLost, b.recordsLost),
          ],
        },
      },
      {
        heading: 'Success rate and speed',
        chart: {
          kind: 'bar',
          title: 'Canary vs the rest',
          labels: ['success rate %', 'ms per record ×1000'],
          series: [
            { name: 'canary', values: [c.successRate, c.msPerRecord === null ? null : c.msPerRecord * 1000] },
            { name: 'other runs', values: [b.successRate, b.msPerRecord === null ? null : b.msPerRecord * 1000] },
          ],
        },
      },
    ],
  };
}
