import { evidenceClean, noControlWarning, type GuardrailResult, type LedgerEntry, type RolloutDetail, type RolloutStageName } from '../../shared/api-rollouts.js';
import { GatehouseError } from '../../shared/errors.js';
import { guardrailValueText } from '../../shared/guardrail-values.js';
import { rolloutDetail, rolloutLedger } from '../rollouts/index.js';
import type { Store } from '../store/index.js';
import { counted } from '../../shared/plural.js';
import type { Criterion, ReportDocument } from './document.js';

/** The stages each gate report covers: the canary, or everything after it. */
const REPORT_STAGES: Record<'canary' | 'monitoring', readonly RolloutStageName[]> = { canary: ['canary'], monitoring: ['all', 'monitoring'] };

function shown(guardrail: GuardrailResult, value: number | null): string {
  return value === null ? 'no data' : guardrailValueText(guardrail.name, value);
}

function criterion(guardrail: GuardrailResult): Criterion {
  return {
    name: guardrail.name,
    target: `canary − control ≤ ${shown(guardrail, guardrail.limit)}`,
    actual: guardrail.difference === null ? 'no data' : `${shown(guardrail, guardrail.difference)} (interval ${shown(guardrail, guardrail.low)} to ${shown(guardrail, guardrail.high)})`,
    status: guardrail.status === 'breach' ? 'fail' : guardrail.status,
    note: guardrail.summary,
  };
}

/** "2 of 5 checks clean": a check counts as clean only when its evidence was, as the ledger's reason says. */
function checksClean(entries: LedgerEntry[]): string {
  const checks = entries.filter((e) => e.kind === 'check');
  if (checks.length === 0) return 'no check yet';
  return `${checks.filter((e) => e.evidence !== null && evidenceClean(e.evidence)).length} of ${counted(checks.length, 'check')} clean`;
}

function headline(detail: RolloutDetail, entries: LedgerEntry[], kind: string, since: string | null): string {
  if (entries.length === 0) return `Rollout ${detail.id} "${detail.name}": no ${kind} ledger entry since ${since}; state ${detail.state}.`;
  const decided = entries.findLast((e) => e.kind !== 'check' && e.kind !== 'start');
  if (!decided) return `Rollout ${detail.id} "${detail.name}": ${kind} in progress, ${checksClean(entries)} ${since === null ? 'so far' : `since ${since}`}.`;
  const what = decided.kind === 'breach' ? 'paused by a guardrail, flags reverted' : decided.decision ? `${decided.kind}: ${decided.decision.replace('_', ' ')}` : decided.kind;
  return `Rollout ${detail.id} "${detail.name}": ${what} (${decided.operator}, ${decided.at}) — ${decided.reason}`;
}

/**
 * A gate report drawn from a rollout's ledger: every decision with the evidence it saw, nothing recomputed.
 * `since` (an instant): only the ledger entries written since, as `--since` reads only runs since.
 */
export function rolloutReportDocument(detail: RolloutDetail, kind: 'canary' | 'monitoring', generatedAt: string, since: string | null = null): ReportDocument {
  const entries = detail.ledger.filter((e) => REPORT_STAGES[kind].includes(e.stage) && (since === null || e.at >= since));
  const withEvidence = entries.filter((e) => e.evidence !== null);
  const last = withEvidence.at(-1)?.evidence ?? null;
  const labels = withEvidence.map((e) => (e.runId === null ? e.kind : `#${e.runId}`));
  // What `rollout status` warns of now, said here too: a canary report that reads clean while nothing compares it would mislead.
  const noControl = kind === 'canary' ? noControlWarning(detail.latest) : null;
  const series = (name: GuardrailResult['name'], scale: (v: number) => number) =>
    withEvidence.map((e) => {
      const value = e.evidence!.guardrails.find((g) => g.name === name)?.difference ?? null;
      return value === null ? null : scale(value);
    });
  return {
    title: `${kind === 'canary' ? 'Canary' : 'Monitoring'} report — rollout ${detail.id} "${detail.name}"`,
    generatedAt,
    period: { since: since ?? entries[0]?.at ?? null, until: entries.at(-1)?.at ?? generatedAt },
    headline: headline(detail, entries, kind, since),
    sections: [
      {
        heading: 'Rollout',
        paragraphs: [
          ...(noControl === null ? [] : [noControl]),
          `Flags: ${detail.flagChanges.map((c) => `${c.flag}=${JSON.stringify(c.value)}`).join(', ')}; canary task ${detail.canaryTask ?? '—'}; state ${detail.state}.`,
          `Stages: ${detail.stages.map((s) => `${s.stage} (${s.windowHours} h, ≥ ${counted(s.minRuns, 'run')})`).join(' → ')}; per-record time breaches past +${(detail.timeThreshold * 100).toFixed(0)} %.`,
          last ? `Last evidence: window ${last.window.since} → ${last.window.until}, canary runs ${last.canaryRuns.join(', ') || 'none'}, control runs ${last.controlRuns.join(', ') || 'none'}.` : `No run has been checked in these stages${since === null ? '' : ` since ${since}`}.`,
        ],
      },
      ...(last ? [{ heading: 'Guardrails at the last check', criteria: last.guardrails.map(criterion) }] : []),
      {
        heading: 'Guardrail differences over the checks',
        chart: {
          kind: 'line' as const,
          title: 'canary − control',
          unit: '% / pts',
          labels,
          series: [
            { name: 'per-record time %', values: series('per-record-time', (v) => (Math.exp(v) - 1) * 100) },
            { name: 'quarantine rate pts', values: series('quarantine-rate', (v) => v * 100) },
            { name: 'alert rate pts', values: series('alert-rate', (v) => v * 100) },
          ],
        },
      },
      { heading: 'Ledger', table: { headers: ['#', 'at', 'stage', 'kind', 'decision', 'who', 'run', 'reason'], rows: entries.map((e) => [e.id, e.at, e.stage, e.kind, e.decision, e.operator, e.runId, e.reason]) } },
    ],
  };
}

/**
 * The canary or monitoring report from the ledger of rollout `rolloutId`, or of the newest rollout
 * that reached those stages; null when none did (the report is then computed from runs as before).
 * `since` (an instant, as the report's `--since` names it): only the ledger entries written since.
 */
export async function rolloutReport(store: Store, kind: 'canary' | 'monitoring', options: { rolloutId?: number; now?: Date; since?: string | null } = {}): Promise<ReportDocument | null> {
  const now = options.now ?? new Date();
  const since = options.since ?? null;
  if (options.rolloutId !== undefined) {
    const detail = await rolloutDetail(store, options.rolloutId, now);
    if (!detail.ledger.some((e) => REPORT_STAGES[kind].includes(e.stage))) throw new GatehouseError('NOT_FOUND', `rollout ${options.rolloutId} has no ${kind} stage in its ledger`);
    return rolloutReportDocument(detail, kind, now.toISOString(), since);
  }
  for (const rollout of await rolloutLedger(store).list({ limit: 50 })) {
    const reached = rollout.stages.slice(0, rollout.stageIndex + 1).some((s) => REPORT_STAGES[kind].includes(s.stage));
    if (reached) return rolloutReportDocument(await rolloutDetail(store, rollout.id, now), kind, now.toISOString(), since);
  }
  return null;
}
