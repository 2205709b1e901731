import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, memoryPreferences } from '../../main/api/index.js';
import { taskStore } from '../../main/scheduler/index.js';
import { buildReport } from '../../main/reports/index.js';
import { openStore } from '../../main/store/index.js';
import { parseTrialSpec, runTrials, seedSyntheticHistory, type TrialOutcome } from '../../main/trials/index.js';
import { saveSensitivity, validationHistory, whatIfForTask } from '../../main/validation/index.js';
import { storeRun } from '../helpers/sensitivity-fixtures.js';
import { DEFAULT_SENSITIVITY, type SensitivitySettings } from '../../shared/validation.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { dropSchemas } from '../helpers/postgres.js';
import { trialStagingFor } from '../helpers/trial-staging.js';

const ALL_OFF: SensitivitySettings = { metrics: { fetched: 'off', added: 'off', updated: 'off', mix: 'off', quarantine: 'off', duration: 'off' }, minSignals: 1 };

/**
 * Five weeks of daily runs (no task), a scheduled task "quiet" whose analyst silenced every
 * metric (version 2, after a first version that changed nothing the spike needs), and "loud",
 * a task with no version saved.
 */
async function sourceWithTunedTask(backend: TestBackend): Promise<string> {
  const source = await backend.freshLocation();
  const store = await backend.open(source);
  try {
    await seedSyntheticHistory(store, { days: 35, firstDay: new Date('2025-02-24T00:00:00Z') });
    for (const name of ['quiet', 'loud']) {
      await taskStore(store).insert({ name, cron: '0 6 * * *', source: 'synthetic:seed=1,count=40', lookbackDays: 7, enabled: true, at: '2025-03-31T00:00:00.000Z' }, 'ada');
    }
    await saveSensitivity(store, { task: 'quiet', settings: { metrics: { fetched: 'high' }, minSignals: 1 }, reason: 'first try', operator: 'ada' });
    await saveSensitivity(store, { task: 'quiet', settings: ALL_OFF, reason: 'silence the validator during the migration', operator: 'ada' });
  } finally {
    await store.close();
  }
  return source;
}

const kindRate = (outcome: TrialOutcome, kind: string) => outcome.summary.byKind.find((k) => k.kind === kind);

describe.each(testBackends())('trials as a task ($name)', (backend) => {
  const schemas: string[] = [];
  afterAll(async () => {
    await dropSchemas(schemas);
    await backend.cleanup();
  });

  it("judges with the task's saved sensitivity: a spike the defaults catch is missed under settings that silence every metric, and each trial says which task and version judged it", async () => {
    const source = await sourceWithTunedTask(backend);
    const staging = trialStagingFor(backend, source, schemas);
    const injections = ['spike', 'bad-date:0.2'].map(parseTrialSpec);

    const asDefault = await runTrials({ source, staging, injections, controls: 1 });
    expect(asDefault).toMatchObject({ task: null, sensitivityVersion: null });
    expect(kindRate(asDefault, 'spike')).toMatchObject({ trials: 1, caught: 1, rate: 1 });

    const asQuiet = await runTrials({ source, staging, injections, controls: 1, task: 'quiet' });
    expect(asQuiet).toMatchObject({ task: 'quiet', sensitivityVersion: 2, sensitivity: ALL_OFF });
    // The validator is silenced for this task; the record rules are not sensitivity's to tune.
    expect(kindRate(asQuiet, 'spike')).toMatchObject({ trials: 1, caught: 0, rate: 0 });
    expect(kindRate(asQuiet, 'bad-date')).toMatchObject({ trials: 1, caught: 1, rate: 1 });
    expect(kindRate(asQuiet, 'control')).toMatchObject({ trials: 1, caught: 0 });
    expect(asQuiet.trials.every((t) => t.task === 'quiet' && t.sensitivityVersion === 2)).toBe(true);
    expect(asQuiet.summary).toMatchObject({ injected: 2, caught: 1, controls: 1, falsePositives: 0 });
    // The ledger keeps each settings' per-kind rates apart: not one spike rate of 1 in 2 that neither setting gives.
    const spikes = (outcome: TrialOutcome) => outcome.ledger.byKind.filter((k) => k.kind === 'spike').map((k) => [k.task, k.sensitivityVersion, k.trials, k.caught]);
    expect(spikes(asQuiet)).toEqual([[null, null, 1, 1], ['quiet', 2, 1, 0]]);
    expect(asQuiet.summary.judgedWith).toEqual([{ task: 'quiet', sensitivityVersion: 2 }]);
    expect(asQuiet.ledger.judgedWith).toEqual([{ task: null, sensitivityVersion: null }, { task: 'quiet', sensitivityVersion: 2 }]);
    expect(asQuiet.ledger.byMagnitude.filter((m) => m.kind === 'spike').map((m) => [m.task, m.injected, m.caught, m.controls, m.falsePositives])).toEqual([[null, 1, 1, 1, 0], ['quiet', 1, 0, 1, 0]]);

    // From the CLI, a task with nothing saved is judged with the defaults, and says so.
    const cli = runCli(['trial', '--db', source, '--staging', staging, '--inject', 'spike', '--control', '1', '--task', 'loud']);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('judged with task loud, the default sensitivity, no version saved');
    expect(cli.stdout).toContain('note: these rates add up trials judged with 3 settings (the default sensitivity, no task; task quiet, sensitivity version 2; task loud, the default sensitivity, no version saved)');
    const ledgerRows = cli.stdout.split('\n').filter((line) => /^spike\s/.test(line)).map((line) => line.trim().split(/\s{2,}/));
    expect(ledgerRows.map((row) => [row[1], row[2], row.at(-1)])).toEqual([
      ['1', '1', 'the default sensitivity, no task'],
      ['1', '0', 'task quiet, sensitivity version 2'],
      ['1', '1', 'task loud, the default sensitivity, no version saved'],
    ]);

    const stagingStore = await openStore(staging);
    try {
      const ledger = await stagingStore.trials.list();
      expect(ledger.map((t) => [t.kind, t.task, t.sensitivityVersion])).toEqual([
        ['control', null, null], ['spike', null, null], ['bad-date', null, null],
        ['control', 'quiet', 2], ['spike', 'quiet', 2], ['bad-date', 'quiet', 2],
        ['control', 'loud', null], ['spike', 'loud', null],
      ]);
      // The trial runs are the task's runs on staging (the latest session's copy), as its production runs are on the source.
      const loudRuns = await stagingStore.reports.judged({ task: 'loud' });
      expect(loudRuns.map((run) => run.runId).sort((a, b) => a - b)).toEqual(ledger.filter((t) => t.task === 'loud').map((t) => t.runId!).sort((a, b) => a - b));
      const report = await buildReport(stagingStore, { kind: 'trial' });
      expect(report.document.headline).toContain('4 of 5 injected anomalies caught; 0 of 3 clean runs flagged (these rates add up trials judged with 3 settings');
      expect(report.document.sections[0]!.table!.rows.map((row) => row[0])).toEqual([
        'control', 'spike', 'bad-date',
        'control (task quiet, sensitivity version 2)', 'spike (task quiet, sensitivity version 2)', 'bad-date (task quiet, sensitivity version 2)',
        'control (task loud, the default sensitivity, no version saved)', 'spike (task loud, the default sensitivity, no version saved)',
      ]);
    } finally {
      await stagingStore.close();
    }
  }, 240_000);

  it("builds a task's clean runs from the history its judge reads: a task five times the daily feed's size gets controls of its size, not flagged as drops", async () => {
    const source = await backend.freshLocation();
    const store = await backend.open(source);
    try {
      await seedSyntheticHistory(store, { days: 35, firstDay: new Date('2025-02-24T00:00:00Z') });
      // "bulk" ran each of those days too, later in the day, at five times the volume: 35 runs of its own, enough to be judged by them alone.
      for (const day of await validationHistory(store)) {
        const m = day.metrics as Record<string, number>;
        const metrics = { fetched: 5 * m.fetched!, added: 5 * m.added!, updated: 5 * m.updated!, unchanged: 5 * m.unchanged!, quarantined: 0, durationMs: 5 * m.durationMs! };
        await storeRun(store, { startedAt: day.startedAt.replace('T14:', 'T18:'), metrics }, 'bulk');
      }
    } finally {
      await store.close();
    }
    const staging = trialStagingFor(backend, source, schemas);
    const outcome = await runTrials({ source, staging, injections: ['spike', 'drop'].map(parseTrialSpec), controls: 2, task: 'bulk' });
    expect(outcome).toMatchObject({ task: 'bulk', sensitivityVersion: null, historyNote: null });
    expect(outcome.summary).toMatchObject({ injected: 2, caught: 2, controls: 2, falsePositives: 0 });

    // The Sensitivity what-if replays these trial cases under the settings in force — the ones that
    // judged them — and must give each the verdict the trial did: against the history its judge read
    // (the task's own, the session's earlier control in it), as a trial run.
    const [sourceStore, stagingStore] = [await backend.open(source), await openStore(staging)];
    try {
      const whatIf = await whatIfForTask(sourceStore, 'bulk', DEFAULT_SENSITIVITY, {}, stagingStore);
      expect(whatIf.report.trialCases.map((c) => [c.label, c.caughtBefore])).toEqual(outcome.trials.map((t) => [t.label, t.verdict === 'anomalous']));
    } finally {
      await sourceStore.close();
      await stagingStore.close();
    }
  }, 240_000);

  it("runs a console trial as a task: the job names the task and version from the start, and its trials are judged with them", async () => {
    const source = await sourceWithTunedTask(backend);
    const staging = trialStagingFor(backend, source, schemas);
    const stagingInput = backend.name === 'sqlite' ? staging : new URL(staging).searchParams.get('schema')!;
    const store = await backend.open(source);
    const engine = createInProcessEngineHost({ location: source });
    const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}), databaseLocation: source });
    try {
      const started = await api['trials.run']({ injections: [{ kind: 'spike' }], controls: 1, seedHistoryDays: 0, sweep: false, repeat: 1, staging: stagingInput, task: 'quiet' }, tester);
      expect(started).toMatchObject({ status: 'running', task: 'quiet', sensitivityVersion: 2 });
      let job = started;
      // The in-process job runs on this event loop: each check yields to it (setImmediate), waiting for its state, not for time.
      while (job.status === 'running') {
        await new Promise((resolve) => setImmediate(resolve));
        job = (await api['trials.job']({ jobId: started.jobId }, tester))!;
      }
      expect(job.error).toBeNull();
      expect(job).toMatchObject({ status: 'done', task: 'quiet', sensitivityVersion: 2, summary: { injected: 1, caught: 0, controls: 1, falsePositives: 0 } });
      expect(job.trials.map((t) => [t.kind, t.task, t.sensitivityVersion])).toEqual([['control', 'quiet', 2], ['spike', 'quiet', 2]]);
      const listed = await api['trials.list']({ staging: stagingInput, limit: 10 }, tester);
      expect(listed.trials.map((t) => [t.kind, t.task, t.sensitivityVersion])).toEqual([['spike', 'quiet', 2], ['control', 'quiet', 2]]);
    } finally {
      await engine.close();
      await store.close();
    }
  }, 240_000);

  it('refuses a task the source does not know, from the engine, the CLI and the API, before any trial runs', async () => {
    const source = await sourceWithTunedTask(backend);
    const staging = trialStagingFor(backend, source, schemas);
    await expect(runTrials({ source, staging, injections: [parseTrialSpec('spike')], controls: 1, task: 'nightly' })).rejects.toMatchObject({
      code: 'NOT_FOUND', message: expect.stringContaining('unknown task "nightly"'),
    });

    const cli = runCli(['trial', '--db', source, '--staging', staging, '--inject', 'spike', '--task', 'nightly', '--json']);
    expect(cli.code).toBe(2);
    expect(JSON.parse(cli.stdout)).toMatchObject({ error: { code: 'NOT_FOUND', message: expect.stringContaining('unknown task "nightly"') } });

    const store = await backend.open(source);
    const engine = createInProcessEngineHost({ location: source });
    const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}), databaseLocation: source });
    try {
      await expect(api['trials.run']({ injections: [{ kind: 'spike' }], controls: 1, seedHistoryDays: 0, sweep: false, repeat: 1, staging: null, task: 'nightly' }, tester)).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await api['trials.job']({}, tester)).toBeNull();
    } finally {
      await engine.close();
      await store.close();
    }
    const stagingStore = await openStore(staging);
    try {
      expect(await stagingStore.trials.list()).toEqual([]);
    } finally {
      await stagingStore.close();
    }
  }, 120_000);
});
