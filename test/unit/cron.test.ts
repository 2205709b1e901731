import { describe, expect, it } from 'vitest';
import { checkCron, nextOccurrence, occurrencesBetween } from '../../main/scheduler/index.js';

describe('task schedules', () => {
  it('takes five-field expressions and nicknames, in UTC', () => {
    expect(checkCron(' 0 6 * * 1-5 ')).toBe('0 6 * * 1-5');
    expect(checkCron('@daily')).toBe('@daily');
    expect(nextOccurrence('0 6 * * *', new Date('2026-03-08T12:00:00Z'))!.toISOString()).toBe('2026-03-09T06:00:00.000Z');
  });

  it.each([
    ['* * * * * *', /requires exactly 5 parts/],
    ['0 0 6 * * *', /requires exactly 5 parts/],
    ['61 * * * *', /minute/],
    ['0 6 31 2 *', /never fires/],
    ['   ', /empty/],
  ])('refuses %j with the reason', (expression, reason) => {
    expect(() => checkCron(expression)).toThrow(reason);
  });

  it('still runs a stored schedule with a seconds field, written before six fields were refused', () => {
    const times = occurrencesBetween('0 0 6 * * *', new Date('2026-03-08T00:00:00Z'), new Date('2026-03-10T00:00:00Z'));
    expect(times.map((t) => t.toISOString())).toEqual(['2026-03-08T06:00:00.000Z', '2026-03-09T06:00:00.000Z']);
  });
});
