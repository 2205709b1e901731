import type { RunSummary } from '../../shared/run.js';
import { abortableSleep, type Notifier, runSchedulerLoop, type ScheduledTask, Scheduler, schedulerOperator, type TaskRunRequest } from '../scheduler/index.js';
import type { Store } from '../store/index.js';
import type { EngineHost } from './engine-host.js';

/**
 * Runs a scheduled task through the engine host (a worker thread in the app), resolving with its
 * summary once it finishes. Events may arrive before `start` resolves, so early finishes are kept.
 */
export function runTaskThroughEngine(engine: EngineHost, task: ScheduledTask, request: TaskRunRequest = {}): Promise<RunSummary> {
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
    engine.start({ source: task.source, task: task.name, lookbackDays: task.lookbackDays, resumeRunId: request.resumeRunId, afterResume: request.afterResume, operator: schedulerOperator(task.name), scheduledTask: true }).then(
      ({ runId }) => {
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
  });
  return runSchedulerLoop(scheduler, { signal: options.signal, clock, sleep: abortableSleep });
}
