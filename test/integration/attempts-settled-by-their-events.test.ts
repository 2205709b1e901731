import { afterAll, describe, expect, it } from 'vitest';
import { beginAttempt, listAttempts, rollback, settleOrphanedRuns, type WriterAttempt } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { isPostgresUrl } from '../../main/store/index.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { printed, runCli, startCli } from '../helpers/cli.js';
import { sessionsGone } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import { windSchemaBackTo } from '../helpers/schema-rewind.js';

/** Holds a command for good once its transaction has committed, before its attempt is ended (lock.ts holdingBeforeTheEnd). */
const HANG_AT_THE_END = { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_HANG_ATTEMPT_END: '1' };

/**
 * A rollback or restore killed (kill -9) after its one transaction committed, before it ended its
 * attempt: the next writer settled it `unfinished`, telling support to go and look in the audit for
 * its rollback event or restore — which the writer could see itself. It now settles it as what it
 * did, naming the event it found. Real CLI processes, on both backends.
 */
describe.each(testBackends())('a rollback or restore killed after its commit, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function killedAtTheEnd(db: string, args: string[], operation: string): Promise<void> {
    const cli = startCli([...args, '--db', db, '--operator', 'support-sam', '--json'], HANG_AT_THE_END);
    await printed(cli, new RegExp(`test seam: holding at the end of ${operation}\\n`));
    cli.child.kill('SIGKILL');
    expect((await cli.done).signal).toBe('SIGKILL');
    if (isPostgresUrl(db)) await sessionsGone(db);
  }

  it('is settled by the next writer as succeeded, naming its rollback event or restore', async () => {
    const db = await backend.freshLocation();
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    const taken = runCli(['backups', 'create', '--db', db, '--operator', 'support-sam', '--json']);
    const snapshotId = (JSON.parse(taken.stdout) as { id: string }).id;
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=45,offset=10', '--batch-size', '20']).code).toBe(0);

    await killedAtTheEnd(db, ['rollback', '--run', '2', '--batch', '2', '--reason', 'a bad feed'], 'a rollback of batch 2 of run 2');
    const events = JSON.parse(runCli(['rollback', '--list', '--run', '2', '--db', db, '--json']).stdout) as { id: number; at: string }[];
    expect(events).toHaveLength(1);
    // The restore is the next writer: it settles the rollback's attempt before it begins its own.
    await killedAtTheEnd(db, ['restore', '--backup', snapshotId, '--reason', 'back to the first load'], `a restore of snapshot ${snapshotId}`);
    const [restore] = JSON.parse(runCli(['backups', 'restores', '--db', db, '--json']).stdout) as { id: number; at: string }[];
    expect(runCli(['backups', 'create', '--db', db, '--operator', 'support-ann']).code).toBe(0);

    const attempts = JSON.parse(runCli(['backups', 'attempts', '--db', db, '--json']).stdout) as WriterAttempt[];
    const of = (operation: string) => attempts.find((attempt) => attempt.operation === operation);
    const stopped = 'the process running it stopped before it reported an outcome (killed or crashed), after it was committed';
    expect(of('a rollback of batch 2 of run 2')).toMatchObject({ outcome: 'succeeded', detail: `${stopped}: rollback event ${events[0]!.id} (at ${events[0]!.at}) is stored; reason: a bad feed` });
    expect(of(`a restore of snapshot ${snapshotId}`)).toMatchObject({ outcome: 'succeeded', detail: `${stopped}: restore ${restore!.id} (at ${restore!.at}) is stored; reason: back to the first load` });
  });

  // Begun before its attempt kept where its event would be: its event cannot be told from an earlier one of the same target.
  it('keeps a rollback attempt begun before migration 041 unfinished, with where to look, after the upgrade', async () => {
    const db = await backend.freshLocation();
    await withStoreAt(backend, db, async (store) => {
      const { runId } = await runUpdate({ store, source: arraySource(hearingRecords(4, 610000)) });
      await rollback(store, { runId, batchSeq: 1, reason: 'done before the upgrade', operator: 'support-sam' });
      await beginAttempt(store, { operation: `a rollback of run ${runId}`, operator: 'support-ann', at: new Date() });
      await windSchemaBackTo(store.queries.db, 41);
    });
    await withStoreAt(backend, db, async (upgraded) => {
      await settleOrphanedRuns(upgraded);
      expect((await listAttempts(upgraded)).find((attempt) => attempt.operator === 'support-ann')).toMatchObject({
        outcome: 'unfinished',
        detail: expect.stringMatching(/^the process running it stopped before it reported an outcome \(killed or crashed\); it ran in one transaction, so unless its rollback event or restore is in the audit, nothing of it was changed/),
      });
    });
  });
});
