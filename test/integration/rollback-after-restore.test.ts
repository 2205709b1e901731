import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, restoreSnapshot, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * After a restore took runs away, rolling one of them back said "run 3 does not exist" (hint: see
 * runs list) while its rollback events and the restore still stood in the audit: support was left
 * wondering whether they had the wrong id. It now says a restore removed it, and which.
 */
describe.each(testBackends())('rolling back a run a restore took away, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('says the run went with a restore, naming it, and still says an id never given does not exist', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(10, 300000)) });
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await runUpdate({ store, source: arraySource(hearingRecords(10, 300000, () => ({ title: 'A later look' }))) });
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'a bad feed since the snapshot', operator: 'bea' });
      const removed = new RegExp(`^run 2 no longer exists: a restore took the database back to before it \\(restore 1: snapshot ${snapshot.id} of ${snapshot.createdAt.replace(/[.]/g, '\\.')}, restored by bea at [^)]+\\), and what it wrote went with it; nothing to roll back$`);
      for (const dryRun of [true, false]) {
        await expect(rollback(store, { runId: 2, dryRun, reason: 'bad', operator: 'ada' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringMatching(removed) });
      }
      await expect(rollback(store, { runId: 3, dryRun: true })).rejects.toMatchObject({ code: 'NOT_FOUND', message: 'run 3 does not exist' });
      const cli = runCli(['rollback', '--db', location, '--run', '2', '--dry-run']);
      expect(cli.stderr).toContain('run 2 no longer exists: a restore took the database back to before it');
      expect(cli.stderr).toContain('gatehouse backups restores');
    } finally {
      await store.close();
    }
  });

  it('names the restore that removed the run, not a later one that removed another', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(10, 310000)) });
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await runUpdate({ store, source: arraySource(hearingRecords(10, 310000, () => ({ title: 'A later look' }))) });
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'run 2 was a bad feed', operator: 'bea' });
      await runUpdate({ store, source: arraySource(hearingRecords(10, 310000, () => ({ title: 'Another look' }))) });
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'run 3 was a bad feed too', operator: 'cal' });
      for (const [runId, restore, operator] of [[2, 1, 'bea'], [3, 2, 'cal']] as const) {
        const cli = runCli(['rollback', '--db', location, '--run', String(runId), '--dry-run']);
        expect(cli.stderr).toContain(`run ${runId} no longer exists: a restore took the database back to before it (restore ${restore}: snapshot ${snapshot.id}`);
        expect(cli.stderr).toContain(`restored by ${operator} at`);
      }
    } finally {
      await store.close();
    }
  });
});
