import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, memoryPreferences } from '../../main/api/index.js';
import { taskStore } from '../../main/scheduler/index.js';
import { openStore } from '../../main/store/index.js';
import { parseTrialSpec, runTrials, seedSyntheticHistory } from '../../main/trials/index.js';
import { saveSensitivity, whatIfForTask } from '../../main/validation/index.js';
import { trialCasesText } from '../../shared/api-sensitivity.js';
import { DEFAULT_SENSITIVITY, type SensitivitySettings } from '../../shared/validation.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { dropSchemas } from '../helpers/postgres.js';
import { trialStagingFor } from '../helpers/trial-staging.js';

const ALL_OFF: SensitivitySettings = { metrics: { fetched: 'off', added: 'off', updated: 'off', mix: 'off', quarantine: 'off', duration: 'off' }, minSignals: 1 };

/** What differs between two renderings of one report: the instant it was made. */
const timeless = (text: string) => text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g, 'T');

/**
 * A source with five weeks of history and a task "quiet" whose saved settings silence every
 * metric; three trial sessions on one staging target: as no task, as quiet, as quiet again.
 */
describe.each(testBackends())('trial evidence per task ($name)', (backend) => {
  const schemas: string[] = [];
  let source = '';
  let staging = '';
  /** How the console and `validate tune --staging` name it: a path, or a schema of the source's database. */
  const stagingAsGiven = () => (backend.name === 'sqlite' ? staging : new URL(staging).searchParams.get('schema')!);
  beforeAll(async () => {
    source = await backend.freshLocation();
    const store = await backend.open(source);
    try {
      await seedSyntheticHistory(store, { days: 35, firstDay: new Date('2025-02-24T00:00:00Z') });
      await taskStore(store).insert({ name: 'quiet', cron: '0 6 * * *', source: 'synthetic:seed=1,count=40', lookbackDays: 7, enabled: true, at: '2025-03-31T00:00:00.000Z' }, 'ada');
      await saveSensitivity(store, { task: 'quiet', settings: ALL_OFF, reason: 'silence the validator during the migration', operator: 'ada' });
    } finally {
      await store.close();
    }
    staging = trialStagingFor(backend, source, schemas);
    const spike = [parseTrialSpec('spike')];
    await runTrials({ source, staging, injections: spike, controls: 1 });
    await runTrials({ source, staging, injections: spike, controls: 1, task: 'quiet' });
    await runTrials({ source, staging, injections: [parseTrialSpec('drop')], controls: 1, task: 'quiet' });
  }, 300_000);
  afterAll(async () => {
    await dropSchemas(schemas);
    await backend.cleanup();
  });

  it("`report trial --task` reports only the trials judged with that task's settings, and the API's reports.trial says the same", async () => {
    const cli = runCli(['report', 'trial', '--db', staging, '--task', 'quiet', '--format', 'md']);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(cli.stdout).toContain('# Trial report: task quiet');
    // Spike and drop injected as quiet, both missed (every metric off); the no-task session's caught spike is not in it.
    expect(cli.stdout).toContain('**4 trials judged as task quiet: 0 of 2 injected anomalies caught; 0 of 2 clean runs flagged**');
    expect(cli.stdout).not.toContain('these rates add up trials judged with');
    expect(cli.stdout).not.toMatch(/^\| spike \|/m);

    const json = JSON.parse(runCli(['report', 'trial', '--db', staging, '--task', 'quiet', '--json']).stdout) as { headline: string; sections: { table?: { rows: unknown[][] } }[] };
    expect(json.sections[0]!.table!.rows.map((row) => row.slice(0, 2))).toEqual([
      ['control (task quiet, sensitivity version 1)', null],
      ['spike (task quiet, sensitivity version 1)', 1],
      ['drop (task quiet, sensitivity version 1)', 1],
    ]);

    const store = await backend.open(source);
    const engine = createInProcessEngineHost({ location: source });
    try {
      const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}), databaseLocation: source });
      const stagingInput = stagingAsGiven();
      const fromApi = await api['reports.trial']({ staging: stagingInput, task: 'quiet', format: 'md' }, tester);
      expect(fromApi.headline).toBe(json.headline);
      expect(timeless(fromApi.text)).toBe(timeless(cli.stdout));
      // A task this database does not know: refused, naming the ones it knows — not another task's rates, not "no data".
      await expect(api['reports.trial']({ staging: stagingInput, task: 'loud', format: 'md' }, tester)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('unknown task "loud": no scheduled task or stored run has that name (known tasks: quiet)') });
      // No task: every trial, as before.
      expect((await api['reports.trial']({ staging: stagingInput, format: 'md' }, tester)).headline).toMatch(/^6 trials: 1 of 3 injected anomalies caught; 0 of 3 clean runs flagged \(these rates add up/);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('filters by task alike on both surfaces: trials.summary, trials.list, reports.trial and `report trial|validation --task`, and refuses a blank task on each', async () => {
    const store = await backend.open(source);
    const engine = createInProcessEngineHost({ location: source });
    try {
      const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}), databaseLocation: source });
      const stagingInput = stagingAsGiven();
      // The console's rates for one task are the rates `report trial --task` prints, not the whole ledger's.
      const quiet = await api['trials.summary']({ staging: stagingInput, task: 'quiet' }, tester);
      expect(quiet).toMatchObject({ trials: 4, injected: 2, caught: 0, controls: 2, falsePositives: 0, judgedWith: [{ task: 'quiet', sensitivityVersion: 1 }] });
      expect(quiet.byKind.map((k) => k.kind)).toEqual(['control', 'spike', 'drop']);
      const report = JSON.parse(runCli(['report', 'trial', '--db', staging, '--task', 'quiet', '--json']).stdout) as { headline: string };
      expect(report.headline).toBe(`${quiet.trials} trials judged as task quiet: ${quiet.caught} of ${quiet.injected} injected anomalies caught; ${quiet.falsePositives} of ${quiet.controls} clean runs flagged`);
      await expect(api['trials.summary']({ staging: stagingInput, task: 'loud' }, tester)).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('unknown task "loud"') });
      // The list beside those rates (the Trials page's, filtered by the same task): the four trials they count, not the ledger's six.
      const quietList = await dispatch(api, 'trials.list', { staging: stagingInput, task: 'quiet' }, tester);
      expect(quietList).toMatchObject({ ok: true });
      expect((quietList as { data: { trials: { task: string | null }[] } }).data.trials.map((t) => t.task)).toEqual(['quiet', 'quiet', 'quiet', 'quiet']);
      expect(await dispatch(api, 'trials.list', { staging: stagingInput, task: 'loud' }, tester)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: expect.stringContaining('unknown task "loud"') } });
      expect(await api['trials.summary']({ staging: stagingInput }, tester)).toMatchObject({ trials: 6, injected: 3, caught: 1 });

      // The validation gate for a task: its runs (the last session's two, on the fresh copy) and the trials judged as it.
      const lastSession = (await api['trials.list']({ staging: stagingInput, limit: 2 }, tester)).trials;
      const gate = JSON.parse(runCli(['report', 'validation', '--db', staging, '--task', 'quiet', '--json']).stdout) as { title: string; headline: string; sections: { criteria?: { name: string; note?: string }[]; chart?: { labels: string[] } }[] };
      expect(gate.title).toBe('Validation gate: task quiet');
      expect(gate.headline).toMatch(/^Gate for task quiet: /);
      expect(gate.sections[0]!.criteria!.find((c) => c.name === 'Anomaly detection rate')!.note).toBe('0 of 2 injected anomalies caught');
      expect(gate.sections[1]!.chart!.labels).toEqual(lastSession.map((t) => `#${t.runId}`).reverse());
      const whole = JSON.parse(runCli(['report', 'validation', '--db', staging, '--json']).stdout) as typeof gate;
      expect(whole.sections[0]!.criteria!.find((c) => c.name === 'Anomaly detection rate')!.note).toMatch(/^1 of 3 injected anomalies caught/);
      expect(whole.sections[1]!.chart!.labels.length).toBeGreaterThan(2);

      // A blank task is refused, never read as "every trial".
      for (const kind of ['trial', 'validation']) {
        const blank = runCli(['report', kind, '--db', staging, '--task', '  ']);
        expect(blank.code, kind).toBe(2);
        expect(blank.stderr, kind).toContain('--task must be text of 1 to 200 characters, got "  "');
      }
      for (const method of ['trials.summary', 'trials.list', 'reports.trial'] as const) {
        const result = await dispatch(api, method, { staging: stagingInput, task: '  ' }, tester);
        expect(result, method).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: expect.stringContaining('task') } });
      }
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it("the what-if counts the trial cases it judged and says which stored ones it could not: earlier sessions' runs are gone from the fresh staging copy", async () => {
    const [sourceStore, stagingStore] = [await backend.open(source), await openStore(staging)];
    try {
      const whatIf = await whatIfForTask(sourceStore, 'quiet', DEFAULT_SENSITIVITY, {}, stagingStore);
      // The last session's control and drop are replayed; the two earlier sessions' four cases are named, not silently dropped.
      expect(whatIf.report.trialCases.map((c) => c.label)).toEqual(['control', 'drop:0.1']);
      expect(whatIf.trialCasesLeftOut).toEqual({ runGone: 4, runGoneSessions: 2, otherTasks: 0, notJudgedCauses: { runEnded: 0, injectedNothing: 0 } });
      expect(trialCasesText(whatIf)).toMatch(/^2 stored trial cases judged \(run as task quiet or as no task\); left out: 4 from 2 earlier trial sessions whose runs a later session's fresh staging copy replaced/);

      const cli = runCli(['validate', 'tune', '--db', source, '--staging', stagingAsGiven(), '--task', 'quiet', '--metric', 'fetched', '--sensitivity', 'high', '--dry-run']);
      expect(cli.stderr).toBe('');
      expect(cli.stdout).toContain('2 stored trial cases judged (run as task quiet or as no task); left out: 4 from 2 earlier trial sessions');
    } finally {
      await sourceStore.close();
      await stagingStore.close();
    }
  });
});
