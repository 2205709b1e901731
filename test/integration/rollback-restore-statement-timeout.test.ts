import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshotOnRequest, listAttempts, listSnapshots, restoreSnapshot, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { withStoreAt } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { availablePostgresBackend, testRunTag } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import { dropSlowRole, slowRoleOn } from '../helpers/slow-role.js';

const backend = await availablePostgresBackend();

/** A role whose statement_timeout (1s) a write to hearings always outlasts: its trigger sleeps 3s for this role only. */
const role = `gh_flt_timeout_${testRunTag()}_${process.pid}`;

const CANCELED = '(canceling statement due to statement timeout)';

/**
 * A rollback or restore whose statement PostgreSQL canceled at the role's statement_timeout ended as
 * "gatehouse: unexpected error: canceling statement due to statement timeout", exit 1, and audited
 * as that bare line. Each is one transaction: it now says nothing was changed, and which setting to
 * raise; asked again without the timeout, it finishes.
 */
describe.skipIf(backend === null)('a rollback and a restore past PostgreSQL\'s statement_timeout', () => {
  afterAll(async () => {
    await backend?.cleanup();
    await dropSlowRole(role);
  });

  it('are refused as canceled by the server, nothing changed and the attempt audited so, then done when asked again', async () => {
    const location = await backend!.freshLocation();
    const snapshot = await withStoreAt(backend!, location, async (store) => {
      await runUpdate({ store, source: arraySource(hearingRecords(5, 710000)) });
      const taken = await createSnapshotOnRequest(store);
      await runUpdate({ store, source: arraySource(hearingRecords(5, 720000)) });
      return taken.id;
    });
    const timed = await slowRoleOn(location, role, ['hearings']);

    const hint = "  hint: the server's statement_timeout for the role or database Gatehouse connects as (SHOW statement_timeout) is shorter than this takes";

    const rolledBack = runCli(['rollback', '--db', timed, '--run', '2', '--reason', 'bad load', '--operator', 'sam']);
    const rollbackSaid = `rollback of run 2 failed: the PostgreSQL server canceled a statement of it ${CANCELED}; it is one transaction: nothing was rolled back`;
    expect({ code: rolledBack.code, said: rolledBack.stderr.split('\n').slice(0, 2) }).toEqual({ code: 2, said: [`gatehouse: ${rollbackSaid}`, expect.stringContaining(hint)] });
    const restored = runCli(['restore', '--db', timed, '--backup', snapshot, '--reason', 'bad day', '--operator', 'sam']);
    // Canceled inside its one transaction, nothing replaced: the safety snapshot it took is removed.
    const restoreSaid = `restore from snapshot ${snapshot} failed: the PostgreSQL server canceled a statement of it ${CANCELED}; nothing was restored; its safety snapshot`;
    const safetyRemoved = ', the database as it still is, was removed';
    expect({ code: restored.code, said: restored.stderr.split('\n').slice(0, 2) }).toEqual({ code: 2, said: [expect.stringMatching(new RegExp(`^gatehouse: ${escaped(restoreSaid)} \\S+${safetyRemoved}$`)), expect.stringContaining(hint)] });

    await withStoreAt(backend!, location, async (store) => {
      const attempts = await listAttempts(store, { limit: 2 });
      expect(attempts.map(({ outcome, detail }) => ({ outcome, detail }))).toEqual([
        { outcome: 'failed', detail: expect.stringMatching(new RegExp(`^${escaped(restoreSaid)} \\S+${safetyRemoved}; reason: bad day$`)) },
        { outcome: 'failed', detail: `${rollbackSaid}; reason: bad load` },
      ]);
      expect(await store.countHearings()).toBe(10);
      expect((await listSnapshots(store)).filter((s) => s.kind === 'safety')).toEqual([]);
      expect((await store.getRun(2))?.status).toBe('success');

      expect((await rollback(store, { runId: 2, reason: 'bad load', operator: 'sam' })).runRolledBack).toBe(true);
      expect(await store.countHearings()).toBe(5);
      expect((await restoreSnapshot(store, { snapshotId: snapshot, reason: 'bad day', operator: 'sam' })).hearingsAfter).toBe(5);
    });
  });
});

function escaped(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
