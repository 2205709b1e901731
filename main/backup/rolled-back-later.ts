import { statusEarned, type RunSummary } from '../../shared/run.js';
import type { Store } from '../store/index.js';
import { undoJournal } from './undo-journal.js';

/** A run an operator rolled back after it ran, as its rollback event records it. */
export interface RolledBackLater {
  runId: number;
  operator: string;
  at: string;
  reason: string | null;
}

/**
 * The runs an operator rolled back whole after they ran, from the rollback that did it. An
 * all-or-nothing run that rolled itself back has no rollback event: that one failed as it ran.
 */
export async function rolledBackAfterRunning(store: Store, runs: RunSummary[]): Promise<RolledBackLater[]> {
  const found: RolledBackLater[] = [];
  for (const run of runs.filter((r) => r.status === 'rolled_back')) {
    const [event] = (await undoJournal(store).listEvents({ runId: run.runId })).filter((e) => e.runRolledBack);
    if (event) found.push({ runId: run.runId, operator: event.operator, at: event.at, reason: event.reason });
  }
  return found;
}

/**
 * A run as it ran: one an operator rolled back later (`rolledBackLater`) ended as it earned (statusEarned),
 * its status now is the rollback's, not the run's. Every other run is returned as it is.
 */
export function asRan<Run extends RunSummary>(run: Run, rolledBackLater: ReadonlyMap<number, RolledBackLater>): Run {
  return rolledBackLater.has(run.runId) ? { ...run, status: statusEarned(run) } : run;
}
