import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, memoryPreferences } from '../../main/api/index.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { storeRun } from '../helpers/sensitivity-fixtures.js';

const UNKNOWN_ALFA = 'unknown task "alfa": no scheduled task or stored run has that name (known tasks: alpha, beta)';

/** `gatehouse report KIND --task`: each kind's task filter applies, or the command refuses it; an unknown name is an error, not "no data". */
describe.each(testBackends())('report filters say what they measured ($name)', (backend) => {
  let db = '';
  beforeAll(async () => {
    db = await backend.freshLocation();
    await withStoreAt(backend, db, async (store) => {
      const metrics = { fetched: 40, added: 10, updated: 2, unchanged: 28, quarantined: 0, durationMs: 900 };
      for (const [d, task] of [[1, 'alpha'], [2, 'beta'], [3, 'alpha']] as const) await storeRun(store, { startedAt: `2026-03-0${d}T14:00:00.000Z`, metrics }, task);
    });
  });
  afterAll(() => backend.cleanup());

  it('filters the monitoring report to the task named, as its --help promises', () => {
    const help = runCli(['report', 'monitoring', '--help']).stdout;
    expect(help).toMatch(/--task <name> +only this task's runs, and the flag changes that reach them/);
    const result = runCli(['report', 'monitoring', '--db', db, '--task', 'alpha', '--json']);
    expect(result.stderr).toBe('');
    const document = JSON.parse(result.stdout) as { title: string; headline: string; sections: { heading: string; table?: { rows: unknown[][] } }[] };
    expect(document.title).toBe('Monitoring report: task alpha');
    expect(document.sections.find((s) => s.heading === 'Runs')!.table!.rows.map((row) => row[1])).toEqual(['alpha', 'alpha']);
  });

  it('refuses an unknown task on every report kind with exit 2, naming the known tasks', () => {
    for (const kind of ['validation', 'trial', 'monitoring', 'canary']) {
      const result = runCli(['report', kind, '--db', db, '--task', 'alfa']);
      expect([kind, result.code, result.stdout]).toEqual([kind, 2, '']);
      expect(result.stderr).toContain(UNKNOWN_ALFA);
    }
  });

  it('refuses an option a report kind would ignore: --rollout beside --task, --rollout on a report no rollout renders, --trials on one that reads no trials', () => {
    const both = runCli(['report', 'monitoring', '--db', db, '--task', 'alpha', '--rollout', '1']);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("--rollout renders that rollout's ledger, which --task does not filter");
    for (const [kind, option] of [['validation', '--rollout'], ['trial', '--rollout'], ['monitoring', '--trials'], ['canary', '--trials']]) {
      const result = runCli(['report', kind!, '--db', db, option!, '1']);
      expect([kind, result.code, result.stderr.trim()]).toEqual([kind, 2, `gatehouse: unknown option '${option}'`]);
    }
  });

  it('refuses an unknown task on the console\'s trials.summary and reports.trial as the CLI does', async () => {
    await withStoreAt(backend, db, async (store) => {
      const engine = createInProcessEngineHost({ location: db });
      try {
        const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}), databaseLocation: db });
        await expect(api['trials.summary']({ task: 'alfa' }, tester)).rejects.toMatchObject({ code: 'NOT_FOUND', message: UNKNOWN_ALFA });
        await expect(api['reports.trial']({ task: 'alfa', format: 'md' }, tester)).rejects.toMatchObject({ code: 'NOT_FOUND', message: UNKNOWN_ALFA });
        expect(await api['trials.summary']({ task: 'alpha' }, tester)).toMatchObject({ trials: 0, notJudged: 0 });
      } finally {
        await engine.close();
      }
    });
  });
});
