import { describe, expect, it } from 'vitest';
import { runTime } from '../../../main/validation/historical/history-prep.js';

/** The history's start times are read without Date.parse when they have the usual form: the result must never differ. */
describe('runTime', () => {
  it('reads every day of several years, with and without milliseconds, as Date.parse does', () => {
    const start = Date.UTC(1999, 11, 20, 6, 7, 8, 9);
    for (let day = 0; day < 3 * 366 + 40; day++) {
      const iso = new Date(start + day * 86_400_000 + (day % 1440) * 60_000 + (day % 997)).toISOString();
      expect(runTime(iso)).toBe(Date.parse(iso));
      const whole = `${iso.slice(0, 19)}Z`;
      expect(runTime(whole)).toBe(Date.parse(whole));
    }
  });

  it('reads leap days, month ends and the turn of a century as Date.parse does', () => {
    for (const iso of ['2024-02-29T23:59:59.999Z', '2023-02-28T00:00:00Z', '2000-02-29T12:00:00.000Z', '2100-03-01T00:00:00Z', '1970-01-01T00:00:00.000Z', '2025-12-31T23:59:59Z', '2025-04-30T01:02:03.004Z', '2025-01-31T00:00:00Z', '2025-08-31T10:00:00Z']) {
      expect(runTime(iso)).toBe(Date.parse(iso));
    }
  });

  it('leaves other forms and impossible values to Date.parse, NaN included', () => {
    const others = [
      '2025-03-04T06:15:00+02:00', '2025-03-04 06:15:00Z', '2025-03-04', '2025-03-04T06:15Z', '2025-03-04T06:15:00.5Z',
      '2023-02-29T00:00:00Z', '2025-04-31T00:00:00Z', '2100-02-29T00:00:00.000Z', '2025-02-30T00:00:00Z', '2025-13-01T00:00:00Z', '2025-00-10T00:00:00Z', '2025-01-00T00:00:00Z', '2025-01-32T00:00:00Z',
      '2025-01-10T24:00:00Z', '2025-01-10T23:60:00Z', '2025-01-10T23:00:60Z', '1969-12-31T23:59:59.999Z', '0099-01-01T00:00:00Z',
      '2025-0a-10T00:00:00Z', '2025/01/10T00:00:00Z', 'not a date at all, 24 ch', '', '+002025-01-10T00:00:00.000Z',
    ];
    for (const iso of others) expect(runTime(iso)).toEqual(Date.parse(iso));
  });
});
