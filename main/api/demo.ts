import type { RunSummary } from '../../shared/run.js';
import { runUpdate } from '../engine/index.js';
import { formatSyntheticSpec, openSource, syntheticHearings, type SyntheticOptions } from '../sources/index.js';
import { openStore } from '../store/index.js';
import { consoleJudge } from './judge.js';

const DAY_MS = 86_400_000;
const DEMO_SEED = 2_026;
/** Each daily feed re-reads this many earlier hearings (most unchanged, a few revised), like a lookback window. */
const LOOKBACK_RECORDS = 40;

export interface DemoOptions {
  /** Days of history; the last run is yesterday. */
  days?: number;
  now?: Date;
  batchSize?: number;
  /** Called after each seeded day, e.g. for `npm start` to say how far it got. */
  onProgress?: (done: number, total: number) => void;
}

interface DemoDay {
  index: number;
  startedAt: Date;
  spec: Partial<SyntheticOptions>;
  /** The eventId whose write fails in this run (a failed batch, isolated). */
  failingEventId: string | null;
}

/**
 * Fills an empty database with a realistic history of daily runs so the console is alive at once:
 * weekday volumes with quiet weekends, revisions of earlier hearings, a few malformed records,
 * two spikes, one run whose batch fails to write and is isolated. Does nothing when runs exist,
 * or when the store is not all there.
 */
export async function seedDemoDatabase(location: string, options: DemoOptions = {}): Promise<{ seeded: boolean; runs: RunSummary[] }> {
  // A store not all there is left as found: the console opens it restore-only (openConsoleStore) and says why.
  const existing = await openStore(location, { forRestore: true });
  try {
    if (existing.damage !== null || (await existing.listRuns({ limit: 1 })).length > 0) return { seeded: false, runs: [] };
  } finally {
    await existing.close();
  }
  const runs: RunSummary[] = [];
  const days = demoDays(options);
  for (const day of days) {
    runs.push(await runDemoDay(location, day, options.batchSize ?? 10));
    options.onProgress?.(runs.length, days.length);
  }
  return { seeded: true, runs };
}

function demoDays(options: DemoOptions): DemoDay[] {
  const days = options.days ?? 90;
  const today = startOfUtcDay(options.now ?? new Date());
  const firstDay = new Date(today.getTime() - days * DAY_MS);
  const start = firstDay.toISOString().slice(0, 10);
  const plan: DemoDay[] = [];
  let offset = 0;
  for (let index = 0; index < days; index++) {
    const startedAt = new Date(firstDay.getTime() + index * DAY_MS + (6 * 60 + (index * 7) % 50) * 60_000);
    const fresh = newHearingsOn(index, startedAt.getUTCDay(), days);
    const lookback = Math.min(offset, LOOKBACK_RECORDS);
    const spec: Partial<SyntheticOptions> = { seed: DEMO_SEED, start, offset: offset - lookback, count: lookback + fresh };
    if (lookback > 0) Object.assign(spec, { revision: index, changed: Math.min(lookback, 2 + (index % 5)) });
    if (index % 9 === 4) spec.invalid = [{ kind: 'bad-date', fraction: 0.05 }];
    if (index === days - 20) spec.invalid = [{ kind: 'unknown-committee', fraction: 0.25 }];
    const failingEventId = index === days - 3 ? eventIdAt(spec, lookback + Math.floor(fresh / 2)) : null;
    plan.push({ index, startedAt, spec, failingEventId });
    offset += fresh;
  }
  return plan;
}

/** Weekday volume with quiet weekends; two spike days look anomalous on the History chart. */
function newHearingsOn(index: number, weekday: number, days: number): number {
  if (index === days - 35 || index === days - 9) return 260;
  if (weekday === 0 || weekday === 6) return 2 + (index % 3);
  return 24 + ((index * 13) % 17);
}

function eventIdAt(spec: Partial<SyntheticOptions>, position: number): string | null {
  for (const hearing of syntheticHearings(spec, position)) return hearing.record.eventId ?? null;
  return null;
}

async function runDemoDay(location: string, day: DemoDay, batchSize: number): Promise<RunSummary> {
  const failing = day.failingEventId;
  const store = await openStore(location, failing ? { failWriteOf: (eventId) => eventId === failing } : {});
  try {
    const source = await openSource(formatSyntheticSpec(day.spec));
    return await runUpdate({ store, source, batchSize, task: 'daily', clock: steppingClock(day.startedAt), judge: consoleJudge, sleep: async () => {} });
  } finally {
    await store.close();
  }
}

/** A clock that moves a few milliseconds per reading, so durations look like real ones. */
function steppingClock(start: Date): () => Date {
  let now = start.getTime();
  return () => new Date((now += 3));
}

function startOfUtcDay(date: Date): Date {
  return new Date(Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), date.getUTCDate()));
}
