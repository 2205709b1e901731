import type { Reconciliation, ReconciliationCheck, RunMetrics } from '../../shared/run.js';
import type { Checkpoint, RelatedTable, Store } from '../store/index.js';
import { formatCount } from '../../shared/plural.js';
import { reconciliationFacts, type ReconciliationFacts, type Sample } from './reconcile-facts.js';

/**
 * The cross-batch check after the last batch (DESIGN §2 step 6, issue 12 #7): batches commit one
 * by one, so a fault between them (or a hand behind the engine's back) could leave the run's
 * rows inconsistent while every batch passed its own rules. One set-based look at everything the
 * run wrote: every related row points at a stored hearing, no hearing lost a related row its
 * record still lists, and the stored counts agree with the checkpoint and the run's metrics.
 */
export async function reconcileRun(store: Store, runId: number, metrics: RunMetrics): Promise<Reconciliation> {
  const checkpoint = await store.getCheckpoint(runId);
  const facts = await reconciliationFacts(store, runId, checkpoint?.plannedRelated ?? null);
  const checks = [...linkChecks(facts), ...countChecks(facts, metrics, checkpoint)];
  const problems = checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`);
  return { ok: problems.length === 0, checks, problems };
}

function check(name: string, ok: boolean, detail: string): ReconciliationCheck {
  return { name, ok, detail };
}

function sampled(sample: Sample, what: string): string {
  return `${formatCount(sample.count)} ${what} (e.g. ${sample.ids.join(', ')})`;
}

function linkChecks(facts: ReconciliationFacts): ReconciliationCheck[] {
  const orphans = Object.entries(facts.orphanRows).filter(([, n]) => n > 0);
  const unreferenced = facts.unreferencedCreated;
  return [
    check(
      'hearings stored',
      facts.hearingsMissing.count === 0,
      facts.hearingsMissing.count === 0
        ? `all ${formatCount(facts.hearingsWritten)} hearings the run wrote are stored`
        : `${sampled(facts.hearingsMissing, `of ${formatCount(facts.hearingsWritten)} hearings the run wrote are no longer stored`)}`,
    ),
    check(
      'related rows point at stored hearings',
      orphans.length === 0,
      orphans.length === 0
        ? 'every committee link, appearance, video and transcript row of the run\'s hearings points at a stored hearing'
        : orphans.map(([table, n]) => `${formatCount(n)} ${table} rows point at no stored hearing`).join('; '),
    ),
    check(
      'created committees and witnesses are used',
      unreferenced.committees === 0 && unreferenced.witnesses === 0,
      `${formatCount(unreferenced.committees)} committees and ${formatCount(unreferenced.witnesses)} witnesses the run created are referred to by none of its hearings`,
    ),
    relatedRowsCheck(facts),
  ];
}

const ROWS_NAMED: Record<RelatedTable, string> = { hearing_committees: 'committee links', appearances: 'appearances', videos: 'videos', transcripts: 'transcripts' };

/**
 * Passes on the totals alone when they agree with what the committed batches planned; otherwise the
 * hearings were compared with their records one by one, and the check names those that differ.
 */
function relatedRowsCheck({ relatedTotals: { stored, planned, agree }, relatedMismatch }: ReconciliationFacts): ReconciliationCheck {
  const name = 'no hearing lost a related row';
  if (agree) {
    const listed = Object.entries(ROWS_NAMED).map(([table, rows]) => `${formatCount(planned![table as RelatedTable].rows)} ${rows}`).join(', ');
    return check(name, true, `the run's hearings have the related rows their records listed when planned (${listed}), naming stored committees and witnesses`);
  }
  if (relatedMismatch.count > 0) {
    return check(name, false, sampled(relatedMismatch, 'hearings have fewer or more related rows than their record lists (or name a committee or witness not stored)'));
  }
  const differing = planned === null ? [] : (Object.keys(stored) as RelatedTable[]).filter((table) => stored[table] !== planned[table].weighted);
  if (differing.length > 0) {
    const named = differing.map((table) => ROWS_NAMED[table]).join(', ');
    return check(name, false, `the stored ${named} of the run's hearings do not add up to what the committed batches planned from their records, though each hearing has the rows its stored record lists`);
  }
  return check(name, true, 'each hearing has the committees, witnesses, videos and transcripts its record lists, naming stored committees and witnesses');
}

function countChecks(facts: ReconciliationFacts, metrics: RunMetrics, checkpoint: Checkpoint | null): ReconciliationCheck[] {
  const { stored, batches } = facts;
  const checks = [
    check(
      'stored hearings match the run metrics',
      stored.added === metrics.added && stored.updated === metrics.updated,
      `stored: ${formatCount(stored.added)} added, ${formatCount(stored.updated)} updated; metrics: ${formatCount(metrics.added)} added, ${formatCount(metrics.updated)} updated`,
    ),
    check(
      'batches match the run metrics',
      batches.added === metrics.added && batches.updated === metrics.updated,
      `batches: ${formatCount(batches.added)} added, ${formatCount(batches.updated)} updated; metrics: ${formatCount(metrics.added)} added, ${formatCount(metrics.updated)} updated`,
    ),
    check(
      'journal matches the writes',
      facts.hearingsWritten === metrics.added + metrics.updated,
      `undo journal: ${formatCount(facts.hearingsWritten)} hearings; metrics: ${formatCount(metrics.added + metrics.updated)} written`,
    ),
    check('quarantine matches the run metrics', facts.quarantineRows === metrics.quarantined, `quarantine: ${formatCount(facts.quarantineRows)} entries; metrics: ${formatCount(metrics.quarantined)} quarantined`),
  ];
  if (checkpoint) {
    const keys = ['fetched', 'added', 'updated', 'unchanged', 'quarantined'] as const;
    const differing = keys.filter((key) => checkpoint.metrics[key] !== metrics[key]);
    checks.push(
      check(
        'checkpoint matches the run metrics',
        differing.length === 0,
        differing.length === 0 ? 'the last checkpoint holds the run\'s final counts' : differing.map((key) => `${key}: checkpoint ${formatCount(checkpoint.metrics[key])}, run ${formatCount(metrics[key])}`).join('; '),
      ),
    );
  }
  return checks;
}
