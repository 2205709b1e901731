import { afterAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { killedAfterABatch } from '../helpers/killed-update.js';

const SOURCE = 'synthetic:seed=258,count=30000';

/**
 * A resume goes on under the run's own id (its checkpoint, undo journal and batches name it; run ids
 * are never reused), so `resumedFrom` names the run it continued — itself — once resumed, and stays
 * null for a run never resumed. It was null for every run.
 */
describe.each(testBackends())('a run resumed after gatehouse update was killed (SIGKILL) says it was resumed, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('update --resume of the killed run prints and stores resumedFrom as the run it continued, and goes on as its task', async () => {
    const location = await backend.freshLocation();
    const { runId } = await killedAfterABatch(backend, location, SOURCE, ['--task', 'nightly']);

    // Another task's name is refused before the run is touched: it would be judged on that task's history under its own name.
    const otherTask = runCli(['update', '--db', location, '--source', SOURCE, '--resume', String(runId), '--task', 'daily', '--json']);
    expect(otherTask.code).toBe(2);
    expect(otherTask.stderr).toContain(`run ${runId} is a run of task nightly and cannot be resumed as task daily; resume it with --task nightly, or without --task`);
    expect(JSON.parse(runCli(['runs', 'show', String(runId), '--db', location, '--json']).stdout)).toMatchObject({ status: 'interrupted', resumedFrom: null, resumable: true });

    const resumed = runCli(['update', '--db', location, '--source', SOURCE, '--resume', String(runId), '--json', '--no-snapshot']);
    expect(resumed.code, resumed.stderr).toBe(0);
    const summary = JSON.parse(resumed.stdout) as RunSummary;
    expect(summary).toMatchObject({ runId, status: 'success', task: 'nightly', resumedFrom: runId, metrics: { fetched: 30_000 } });
    const shown = runCli(['runs', 'show', String(runId), '--db', location, '--json']);
    expect(JSON.parse(shown.stdout)).toMatchObject({ runId, resumedFrom: runId });

    // A run never resumed says so with null.
    const fresh = runCli(['update', '--db', location, '--source', 'synthetic:seed=259,count=20', '--json', '--no-snapshot']);
    expect(fresh.code, fresh.stderr).toBe(0);
    expect(JSON.parse(fresh.stdout)).toMatchObject({ status: 'success', resumedFrom: null });
  }, 240_000);

  it('update --resume refuses a run that finished and one that does not exist, and changes nothing', async () => {
    const location = await backend.freshLocation();
    const done = runCli(['update', '--db', location, '--source', 'synthetic:seed=260,count=20', '--json', '--no-snapshot']);
    expect(done.code, done.stderr).toBe(0);
    const { runId } = JSON.parse(done.stdout) as RunSummary;

    const finished = runCli(['update', '--db', location, '--source', 'synthetic:seed=260,count=20', '--resume', String(runId), '--json']);
    expect(finished.code).toBe(2);
    expect(JSON.parse(finished.stdout)).toEqual({ error: { code: 'CONFLICT', message: `run ${runId} is success; only an interrupted run can be resumed (or one that failed on a lost connection)` } });
    const missing = runCli(['update', '--db', location, '--source', 'synthetic:seed=260,count=20', '--resume', '999', '--json']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({ error: { code: 'NOT_FOUND', message: 'run 999 does not exist', hint: 'see gatehouse runs list' } });

    const runs = JSON.parse(runCli(['runs', 'list', '--db', location, '--json']).stdout) as RunSummary[];
    expect(runs.map((run) => ({ runId: run.runId, status: run.status, resumedFrom: run.resumedFrom }))).toEqual([{ runId, status: 'success', resumedFrom: null }]);
  }, 120_000);
});
