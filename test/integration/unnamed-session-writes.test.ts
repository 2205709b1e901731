import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { currentOperator, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { addTask } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { callApi, data, servedPerTest, signIn } from '../helpers/console-http.js';
import { connectToPostgres } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * Every write through `gatehouse serve` is refused, with nothing written, until a browser session
 * names its operator: an operator starting a run from the console's form was recorded as no one in
 * its writer lock, and snapshots were taken, pruned and settings changed anonymously. Real HTTP, a
 * real store on each backend.
 */
const NOT_NAMED = { ok: false, error: { code: 'USAGE', message: expect.stringMatching(/has not named its operator yet; nothing was changed/), hint: expect.any(String) } };

/**
 * Who the writer lock names, read without taking it: a probe that took the lock to see who holds it
 * refused the very writer it waited for whenever the two met (the CLI's pg_try_advisory_lock, 1 in 6 on a loaded machine).
 */
async function lockHolder(store: Store): Promise<{ runId: number | null; operator: string | null } | null> {
  const holder = await store.writerLockHolder();
  return holder === null ? null : { runId: holder.runId, operator: holder.operator ?? null };
}

/** Every audit table's rows, as counts: what a call that needs no name must leave as it was. */
async function auditRows(store: Store): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ['flagEvents', 'rollbackEvents', 'runReviews', 'restoreEvents', 'rolloutLedger', 'taskEvents', 'writerAttempts'] as const) {
    const row = await store.queries.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    counts[table] = Number(row.n);
  }
  return counts;
}

describe.each(testBackends())('writes from a browser session that has not named its operator, on $name', (backend) => {
  const served = servedPerTest(backend);

  it('are refused, each of them, and write nothing; reads and previews still answer', async () => {
    await addTask(served.store, { name: 'nightly', cron: '0 6 * * *', source: 'synthetic:seed=3,count=20', lookbackDays: 7, enabled: true }, new Date(), 'Dee');
    const unnamed = await signIn(served.server);
    const writes: [string, unknown][] = [
      ['runs.start', { source: 'synthetic:seed=1,count=20' }],
      ['tasks.run', { name: 'nightly' }],
      ['tasks.run', { name: 'no-such-task' }],
      ['backups.create', {}],
      ['backups.prune', { keep: 1, maxAgeDays: 1, dryRun: false, reason: 'disk nearly full' }],
      ['backups.delete', { id: 'any', confirmId: 'any', reason: 'bad data', force: true }],
      ['sources.upload', { name: 'hearings.json', content: '[{"eventId":"1"}]' }],
      ['settings.saveWebhook', { url: 'https://hooks.example.org/gatehouse' }],
      ['settings.saveCongressKey', { apiKey: 'not-a-real-key' }],
      ['settings.saveDatabase', { location: null }],
    ];
    for (const [method, input] of writes) {
      const reply = await callApi(served.server, method, input, unnamed);
      expect({ method, status: reply.status, result: reply.result }).toEqual({ method, status: 400, result: NOT_NAMED });
    }
    // A bad input is still answered as bad input, before anyone is asked for a name.
    expect((await callApi(served.server, 'runs.start', { source: '' }, unnamed)).result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });

    expect(await served.store.listRuns({ limit: 10 })).toEqual([]);
    expect(await data(served.server, 'backups.list', {}, unnamed)).toMatchObject({ snapshots: [] });
    expect(await data(served.server, 'settings.preferences', {}, unnamed)).toMatchObject({ webhookHost: null, congressApiKeySet: false });
    if (backend.name === 'sqlite') expect(fs.existsSync(path.join(path.dirname(served.location), 'uploads'))).toBe(false);
    expect(await data(served.server, 'backups.prune', { keep: 1, maxAgeDays: 1, dryRun: true }, unnamed)).toMatchObject({ dryRun: true, pruned: [] });
  });

  it('a rollback preview, a snapshot check and a test notification answer it: they change nothing and leave no audit row, so they need no name', async () => {
    const { runId } = await runUpdate({ store: served.store, source: arraySource(hearingRecords(5)) });
    const named = await signIn(served.server);
    await data(served.server, 'session.name', { name: 'Ada' }, named);
    const { id: snapshotId } = await data<{ id: string }>(served.server, 'backups.create', {}, named);
    const before = await auditRows(served.store);
    const unnamed = await signIn(served.server);
    // No one named: the preview says so, not the name of whoever started the server.
    expect(await data(served.server, 'rollback.preview', { runId, batchSeq: null, onConflict: 'refuse' }, unnamed)).toMatchObject({ dryRun: true, eventId: null, operator: null, counts: { deleted: 5 } });
    expect(await data(served.server, 'rollback.preview', { runId, batchSeq: null, onConflict: 'refuse' }, named)).toMatchObject({ dryRun: true, operator: 'Ada' });
    // Only a preview may name no one: a rollback asked so is refused before it writes its event.
    await expect(rollback(served.store, { runId, reason: 'bad feed', operator: null })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/names the operator who asked for it; nothing was changed/) });
    expect(await data(served.server, 'backups.verify', { id: snapshotId }, unnamed)).toEqual([{ id: snapshotId, ok: true, problems: [] }]);
    expect((await callApi(served.server, 'notify.test', {}, unnamed)).status).toBe(200);
    expect(await auditRows(served.store)).toEqual(before);
    expect((await served.store.getRun(runId))!.status).toBe('success');
  });

  // PostgreSQL only: there its copy can be held part-way, on a table locked from outside; a SQLite snapshot (the backup API, a reader) cannot.
  it.runIf(backend.name === 'postgres')('a snapshot taken from the console names its operator in the writer lock while it copies, for whoever it refuses meanwhile', async () => {
    await runUpdate({ store: served.store, source: arraySource(hearingRecords(5)) });
    const cookie = await signIn(served.server);
    await data(served.server, 'session.name', { name: 'Ada' }, cookie);
    const schema = new URL(served.location).searchParams.get('schema')!;
    const outside = await connectToPostgres();
    try {
      await outside.query('BEGIN');
      await outside.query(`LOCK TABLE "${schema}".hearings IN ACCESS EXCLUSIVE MODE`);
      const taken = data(served.server, 'backups.create', {}, cookie);
      // Awaited below; a failed wait for the holder must not leave it unhandled.
      taken.catch(() => undefined);
      await expect.poll(() => lockHolder(served.store), { timeout: 30_000 }).toEqual({ runId: null, operator: 'Ada' });
      await outside.query('COMMIT');
      expect(await taken).toMatchObject({ kind: 'manual' });
    } finally {
      await outside.end();
    }
  }, 60_000);

  it('are taken once the session is named, and a task run from the console names its operator in the writer lock', async () => {
    await addTask(served.store, { name: 'nightly', cron: '0 6 * * *', source: 'synthetic:seed=5,count=200000', lookbackDays: 7, enabled: true }, new Date(), 'Dee');
    const cookie = await signIn(served.server);
    await data(served.server, 'session.name', { name: 'Ada' }, cookie);
    let runId: number | null = null;
    const firstBatch = new Promise<void>((resolve) => served.engine.subscribe((event) => event.type === 'batch-finished' && event.runId === runId && resolve()));
    const finished = new Promise<RunSummary>((resolve) => served.engine.subscribe((event) => event.type === 'run-finished' && event.runId === runId && resolve(event.summary)));
    ({ runId } = await data<{ runId: number }>(served.server, 'tasks.run', { name: 'nightly' }, cookie));
    await firstBatch;
    expect(await lockHolder(served.store)).toEqual({ runId, operator: 'Ada' });

    await data(served.server, 'runs.cancel', { runId }, cookie);
    expect(await finished).toMatchObject({ status: 'interrupted', task: 'nightly' });
    expect(await data(served.server, 'settings.saveWebhook', { url: 'https://hooks.example.org/gatehouse' }, cookie)).toMatchObject({ webhookHost: 'hooks.example.org' });
  }, 60_000);
});

describe.each(testBackends())('gatehouse tasks run, on $name', (backend) => {
  const served = servedPerTest(backend);

  it('names the person who ran it in the writer lock, not the scheduler', async () => {
    await addTask(served.store, { name: 'nightly', cron: '0 6 * * *', source: 'synthetic:seed=5,count=200000', lookbackDays: 7, enabled: true }, new Date(), 'Dee');
    const cli = startCli(['tasks', 'run', 'nightly', '--db', served.location, '--json']);
    await expect.poll(() => lockHolder(served.store), { timeout: 30_000 }).toMatchObject({ runId: expect.any(Number), operator: currentOperator() });
    // `tasks run` has no stop of its own: the process ends, and the database goes with the test.
    cli.child.kill('SIGKILL');
    await cli.done;
  }, 60_000);
});
