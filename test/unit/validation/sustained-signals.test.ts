import { describe, expect, it } from 'vitest';
import { CalendarDays, calendarFromRecesses, dayNumberOf } from '../../../main/validation/historical/calendar.js';
import { HistoryModel, asRunMetrics, injectRunAnomaly, judgeRun } from '../../../main/validation/index.js';
import type { HistoryEntry } from '../../../shared/validation.js';
import { SESSION_TUESDAY, cleanHistory, entriesOf } from './fixtures.js';

function scaled(entry: HistoryEntry, factor: number): HistoryEntry {
  return { startedAt: entry.startedAt, metrics: injectRunAnomaly(asRunMetrics(entry.metrics), { kind: 'spike', magnitude: factor }) };
}

describe('historical validator: sustained shifts and count-aware signatures', () => {
  const large = cleanHistory('committees-250');
  const small = cleanHistory('subcommittee-5');

  it('alerts on a source that fell to 40% by its third busy run, as a level shift or a low run', () => {
    // Tuesday to Thursday all at 40%: judged on the Thursday, against the two shifted days before it.
    const entries = entriesOf(large.slice(0, SESSION_TUESDAY + 3));
    const shifted = entries.map((e, i) => (i >= SESSION_TUESDAY ? scaled(e, 0.4) : e));
    const result = judgeRun(shifted.slice(0, -1), shifted[shifted.length - 1]!);
    expect(result.verdict).toBe('anomalous');
    const rule = result.anomalies.find((a) => a.metric === 'fetched')!.rule;
    expect(['level-shift', 'below-seasonal-range']).toContain(rule);
  });

  it('does not call one past spike in the last runs a sustained rise', () => {
    const entries = entriesOf(large.slice(0, SESSION_TUESDAY + 1));
    const withSpike = entries.map((e, i) => (i === SESSION_TUESDAY - 1 ? scaled(e, 4) : e));
    const result = judgeRun(withSpike.slice(0, -1), withSpike[withSpike.length - 1]!);
    expect(result.anomalies.filter((a) => a.rule === 'level-shift')).toEqual([]);
  });

  it('words a level shift as one sentence about the runs it covers', () => {
    const entries = entriesOf(large.slice(0, SESSION_TUESDAY + 3));
    const shifted = entries.map((e, i) => (i >= SESSION_TUESDAY ? scaled(e, 0.6) : e));
    const shift = judgeRun(shifted.slice(0, -1), shifted[shifted.length - 1]!).anomalies.find((a) => a.rule === 'level-shift');
    expect(shift).toBeDefined();
    // This run's value, the share of their usual volume the runs since the change brought, the level before it.
    expect(shift!.message).toMatch(/^fetched [\d,]+ records; the \d runs since \d+ \w{3} brought \d+% of their usual volume \(a \w+day brought [\d,]+–[\d,]+ before\) — a sustained drop: /);
    expect(shift!.value).toBe(shifted[shifted.length - 1]!.metrics.fetched);
  });

  it('flags an empty run exactly where the console band says 0 is out of range (5 records a day)', () => {
    let emptyAlarms = 0;
    for (let index = 250; index < 330; index++) {
      const history = entriesOf(small.slice(0, index));
      const run = small[index]!.entry;
      const empty = { startedAt: run.startedAt, metrics: injectRunAnomaly(asRunMetrics(run.metrics), { kind: 'zero-volume' }) };
      const model = HistoryModel.fromHistory(history);
      const band = model.expectedBands(empty).fetched;
      if (!band) continue;
      const alarmed = model.judge(empty).anomalies.some((a) => a.metric === 'fetched' && a.value === 0 && a.rule !== 'level-shift');
      expect(alarmed).toBe(band.low >= 1);
      if (alarmed) emptyAlarms++;
    }
    expect(emptyAlarms).toBeGreaterThan(0);
  });

  it('flags "none of 12 changed" on a 5-a-day task with the exact tail, not the normal approximation', () => {
    const history = entriesOf(small.slice(0, SESSION_TUESDAY));
    const run = small[SESSION_TUESDAY]!.entry;
    const current = { startedAt: run.startedAt, metrics: { ...run.metrics, fetched: 12, added: 0, updated: 0, unchanged: 12, quarantined: 0 } };
    expect(judgeRun(history, current).anomalies.map((a) => a.rule)).toContain('stale-source');
  });
});

describe('calendar: which side of a recess a blurred day is on', () => {
  const days = new CalendarDays(calendarFromRecesses('test', [{ start: '2024-08-05', end: '2024-08-30' }]));

  it('calls the days around the first recess day a start, and around the last one an end', () => {
    expect(days.info(dayNumberOf('2024-08-03T06:00:00Z')).boundarySide).toBe('start');
    expect(days.info(dayNumberOf('2024-08-06T06:00:00Z')).boundarySide).toBe('start');
    expect(days.info(dayNumberOf('2024-08-29T06:00:00Z')).boundarySide).toBe('end');
    expect(days.info(dayNumberOf('2024-09-02T06:00:00Z')).boundarySide).toBe('end');
  });

  it('leaves the side unset away from any boundary', () => {
    const deep = days.info(dayNumberOf('2024-08-15T06:00:00Z'));
    expect(deep).toMatchObject({ recess: true, nearBoundary: false });
    expect(deep.boundarySide).toBeUndefined();
  });
});
