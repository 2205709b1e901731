import { logger } from '../logging/index.js';
import type { RunStatus } from '../../shared/run.js';
import { EXIT_CODE_BY_STATUS } from './output.js';

const log = logger('cli');

const EXIT_CODE_BY_SIGNAL: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143 };

/**
 * Ctrl-C (or SIGTERM) to a command running one update — `update`, `tasks run`: the first signal
 * asks the run to stop at its next boundary, its stored reason naming the signal and this process;
 * a second quits at once. `finishing` says what the run does before it stops.
 */
export function stopRunOnSignals(command: string, finishing: () => string) {
  const controller = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppedBy) process.exit(EXIT_CODE_BY_SIGNAL[signal] ?? 1);
    stoppedBy = signal;
    log.warn(`${signal}: ${finishing()}, then stopping (send again to quit at once)`);
    controller.abort(`by ${signal} to gatehouse ${command} (pid ${process.pid})`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    /** A run the signal stopped exits as the signal does (130, 143); any other by its status. */
    exitCode: (status: RunStatus): number => (status === 'interrupted' && stoppedBy ? EXIT_CODE_BY_SIGNAL[stoppedBy]! : EXIT_CODE_BY_STATUS[status]),
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
