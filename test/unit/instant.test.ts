import { describe, expect, it } from 'vitest';
import { parseSince } from '../../main/reports/index.js';
import { runsListInputSchema } from '../../shared/api.js';
import { parseInstant } from '../../shared/instant.js';

describe('instants people type', () => {
  it('reads ISO 8601 dates and times, with or without a zone', () => {
    expect(parseInstant('2026-03-08')).toBe(Date.UTC(2026, 2, 8));
    expect(parseInstant(' 2026-03-08T06:30:00-05:00 ')).toBe(Date.UTC(2026, 2, 8, 11, 30));
    expect(runsListInputSchema.parse({ since: '2026-03-08T06:30:00Z' }).since).toBe('2026-03-08T06:30:00.000Z');
  });

  it.each(['1', '2001', 'June 5', 'Tue Mar 08 2026', '2026-13-45', '', '2025-03-05 junk', '2025-03-05 Mar', '2025-03-05 (note)', '2025-03-05T06:00:00 ,'])('refuses %j, which Date.parse alone may read as some date', (text) => {
    expect(parseInstant(text)).toBeNaN();
    expect(runsListInputSchema.safeParse({ since: text }).success).toBe(false);
  });

  it.each([
    ['2026-02-30', /names day 30 of February 2026, which has 28 days/],
    ['2026-02-29T12:00:00Z', /names day 29 of February 2026/],
    ['2026-04-31', /names day 31 of April 2026, which has 30 days/],
    ['2026-13-01', /names month 13/],
    ['2026-00-10', /names month 0/],
    ['2026-01-00', /names day 0 of January/],
    ['2026-01-01T24:00', /is not a time of day/],
    ['2026-01-01T23:61', /is not a time of day/],
    ['2026-03-04T10:00:00+23:00', /has the UTC offset \+23:00, beyond the ±14:00 of any time zone/],
    ['2026-03-04T10:00-15', /has the UTC offset -15, beyond the ±14:00/],
    ['2026-03-04T10:00+0575', /has the UTC offset \+0575, whose minutes are past 59/],
  ])('refuses the impossible %j, which Date.parse rolls over into another day, and says why', (text, why) => {
    expect(parseInstant(text)).toBeNaN();
    const parsed = runsListInputSchema.safeParse({ since: text });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(why);
    expect(() => parseSince(text, new Date('2026-03-08T12:00:00Z'))).toThrow(why);
  });

  it('takes the last day of every month, and February 29th of a leap year', () => {
    for (const [year, month, last] of [[2024, 2, 29], [2026, 2, 28], [2026, 4, 30], [2026, 12, 31], [2000, 2, 29]] as const) {
      const text = `${year}-${String(month).padStart(2, '0')}-${last}`;
      expect(parseInstant(text), text).toBe(Date.UTC(year, month - 1, last));
    }
    expect(parseInstant('2026-01-01T23:59:59.999Z')).toBe(Date.UTC(2026, 0, 1, 23, 59, 59, 999));
    expect(parseInstant('2026-01-01T14:00+14:00')).toBe(Date.UTC(2026, 0, 1, 0, 0));
    expect(parseInstant('2026-01-01T00:00-12:00')).toBe(Date.UTC(2026, 0, 1, 12, 0));
    expect(parseInstant('2026-01-01T05:45+0545')).toBe(Date.UTC(2026, 0, 1, 0, 0));
  });

  it('takes durations back from now for reports, and says so when one reaches past the earliest date', () => {
    const now = new Date('2026-03-08T12:00:00Z');
    expect(parseSince('48h', now).toISOString()).toBe('2026-03-06T12:00:00.000Z');
    expect(parseSince('2026-03-01', now).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(() => parseSince('999999999999999h', now)).toThrow(/past the earliest date/);
    expect(() => parseSince('1', now)).toThrow(/neither a duration/);
  });
});
