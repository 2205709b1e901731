import { afterAll, describe, expect, it } from 'vitest';
import { listAttempts, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { deleteRunRowOutsideGatehouse } from '../helpers/outside-session.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * Rolling back a run whose row was deleted outside Gatehouse (a DBA, a damaged restore) said "run 2
 * does not exist" while its undo journal still recorded every write it made: support had no way to
 * undo them short of restoring a snapshot and losing every later run. The rollback now goes by the
 * journal alone, says so in its report and in its audit, and once nothing is left says that instead.
 */
describe.each(testBackends())('rolling back a run whose row was deleted outside Gatehouse, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('undoes what its undo journal records, audited with operator and reason, and says the row was gone', async () => {
    await withFreshStore(backend, async (store) => {
      await runUpdate({ store, source: arraySource(hearingRecords(12, 320000)), batchSize: 5 });
      await runUpdate({ store, source: arraySource(hearingRecords(12, 320000, () => ({ title: 'A bad feed' }))), batchSize: 5 });
      await deleteRunRowOutsideGatehouse(store, 2);
      const gone = "run 2's row is gone (deleted outside Gatehouse): the rollback goes by its undo journal alone, with no run row to mark";

      const preview = runCli(['rollback', '--db', store.location, '--run', '2', '--dry-run']);
      expect(preview.stderr).toBe('');
      expect(preview.stdout.split('\n')[0]).toBe(`dry run: rolling back run 2: would restore 12 hearings to their earlier state, would delete 0 hearings it added, 0 created committee/witness rows would be deleted, 0 kept (still referenced); ${gone}`);
      const batch = runCli(['rollback', '--db', store.location, '--run', '2', '--batch', '9', '--reason', 'bad feed']);
      expect([batch.code, batch.stderr.split('\n')[0]]).toEqual([2, "gatehouse: run 2's row is gone (deleted outside Gatehouse) and its undo journal holds nothing left to undo for batch 9 (batches with writes left: 1, 2, 3); nothing was changed"]);

      const applied = runCli(['rollback', '--db', store.location, '--run', '2', '--reason', 'bad feed', '--operator', 'ada', '--json']);
      expect(applied.code).toBe(0);
      const report = JSON.parse(applied.stdout) as { counts: { restored: number }; runRowGone: boolean; message: string; eventId: number };
      expect([report.counts.restored, report.runRowGone, report.message.endsWith(gone)]).toEqual([12, true, true]);
      const titles = await store.queries.db.selectFrom('hearings').select('title').distinct().execute();
      expect(titles.map((row) => row.title)).not.toContain('A bad feed');
      const events = JSON.parse(runCli(['rollback', '--db', store.location, '--list', '--run', '2', '--json']).stdout) as { id: number; operator: string; reason: string }[];
      expect(events).toMatchObject([{ id: report.eventId, operator: 'ada', reason: 'bad feed' }]);
      expect((await listAttempts(store, {}))[0]).toMatchObject({ operator: 'ada', outcome: 'succeeded', detail: `${gone}; reason: bad feed` });

      await expect(rollback(store, { runId: 2, reason: 'again', operator: 'ada' })).rejects.toMatchObject({
        code: 'NOT_FOUND',
        message: 'run 2 does not exist: its row was deleted outside Gatehouse, and every write its undo journal recorded has been rolled back; nothing to roll back',
      });
      await expect(rollback(store, { runId: 3, dryRun: true })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'run 3 does not exist' });
    });
  });
});
