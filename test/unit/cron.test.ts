import { describe, expect, it } from 'vitest';
import { checkCron, countOfTimes, latestBetween, nextOccurrence, timesBetween, TIMES_COUNTED } from '../../main/scheduler/index.js';

describe('task schedules', () => {
  it('takes five-field expressions and nicknames, in UTC', () => {
    expect(checkCron(' 0 6 * * 1-5 ')).toBe('0 6 * * 1-5');
    expect(checkCron('@daily')).toBe('@daily');
    expect(nextOccurrence('0 6 * * *', new Date('2026-03-08T12:00:00Z'))!.toISOString()).toBe('2026-03-09T06:00:00.000Z');
  });

  it.each([
    ['* * * * * *', 'bad cron expression "* * * * * *": it has 6 fields, not five (a sixth field would be seconds: a run every second is not a schedule for an update)'],
    ['0 0 6 * * *', 'it has 6 fields, not five'],
    ['* * *', 'bad cron expression "* * *": it has 3 fields, not five'],
    ['0 6 * * * 2026 x', 'it has 7 fields, not five'],
    ['61 * * * *', 'bad cron expression "61 * * * *": Invalid value for minute: 61'],
    ['*/0 * * * *', 'illegal stepping: 0'],
    ['@every 5m', 'bad cron expression "@every 5m"'],
    ['0 6 31 2 *', 'bad cron expression "0 6 31 2 *": it never fires'],
    ['   ', 'the cron expression is empty'],
  ])('refuses %j with the reason', (expression, reason) => {
    expect(() => checkCron(expression)).toThrow(reason);
  });

  const now = new Date('2026-03-08T12:00:00Z');

  it.each([
    ['* * * * *', 'cron expression "* * * * *" has runs 1 minute apart (2026-03-08T12:01:00.000Z and 2026-03-08T12:02:00.000Z); a task\'s runs must be at least 5 minutes apart'],
    ['*/2 * * * *', 'has runs 2 minutes apart'],
    ['0,1 6 * * *', 'has runs 1 minute apart (2026-03-09T06:00:00.000Z and 2026-03-09T06:01:00.000Z)'],
    ['* 6 * * 1', 'has runs 1 minute apart (2026-03-09T06:00:00.000Z and 2026-03-09T06:01:00.000Z)'],
  ])('refuses %j, whose runs come less than 5 minutes apart, unless the operator says it is meant', (expression, reason) => {
    expect(() => checkCron(expression, { now })).toThrow(reason);
    expect(checkCron(expression, { now, allowFrequent: true })).toBe(expression);
  });

  it.each(['*/5 * * * *', '0,5 6 * * *', '@hourly', '0 6 29 2 *'])('takes %j: its runs are at least 5 minutes apart', (expression) => {
    expect(checkCron(expression, { now })).toBe(expression);
  });

  it('still runs a stored schedule with a seconds field, written before six fields were refused', () => {
    const times = timesBetween('0 0 6 * * *', new Date('2026-03-08T00:00:00Z'), new Date('2026-03-10T00:00:00Z'));
    expect(times).toEqual({ first: new Date('2026-03-08T06:00:00.000Z'), last: new Date('2026-03-09T06:00:00.000Z'), count: 2, moreThanCount: false });
  });
});

describe('the scheduled times of a span', () => {
  const iso = (at: string) => new Date(at);

  it('takes a time at the span\'s end and not one at its start, and finds none in an empty or reversed span', () => {
    expect(timesBetween('0 * * * *', iso('2026-03-01T01:00:00Z'), iso('2026-03-01T03:00:00Z'))).toEqual({ first: iso('2026-03-01T02:00:00Z'), last: iso('2026-03-01T03:00:00Z'), count: 2, moreThanCount: false });
    expect(latestBetween('0 * * * *', iso('2026-03-01T01:00:00Z'), iso('2026-03-01T03:00:00Z'))).toEqual(iso('2026-03-01T03:00:00Z'));
    expect(timesBetween('0 * * * *', iso('2026-03-01T01:00:00Z'), iso('2026-03-01T01:59:59.999Z'))).toBeNull();
    expect(latestBetween('0 * * * *', iso('2026-03-01T01:00:00Z'), iso('2026-03-01T01:00:00Z'))).toBeNull();
    expect(timesBetween('0 * * * *', iso('2026-03-01T03:00:00Z'), iso('2026-03-01T01:00:00Z'))).toBeNull();
    // 29 February: the span's only time is four years back from its end.
    expect(timesBetween('0 6 29 2 *', iso('2023-01-01T00:00:00Z'), iso('2026-12-01T00:00:00Z'))).toEqual({ first: iso('2024-02-29T06:00:00Z'), last: iso('2024-02-29T06:00:00Z'), count: 1, moreThanCount: false });
  });

  it('counts up to the limit exactly, and says "more than" the limit past it', () => {
    const after = iso('2026-03-01T00:00:00Z');
    const exactly = timesBetween('* * * * *', after, new Date(after.getTime() + TIMES_COUNTED * 60_000));
    expect(exactly).toMatchObject({ count: TIMES_COUNTED, moreThanCount: false });
    expect(countOfTimes(exactly!)).toBe(String(TIMES_COUNTED));
    const past = timesBetween('* * * * *', after, new Date(after.getTime() + (TIMES_COUNTED + 1) * 60_000));
    expect(past).toMatchObject({ count: TIMES_COUNTED, moreThanCount: true, last: new Date(after.getTime() + (TIMES_COUNTED + 1) * 60_000) });
    expect(countOfTimes(past!)).toBe(`more than ${TIMES_COUNTED}`);
  });

  it('gives a span of years its first and last time exactly, its count as "more than" the limit', () => {
    // Five years of a time every minute: 2.6 million, which a walk one by one would take minutes over.
    const years = timesBetween('* * * * *', iso('2021-03-01T00:00:30Z'), iso('2026-03-01T00:00:30Z'));
    expect(years).toEqual({ first: iso('2021-03-01T00:01:00Z'), last: iso('2026-03-01T00:00:00Z'), count: TIMES_COUNTED, moreThanCount: true });
  });
});
