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

  it.each(['1', '2001', 'June 5', 'Tue Mar 08 2026', '2026-13-45', ''])('refuses %j, which Date.parse alone may read as some date', (text) => {
    expect(parseInstant(text)).toBeNaN();
    expect(runsListInputSchema.safeParse({ since: text }).success).toBe(false);
  });

  it('takes durations back from now for reports, and says so when one reaches past the earliest date', () => {
    const now = new Date('2026-03-08T12:00:00Z');
    expect(parseSince('48h', now).toISOString()).toBe('2026-03-06T12:00:00.000Z');
    expect(parseSince('2026-03-01', now).toISOString()).toBe('2026-03-01T00:00:00.000Z');
    expect(() => parseSince('999999999999999h', now)).toThrow(/past the earliest date/);
    expect(() => parseSince('1', now)).toThrow(/neither a duration/);
  });
});
