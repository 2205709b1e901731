import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { withReader } from '../helpers/domain-rows.js';
import { runCli, type CliResult } from '../helpers/cli.js';
import { connectToPostgres } from '../helpers/postgres.js';
import { arraySource, hearingRecord, hearingRecords } from '../helpers/records.js';

const witness = (name: string) => ({ name, organization: 'Institute of Things', position: 'Director' });
const committee = (systemCode: string) => ({ systemCode, name: `Committee ${systemCode}` });

/**
 * A rollback preview computes its answers from the undo journal without rewriting the hearings it
 * would restore: on PostgreSQL it held the row of every hearing it rewrote until its end, and an
 * operator's update rewriting one waited (4.5 s of a 5 s lock timeout at 100,000 hearings). What it
 * says about the committees and witnesses the run created must still be what the rollback does.
 */
describe.each(testBackends())('a rollback preview that writes nothing, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  // Skipped, hearing 1 keeps naming Cy New and hsxx02; forced, it goes, and only the later run's
  // before-image (hearing 1 as the first run wrote it) still names Bob New and hsxx01.
  const expected = {
    skip: { counts: { deleted: 1, skipped: 1, createdRowsKept: 4, createdRowsDeleted: 0 }, witnesses: ['Bob New', 'Cy New'] },
    force: { counts: { deleted: 2, forced: 1, createdRowsKept: 2, createdRowsDeleted: 2 }, witnesses: ['Bob New'] },
  } as const;

  it.each(['skip', 'force'] as const)('with %s, says which created witnesses and committees the hearings it leaves still name, as the rollback then does', async (onConflict) => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const first = await runUpdate({
        store,
        source: arraySource([
          hearingRecord(1, { witnesses: [witness('Bob New')], committees: [committee('hsxx01')] }),
          hearingRecord(2, { witnesses: [witness('Cy New')], committees: [committee('hsxx02')] }),
        ]),
      });
      // A later run moves hearing 1 to what hearing 2 named: a conflict for the rollback of the first.
      await runUpdate({ store, source: arraySource([hearingRecord(1, { witnesses: [witness('Cy New')], committees: [committee('hsxx02')] })]) });
      const preview = await rollback(store, { runId: first.runId, dryRun: true, onConflict });
      expect(preview.counts).toMatchObject(expected[onConflict].counts);
      // The preview wrote nothing: both hearings are still there.
      expect(await withReader(location, (query) => query('SELECT CAST(count(*) AS INTEGER) AS n FROM hearings'))).toEqual([{ n: 2 }]);
      const report = await rollback(store, { runId: first.runId, onConflict, reason: 'bad feed', operator: 'support-ann' });
      expect(report.counts).toEqual(preview.counts);
      expect(report.createdRows).toEqual(preview.createdRows);
      expect(report.hearings).toEqual(preview.hearings);
    } finally {
      await store.close();
    }
    const names = await withReader(location, (query) => query('SELECT name FROM witnesses ORDER BY name'));
    expect(names.map((row) => row.name)).toEqual(expected[onConflict].witnesses);
  });

  // A support person reading a preview while an operator's scheduled update runs in another process:
  // on SQLite the preview held BEGIN IMMEDIATE, and the update gave up with "database is busy" (exit 5).
  it("lets an update in another process commit while it is part-way through its look", async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const first = await runUpdate({ store, source: arraySource(hearingRecords(30)) });
      let update: CliResult | null = null;
      const preview = await rollback(store, {
        runId: first.runId,
        dryRun: true,
        limits: { pageSize: 10, listed: 100 },
        onProgress: (step) => {
          // spawnSync holds this thread, and so the preview inside its transaction, while the other process writes.
          if (update !== null || step.phase !== 'checking conflicts' || step.done === 0) return;
          update = runCli(['update', '--db', location, '--source', 'synthetic:seed=5,count=20', '--json'], { env: { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: '1000' } });
        },
      });
      expect(update).toMatchObject({ stderr: '', code: 0 });
      expect(JSON.parse(update!.stdout)).toMatchObject({ runId: first.runId + 1, status: 'success' });
      expect(preview.counts).toMatchObject({ deleted: 30 });
    } finally {
      await store.close();
    }
  });

  // PostgreSQL only: there an update's uncommitted row write can be held open from a session of the test's own.
  it.runIf(backend.name === 'postgres')("does not wait for, nor hold, the row of a hearing it would restore while an operator's update rewrites it", async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const schema = new URL(location).searchParams.get('schema')!;
    const operator = await connectToPostgres();
    // Watched from a session of its own: inside the update's transaction pg_stat_activity is a snapshot, blind to sessions opened since.
    const watcher = await connectToPostgres();
    try {
      const first = await runUpdate({ store, source: arraySource(Array.from({ length: 40 }, (_, i) => hearingRecord(i + 1, { witnesses: [witness(`Only ${i}`)] }))) });
      await runUpdate({ store, source: arraySource(Array.from({ length: 40 }, (_, i) => hearingRecord(i + 1, { title: `Revised ${i}`, witnesses: [witness(`Only ${i}`)] }))) });
      // An update's batch part-way: it has rewritten the hearing the second run wrote last and not yet committed.
      const [{ pid }] = (await operator.query('SELECT pg_backend_pid() AS pid')).rows as [{ pid: number }];
      await operator.query('BEGIN');
      await operator.query(`UPDATE "${schema}".hearings SET content_hash = content_hash WHERE event_id = '40'`);
      let previewed = false;
      const preview = rollback(store, { runId: first.runId + 1, dryRun: true }).finally(() => (previewed = true));
      const waitsForTheUpdate = async () => (await watcher.query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [pid])).rows.length > 0;
      const state = async () => (previewed ? 'previewed' : (await waitsForTheUpdate()) ? 'waits for the update' : null);
      await expect.poll(state, { timeout: 30_000 }).not.toBeNull();
      expect(await state()).toBe('previewed');
      expect((await preview).counts).toMatchObject({ restored: 40 });
      await operator.query('COMMIT');
      const report = await rollback(store, { runId: first.runId + 1, reason: 'bad feed', operator: 'support-ann' });
      expect(report.counts).toEqual((await preview).counts);
      expect(report.createdRows).toEqual((await preview).createdRows);
    } finally {
      await operator.query('ROLLBACK').catch(() => undefined);
      await operator.end();
      await watcher.end();
      await store.close();
    }
  }, 60_000);
});
