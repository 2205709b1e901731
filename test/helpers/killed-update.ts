import Database from 'better-sqlite3';
import pg from 'pg';
import type { TestBackend } from './backends.js';
import { startCli } from './cli.js';
import { PG_URL } from './postgres.js';

/**
 * The runs of `location` that have committed a batch (its checkpoint row is written in the same
 * transaction), read as an outside session would (the store may not exist yet).
 */
export async function runsWithACheckpoint(backend: TestBackend, location: string): Promise<number[]> {
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

/** `gatehouse update` of a long source, killed (SIGKILL) once its first batch has committed: the run's id and the process's pid. `extra`: more options (`--task NAME`). */
export async function killedAfterABatch(backend: TestBackend, location: string, source: string, extra: string[] = []): Promise<{ runId: number; pid: number }> {
  const update = startCli(['update', '--db', location, '--source', source, '--batch-size', '50', '--no-snapshot', ...extra]);
  let runId: number | undefined;
  try {
    while (runId === undefined) [runId] = await runsWithACheckpoint(backend, location);
  } finally {
    update.child.kill('SIGKILL');
  }
  await update.done;
  return { runId, pid: update.child.pid! };
}
