import type { RunEvent, RunSummary } from '../../shared/run.js';
import { followUpFailedText, type TaskRunStarted } from '../../shared/api-operations.js';
import { logger } from '../logging/index.js';
import { abortableSleep, type Notifier, runSchedulerLoop, runTaskResumingInterrupted, type ScheduledTask, Scheduler, schedulerOperator, taskStore, type TaskRunRequest } from '../scheduler/index.js';
import type { Store } from '../store/index.js';
import type { EngineHost } from './engine-host.js';

export interface RunSeen {
  /** The run has its id (the engine has the lock and created its row). */
  started?: (runId: number) => void;
}

/**
 * Runs a scheduled task through the engine host (a worker thread in the app), resolving with its
 * summary once it finishes. Events may arrive before `start` resolves, so early finishes are kept.
 */
export function runTaskThroughEngine(engine: EngineHost, task: ScheduledTask, request: TaskRunRequest = {}, seen: RunSeen = {}): Promise<RunSummary> {
  return new Promise((resolve, reject) => {
    const early = new Map<number, RunSummary>();
    let wanted: number | null = null;
    const settle = (finish: () => void) => {
      stop();
      finish();
    };
    const stop = engine.subscribe((event) => {
      if (event.type === 'run-finished') {
        if (wanted === null) early.set(event.runId, event.summary);
        else if (event.runId === wanted) settle(() => resolve(event.summary));
      }
      // The host reports a run that threw after it started as a warning, not as run-finished.
      if (event.type === 'warning' && wanted !== null && event.runId === wanted && event.message.startsWith(`run ${wanted} stopped`)) {
        settle(() => reject(new Error(event.message)));
      }
    });
    const operator = request.operator ?? schedulerOperator(task.name);
    engine.start({ source: task.source, task: task.name, lookbackDays: task.lookbackDays, resumeRunId: request.resumeRunId, afterResumeOf: request.afterResumeOf, operator, scheduledTask: true }).then(
      ({ runId }) => {
        seen.started?.(runId);
        const summary = early.get(runId);
        if (summary) settle(() => resolve(summary));
        else wanted = runId;
      },
      (error: unknown) => settle(() => reject(error)),
    );
  });
}

export interface ConsoleSchedulerOptions {
  store: Store;
  engine: EngineHost;
  notifier: () => Notifier;
  log: (line: string) => void;
  signal: AbortSignal;
  clock?: () => Date;
}

/** The scheduler while the app is open: due tasks run through the engine host until `signal` fires. */
export function runConsoleScheduler(options: ConsoleSchedulerOptions): Promise<void> {
  const clock = options.clock ?? (() => new Date());
  const scheduler = new Scheduler({
    store: options.store,
    clock,
    notifier: options.notifier(),
    log: options.log,
    signal: options.signal,
    surface: 'console',
    runTask: (task, request) => runTaskThroughEngine(options.engine, task, request),
    followUpFailed: (task, runId, error) => options.engine.announce(followUpFailedEvent(task.name, runId, error)),
  });
  return runSchedulerLoop(scheduler, { signal: options.signal, clock, sleep: abortableSleep });
}

const log = logger('scheduler');

/**
 * The console's Run of a task, as `gatehouse tasks run` and its schedule do it
 * (runTaskResumingInterrupted): its interrupted run is resumed first, and a resume that covered its
 * window is followed by the new run. Answered once the first run has its id (the runs go on in the
 * engine host, watched on the run page); the new run's run-started event names the run it follows.
 * Each run started is named the task's latest without moving its schedule, as `tasks run` does.
 */
export function startTaskRun(store: Store, engine: EngineHost, task: ScheduledTask, operator: string): Promise<TaskRunStarted> {
  return new Promise((resolve, reject) => {
    let resume: TaskRunStarted['resume'];
    let answered = false;
    const started = (runId: number) => {
      const first = !answered;
      answered = true;
      const recorded = taskStore(store).recordOnDemandRun(task.name, runId);
      if (first) recorded.then(() => resolve({ runId, ...(resume ? { resume } : {}) }), reject);
      else recorded.catch((error: unknown) => log.warn(`task ${task.name}: run ${runId} not named its latest: ${String(error)}`));
    };
    runTaskResumingInterrupted(store, task, (request) => runTaskThroughEngine(engine, task, { ...request, operator }, { started }), {
      resuming: (run) => (resume = { runId: run.runId, committedBatches: run.batches.total }),
      refused: (runId, reason) => (resume = { runId, refused: reason }),
      followUpFailed: (runId, error) => engine.announce(followUpFailedEvent(task.name, runId, error)),
    }).catch((error: unknown) => {
      // Once answered, a run that stopped has said so on the event stream; one that could not start after the resume is said here.
      if (!answered) reject(error);
      else log.warn(`task ${task.name}: ${String(error instanceof Error ? error.message : error)}`);
    });
  });
}

/** Said on the console's event stream when a task's new run could not start after the resume of run `runId`: the operator who pressed Run (or watches the schedule) sees why at once. */
function followUpFailedEvent(task: string, runId: number, error: string): RunEvent {
  return { type: 'warning', runId, cause: 'follow-up-failed', task, error, message: `Task ${task}: resumed run ${runId}; ${followUpFailedText(error)}` };
}
