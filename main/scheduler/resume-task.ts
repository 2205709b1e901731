import type { RunSummary } from '../../shared/run.js';
import { GatehouseError } from '../../shared/errors.js';
import { resumable } from '../engine/index.js';
import type { Store } from '../store/index.js';
import { COVERING_STATUSES } from './catch-up.js';
import type { TaskRunRequest } from './run-task.js';
import type { ScheduledTask } from './task-store.js';

/** How `gatehouse update --resume` refuses a run it cannot continue (open-run.ts), before it touches it. */
export const RESUME_REFUSALS: readonly string[] = ['CONFLICT', 'USAGE'];

/** What a run of a task did with the task's interrupted run: resumed it, or could not (why). */
export type ResumeOutcome =
  | { runId: number; status: RunSummary['status'] }
  | { runId: number; refused: string };

export interface TaskRunOutcome {
  /** The run the command reports: the new run, or the resumed one when it stopped again (no new run followed). */
  summary: RunSummary;
  /** The task's interrupted run, resumed first (its status) or refused (why); absent when it had none to resume. */
  resume?: ResumeOutcome;
}

export interface ResumeHooks {
  /** A run the caller knows ended unrecorded (the database failed under it, Scheduler.stoppedByDatabase): resumed though stored `running`. */
  endUnrecorded?: (run: RunSummary) => boolean;
  resuming?: (runId: number) => void;
  refused?: (runId: number, reason: string) => void;
}

/**
 * The task's newest run when it can be resumed (interrupted, its process gone, failed on a lost
 * connection), else null: what its next run, scheduled or by hand, resumes first.
 */
export async function interruptedRunOf(store: Store, task: string, endUnrecorded?: (run: RunSummary) => boolean): Promise<RunSummary | null> {
  const [newest] = await store.listRuns({ task, limit: 1 });
  if (!newest) return null;
  return (endUnrecorded?.(newest) && newest.status === 'running') || resumable(store, newest) ? newest : null;
}

/**
 * One run of a task, scheduled (Scheduler) or by hand (`gatehouse tasks run`): its interrupted run
 * is resumed first, as `gatehouse update --resume` would — it lists its own recorded window again
 * and skips what it handled, where a new run would fetch every Congress.gov detail of that window
 * again. A resume that covered its window is followed by the new run, which lists only from where
 * the resumed one's window ended; one that stopped again (the source still down) is not: it would
 * only fail the same way. A resume refused before it starts (the task's source edited since, a
 * window it cannot read) leaves the new run to cover the window, and says why.
 */
export async function runTaskResumingInterrupted(store: Store, task: ScheduledTask, run: (request: TaskRunRequest) => Promise<RunSummary>, hooks: ResumeHooks = {}): Promise<TaskRunOutcome> {
  const interrupted = await interruptedRunOf(store, task.name, hooks.endUnrecorded);
  let resumed: RunSummary | null = null;
  let refused: ResumeOutcome | undefined;
  if (interrupted) {
    hooks.resuming?.(interrupted.runId);
    try {
      resumed = await run({ resumeRunId: interrupted.runId });
    } catch (error) {
      if (!(error instanceof GatehouseError) || !RESUME_REFUSALS.includes(error.code)) throw error;
      hooks.refused?.(interrupted.runId, error.message);
      refused = { runId: interrupted.runId, refused: error.message };
    }
  }
  if (resumed && !COVERING_STATUSES.includes(resumed.status)) return { summary: resumed, resume: { runId: resumed.runId, status: resumed.status } };
  const summary = await run(resumed ? { afterResume: true } : {});
  const resume = resumed ? { runId: resumed.runId, status: resumed.status } : refused;
  return { summary, ...(resume ? { resume } : {}) };
}
