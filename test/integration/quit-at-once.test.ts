import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { addTask } from '../../main/scheduler/index.js';
import { openStore } from '../../main/store/index.js';
import { printed, runCli, startCli } from '../helpers/cli.js';
import { availablePostgresBackend, PG_URL, waitsForTableOf } from '../helpers/postgres.js';

/**
 * A second Ctrl-C (or SIGTERM) to `gatehouse update`, `gatehouse tasks run` or `gatehouse scheduler --once` quits at once, its run left mid-batch: it says
 * which run is left as of its last committed batch and how to resume it. The run is held in a write
 * by a DBA's LOCK TABLE on PostgreSQL, whose wait is the driver's and lets the process hear signals;
 * SQLite's busy wait blocks the thread, so no signal is handled during it and it has no such moment.
 */
const postgres = await availablePostgresBackend();

const SOURCE = 'synthetic:seed=162,count=20000';

/** The command's arguments on a fresh database; a task is added first for `tasks run`. */
const COMMANDS = {
  'update': async (location: string) => ['update', '--db', location, '--source', SOURCE, '--batch-size', '50', '--no-snapshot'],
  'tasks run': async (location: string) => {
    const added = runCli(['tasks', 'add', 'nightly', '--cron', '0 6 * * *', '--source', SOURCE, '--db', location]);
    expect(added.code, added.stderr).toBe(0);
    return ['tasks', 'run', 'nightly', '--db', location];
  },
  // A task added a while ago, its time since come: the check runs it.
  'scheduler --once': async (location: string) => {
    const store = await openStore(location);
    try {
      await addTask(store, { name: 'hourly', cron: '0 * * * *', source: SOURCE }, new Date(Date.now() - 2 * 3_600_000));
    } finally {
      await store.close();
    }
    return ['scheduler', '--once', '--db', location];
  },
};

describe.skipIf(!postgres)('a second signal to a command running one update while its run waits on a locked table, on postgres', () => {
  afterAll(() => postgres?.cleanup());

  for (const [command, args] of Object.entries(COMMANDS)) for (const [signal, exitCode] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    it(`gatehouse ${command} quits at once with exit ${exitCode}, naming the run left as of its last checkpoint and its --resume`, async () => {
      const location = await postgres!.freshLocation();
      const schema = new URL(location).searchParams.get('schema')!;
      const dba = new pg.Client({ connectionString: PG_URL });
      await dba.connect();
      // A long wait for the lock: the run stays in its write until the signals come.
      const update = startCli(await args(location), { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: '600000' });
      try {
        const committed = () => dba.query(`SELECT run_id FROM "${schema}".batches WHERE status = 'committed' LIMIT 1`).then((r) => r.rows, () => []);
        let rows: { run_id: string }[];
        while ((rows = await committed()).length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
        const runId = Number(rows[0]!.run_id);
        await dba.query('BEGIN');
        // The checkpoints' table alone (two could deadlock with the run's own locks): its next batch waits to record itself.
        await dba.query(`LOCK TABLE "${schema}".batches IN ACCESS EXCLUSIVE MODE`);
        while (!(await waitsForTableOf(dba, schema))) await new Promise((resolve) => setTimeout(resolve, 10));
        update.child.kill(signal);
        await printed(update, /send again to quit at once/);
        update.child.kill(signal);
        const { code, stderr } = await update.done;
        expect(code, stderr).toBe(exitCode);
        // Before: the second signal ended the process without a word.
        // A task's run names its task's source: `update --resume N` alone is refused for want of --source.
        const resume = command === 'update' ? `gatehouse update --resume ${runId}` : `gatehouse update --resume ${runId} --source '${SOURCE}'`;
        expect(stderr).toContain(`${signal} again: gatehouse ${command} (pid ${update.child.pid}) quit at once; run ${runId} is left as of its last committed batch (checkpoint): resume it with ${resume}\n`);
        // Nothing after the two signals' lines (the scheduler logs its decisions before them).
        expect(stderr.slice(stderr.indexOf(`${signal}: `)).trim().split('\n')).toHaveLength(2);
        await dba.query('ROLLBACK');
        const run = await dba.query(`SELECT status FROM "${schema}".runs WHERE id = $1`, [runId]);
        expect(run.rows).toEqual([{ status: 'running' }]);
      } finally {
        update.child.kill('SIGKILL');
        await dba.end();
      }
    }, 60_000);
  }
});
