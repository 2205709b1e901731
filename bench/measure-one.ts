import { measureFloor, measureUpdate } from './engine.js';
import { measurePostgresUpdate } from './postgres.js';

/**
 * One measurement in its own process, so each peak RSS belongs to that measurement alone.
 * Usage: node dist/bench/measure-one.js batch|all-or-nothing|floor|postgres RECORDS
 */
const [kind, count] = process.argv.slice(2);
const records = Number(count);
const measurement =
  kind === 'floor'
    ? await measureFloor(records)
    : kind === 'postgres'
      ? { ...(await measurePostgresUpdate(records)), mode: 'postgres' }
      : await measureUpdate(records, kind === 'all-or-nothing' ? 'all-or-nothing' : 'batch', 50);
process.stdout.write(`${JSON.stringify({ ...measurement, peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
