import { afterAll, describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { createApi, createInProcessEngineHost } from '../../main/api/index.js';
import { tester } from '../helpers/callers.js';
import { runCli, startCli } from '../helpers/cli.js';
import Database from 'better-sqlite3';
import { killedAfterABatch, runsWithACheckpoint } from '../helpers/killed-update.js';
import { psql } from '../helpers/postgres.js';

describe.each(testBackends())('runs list and runs show after gatehouse update was killed (SIGKILL), on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('count what its committed batches wrote, as they will once a writer marks it interrupted, in runs show and the console alike', async () => {
    const location = await backend.freshLocation();
    const { runId } = await killedAfterABatch(backend, location, 'synthetic:seed=164,count=200000');
    const shown = runCli(['runs', 'show', String(runId), '--db', location, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    const unmarked = JSON.parse(shown.stdout) as { processGone?: object; metrics: Record<string, number>; batches: Record<string, number>; batchList: { status: string; added: number }[] };
    expect(unmarked.processGone).toBeDefined();
    const committed = unmarked.batchList.filter((batch) => batch.status === 'committed');
    expect(committed.length).toBeGreaterThan(0);
    // Before: 0 added and 0 batches, beside the batch table listing the committed ones, until the next writer marked it.
    expect(unmarked.batches).toMatchObject({ total: committed.length, succeeded: committed.length });
    expect(unmarked.metrics.added).toBe(committed.reduce((sum, batch) => sum + batch.added, 0));

    const store = await backend.open(location);
    const api = createApi({ store, engine: createInProcessEngineHost({ location }), transport: 'http', databaseLocation: location });
    try {
      const [listed] = await api['runs.list']({ limit: 1 }, tester);
      expect({ metrics: listed!.metrics, batches: listed!.batches }).toEqual({ metrics: unmarked.metrics, batches: unmarked.batches });
      expect((await api['overview.get']({ windowDays: 7 }, tester)).recentRuns[0]).toMatchObject({ runId, metrics: unmarked.metrics, batches: unmarked.batches });
      // A writer takes over and marks it: the counts it is read with do not move.
      expect(await store.markOrphanedRunsInterrupted({ now: new Date() })).toEqual([runId]);
      const marked = (await api['runs.get']({ runId }, tester));
      expect(marked.status).toBe('interrupted');
      expect(marked.stop).toEqual({ kind: 'process-gone' });
      expect({ metrics: marked.metrics, batches: marked.batches }).toEqual({ metrics: unmarked.metrics, batches: unmarked.batches });
    } finally {
      await store.close();
    }
  }, 120_000);

  it('show the run whose process is gone as interrupted, not yet marked, and write nothing: its stored status stays running', async () => {
    const location = await backend.freshLocation();
    const update = startCli(['update', '--db', location, '--source', 'synthetic:seed=163,count=200000', '--batch-size', '50', '--no-snapshot']);
    let runId: number | undefined;
    try {
      while (runId === undefined) [runId] = await runsWithACheckpoint(backend, location);
      // While its process lives the run is going: no flag.
      const alive = runCli(['runs', 'list', '--db', location, '--json']);
      expect(alive.code, alive.stderr).toBe(0);
      expect(JSON.parse(alive.stdout)).toEqual([expect.objectContaining({ runId, status: 'running' })]);
      expect(JSON.parse(alive.stdout)[0]).not.toHaveProperty('processGone');
    } finally {
      update.child.kill('SIGKILL');
    }
    await update.done;
    const pid = update.child.pid!;

    const table = runCli(['runs', 'list', '--db', location]);
    expect(table.code, table.stderr).toBe(0);
    // Before: `1    running  batch …` until the next writer took over the lock.
    expect(table.stdout).toMatch(new RegExp(`^${runId}\\s+interrupted \\(not yet marked: its process ${pid} is gone\\)\\s+batch`, 'm'));
    const listed = runCli(['runs', 'list', '--db', location, '--json']);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ runId, status: 'running', processGone: { pid, host: expect.any(String) } })]);
    const shown = runCli(['runs', 'show', String(runId), '--db', location, '--json']);
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ runId, status: 'running', processGone: { pid } });
    // Filtered and counted by the status shown, everywhere: `--status interrupted` finds it, `--status running` does
    // not (before: the reverse), and the Overview counts it interrupted (before: running, beside a Runs page saying otherwise).
    const byStatus = (status: string) => JSON.parse(runCli(['runs', 'list', '--db', location, '--json', '--status', status]).stdout) as { runId: number }[];
    expect(byStatus('interrupted').map((run) => run.runId)).toEqual([runId]);
    expect(byStatus('running')).toEqual([]);
    const store = await backend.open(location);
    const api = createApi({ store, engine: createInProcessEngineHost({ location }), transport: 'http', databaseLocation: location });
    try {
      expect((await api['overview.get']({ windowDays: 7 }, tester)).runsByStatus).toEqual({ interrupted: 1 });
      expect((await api['runs.list']({ limit: 50, status: ['interrupted'] }, tester)).map((run) => run.runId)).toEqual([runId]);
      expect(await api['runs.list']({ limit: 50, status: ['running'] }, tester)).toEqual([]);
      expect((await api['history.metrics']({ limit: 400 }, tester)).map((point) => point.status)).toEqual(['interrupted']);
      // Read so many times: nothing was written, the stored status is unchanged until a writer marks it.
      expect((await store.getRun(runId))!.status).toBe('running');
    } finally {
      await store.close();
    }
  }, 120_000);

  it('show a run whose process on another host died as interrupted once that process no longer holds the writer lock, in the CLI and the API alike', async () => {
    const location = await backend.freshLocation();
    const { runId, pid } = await killedAfterABatch(backend, location, 'synthetic:seed=165,count=200000');
    // As if started on another host: no pid of this one can tell whether that process lives.
    const elsewhere = "UPDATE runs SET host = 'another-host'; UPDATE writer_lock SET host = 'another-host'";
    if (backend.name === 'postgres') await psql(`SET search_path = "${new URL(location).searchParams.get('schema')!}"; ${elsewhere};`);
    else new Database(location).exec(elsewhere).close();

    const listed = runCli(['runs', 'list', '--db', location, '--json']);
    expect(listed.code, listed.stderr).toBe(0);
    const store = await backend.open(location);
    const api = createApi({ store, engine: createInProcessEngineHost({ location }), transport: 'http', databaseLocation: location });
    try {
      const [console] = await api['runs.list']({ limit: 1 }, tester);
      expect(JSON.parse(listed.stdout)).toEqual([console]);
      if (backend.name === 'postgres') {
        // Its session, and with it the advisory lock, ended with the process. Before: `running`, until the next writer.
        expect(console).toMatchObject({ runId, status: 'running', processGone: { pid, host: 'another-host', writerLockFree: true } });
        expect(runCli(['runs', 'list', '--db', location]).stdout).toMatch(new RegExp(`^${runId}\\s+interrupted \\(not yet marked: its process ${pid} on another-host no longer holds the writer lock\\)`, 'm'));
        expect((await api['runs.list']({ limit: 50, status: ['interrupted'] }, tester)).map((run) => run.runId)).toEqual([runId]);
      } else {
        // SQLite's lock is its row, which still names that process: it holds the lock until the next writer finds its heartbeat stale.
        expect(console).toMatchObject({ runId, status: 'running' });
        expect(console).not.toHaveProperty('processGone');
      }
      expect((await store.getRun(runId))!.status).toBe('running');
    } finally {
      await store.close();
    }
  }, 60_000);
});
