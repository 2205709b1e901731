import type { Reconciliation, ReconciliationCheck, RunMetrics } from '../../shared/run.js';
import type { Checkpoint, Store } from '../store/index.js';
import { reconciliationFacts, type ReconciliationFacts, type Sample } from './reconcile-facts.js';

/**
 * The cross-batch check after the last batch (DESIGN §2 step 6, issue 12 #7): batches commit one
 * by one, so a fault between them (or a hand behind the engine's back) could leave the run's
 * rows inconsistent while every batch passed its own rules. One set-based look at everything the
 * run wrote: every related row points at a stored hearing, no hearing lost a related row its
 * record still lists, and the stored counts agree with the checkpoint and the run's metrics.
 */
export async function reconcileRun(store: Store, runId: number, metrics: RunMetrics): Promise<Reconciliation> {
  const facts = await reconciliationFacts(store, runId);
  const checkpoint = await store.getCheckpoint(runId);
  const checks = [...linkChecks(facts), ...countChecks(facts, metrics, checkpoint)];
  const problems = checks.filter((check) => !check.ok).map((check) => `${check.name}: ${check.detail}`);
  return { ok: problems.length === 0, checks, problems };
}

function check(name: string, ok: boolean, detail: string): ReconciliationCheck {
  return { name, ok, detail };
}

function sampled(sample: Sample, what: string): string {
  return `${sample.count} ${what} (e.g. ${sample.ids.join(', ')})`;
}

function linkChecks(facts: ReconciliationFacts): ReconciliationCheck[] {
  const orphans = Object.entries(facts.orphanRows).filter(([, n]) => n > 0);
  const unreferenced = facts.unreferencedCreated;
  return [
    check(
      'hearings stored',
      facts.hearingsMissing.count === 0,
      facts.hearingsMissing.count === 0
        ? `all ${facts.hearingsWritten} hearings the run wrote are stored`
        : `${sampled(facts.hearingsMissing, `of ${facts.hearingsWritten} hearings the run wrote are no longer stored`)}`,
    ),
    check(
      'related rows point at stored hearings',
      orphans.length === 0,
      orphans.length === 0
        ? 'every committee link, appearance, video and transcript row of the run\'s hearings points at a stored hearing'
        : orphans.map(([table, n]) => `${n} ${table} rows point at no stored hearing`).join('; '),
    ),
    check(
      'created committees and witnesses are used',
      unreferenced.committees === 0 && unreferenced.witnesses === 0,
      `${unreferenced.committees} committees and ${unreferenced.witnesses} witnesses the run created are referred to by none of its hearings`,
    ),
    check(
      'no hearing lost a related row',
      facts.relatedMismatch.count === 0,
      facts.relatedMismatch.count === 0
        ? 'each hearing has the committees, witnesses, videos and transcripts its record lists, naming stored committees and witnesses'
        : sampled(facts.relatedMismatch, 'hearings have fewer or more related rows than their record lists (or name a committee or witness not stored)'),
    ),
  ];
}

function countChecks(facts: ReconciliationFacts, metrics: RunMetrics, checkpoint: Checkpoint | null): ReconciliationCheck[] {
  const { stored, batches } = facts;
  const checks = [
    check(
      'stored hearings match the run metrics',
      stored.added === metrics.added && stored.updated === metrics.updated,
      `stored: ${stored.added} added, ${stored.updated} updated; metrics: ${metrics.added} added, ${metrics.updated} updated`,
    ),
    check(
      'batches match the run metrics',
      batches.added === metrics.added && batches.updated === metrics.updated,
      `batches: ${batches.added} added, ${batches.updated} updated; metrics: ${metrics.added} added, ${metrics.updated} updated`,
    ),
    check(
      'journal matches the writes',
      facts.hearingsWritten === metrics.added + metrics.updated,
      `undo journal: ${facts.hearingsWritten} hearings; metrics: ${metrics.added + metrics.updated} written`,
    ),
    check('quarantine matches the run metrics', facts.quarantineRows === metrics.quarantined, `quarantine: ${facts.quarantineRows} entries; metrics: ${metrics.quarantined} quarantined`),
  ];
  if (checkpoint) {
    const keys = ['fetched', 'added', 'updated', 'unchanged', 'quarantined'] as const;
    const differing = keys.filter((key) => checkpoint.metrics[key] !== metrics[key]);
    checks.push(
      check(
        'checkpoint matches the run metrics',
        differing.length === 0,
        differing.length === 0 ? 'the last checkpoint holds the run\'s final counts' : differing.map((key) => `${key}: checkpoint ${checkpoint.metrics[key]}, run ${metrics[key]}`).join('; '),
      ),
    );
  }
  return checks;
}
