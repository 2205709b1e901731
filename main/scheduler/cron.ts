import { Cron } from 'croner';
import { ALLOW_FREQUENT_LABEL, MIN_TASK_INTERVAL_MINUTES } from '../../shared/api-operations.js';
import { GatehouseError } from '../../shared/errors.js';
import { counted } from '../../shared/plural.js';

/**
 * A cron job that never fires by itself: we only ask it for times. New schedules are five fields; a
 * stored one with a seconds field (accepted before) still runs, so an upgrade never stops a task.
 */
function pausedCron(expression: string, mode: '5-part' | '5-or-6-parts' = '5-or-6-parts'): Cron {
  // UTC so a schedule means the same on every machine sharing the database.
  return new Cron(expression, { paused: true, mode, timezone: 'UTC' });
}

/**
 * A task's runs may come at most this often unless the operator says they mean it (`allowFrequent`):
 * every minute would start an update, skip it while the last one goes, and spend a Congress.gov
 * quota, all without a word.
 */
export const MIN_TASK_INTERVAL_MS = MIN_TASK_INTERVAL_MINUTES * 60_000;

/** How many times ahead the shortest gap is looked for: enough for "0,1 6 * * *" (the pair comes daily) and any schedule whose gaps repeat within a few hundred runs. */
const GAP_LOOKAHEAD = 500;

const FIELDS_HINT = 'five fields: minute hour day-of-month month day-of-week, e.g. "0 6 * * *"';

/**
 * Returns the expression when it is a schedule a task may have: five fields (or a nickname such as
 * @daily) that croner accepts, that fires, and whose runs are at least MIN_TASK_INTERVAL_MS apart
 * unless `allowFrequent`. A USAGE error naming the problem otherwise: the one check of `tasks add`,
 * `tasks edit`, the API and the console's form.
 */
export function checkCron(expression: string, options: { allowFrequent?: boolean; now?: Date } = {}): string {
  const trimmed = expression.trim();
  if (trimmed === '') throw new GatehouseError('USAGE', 'the cron expression is empty', { hint: FIELDS_HINT });
  const fields = trimmed.split(/\s+/).length;
  // croner's own message offers six and seven fields, which a task does not take.
  if (!trimmed.startsWith('@') && fields !== 5) {
    const seconds = fields === 6 ? ' (a sixth field would be seconds: a run every second is not a schedule for an update)' : '';
    throw new GatehouseError('USAGE', `bad cron expression "${trimmed}": it has ${counted(fields, 'field')}, not five${seconds}`, { hint: FIELDS_HINT });
  }
  let cron: Cron;
  try {
    cron = pausedCron(trimmed, '5-part');
  } catch (error) {
    throw new GatehouseError('USAGE', `bad cron expression "${trimmed}": ${(error as Error).message.replace(/^CronPattern: /, '')}`, { hint: FIELDS_HINT });
  }
  try {
    const gap = shortestGap(cron, options.now ?? new Date());
    if (gap === null) throw new GatehouseError('USAGE', `bad cron expression "${trimmed}": it never fires`, { hint: FIELDS_HINT });
    if (gap.ms < MIN_TASK_INTERVAL_MS && !options.allowFrequent) {
      throw new GatehouseError('USAGE', `cron expression "${trimmed}" has runs ${minutes(gap.ms)} apart (${gap.from} and ${gap.to}); a task's runs must be at least ${minutes(MIN_TASK_INTERVAL_MS)} apart`, {
        hint: {
          cli: 'choose a sparser schedule, e.g. "*/15 * * * *"; or, if it must run that often, say so: --allow-frequent (API: allowFrequent: true)',
          // The console's task form says it with a checkbox, labelled as this names it.
          console: `choose a sparser schedule, e.g. "*/15 * * * *"; or, if it must run that often, tick “${ALLOW_FREQUENT_LABEL}” (API: allowFrequent: true)`,
        },
      });
    }
  } finally {
    cron.stop();
  }
  return trimmed;
}

/** The shortest time between two consecutive runs in the next GAP_LOOKAHEAD, with when it comes; null when it never fires. */
function shortestGap(cron: Cron, from: Date): { ms: number; from: string; to: string } | null {
  let previous = cron.nextRun(from);
  if (previous === null) return null;
  let shortest = { ms: Number.POSITIVE_INFINITY, from: previous.toISOString(), to: previous.toISOString() };
  for (let i = 0; i < GAP_LOOKAHEAD; i++) {
    const next = cron.nextRun(previous);
    if (next === null) break;
    const ms = next.getTime() - previous.getTime();
    if (ms < shortest.ms) shortest = { ms, from: previous.toISOString(), to: next.toISOString() };
    if (ms < MIN_TASK_INTERVAL_MS) break;
    previous = next;
  }
  return shortest;
}

function minutes(ms: number): string {
  const value = Math.round(ms / 60_000);
  return counted(value, 'minute');
}

/**
 * How many of a span's scheduled times are counted one by one before the count says "more than":
 * croner finds a span's first and last time directly but can only count by walking, so the walk
 * is capped and costs the same whether no scheduler was up for an hour or for years.
 */
export const TIMES_COUNTED = 1000;

/** A span's scheduled times: the first and last exactly, how many up to a limit (`moreThanCount`: more than `count`). */
export interface ScheduledTimes {
  first: Date;
  last: Date;
  count: number;
  moreThanCount: boolean;
}

/** The newest scheduled time t with after < t ≤ until, or null: found directly, not by walking from `after`. */
export function latestBetween(expression: string, after: Date, until: Date): Date | null {
  const cron = pausedCron(expression);
  try {
    return latest(cron, after, until);
  } finally {
    cron.stop();
  }
}

/** Scheduled times t with after < t ≤ until (at most `limit` counted; TIMES_COUNTED unless a test says), or null when there are none. */
export function timesBetween(expression: string, after: Date, until: Date, limit = TIMES_COUNTED): ScheduledTimes | null {
  const cron = pausedCron(expression);
  try {
    const last = latest(cron, after, until);
    if (!last) return null;
    const first = cron.nextRun(after)!;
    let count = 1;
    for (let cursor: Date | null = first; count <= limit; count++) {
      cursor = cron.nextRun(cursor);
      if (!cursor || cursor.getTime() > last.getTime()) break;
    }
    return count > limit ? { first, last, count: limit, moreThanCount: true } : { first, last, count, moreThanCount: false };
  } finally {
    cron.stop();
  }
}

/** "3", or "more than 1000": how many times a span holds, as a message says it. */
export function countOfTimes(times: Pick<ScheduledTimes, 'count' | 'moreThanCount'>): string {
  return times.moreThanCount ? `more than ${times.count}` : String(times.count);
}

function latest(cron: Cron, after: Date, until: Date): Date | null {
  if (until.getTime() <= after.getTime()) return null;
  // croner takes a time earlier in the reference's second: 1 ms past `until` takes a time at `until` itself.
  const [last] = cron.previousRuns(1, new Date(until.getTime() + 1));
  return last && last.getTime() > after.getTime() ? last : null;
}

/**
 * Why a stored schedule cannot be read, or null: one written by hand or by another version. The
 * scheduler passes such a task over, saying so, and the task list shows it without a next run.
 */
export function storedCronProblem(expression: string): string | null {
  try {
    pausedCron(expression).stop();
    return null;
  } catch (error) {
    return (error as Error).message.replace(/^CronPattern: /, '');
  }
}

export function nextOccurrence(expression: string, after: Date): Date | null {
  const cron = pausedCron(expression);
  const next = cron.nextRun(after);
  cron.stop();
  return next;
}
