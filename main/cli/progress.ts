import cliProgress from 'cli-progress';
import type { RunEvent } from '../../shared/run.js';
import { logger } from '../logging/index.js';

const log = logger('run');

/** A terminal progress bar: batches done/total, records/s, ETA. Silent when not on a terminal. */
export function terminalProgress(enabled: boolean): { onEvent: (event: RunEvent) => void; stop: () => void } {
  if (!enabled) {
    return {
      onEvent: (event) => {
        if (event.type === 'warning') log.warn(event.message, { runId: event.runId });
      },
      stop: () => {},
    };
  }
  const bar = new cliProgress.SingleBar(
    { format: ' {bar} {percentage}% | {value}/{total} records | batch {batches} | {rate} rec/s | ETA {eta_formatted}', hideCursor: true },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  let startMs = Date.now();
  let expectedTotal = 0;
  const onEvent = (event: RunEvent) => {
    if (event.type === 'run-started') {
      startMs = Date.now();
      expectedTotal = event.expectedRecords ?? 0;
      bar.start(expectedTotal || 1, 0, { batches: 0, rate: 0 });
      started = true;
    } else if ((event.type === 'batch-finished' || event.type === 'progress') && started) {
      const fetched = event.metrics.fetched;
      const seconds = Math.max(0.001, (Date.now() - startMs) / 1000);
      if (fetched > expectedTotal) bar.setTotal(fetched);
      const batches = event.type === 'batch-finished' ? event.batch.seq : undefined;
      bar.update(fetched, { rate: Math.round(fetched / seconds), ...(batches === undefined ? {} : { batches }) });
    } else if (event.type === 'warning') {
      // The bar's line ends first, so the warning starts a line of its own.
      process.stderr.write('\n');
      log.warn(event.message, { runId: event.runId });
    }
  };
  return { onEvent, stop: () => started && bar.stop() };
}
