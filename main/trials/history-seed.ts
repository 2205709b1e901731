import type { RunSummary } from '../../shared/run.js';
import { runUpdate } from '../engine/index.js';
import { openSource, formatSyntheticSpec, type SyntheticOptions } from '../sources/index.js';
import type { Store } from '../store/index.js';
import { historicalJudge } from '../validation/index.js';
import { meteredSource, TrialClock } from './realise.js';

const DAY_MS = 86_400_000;
/** Each daily feed re-reads this many earlier hearings, most unchanged, a few revised. */
const LOOKBACK_RECORDS = 30;
/** The simulated pace of a seeded history; trials measure their runs at the history's own pace. */
export const SEEDED_MS_PER_RECORD = 25;
/** Seeded eventIds are moved up by this, away from the demo's and a small real database's. */
const SEEDED_EVENT_ID_SHIFT = 10_000_000;

export interface SeedOptions {
  days: number;
  /** The first seeded day (UTC midnight); runs start at 14:00 UTC, a Washington morning. */
  firstDay: Date;
  seed?: number;
  /** Who the seeding runs' writer lock names to a writer it refuses (the trial's operator). */
  operator?: string;
  /** The trial session's stop: the seeding run under way ends at its batch boundary, interrupted, and no other starts. */
  signal?: AbortSignal;
  /** How a seeding run's reason ends when it is stopped (UpdateOptions.continuation): a trial session's says to run the trial again. */
  continuation?: string;
}

/** Weekday volumes with quiet weekends and a little noise: what a validator should call normal. */
function newRecordsOn(index: number, weekday: number): number {
  if (weekday === 0 || weekday === 6) return 2 + (index % 3);
  return 26 + ((index * 7) % 9);
}

/**
 * Seeds a database with a synthetic history of daily runs through the real engine, so trials on a
 * staging copy with too short a history have something to be judged against (`--seed-history`).
 */
export async function seedSyntheticHistory(store: Store, options: SeedOptions): Promise<RunSummary[]> {
  const seed = options.seed ?? 7_301;
  const start = options.firstDay.toISOString().slice(0, 10);
  const runs: RunSummary[] = [];
  let offset = 0;
  for (let index = 0; index < options.days && !options.signal?.aborted; index++) {
    const startMs = options.firstDay.getTime() + index * DAY_MS + 14 * 3_600_000;
    const fresh = newRecordsOn(index, new Date(startMs).getUTCDay());
    const lookback = Math.min(offset, LOOKBACK_RECORDS);
    const spec: Partial<SyntheticOptions> = { seed, start, offset: offset - lookback, count: lookback + fresh };
    if (lookback > 0) Object.assign(spec, { revision: index, changed: Math.min(lookback, 2 + (index % 3)) });
    const clock = new TrialClock(startMs, SEEDED_MS_PER_RECORD);
    const source = meteredSource(await openSource(formatSyntheticSpec(spec)), clock, SEEDED_EVENT_ID_SHIFT);
    runs.push(await runUpdate({ store, source, batchSize: 50, task: null, operator: options.operator, clock: clock.now, lockClock: () => new Date(), judge: historicalJudge, sleep: async () => {}, signal: options.signal, continuation: options.continuation }));
    offset += fresh;
  }
  return runs;
}
