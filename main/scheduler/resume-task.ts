import type { RunSummary } from '../../shared/run.js';
import { GatehouseError } from '../../shared/errors.js';
import { otherSourceRefusal, resumable } from '../engine/index.js';
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
  /** The task's interrupted run, about to be resumed (as stored: its batches are what it committed before). */
  resuming?: (run: RunSummary) => void;
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
    hooks.resuming?.(interrupted);
    try {
      resumed = await run({ resumeRunId: interrupted.runId });
    } catch (error) {
      if (!(error instanceof GatehouseError) || !RESUME_REFUSALS.includes(error.code)) throw error;
      const reason = refusalForTask(task, interrupted, error);
      hooks.refused?.(interrupted.runId, reason);
      refused = { runId: interrupted.runId, refused: reason };
    }
  }
  if (resumed && !COVERING_STATUSES.includes(resumed.status)) return { summary: resumed, resume: { runId: resumed.runId, status: resumed.status } };
  const summary = await run(resumed ? { afterResume: true } : {});
  const resume = resumed ? { runId: resumed.runId, status: resumed.status } : refused;
  return { summary, ...(resume ? { resume } : {}) };
}

/**
 * Why the task's run was not resumed, in a task's terms: `update --resume` refuses another source
 * than the run read with "resume it with the same --source", but a task has no --source to give —
 * it reads its own, edited since the run. Compared by message, which crosses the console's worker.
 */
function refusalForTask(task: ScheduledTask, interrupted: RunSummary, error: GatehouseError): string {
  if (error.message !== otherSourceRefusal(interrupted).message) return error.message;
  return `run ${interrupted.runId} read ${interrupted.source}, and task ${task.name} now reads ${task.source} (its source was edited since the run)`;
}
