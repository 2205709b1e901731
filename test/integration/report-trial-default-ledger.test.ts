import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store, TrialRecord } from '../../main/store/index.js';
import { stagingTargetFor } from '../../main/trials/index.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { dropSchemas } from '../helpers/postgres.js';

async function trial(store: Store, kind: 'spike' | 'control', caught: boolean): Promise<void> {
  const level: TrialRecord['level'] = kind === 'control' ? 'control' : 'run';
  await store.trials.record({ session: 's1', at: new Date().toISOString(), source: 'crafted', label: kind, kind, level, magnitude: null, runId: null, caught, caughtBy: caught ? ['volume'] : [], verdict: caught ? 'anomaly' : 'ok', detail: null, notJudged: null });
}

/**
 * The console's Trials page keeps its ledger in the staging copy beside the database
 * (`<db>.staging.db`, `<schema>_staging`); `report trial --db DB` used to read DB's own, empty,
 * ledger instead and answered "no trial data" beside a console showing the trials.
 */
describe.each(testBackends())('report trial reads the staging copy the console uses when --trials is not given ($name)', (backend) => {
  let db = '';
  let staging = '';
  beforeAll(async () => {
    db = await backend.freshLocation();
    await withStoreAt(backend, db, async () => {});
    staging = stagingTargetFor(db);
    await withStoreAt(backend, staging, async (ledger) => {
      await trial(ledger, 'spike', true);
      await trial(ledger, 'control', false);
    });
  });
  afterAll(async () => {
    if (backend.name === 'postgres') await dropSchemas([new URL(staging).searchParams.get('schema')!]);
    await backend.cleanup();
  });

  const headline = (args: string[]): string => {
    const result = runCli(['report', 'trial', ...args, '--json']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    return (JSON.parse(result.stdout) as { headline: string }).headline;
  };

  it('reports the default staging copy’s trials, as the console does, and the database’s own ledger when --trials names it', () => {
    expect(headline(['--db', db])).toMatch(/^2 trials: \d of 1 injected anomal(y|ies) caught; 0 of 1 clean runs? flagged/);
    expect(headline(['--db', db, '--trials', staging])).toBe(headline(['--db', db]));
    expect(headline(['--db', db, '--trials', db])).not.toMatch(/^2 trials/);
  });

  it('refuses a --trials ledger that does not exist instead of making one', () => {
    const missing = backend.name === 'sqlite' ? `${db}.nowhere.db` : stagingTargetFor(db, 'gh_no_such_ledger');
    const result = runCli(['report', 'trial', '--db', db, '--trials', missing]);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no database at/);
  });
});
