import type { HistoryPoint } from '../../../shared/api.js';
import type { HistoryEvent } from '../../../shared/api-history.js';
import type { RunBandsView } from '../../../shared/api-validation.js';
import { when } from '../format.js';
import { anomaliesOn, formatValue, type MetricSeries } from './series.js';

/** What a chart's tooltip (and its data table row) says about one run: the values and why it was flagged. */
export interface RunExplanation {
  runId: number;
  heading: string;
  status: HistoryPoint['status'];
  values: { label: string; value: string; expected: string | null }[];
  /** e.g. `anomalous`, `ok`, `insufficient history`; null when the run reached no verdict. */
  verdict: string | null;
  /** The validator's reasons, this chart's first: the rule, its score and its sentence. */
  reasons: { rule: string; score: number; message: string }[];
  reviews: string[];
  notes: string[];
}

const VERDICT_WORDS: Record<string, string> = { ok: 'ok', anomalous: 'anomalous', insufficient_history: 'insufficient history (too few earlier runs to judge)' };

export function explainRun(point: HistoryPoint, series: readonly MetricSeries[], bands: RunBandsView | undefined, events: readonly HistoryEvent[]): RunExplanation {
  const here = anomaliesOn(point, series);
  const elsewhere = point.anomalies.filter((a) => !here.includes(a)).sort((a, b) => b.score - a.score);
  return {
    runId: point.runId,
    heading: `Run ${point.runId} · ${when(point.startedAt)} UTC${point.task ? ` · task ${point.task}` : ''}`,
    status: point.status,
    values: series.map((s) => {
      const band = s.band?.(point, bands) ?? null;
      return { label: s.label, value: formatValue(s.value(point), s.unit), expected: band ? `${formatValue(band.low, s.unit)}–${formatValue(band.high, s.unit)}` : null };
    }),
    verdict: point.verdict === null ? null : (VERDICT_WORDS[point.verdict] ?? point.verdict),
    reasons: [...here, ...elsewhere].map((a) => ({ rule: a.rule, score: a.score, message: a.message })),
    reviews: events.filter((e) => e.kind === 'review' && e.runId === point.runId).map((e) => `${e.title.replace(`Run ${point.runId} `, '')}${e.operator ? ` by ${e.operator}` : ''}: ${e.reason ?? ''}`),
    notes: notesOn(point, events),
  };
}

function notesOn(point: HistoryPoint, events: readonly HistoryEvent[]): string[] {
  const notes: string[] = [];
  if (point.status === 'failed') notes.push('The run failed, so the validator gave no verdict.');
  if (point.status === 'held') notes.push('Held for review by BLOCK_ON_ANOMALY: accept it or roll it back.');
  if (!point.inTrainingHistory) notes.push('Left out of the training history: later runs are not judged against it.');
  if (events.some((e) => e.kind === 'rollback' && e.runId === point.runId)) notes.push('Rolled back (see the marker).');
  return notes;
}

/** The same explanation as one line of text, for the data table and screen readers. */
export function explanationText(explanation: RunExplanation): string {
  const reasons = explanation.reasons.map((r) => `${r.rule} (score ${r.score}): ${r.message}`);
  return [explanation.verdict ? `verdict ${explanation.verdict}` : null, ...reasons, ...explanation.reviews, ...explanation.notes].filter(Boolean).join(' · ');
}
