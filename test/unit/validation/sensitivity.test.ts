import { describe, expect, it } from 'vitest';
import { asRunMetrics, injectRunAnomaly, judgeRun, sensitivityWhatIf, type TrialCase } from '../../../main/validation/index.js';
import { sensitivitySettingsSchema, type HistoryEntry } from '../../../shared/validation.js';
import { SESSION_TUESDAY, caseAt, cleanHistory, entriesOf } from './fixtures.js';

function injected(entry: HistoryEntry, kind: 'spike' | 'drop' | 'mix-shift', magnitude?: number): HistoryEntry {
  return { startedAt: entry.startedAt, metrics: injectRunAnomaly(asRunMetrics(entry.metrics), { kind, magnitude }) };
}

/** Issue 10 item 7, the validator's side: per-metric sensitivity, "2+ signals", and the what-if. */
describe('sensitivity settings', () => {
  const days = cleanHistory('committees-250');

  it('parses the settings a task stores, and refuses what is not a setting', () => {
    expect(sensitivitySettingsSchema.parse({})).toEqual({ metrics: {}, minSignals: 1 });
    expect(sensitivitySettingsSchema.parse({ metrics: { fetched: 'high', mix: 'off', duration: 4.5 }, minSignals: 2 })).toMatchObject({ minSignals: 2 });
    for (const bad of [{ metrics: { views: 'high' } }, { metrics: { fetched: 'loud' } }, { metrics: { fetched: 0.5 } }, { minSignals: 0 }, { extra: true }]) {
      expect(sensitivitySettingsSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });

  it('turns one metric off without silencing the others', () => {
    const { history, current } = caseAt(days, SESSION_TUESDAY, { kind: 'spike', magnitude: 6 });
    expect(judgeRun(history, current).verdict).toBe('anomalous');
    const off = judgeRun(history, current, { sensitivity: { metrics: { fetched: 'off', added: 'off', updated: 'off' }, minSignals: 1 } });
    expect(off.anomalies.filter((a) => ['fetched', 'added', 'updated'].includes(a.metric))).toEqual([]);
    const mix = caseAt(days, SESSION_TUESDAY, { kind: 'mix-shift' });
    expect(judgeRun(mix.history, mix.current, { sensitivity: { metrics: { fetched: 'off' }, minSignals: 1 } }).verdict).toBe('anomalous');
  });

  it('moves the bar: a high sensitivity catches a spike the default lets pass, a low one lets the default\'s catch pass', () => {
    const history = entriesOf(days.slice(0, SESSION_TUESDAY));
    const run = days[SESSION_TUESDAY]!.entry;
    const scores = [1.4, 1.5, 1.6, 1.7, 1.8, 1.9, 2, 2.2, 2.4].map((m) => ({ m, result: judgeRun(history, injected(run, 'spike', m)) }));
    const firstCaught = scores.find((s) => s.result.verdict === 'anomalous')!;
    const justMissed = scores[scores.indexOf(firstCaught) - 1]!;
    expect(judgeRun(history, injected(run, 'spike', justMissed.m), { sensitivity: { metrics: { fetched: 'high' }, minSignals: 1 } }).verdict).toBe('anomalous');
    expect(judgeRun(history, injected(run, 'spike', firstCaught.m), { sensitivity: { metrics: { fetched: 'low' }, minSignals: 1 } }).verdict).toBe('ok');
  });

  it('requires two signals when asked: a spike alone passes, a spike that is also all new does not', () => {
    const history = entriesOf(days.slice(0, SESSION_TUESDAY));
    const run = days[SESSION_TUESDAY]!.entry;
    const two = { sensitivity: { metrics: {}, minSignals: 2 } };
    expect(judgeRun(history, injected(run, 'spike', 6), two).verdict).toBe('ok');
    const both = injected(injected(run, 'spike', 6), 'mix-shift');
    const result = judgeRun(history, both, two);
    expect(result.verdict).toBe('anomalous');
    expect(new Set(result.anomalies.map((a) => a.metric)).size).toBeGreaterThanOrEqual(2);
  });
});

describe('the sensitivity what-if', () => {
  const days = cleanHistory('house-40', 200, 21);
  // Three broken runs in the stored history, each a day of its own.
  const runs = entriesOf(days).map((entry, i) => (i === 120 ? injected(entry, 'spike', 5) : i === 150 ? injected(entry, 'drop', 0.05) : i === 170 ? injected(entry, 'spike', 3) : entry));
  const trials: TrialCase[] = [
    { kind: 'spike', current: injected(days[180]!.entry, 'spike', 4) },
    { kind: 'spike', current: injected(days[181]!.entry, 'spike', 2) },
    { kind: 'drop', current: injected(days[182]!.entry, 'drop', 0.3) },
    { kind: 'control', current: days[183]!.entry },
  ];

  it('replays the stored runs and the trial cases under both settings, per kind', () => {
    const report = sensitivityWhatIf({ runs, trials, before: { metrics: {}, minSignals: 1 }, after: { metrics: { fetched: 'low' }, minSignals: 1 } });
    expect(report.runsJudged).toBe(200);
    expect(report.before.alerts).toBeGreaterThanOrEqual(3);
    expect(report.after.alertedRuns).toBeLessThanOrEqual(report.before.alertedRuns);
    expect(report.noLongerAlerted.length).toBe(report.before.alertedRuns - report.after.alertedRuns + report.newlyAlerted.length);
    expect(report.trials.map((t) => t.kind).sort()).toEqual(['control', 'drop', 'spike']);
    const spike = report.trials.find((t) => t.kind === 'spike')!;
    expect(spike).toMatchObject({ cases: 2 });
    expect(spike.caughtAfter).toBeLessThanOrEqual(spike.caughtBefore);
    expect(report.trialCases).toHaveLength(4);
    expect(report.trialCases[0]).toMatchObject({ kind: 'spike', caughtBefore: true });
    expect(report.trials.find((t) => t.kind === 'control')).toMatchObject({ caughtBefore: 0 });
  });

  it('says nothing changes when nothing changes, and that turning fetched off stops its alerts', () => {
    const same = sensitivityWhatIf({ runs, after: { metrics: {}, minSignals: 1 } });
    expect(same.newlyAlerted).toEqual([]);
    expect(same.noLongerAlerted).toEqual([]);
    const off = sensitivityWhatIf({ runs, after: { metrics: { fetched: 'off', added: 'off', updated: 'off' }, minSignals: 1 } });
    expect(off.noLongerAlerted).toEqual(expect.arrayContaining([runs[120]!.startedAt, runs[150]!.startedAt]));
  });
});
