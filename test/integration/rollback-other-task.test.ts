import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * Two scheduled tasks write overlapping hearings: task alpha's run 1 adds 10, task beta's run 2
 * changes the last 5 of them and adds 5 more. Support rolls back alpha's run. The refusal said only
 * "changed again by run 2"; it now says the run is another task's (beta), whose changes force would
 * discard. skip leaves beta's data as it is; force discards beta's changes to the shared hearings. Beta's
 * run then showed those hearings as "changed outside later runs (a restore, an edit) or gone",
 * sending support after a restore or an edit nobody made; it now names the forced rollback.
 */
async function twoTasks(backend: TestBackend): Promise<{ location: string; store: Store }> {
  const location = await backend.freshLocation();
  const store = await backend.open(location);
  await runUpdate({ store, task: 'alpha', source: arraySource(hearingRecords(10, 600000, (i) => ({ title: `Alpha look ${i}` }))) });
  await runUpdate({ store, task: 'beta', source: arraySource(hearingRecords(10, 600005, (i) => ({ title: `Beta look ${i}` }))) });
  return { location, store };
}

const titles = async (store: Store) => (await store.queries.db.selectFrom('hearings').select(['eventId', 'title']).orderBy('eventId').execute()).map((row) => `${row.eventId} ${row.title}`);
const betaTitles = Array.from({ length: 10 }, (_, i) => `${600005 + i} Beta look ${i}`);

describe.each(testBackends())('rolling back another task\'s run that shares hearings, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('previews the conflicts with the other task\'s run, refuses by default, and skip keeps its data', async () => {
    const { location, store } = await twoTasks(backend);
    try {
      const preview = runCli(['rollback', '--db', location, '--run', '1', '--dry-run', '--json']);
      expect(JSON.parse(preview.stdout)).toMatchObject({ wouldRefuse: true, conflictSummary: { hearings: 5, laterRuns: [{ runId: 2, hearings: 5 }], changedOtherwise: 0 } });
      const refused = runCli(['rollback', '--db', location, '--run', '1', '--reason', 'alpha fed bad titles', '--operator', 'sam']);
      expect(refused.stderr).toContain('refusing to roll back run 1: 5 hearings changed since: hearing 600005 was changed again by run 2 of task beta;');
      expect(refused.stderr).toContain('--on-conflict skip');
      const skipped = runCli(['rollback', '--db', location, '--run', '1', '--reason', 'alpha fed bad titles', '--operator', 'sam', '--on-conflict', 'skip']);
      expect(skipped.code, skipped.stderr).toBe(0);
      expect(await titles(store)).toEqual(betaTitles);
      expect((await store.getRun(2))?.status).toBe('success');
    } finally {
      await store.close();
    }
  });

  it('after force, the other task\'s run names the forced rollback that deleted its hearings', async () => {
    const { location, store } = await twoTasks(backend);
    try {
      const forced = runCli(['rollback', '--db', location, '--run', '1', '--reason', 'alpha fed bad titles', '--operator', 'sam', '--on-conflict', 'force']);
      expect(forced.code, forced.stderr).toBe(0);
      expect(await titles(store)).toEqual(betaTitles.slice(5));
      const preview = JSON.parse(runCli(['rollback', '--db', location, '--run', '2', '--dry-run', '--json']).stdout) as { conflicts: { eventId: string; message: string }[] };
      expect(preview.conflicts.map((conflict) => conflict.message)).toEqual(
        Array.from({ length: 5 }, (_, i) => `hearing ${600005 + i} no longer exists: deleted by rollback 1 of run 1 (forced, by sam); forcing it brings back the version run 1 wrote, which that rollback undid`),
      );
    } finally {
      await store.close();
    }
  });
});
