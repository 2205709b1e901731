import { interruptedRun, measureFloor, measureUpdate, resumeInterrupted, rollBackLatestRun } from './engine.js';
import { measurePostgresUpdate } from './postgres.js';
import { DEFAULT_BATCH_CEILING } from '../shared/run.js';

/**
 * One measurement in its own process, so each peak RSS belongs to that measurement alone.
 * Usage: node dist/bench/measure-one.js batch|adaptive|all-or-nothing|floor|postgres RECORDS
 *        (batch: fixed batches of 50, end to end: opening, migrating and generating the records on the clock;
 *        adaptive: from 50 doubling to DEFAULT_BATCH_CEILING, as the CLI runs by default, over the span
 *        the floor times — schema and records made before the clock, as floor and the throughput sweep do)
 *        node dist/bench/measure-one.js interrupt|resume|rollback RECORDS DATABASE (a batch run stopped at 90 %, resumed, then rolled back)
 */
const [kind, count, database] = process.argv.slice(2);
const records = Number(count);
async function measure() {
  switch (kind) {
    case 'floor':
      return measureFloor(records);
    case 'postgres':
      return { ...(await measurePostgresUpdate(records)), mode: 'postgres' };
    case 'interrupt':
      return interruptedRun(records, database!, Math.floor(records * 0.9)).then(() => ({ records, mode: 'interrupted' }));
    case 'resume':
      return resumeInterrupted(records, database!);
    case 'rollback':
      return rollBackLatestRun(records, database!);
    case 'adaptive':
      return { ...(await measureUpdate(records, 'batch', 50, DEFAULT_BATCH_CEILING, 'beside-floor')), mode: 'adaptive' };
    default:
      return measureUpdate(records, kind === 'all-or-nothing' ? 'all-or-nothing' : 'batch', 50);
  }
}
const measurement = await measure();
process.stdout.write(`${JSON.stringify({ ...measurement, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
