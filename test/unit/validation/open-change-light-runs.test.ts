import { describe, expect, it } from 'vitest';
import type { ValidationResult } from '../../../shared/validation.js';
import { judgeRun } from '../../../main/validation/index.js';
import type { HistoryEntry } from '../../../shared/validation.js';
import { fetchedAlert, stream, withFetched } from './stream-fixtures.js';

/**
 * A run that cannot show the stream's level (a weekend of a weekday feed, expecting a record or
 * two) says nothing about whether an open change goes on: it stays out of the change's open
 * anomaly and passes, unless it is out of range on its own. The busy days around it still report
 * the change.
 */
describe('an open change over a weekend of a weekday feed', () => {
  // 20 records on a busy weekday, 2 on a weekend day; from Thursday 25 May 2023 (day 143) the stream runs at 2.5 times that.
  const rise = () => stream({ seed: 4, start: '2023-01-02', days: 148, level: 20, periods: [{ from: 143, to: 148, factor: 2.5 }] });
  // Each run judged against the plain runs before it, as `gatehouse validate --batch` judges them.
  const judgeAll = (entries: readonly HistoryEntry[]): ValidationResult[] => entries.map((entry, i) => (i < 140 ? null : judgeRun(entries.slice(0, i), entry))) as ValidationResult[];
  const saturday = 145;
  const sunday = 146;

  it('passes the weekend runs that lean with the rise but show no level', () => {
    const entries = rise();
    entries[saturday] = withFetched(entries[saturday]!, 6);
    entries[sunday] = withFetched(entries[sunday]!, 6);
    const results = judgeAll(entries);
    const opening = [143, 144].map((i) => fetchedAlert(results[i]!)).find((a) => a && !a.ongoing);
    expect(opening).toBeDefined();
    expect(results[saturday]!.verdict).toBe('ok');
    expect(results[sunday]!.verdict).toBe('ok');
    expect(fetchedAlert(results[147]!)).toMatchObject({ ongoing: true, changeId: opening!.changeId });
  });

  it('still reports a weekend run far out of range on its own', () => {
    const entries = rise();
    entries[saturday] = withFetched(entries[saturday]!, 40);
    const results = judgeAll(entries);
    expect(results[saturday]!.verdict).toBe('anomalous');
  });
});
