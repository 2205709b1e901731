import { Cron } from 'croner';
import { GatehouseError } from '../../shared/errors.js';

/**
 * A cron job that never fires by itself: we only ask it for times. New schedules are five fields; a
 * stored one with a seconds field (accepted before) still runs, so an upgrade never stops a task.
 */
function pausedCron(expression: string, mode: '5-part' | '5-or-6-parts' = '5-or-6-parts'): Cron {
  // UTC so a schedule means the same on every machine sharing the database.
  return new Cron(expression, { paused: true, mode, timezone: 'UTC' });
}

/** Returns the expression when croner accepts it; a USAGE error naming the problem otherwise. */
export function checkCron(expression: string): string {
  const trimmed = expression.trim();
  if (trimmed === '') throw new GatehouseError('USAGE', 'the cron expression is empty');
  try {
    // A sixth field is croner's seconds: "* * * * * *" would start an update every second.
    const cron = pausedCron(trimmed, '5-part');
    const next = cron.nextRun();
    cron.stop();
    if (next === null) throw new Error('it never fires');
  } catch (error) {
    throw new GatehouseError('USAGE', `bad cron expression "${trimmed}": ${(error as Error).message}`, {
      hint: 'five fields: minute hour day-of-month month day-of-week, e.g. "0 6 * * *"',
    });
  }
  return trimmed;
}

/** Scheduled times t with after < t ≤ until, oldest first (at most `limit`; the newest are kept). */
export function occurrencesBetween(expression: string, after: Date, until: Date, limit = 10_000): Date[] {
  const cron = pausedCron(expression);
  const found: Date[] = [];
  let cursor: Date | null = after;
  while (cursor) {
    cursor = cron.nextRun(cursor);
    if (!cursor || cursor.getTime() > until.getTime()) break;
    found.push(cursor);
    if (found.length > limit) found.shift();
  }
  cron.stop();
  return found;
}

export function nextOccurrence(expression: string, after: Date): Date | null {
  const cron = pausedCron(expression);
  const next = cron.nextRun(after);
  cron.stop();
  return next;
}
