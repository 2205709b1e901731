import type { RunSummary } from '../../shared/run.js';
import type { TaskResumeStory } from '../../shared/api-operations.js';
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
  /** The new run after the resume of run `runId` could not start (`error`: why), now kept with that run (recordFollowUpFailure). */
  followUpFailed?: (runId: number, error: string) => void;
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
  const summary = resumed ? await followUp(store, task, resumed, run, hooks) : await run({});
  const resume = resumed ? { runId: resumed.runId, status: resumed.status } : refused;
  return { summary, ...(resume ? { resume } : {}) };
}

/**
 * The new run after a resume that covered its window. One that could not start (a halt, the writer
 * lock, its source refused) leaves no row of its own to say so: why is kept with the resumed run,
 * where the task's story is told (taskResumeOf), and the error goes on to the caller as before.
 */
async function followUp(store: Store, task: ScheduledTask, resumed: RunSummary, run: (request: TaskRunRequest) => Promise<RunSummary>, hooks: ResumeHooks): Promise<RunSummary> {
  try {
    return await run({ afterResumeOf: resumed.runId });
  } catch (error) {
    const [newest] = await store.listRuns({ task: task.name, limit: 1 }).catch(() => []);
    // A run that started has its own row (and link) telling how it ended; a database that cannot be asked keeps nothing.
    if (newest !== undefined && newest.runId === resumed.runId) {
      const why = error instanceof Error ? error.message : String(error);
      const kept = await store.recordFollowUpFailure(resumed.runId, why).then(() => true, () => false);
      if (kept) hooks.followUpFailed?.(resumed.runId, why);
    }
    throw error;
  }
}

/**
 * What a task's Run left stored around run `runId` — resumed by it, or the new run started right
 * after such a resume — as the console tells it after a reload; null for any other run.
 */
export async function taskResumeOf(store: Store, runId: number): Promise<TaskResumeStory | null> {
  const links = await store.resumeLinks(runId);
  if (!links) return null;
  const resumedRunId = links.afterResumeOf ?? runId;
  const resumed = links.afterResumeOf === null ? links : await store.resumeLinks(links.afterResumeOf);
  if (!resumed || resumed.task === null || (links.afterResumeOf === null && resumed.resumedAfterBatches === null)) return null;
  return {
    task: resumed.task,
    resume: { runId: resumedRunId, ...(resumed.resumedAfterBatches === null ? {} : { committedBatches: resumed.resumedAfterBatches }) },
    followedBy: resumed.followedBy,
    ...(resumed.followUpError === null ? {} : { followUpFailed: resumed.followUpError }),
  };
}

/** A run's detail (runs.get, `runs show`) with its task's resume story last, when it has one. */
export async function withTaskResume<T extends { runId: number }>(store: Store, detail: T): Promise<T & { taskResume?: TaskResumeStory }> {
  const story = await taskResumeOf(store, detail.runId);
  return story ? { ...detail, taskResume: story } : detail;
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
