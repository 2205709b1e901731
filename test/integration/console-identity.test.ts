import { describe, expect, it } from 'vitest';
import { callApi, data, runToTheEnd, servedPerTest, signIn } from '../helpers/console-http.js';
import { sqliteBackend } from '../helpers/backends.js';
import { undoJournal } from '../../main/backup/index.js';
import { flagStore } from '../../main/flags/index.js';

/**
 * Issue 14, item 7: who did it. In `gatehouse serve` each browser session names itself once; the
 * name is bound to the session on the server and every audit row takes it from there, never from
 * the request body. Real HTTP on 127.0.0.1, a real SQLite file; API clients (the bearer token) are
 * recorded under the user who started the server.
 */
const served = servedPerTest(sqliteBackend(), () => ({ apiOperator: 'serve-owner' }));

async function namedSession(name: string): Promise<string> {
  const cookie = await signIn(served.server);
  expect(await data(served.server, 'session.name', { name }, cookie)).toEqual({ operator: name, identity: 'session', canName: false });
  return cookie;
}

describe('operator identity in browser mode', () => {
  it('records two sessions under their own names, and refuses an operator in the request body naming someone else', async () => {
    const ada = await namedSession('Ada');
    const grace = await namedSession('Grace');
    const refused = await callApi(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller batches', operator: 'carol' }, ada);
    expect(refused.status).toBe(400);
    expect(refused.result).toMatchObject({
      ok: false,
      error: { code: 'INPUT_INVALID', message: 'bad input for flags.set: operator "carol" is not who is calling (Ada); what you do is recorded under Ada, so nothing was done', hint: expect.stringMatching(/^leave operator out/) },
    });
    expect(await flagStore(served.store).history({})).toEqual([]);
    // A script that names the caller itself, as inputs once did, keeps working.
    await data(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller batches', operator: 'Ada' }, ada);
    await data(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 30, reason: 'a bit larger' }, grace);
    const history = await data<{ operator: string; reason: string }[]>(served.server, 'flags.history', { flag: 'BATCH_SIZE' }, ada);
    expect(history.map(({ operator, reason }) => ({ operator, reason }))).toEqual([
      { operator: 'Grace', reason: 'a bit larger' },
      { operator: 'Ada', reason: 'smaller batches' },
    ]);
    expect((await flagStore(served.store).history({ flag: 'BATCH_SIZE' })).map((event) => event.actor)).toEqual(['Grace', 'Ada']);
  });

  it('refuses a write from a session that has not named itself, and lets a session name itself only once', async () => {
    const cookie = await signIn(served.server);
    expect(await data(served.server, 'session.get', {}, cookie)).toEqual({ operator: null, identity: 'session', canName: true });
    const refused = await callApi(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'x', operator: 'mallory' }, cookie);
    expect(refused.status).toBe(400);
    expect(refused.result).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/not named its operator/) } });
    expect(await flagStore(served.store).history({})).toEqual([]);

    await data(served.server, 'session.name', { name: '  Linus  ' }, cookie);
    const rename = await callApi(served.server, 'session.name', { name: 'Mallory' }, cookie);
    expect(rename.status).toBe(409);
    expect(await data(served.server, 'session.get', {}, cookie)).toMatchObject({ operator: 'Linus', canName: false });
    const blank = await callApi(served.server, 'session.name', { name: '   ' }, await signIn(served.server));
    expect(blank.result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
  });

  it('refuses to stop a run from a session that has not named itself, and the run goes on until a named one stops it', async () => {
    const bearer = { Authorization: `Bearer ${served.server.apiToken}` };
    const firstBatch = new Promise<void>((resolve) => {
      const stop = served.engine.subscribe((event) => event.type === 'batch-finished' && (stop(), resolve()));
    });
    const finished = new Promise<{ status: string; error?: string | null }>((resolve) => {
      const stop = served.engine.subscribe((event) => event.type === 'run-finished' && (stop(), resolve(event.summary)));
    });
    const { runId } = await data<{ runId: number }>(served.server, 'runs.start', { source: 'synthetic:seed=5,count=20000', batchSize: 10 }, bearer);
    await firstBatch;
    const refused = await callApi(served.server, 'runs.cancel', { runId, operator: 'mallory' }, await signIn(served.server));
    expect(refused.status).toBe(400);
    expect(refused.result).toMatchObject({ ok: false, error: { code: 'USAGE', message: expect.stringMatching(/not named its operator/) } });
    expect(served.engine.active().map((run) => run.runId)).toEqual([runId]);

    expect(await data(served.server, 'runs.cancel', { runId }, await namedSession('Ada'))).toEqual({ cancelled: true });
    expect(await finished).toMatchObject({ status: 'interrupted', error: expect.stringMatching(/^stopped by Ada from the console /) });
  }, 60_000);

  it('names API clients after the user who started the server, and they cannot rename themselves', async () => {
    const bearer = { Authorization: `Bearer ${served.server.apiToken}` };
    expect(await data(served.server, 'session.get', {}, bearer)).toEqual({ operator: 'serve-owner', identity: 'api-token', canName: false });
    expect((await callApi(served.server, 'session.name', { name: 'Mallory' }, bearer)).status).toBe(400);
    const refused = await callApi(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'cron job', operator: 'mallory' }, bearer);
    expect(refused.result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', hint: 'leave operator out of the request: API clients act as the user who started `gatehouse serve`' } });
    await data(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'cron job' }, bearer);
    expect((await flagStore(served.store).history({}))[0]).toMatchObject({ actor: 'serve-owner' });
  });

  it('records rollbacks and restores under the session name, and a restore needs the typed snapshot id and a reason', async () => {
    const ada = await namedSession('Ada');
    const run = await runToTheEnd({ ...served, cookie: ada }, 'synthetic:seed=21,count=20');
    const asMallory = await callApi(served.server, 'rollback.apply', { runId: run.runId, confirmRunId: run.runId, reason: 'bad feed', operator: 'mallory' }, ada);
    expect(asMallory.result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID', message: expect.stringContaining('operator "mallory" is not who is calling (Ada)') } });
    expect(await undoJournal(served.store).listEvents({ runId: run.runId })).toEqual([]);
    const rollback = await data<{ operator: string }>(served.server, 'rollback.apply', { runId: run.runId, confirmRunId: run.runId, reason: 'bad feed' }, ada);
    expect(rollback.operator).toBe('Ada');
    expect(await undoJournal(served.store).listEvents({ runId: run.runId })).toEqual([expect.objectContaining({ operator: 'Ada', reason: 'bad feed' })]);

    const { snapshots } = await data<{ snapshots: { id: string; kind: string }[] }>(served.server, 'backups.list', {}, ada);
    const { id } = snapshots.find((snapshot) => snapshot.kind === 'before-run')!;
    const grace = await namedSession('Grace');
    expect((await callApi(served.server, 'backups.restore', { id, confirmId: id }, grace)).result).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    expect((await callApi(served.server, 'backups.restore', { id, confirmId: 'yes', reason: 'back to the start' }, grace)).result).toMatchObject({ ok: false, error: { code: 'USAGE' } });
    const restored = await data<{ event: { operator: string; reason: string }; message: string }>(served.server, 'backups.restore', { id, confirmId: id, reason: 'back to the start', operator: 'Grace' }, grace);
    expect(restored).toMatchObject({ event: { operator: 'Grace', reason: 'back to the start' } });
    expect(restored.message).toMatch(/recorded as restore \d+ by Grace/);
  });
});
