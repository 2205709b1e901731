import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventIdFor } from '../../main/sources/synthetic-hearing.js';
import { runCli, startCli } from '../helpers/cli.js';
import { startCommitCutRelay, type CommitCut } from '../helpers/commit-cut-relay.js';
import { availablePostgresBackend, readBeside } from '../helpers/postgres.js';

const backend = await availablePostgresBackend();

/** What support reads of the store, on a connection of its own. */
function stored(schema: string) {
  return readBeside(async (rows) => ({
    runs: (await rows(`SELECT id, status FROM "${schema}".runs ORDER BY id`)).map((row) => `${String(row.id)}:${String(row.status)}`),
    rollbackEvents: (await rows(`SELECT run_id, batch_seq FROM "${schema}".rollback_events ORDER BY id`)).map((row) => `${String(row.run_id)}/${String(row.batch_seq)}`),
    attempts: (await rows(`SELECT outcome FROM "${schema}".writer_attempts WHERE operation LIKE 'a rollback of %' ORDER BY id`)).map((row) => String(row.outcome)),
    restores: (await rows(`SELECT r.snapshot_id, a.outcome FROM "${schema}".restore_events r, "${schema}".writer_attempts a WHERE a.operation = 'a restore of snapshot ' || r.snapshot_id ORDER BY r.id`)).map((row) => `${String(row.snapshot_id)}:${String(row.outcome)}`),
    batches: (await rows(`SELECT run_id, seq, status FROM "${schema}".batches ORDER BY run_id, seq`)).map((row) => `${String(row.run_id)}/${String(row.seq)}:${String(row.status)}`),
    quarantined: Number((await rows(`SELECT count(*) AS n FROM "${schema}".quarantine`))[0]!.n),
    hearings: Number((await rows(`SELECT count(*) AS n FROM "${schema}".hearings`))[0]!.n),
  }));
}

/**
 * A rollback (and an all-or-nothing run's "rolled back" bookkeeping) whose COMMIT the server ran but
 * whose answer a cut connection took: the rollback's attempt was recorded as failed (the CLI exited 6)
 * although its event, the undone hearings and the run's rolled_back status were all stored; the
 * all-or-nothing run's bookkeeping was not retried at all, and the run ended interrupted (exit 130);
 * a restore that was made said it "may or may not have been made" and was audited as failed; then
 * it was said and audited as made, without a word of the answer lost (a rollback's said so).
 * Each is now asked after on a new connection and said as it is; one cut before the server ran its
 * COMMIT is said not committed. One database for the file: each case goes on from the last.
 * SQLite's COMMIT is in-process: its outcome is always known, nothing to cut.
 */
describe.skipIf(backend === null)('a rollback whose COMMIT went through but whose answer was cut', () => {
  let location = '';
  let schema = '';
  beforeAll(async () => {
    location = await backend!.freshLocation();
    schema = new URL(location).searchParams.get('schema')!;
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=20']).code).toBe(0);
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=1,count=45,offset=10', '--batch-size', '20']).code).toBe(0);
  });
  afterAll(() => backend?.cleanup());

  async function cutAt(marked: RegExp, args: string[], env: Record<string, string> = {}, where: CommitCut = 'after') {
    const server = new URL(location);
    const relay = await startCommitCutRelay({ host: server.hostname, port: Number(server.port || 5432) }, marked, where);
    try {
      const viaRelay = new URL(location);
      viaRelay.port = String(relay.port);
      const result = await startCli([...args, '--db', viaRelay.toString(), '--json'], env).done;
      await relay.cut;
      return result;
    } finally {
      await relay.close();
    }
  }

  it('cut before the server ran its COMMIT is said and audited as failed, nothing changed', async () => {
    const result = await cutAt(/insert into "rollback_events"/i, ['rollback', '--run', '2', '--batch', '2', '--reason', 'cut test', '--operator', 'support'], {}, 'before');
    expect({ code: result.code, stderr: result.stderr }).toEqual({
      code: 6,
      stderr: expect.stringMatching(/^gatehouse: the connection to the database was lost during the rollback of batch 2 of run 2 \(cannot reach PostgreSQL at .*Connection terminated unexpectedly\); it was not committed: nothing was changed\n {2}hint: run the rollback again\n$/),
    });
    expect(await stored(schema)).toMatchObject({ runs: ['1:success', '2:success'], rollbackEvents: [], attempts: ['failed'], hearings: 55 });
  });

  it('of one batch is reported and audited as the rollback it was, its event recorded once', async () => {
    const result = await cutAt(/insert into "rollback_events"/i, ['rollback', '--run', '2', '--batch', '2', '--reason', 'cut test', '--operator', 'support']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { message: string; eventId: number };
    expect(report).toMatchObject({ runId: 2, batchSeq: 2, dryRun: false, runRolledBack: false, counts: { deleted: 15 } });
    expect(report.message).toMatch(/\(the connection to the database was lost during the rollback of batch 2 of run 2 \(.*\); it was committed all the same, before the answer could come back: rollback event \d+ is stored\)$/);
    expect(report.message).toContain(`rollback event ${report.eventId} is stored`);
    expect(await stored(schema)).toMatchObject({ runs: ['1:success', '2:success'], rollbackEvents: ['2/2'], attempts: ['failed', 'succeeded'], hearings: 40 });
  });

  it('of a whole run is reported and audited as the rollback it was, the run rolled back', async () => {
    const result = await cutAt(/insert into "rollback_events"/i, ['rollback', '--run', '2', '--reason', 'cut test', '--operator', 'support']);
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({ runId: 2, batchSeq: null, runRolledBack: true, counts: { deleted: 20 } });
    expect(await stored(schema)).toMatchObject({ runs: ['1:success', '2:rolled_back'], rollbackEvents: ['2/2', '2/null'], attempts: ['failed', 'succeeded', 'succeeded'], hearings: 20 });
  });

  it("of an all-or-nothing update's bookkeeping is recorded once: rolled back, its rejects quarantined once", async () => {
    const spec = 'synthetic:seed=2,count=10,offset=100,invalid=bad-date:0.2';
    const result = await cutAt(/insert into "batches"/i, ['update', '--source', spec, '--mode', 'all-or-nothing'], { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_FAIL_WRITES: Array.from({ length: 10 }, (_, n) => eventIdFor(100 + n)).join(',') });
    const summary = JSON.parse(result.stdout) as { runId: number; status: string; metrics: Record<string, number> };
    expect({ code: result.code, runId: summary.runId, status: summary.status }).toEqual({ code: 4, runId: 3, status: 'rolled_back' });
    const after = await stored(schema);
    expect(after).toMatchObject({ runs: ['1:success', '2:rolled_back', '3:rolled_back'], hearings: 20, quarantined: summary.metrics.quarantined });
    expect(after.batches.filter((b) => b.startsWith('3/'))).toEqual(['3/1:rolled_back']);
  });

  it('of a whole database (a restore) is reported and audited as the restore it was, recorded once', async () => {
    const { hearings } = await stored(schema);
    const taken = runCli(['backups', 'create', '--db', location, '--operator', 'support', '--json']);
    const snapshotId = (JSON.parse(taken.stdout) as { id: string }).id;
    expect(runCli(['update', '--db', location, '--source', 'synthetic:seed=3,count=5,offset=200']).code).toBe(0);
    const result = await cutAt(/insert into "restore_events"/i, ['restore', '--backup', snapshotId, '--reason', 'cut test', '--operator', 'support']);
    expect({ code: result.code, stderr: result.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    const report = JSON.parse(result.stdout) as { message: string; event: { id: number } };
    expect(report).toMatchObject({ restoredFrom: { id: snapshotId }, hearingsBefore: hearings + 5, hearingsAfter: hearings });
    const lost = new RegExp(`the connection to the database was lost during the restore from snapshot ${snapshotId} \\(cannot reach PostgreSQL at .*\\); it was committed all the same, before the answer could come back: restore ${report.event.id} is stored`);
    expect(report.message).toMatch(new RegExp(`; recorded as restore ${report.event.id} by support \\(${lost.source}\\)$`));
    expect(await stored(schema)).toMatchObject({ restores: [`${snapshotId}:succeeded`], hearings });
    const attempts = JSON.parse(runCli(['backups', 'attempts', '--db', location, '--json']).stdout) as { operation: string; detail: string }[];
    expect(attempts.find((attempt) => attempt.operation === `a restore of snapshot ${snapshotId}`)!.detail).toMatch(new RegExp(`^${lost.source}; reason: cut test$`));
  });
});
