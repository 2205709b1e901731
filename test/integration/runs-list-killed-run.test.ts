import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { createApi, createInProcessEngineHost } from '../../main/api/index.js';
import { tester } from '../helpers/callers.js';
import { runCli, startCli } from '../helpers/cli.js';
import { PG_URL } from '../helpers/postgres.js';

/** The runs of `location` that have committed a batch, read as an outside session would (the store may not exist yet). */
async function runsWithACheckpoint(backend: TestBackend, location: string): Promise<number[]> {
  const query = "SELECT DISTINCT run_id FROM batches WHERE status = 'committed'";
  if (backend.name === 'sqlite') {
    const shell = new Database(location, { timeout: 30_000 });
    try {
      return (shell.prepare(query).all() as { run_id: number }[]).map((row) => row.run_id);
    } catch {
      return [];
    } finally {
      shell.close();
    }
  }
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const schema = new URL(location).searchParams.get('schema')!;
    const { rows } = await client.query<{ run_id: string }>(query.replace('FROM batches', `FROM "${schema}".batches`));
    return rows.map((row) => Number(row.run_id));
  } catch {
    return [];
  } finally {
    await client.end();
  }
}

describe.each(testBackends())('runs list and runs show after gatehouse update was killed (SIGKILL), on $name', (backend) => {
  afterAll(() => backend.cleanup());

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
});
