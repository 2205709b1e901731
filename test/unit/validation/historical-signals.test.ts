import { describe, expect, it } from 'vitest';
import { FALLBACK_METHOD, HistoryModel, SEASONAL_METHOD, injectIntoSeries, judgeRun, modelFor, typicalBusyDay } from '../../../main/validation/index.js';
import { validationResultSchema, type ValidationResult } from '../../../shared/validation.js';
import { SATURDAY, SESSION_MONDAY, SESSION_TUESDAY, caseAt, cleanHistory, entriesOf } from './fixtures.js';

function rules(result: ValidationResult): string[] {
  return result.anomalies.map((a) => a.rule);
}

function judged(result: ValidationResult): ValidationResult {
  return validationResultSchema.parse(result);
}

describe('historical validator: each signal fires on its case', () => {
  const large = cleanHistory('committees-250');
  const small = cleanHistory('subcommittee-5');

  it('accepts a normal session Tuesday', () => {
    const { history, current } = caseAt(large, SESSION_TUESDAY);
    const result = judged(judgeRun(history, current));
    expect(result).toMatchObject({ verdict: 'ok', method: SEASONAL_METHOD, historySize: SESSION_TUESDAY, anomalies: [], state: { regime: 'normal' } });
    expect(result.bands!.fetched!.low).toBeLessThanOrEqual(current.metrics.fetched!);
    expect(result.bands!.fetched!.high).toBeGreaterThanOrEqual(current.metrics.fetched!);
  });

  it('flags a spike above the Tuesday range', () => {
    const { history, current } = caseAt(large, SESSION_TUESDAY, { kind: 'spike' });
    const result = judged(judgeRun(history, current));
    expect(result.verdict).toBe('anomalous');
    const spike = result.anomalies.find((a) => a.metric === 'fetched')!;
    expect(spike.rule).toBe('above-seasonal-range');
    expect(spike.value).toBeGreaterThan(spike.high!);
    expect(spike.message).toMatch(/^fetched [\d,]+ records; a Tuesday usually brings [\d,]+–[\d,]+ \(about [\d,]+\) — check/);
    expect(spike).toMatchObject({ ongoing: false, changeId: `fetched:up:${current.startedAt}` });
  });

  it('flags a tenth of the usual volume and a zero run on a busy day', () => {
    const drop = caseAt(large, SESSION_TUESDAY, { kind: 'drop' });
    const dropped = judged(judgeRun(drop.history, drop.current)).anomalies.find((a) => a.metric === 'fetched')!;
    expect(['below-seasonal-range', 'near-zero-volume']).toContain(dropped.rule);
    expect(dropped.value).toBeLessThan(dropped.low!);
    const zero = caseAt(large, SESSION_TUESDAY, { kind: 'zero-volume' });
    const anomaly = judged(judgeRun(zero.history, zero.current)).anomalies.find((a) => a.rule === 'near-zero-volume')!;
    expect(anomaly.message).toMatch(/^fetched 0 records; a Tuesday usually brings/);
    expect(anomaly.score).toBeGreaterThan(3);
  });

  it('copes with 5 records a day: quiet on ordinary days, alarmed by a Saturday burst', () => {
    let alarms = 0;
    for (let index = 200; index < 400; index++) {
      const { history, current } = caseAt(small, index);
      if (judgeRun(history, current).verdict === 'anomalous') alarms++;
    }
    expect(alarms / 200).toBeLessThan(0.03);
    const busyDay = typicalBusyDay(small, SATURDAY)!;
    const burst = caseAt(small, SATURDAY, { kind: 'weekend-burst' }, { startedAt: small[SATURDAY]!.entry.startedAt, metrics: busyDay });
    expect(burst.current.metrics.fetched).toBeLessThan(20);
    expect(rules(judgeRun(burst.history, burst.current))).toContain('quiet-day-burst');
  });

  it('flags a burst on a Saturday as a quiet-day burst', () => {
    const { history, current } = caseAt(large, SATURDAY, { kind: 'weekend-burst' }, large[SESSION_TUESDAY]!.entry);
    const result = judged(judgeRun(history, current));
    const burst = result.anomalies.find((a) => a.metric === 'fetched')!;
    expect(burst.rule).toBe('quiet-day-burst');
    expect(burst.message).toContain('a Saturday usually brings');
  });

  it('flags everything new, nothing changed and a quarantine surge from the mix', () => {
    const allNew = judged(judgeRun(caseAt(large, SESSION_TUESDAY, { kind: 'mix-shift' }).history, caseAt(large, SESSION_TUESDAY, { kind: 'mix-shift' }).current));
    expect(rules(allNew)).toContain('all-new');
    const stale = caseAt(large, SESSION_TUESDAY, { kind: 'stale-source' });
    expect(rules(judged(judgeRun(stale.history, stale.current)))).toContain('stale-source');
    const surge = caseAt(large, SESSION_TUESDAY, { kind: 'quarantine-surge' });
    const result = judged(judgeRun(surge.history, surge.current));
    expect(result.anomalies.find((a) => a.rule === 'quarantine-surge')!.message).toMatch(/^quarantined [\d,]+ of [\d,]+ fetched records/);
  });

  it('flags a run five times slower per record', () => {
    const { history, current } = caseAt(large, SESSION_TUESDAY, { kind: 'duration-blowup' });
    const slow = judged(judgeRun(history, current)).anomalies.find((a) => a.rule === 'slow-run')!;
    expect(slow.metric).toBe('durationPerRecordMs');
    expect(slow.message).toMatch(/^took [\d.,]+ s for [\d,]+ records/);
  });

  it('flags a sustained halving over a week of runs as a level shift', () => {
    const series = injectIntoSeries(entriesOf(large.slice(0, SESSION_TUESDAY + 3)), { kind: 'level-shift', magnitude: 0.45 });
    const result = judged(judgeRun(series.slice(0, -1), series[series.length - 1]!));
    expect(result.verdict).toBe('anomalous');
    expect(rules(result).some((r) => r === 'level-shift' || r === 'below-seasonal-range')).toBe(true);
  });

  it('checks a metric that never varied against a floor: quarantined always 0, then 40', () => {
    const history = entriesOf(large.slice(0, SESSION_TUESDAY)).map((e) => ({ ...e, metrics: { ...e.metrics, unchanged: e.metrics.unchanged! + e.metrics.quarantined!, quarantined: 0 } }));
    const run = large[SESSION_TUESDAY]!.entry.metrics;
    const current = { startedAt: large[SESSION_TUESDAY]!.entry.startedAt, metrics: { ...run, unchanged: run.unchanged! + run.quarantined! - 40, quarantined: 40 } };
    const result = judged(judgeRun(history, current));
    expect(rules(result)).toContain('quarantine-surge');
  });
});

describe('historical validator: no alarms on normal days', () => {
  it('stays quiet on Mondays, Fridays, weekends, recess days and the first days back (fixed seed)', () => {
    const days = cleanHistory('house-40', 800, 5);
    const entries = entriesOf(days);
    const alarms = { session: 0, weekend: 0, recess: 0, firstBack: 0 };
    const cases = { session: 0, weekend: 0, recess: 0, firstBack: 0 };
    for (let index = 500; index < 800; index++) {
      const day = days[index]!;
      const category = day.firstBack ? 'firstBack' : day.recess ? 'recess' : day.weekday === 0 || day.weekday === 6 ? 'weekend' : 'session';
      cases[category]++;
      if (HistoryModel.fromHistory(entries.slice(0, index)).judge(day.entry).verdict === 'anomalous') alarms[category]++;
    }
    expect(cases.recess).toBeGreaterThan(30);
    expect(cases.firstBack).toBeGreaterThan(3);
    for (const category of ['session', 'weekend', 'recess'] as const) expect(alarms[category] / cases[category]).toBeLessThan(0.03);
    expect(alarms.firstBack).toBeLessThanOrEqual(1);
  });

  it('accepts a Monday as a Monday, not as a low Tuesday', () => {
    const days = cleanHistory('committees-250');
    const { history, current } = caseAt(days, SESSION_MONDAY);
    expect(judgeRun(history, current).verdict).toBe('ok');
  });
});

describe('historical validator: baseline, short history and caching', () => {
  const days = cleanHistory('house-40');

  it('never puts the current run in its own baseline', () => {
    const { history, current } = caseAt(days, SESSION_TUESDAY, { kind: 'spike', magnitude: 6 });
    const without = judgeRun(history, current);
    const withItself = judgeRun([...history, current, ...entriesOf(days.slice(SESSION_TUESDAY + 1, SESSION_TUESDAY + 5))], current);
    expect(withItself).toEqual(without);
    expect(withItself.historySize).toBe(SESSION_TUESDAY);
    expect(without.verdict).toBe('anomalous');
  });

  it('judges a short history by medians with a counting-noise margin: ok with its bands, never an empty comparison', () => {
    const { history, current } = caseAt(days, 10);
    const result = judged(judgeRun(history, current));
    expect(result).toMatchObject({ verdict: 'ok', method: FALLBACK_METHOD, historySize: 10, anomalies: [], state: { regime: 'young' } });
    expect(result.bands!.fetched!.high).toBeGreaterThanOrEqual(current.metrics.fetched!);
  });

  it('lets the fallback speak on a short history, and calls a first load a baseline', () => {
    const { history, current } = caseAt(days, 10, { kind: 'spike', magnitude: 40 });
    const result = judged(judgeRun(history, current));
    expect(result.verdict).toBe('anomalous');
    expect(result.method).toBe(FALLBACK_METHOD);
    expect(rules(result)).toContain('above-seasonal-range');
    const empty = judged(judgeRun([], current));
    expect(empty).toMatchObject({ verdict: 'baseline', historySize: 0, anomalies: [] });
  });

  it('builds the model once per history and reuses it for an equal copy', () => {
    const history = entriesOf(days.slice(0, SESSION_TUESDAY));
    const model = modelFor(history);
    expect(modelFor(history)).toBe(model);
    expect(modelFor(structuredClone(history))).toBe(model);
    expect(modelFor(history.slice(1))).not.toBe(model);
  });

  it('is deterministic: the same inputs give the same verdict', () => {
    const { history, current } = caseAt(days, SESSION_TUESDAY, { kind: 'drop' });
    expect(HistoryModel.fromHistory(history).judge(current)).toEqual(HistoryModel.fromHistory(structuredClone(history)).judge(current));
  });
});
