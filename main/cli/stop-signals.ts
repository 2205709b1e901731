import { GatehouseError } from '../../shared/errors.js';
import { logger } from '../logging/index.js';
import type { RunEvent, RunStatus } from '../../shared/run.js';
import { EXIT_CODE_BY_STATUS, reportError } from './output.js';

const log = logger('cli');

const EXIT_CODE_BY_SIGNAL: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl-C (or SIGTERM) to a command running one update — `update`, `tasks run`: the first signal
 * asks the run to stop at its next boundary, its stored reason naming the signal and this process;
 * a second quits at once, saying what it leaves: the run (once its run-started event names it, through `onEvent`) as of its
 * last committed batch, still stored as running until a resume or the next writer takes over its
 * lock. `finishing` says what the run does before it stops; `resumeCommand` the whole command that resumes the
 * run (a task's run names its task's --source: `update --resume N` alone is refused without one).
 */
export function stopRunOnSignals(command: string, finishing: () => string, resumeCommand: (runId: number) => string = (runId) => `gatehouse update --resume ${runId}`) {
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  let runId: number | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) {
      // Unnamed (not yet started, or a command that does not pass it on), `runs list` finds it.
      const left = runId === null
        ? 'any run it started is left as of its last committed batch (checkpoint): gatehouse runs list shows it'
        : `run ${runId} is left as of its last committed batch (checkpoint): resume it with ${resumeCommand(runId)}`;
      log.error(`${signal} again: gatehouse ${command} (pid ${process.pid}) quit at once; ${left}`);
      process.exit(EXIT_CODE_BY_SIGNAL[signal] ?? 1);
    }
    stoppedBy = signal;
    log.warn(`${signal}: ${finishing()}, then stopping (send again to quit at once)`);
    controller.abort(`by ${signal} to gatehouse ${command} (pid ${process.pid})`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    /** Hears the run's events: the run this command started or resumed (run-started) is the one a quit at once names. */
    onEvent: (event: RunEvent) => {
      if (event.type === 'run-started') runId = event.runId;
    },
    /** A run the signal stopped exits as the signal does (130, 143); any other by its status. */
    exitCode: (status: RunStatus): number => (status === 'interrupted' && stoppedBy ? EXIT_CODE_BY_SIGNAL[stoppedBy]! : EXIT_CODE_BY_STATUS[status]),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/**
 * Ctrl-C (or SIGTERM) to a command that runs one update while it is still starting — opening its
 * source, connecting to and migrating the database — before stopRunOnSignals takes over: no run
 * exists to stop at a boundary, so the process ends at once with the signal's code, as Node's
 * default did, but saying what it stopped (the default ended it without a word). A migration cut
 * short is rolled back by the database. `step` names what the command is doing, as it moves on.
 */
export function quitOnSignalsWhileStarting(command: string, options: { json: boolean }) {
  let step = 'starting';
  const onSignal = (signal: NodeJS.Signals) => {
    const message = `stopped by ${signal} to gatehouse ${command} (pid ${process.pid}) while ${step}, before any run was created: no record was written`;
    reportError(new GatehouseError('INTERRUPTED', message), { debug: false, json: options.json });
    process.exit(EXIT_CODE_BY_SIGNAL[signal] ?? 1);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    at: (next: string) => {
      step = next;
    },
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
