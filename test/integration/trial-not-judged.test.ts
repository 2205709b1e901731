import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, memoryPreferences } from '../../main/api/index.js';
import { taskStore } from '../../main/scheduler/index.js';
import { openStore } from '../../main/store/index.js';
import { parseTrialSpec, runTrials, seedSyntheticHistory, type TrialOutcome } from '../../main/trials/index.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { dropSchemas } from '../helpers/postgres.js';
import { trialStagingFor } from '../helpers/trial-staging.js';

const NOT_JUDGED_SPIKE = /^not judged: run \d+ interrupted — the database environment failed: no space left on device; nothing was blamed on a record/;

/**
 * One session — control, spike:5, control, drop:0.1 — whose spike and second control hit a full
 * disk on staging as their runs write: those two runs stop `interrupted` before any rule judged them.
 * A blatant spike the validator was never shown is no miss, and an unfinished control no clean run.
 */
describe.each(testBackends())('trials whose run ended before a verdict ($name)', (backend) => {
  const schemas: string[] = [];
  let source = '';
  let staging = '';
  let outcome: TrialOutcome;
  const stagingAsGiven = () => (backend.name === 'sqlite' ? staging : new URL(staging).searchParams.get('schema')!);

  beforeAll(async () => {
    source = await backend.freshLocation();
    const store = await backend.open(source);
    try {
      await seedSyntheticHistory(store, { days: 35, firstDay: new Date('2025-02-24T00:00:00Z') });
      // A task for the Sensitivity what-if to be asked about; the trials themselves run as no task.
      await taskStore(store).insert({ name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=40', lookbackDays: 7, enabled: true, at: '2025-02-24T00:00:00.000Z' }, 'ada');
    } finally {
      await store.close();
    }
    staging = trialStagingFor(backend, source, schemas);
    // The fault is armed as the 2nd and 3rd trials start (after 1 and 2 are done): each one's first write meets a full disk.
    let armed = false;
    const fullDisk = () => {
      if (!armed) return false;
      armed = false;
      throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
    };
    outcome = await runTrials({
      source, staging, injections: ['spike:5', 'drop:0.1'].map(parseTrialSpec), controls: 2,
      open: (location) => openStore(location, { failWriteOf: fullDisk }),
      onProgress: ({ phase, done }) => { armed = phase === 'trials' && (done === 1 || done === 2); },
    });
  }, 300_000);
  afterAll(async () => {
    await dropSchemas(schemas);
    await backend.cleanup();
  });

  it('counts them apart, in neither the detection nor the false-positive rate, saying why', () => {
    expect(outcome.trials.map((t) => [t.label, t.notJudged === null, t.verdict])).toEqual([
      ['control', true, 'ok'],
      ['spike:5', false, 'not judged'],
      ['control', false, 'not judged'],
      ['drop:0.1', true, 'anomalous'],
    ]);
    const [, spike, control] = outcome.trials;
    expect(spike!.notJudged).toMatch(NOT_JUDGED_SPIKE);
    expect(spike).toMatchObject({ caught: false, caughtBy: [], detail: spike!.notJudged });
    expect(control!.notJudged).toMatch(/^not judged: run \d+ interrupted — /);
    // The drop is scored against the control that was judged, the first one.
    expect(outcome.trials[3]).toMatchObject({ caught: true });
    expect(outcome.trials[3]!.detail).not.toContain('no control run before it');
    expect(outcome.summary).toMatchObject({ trials: 4, injected: 1, caught: 1, detectionRate: 1, controls: 1, falsePositives: 0, notJudged: 2 });
    expect(outcome.summary.byKind.map((k) => [k.kind, k.trials, k.caught, k.notJudged])).toEqual([['control', 1, 0, 1], ['spike', 0, 0, 1], ['drop', 1, 1, 0]]);
    expect(outcome.summary.byKind.find((k) => k.kind === 'spike')!.notJudgedReasons).toEqual([spike!.notJudged]);
    expect(outcome.summary.byMagnitude.find((m) => m.kind === 'spike')).toMatchObject({ injected: 0, caught: 0, detectionRate: null, notJudged: 1, controls: 1 });
  });

  it('keeps them apart in the ledger: `report trial` (text and JSON) and the console\'s trials.summary and trials.list', async () => {
    const text = runCli(['report', 'trial', '--db', staging, '--format', 'md']);
    expect(text.stderr).toBe('');
    expect(text.stdout).toContain('**4 trials: 1 of 1 injected anomaly caught; 0 of 1 clean run flagged; 2 not judged (run interrupted or failed before a verdict; in neither rate)**');
    expect(text.stdout).toContain('## Not judged');
    const json = JSON.parse(runCli(['report', 'trial', '--db', staging, '--json']).stdout) as { sections: { heading: string; table?: { headers: string[]; rows: unknown[][] } }[] };
    const trials = json.sections.find((s) => s.heading === 'Trials')!.table!;
    expect(trials.headers).toEqual(['trial', 'injected', 'caught', 'clean runs', 'false positives', 'not judged']);
    // A control injects nothing, an injection is no clean run: those cells are empty (—), not 0.
    expect(trials.rows).toEqual([['control', null, null, 1, 0, 1], ['spike', 0, 0, null, null, 1], ['drop', 1, 1, null, null, 0]]);
    expect(text.stdout).toContain('| control | — | — | 1 | 0 | 1 |');
    // The headline's word is the table's, the chart's and the rates' too: caught, never "detected" for the same count.
    expect(text.stdout).not.toContain('detected');
    // The detection chart is of the injected kinds: the control, which injects nothing, has no bar.
    const detection = json.sections.find((s) => s.heading === 'Detection') as { chart?: { labels: string[] } };
    expect(detection.chart!.labels).toEqual(['spike', 'drop']);
    const notJudged = json.sections.find((s) => s.heading === 'Not judged')!.table!;
    expect(notJudged.rows.map((row) => row.slice(0, 2))).toEqual([['control', 1], ['spike', 1]]);
    expect(String(notJudged.rows[1]![2])).toMatch(NOT_JUDGED_SPIKE);
    const gate = runCli(['report', 'validation', '--db', staging]).stdout;
    // Each rate's note counts the trials it left out: the spike from detection, the control from false positives.
    expect(gate).toContain('1 of 1 injected anomaly caught; 1 injection not judged, left out (run interrupted or failed before a verdict)');
    expect(gate).toContain('0 of 1 clean run flagged; 1 control not judged, left out (run interrupted or failed before a verdict)');

    const store = await backend.open(source);
    const engine = createInProcessEngineHost({ location: source });
    try {
      const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}), databaseLocation: source });
      const summary = await api['trials.summary']({ staging: stagingAsGiven() }, tester);
      expect(summary).toMatchObject({ trials: 4, injected: 1, caught: 1, controls: 1, falsePositives: 0, notJudged: 2 });
      expect(summary.byKind).toEqual(outcome.summary.byKind);
      // The console's trial report takes the CLI's --since: trials recorded before it are left out, and a bad one is refused.
      const report = (since?: string) => api['reports.trial']({ staging: stagingAsGiven(), since, format: 'md' }, tester);
      expect((await report('2020-01-01')).headline).toBe((await report()).headline);
      expect((await report(new Date().toISOString())).headline).toBe('No trial data: no staging trials have been recorded in the period.');
      await expect(report('yesterday-ish')).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^since: /) });
      const listed = (await api['trials.list']({ staging: stagingAsGiven(), limit: 10 }, tester)).trials;
      expect(listed.map((t) => t.notJudged)).toEqual(outcome.trials.map((t) => t.notJudged).reverse());
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('leaves them out of the Sensitivity what-if as trials.summary does: the console\'s sensitivity.whatIf and `validate tune` replay the judged cases only and count the others per kind', async () => {
    const store = await backend.open(source);
    const engine = createInProcessEngineHost({ location: source });
    try {
      const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}), databaseLocation: source });
      const summary = await api['trials.summary']({ staging: stagingAsGiven() }, tester);
      const whatIf = await api['sensitivity.whatIf']({ task: 'daily', settings: { metrics: { fetched: 'high' }, minSignals: 1 }, staging: stagingAsGiven() }, tester);
      const perKind = (rows: { kind: string; judged: number; notJudged: number }[]) => rows.map((r) => [r.kind, r.judged, r.notJudged]);
      // One rule for both: the interrupted spike and control are in no count of cases replayed.
      expect(perKind(whatIf.report.trials.map((t) => ({ kind: t.kind, judged: t.cases, notJudged: t.notJudged })))).toEqual([['control', 1, 1], ['drop', 1, 0], ['spike', 0, 1]]);
      expect(perKind(summary.byKind.map((k) => ({ kind: k.kind, judged: k.trials, notJudged: k.notJudged }))).sort()).toEqual(perKind(whatIf.report.trials.map((t) => ({ kind: t.kind, judged: t.cases, notJudged: t.notJudged }))));
      expect(whatIf.report.trialCases.map((c) => c.kind)).toEqual(['control', 'drop']);

      const tune = runCli(['validate', 'tune', '--db', source, '--task', 'daily', '--metric', 'fetched', '--sensitivity', 'high', '--dry-run', '--staging', stagingAsGiven()]);
      expect(tune.stderr).toBe('');
      expect(tune.stdout).toMatch(/^spike +0 +0 +0 +1$/m);
      expect(tune.stdout).toContain('2 stored trial cases judged (run as task daily or as no task); left out: 2 not judged (run interrupted or failed before a verdict; in no rate, as `gatehouse report trial` counts them)');
      const json = JSON.parse(runCli(['validate', 'tune', '--db', source, '--task', 'daily', '--metric', 'fetched', '--sensitivity', 'high', '--dry-run', '--staging', stagingAsGiven(), '--json']).stdout) as typeof whatIf;
      expect(json.report.trials).toEqual(whatIf.report.trials);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
