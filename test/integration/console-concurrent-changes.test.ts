import { describe, expect, it } from 'vitest';
import { flagStore } from '../../main/flags/index.js';
import type { FlagView } from '../../shared/api-operations.js';
import type { SensitivityStateView } from '../../shared/api-sensitivity.js';
import { testBackends } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { callApi, data, servedPerTest, signIn } from '../helpers/console-http.js';

/**
 * A team on one `gatehouse serve`: two support staff change the same flag from two browsers, each
 * having read it before the other saved. The second save must not silently replace the first: it
 * is refused with CONFLICT naming the value now stored and who set it, and nothing is written.
 * Real HTTP on 127.0.0.1, on both backends; the CLI's `--expect` refuses the same way.
 */
describe.each(testBackends())('concurrent flag changes from two browsers, on $name', (backend) => {
  const served = servedPerTest(backend);

  async function browser(name: string): Promise<string> {
    const cookie = await signIn(served.server);
    await data(served.server, 'session.name', { name }, cookie);
    return cookie;
  }

  /** What a flag's editor shows as stored for a scope (null: nothing stored), as flags.list reads it. */
  async function storedAsShown(cookie: string, flag: string, scope = 'global') {
    const views = await data<FlagView[]>(served.server, 'flags.list', {}, cookie);
    return views.find((view) => view.name === flag)!.scopes.find((stored) => stored.scope === scope)?.value ?? null;
  }

  it('refuses the second of two saves based on the same value, naming the first, and writes nothing', async () => {
    const ada = await browser('Ada');
    const grace = await browser('Grace');
    const seenByAda = await storedAsShown(ada, 'BATCH_SIZE');
    const seenByGrace = await storedAsShown(grace, 'BATCH_SIZE');
    expect([seenByAda, seenByGrace]).toEqual([null, null]);

    await data(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller batches', expected: seenByAda }, ada);
    const stale = await callApi(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 200, reason: 'larger batches', expected: seenByGrace }, grace);

    expect(stale.status).toBe(409);
    expect(stale.result).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    const message = stale.result.ok ? '' : stale.result.error.message;
    expect(message).toContain('BATCH_SIZE [global] is now 20 (set by Ada');
    expect(message).toContain('nothing was changed');
    expect(await storedAsShown(grace, 'BATCH_SIZE')).toBe(20);
    expect((await flagStore(served.store).history({ flag: 'BATCH_SIZE' })).map((event) => [event.actor, event.newJson])).toEqual([['Ada', '20']]);

    // Having seen Ada's value, Grace's change goes through, with Ada's value as its old value.
    const retried = await data<{ oldValue: unknown; newValue: unknown }>(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 200, reason: 'larger batches', expected: 20 }, grace);
    expect(retried).toMatchObject({ oldValue: 20, newValue: 200 });
  });

  it('refuses a stale removal and a stale first value, and keeps what is stored', async () => {
    const ada = await browser('Ada');
    const grace = await browser('Grace');
    await data(served.server, 'flags.set', { flag: 'ENABLE_SNAPSHOTS', value: false, reason: 'disk nearly full', expected: null }, ada);
    // Grace saw `false`; Ada has since removed it.
    await data(served.server, 'flags.unset', { flag: 'ENABLE_SNAPSHOTS', reason: 'disk cleaned', expected: false }, ada);
    const staleUnset = await callApi(served.server, 'flags.unset', { flag: 'ENABLE_SNAPSHOTS', reason: 'cleaned too', expected: false }, grace);
    expect(staleUnset.status).toBe(409);
    expect(staleUnset.result.ok ? '' : staleUnset.result.error.message).toContain('is now unset, not false');
    // Grace saw nothing stored for the task; Ada has stored a value there meanwhile.
    await data(served.server, 'flags.set', { flag: 'ENABLE_SNAPSHOTS', scope: 'task:daily', value: true, reason: 'daily keeps snapshots', expected: null }, ada);
    const staleFirst = await callApi(served.server, 'flags.set', { flag: 'ENABLE_SNAPSHOTS', scope: 'task:daily', value: false, reason: 'no', expected: null }, grace);
    expect(staleFirst.status).toBe(409);
    expect(await storedAsShown(grace, 'ENABLE_SNAPSHOTS', 'task:daily')).toBe(true);
    expect((await flagStore(served.store).history({ flag: 'ENABLE_SNAPSHOTS' })).map((event) => event.actor)).toEqual(['Ada', 'Ada', 'Ada']);
  });

  it('lets exactly one of two simultaneous saves based on the same value through', async () => {
    const ada = await browser('Ada');
    const grace = await browser('Grace');
    const replies = await Promise.all([
      callApi(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller', expected: null }, ada),
      callApi(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 30, reason: 'a bit larger', expected: null }, grace),
    ]);
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409]);
    expect(await flagStore(served.store).history({ flag: 'BATCH_SIZE' })).toHaveLength(1);
  });

  it('refuses an expected value the flag cannot hold, as bad input', async () => {
    const ada = await browser('Ada');
    const reply = await callApi(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'r', expected: 'lots' }, ada);
    expect(reply.status).toBe(400);
    expect(reply.result.ok ? '' : reply.result.error.message).toContain('bad expected value "lots"');
  });

  it('refuses the same stale change on the command line (`--expect`), exit 2, and applies a current one', async () => {
    // Not runCli: a blocked event loop would let the server drop this test's kept-alive HTTP connection.
    const cli = (args: string[]) => startCli(args).done;
    const ada = await browser('Ada');
    await data(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller batches', expected: null }, ada);
    const stale = await cli(['flags', 'set', 'BATCH_SIZE', '200', '--expect', 'none', '--reason', 'larger', '--operator', 'grace', '--db', served.location]);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain('BATCH_SIZE [global] is now 20 (set by Ada');
    const current = await cli(['flags', 'set', 'BATCH_SIZE', '200', '--expect', '20', '--reason', 'larger', '--operator', 'grace', '--db', served.location, '--json']);
    expect(current.code, current.stderr).toBe(0);
    expect(JSON.parse(current.stdout)).toMatchObject({ oldValue: 20, newValue: 200, operator: 'grace' });
    const staleUnset = await cli(['flags', 'unset', 'BATCH_SIZE', '--expect', '20', '--reason', 'back to default', '--db', served.location]);
    expect(staleUnset.code).toBe(2);
    expect(await storedAsShown(ada, 'BATCH_SIZE')).toBe(200);
  });

  it('refuses a revert of an old event when the flag was changed since the trail the console showed, naming who, and applies a current one', async () => {
    const ada = await browser('Ada');
    const grace = await browser('Grace');
    const first = await data<{ id: number }>(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 20, reason: 'smaller batches', expected: null }, ada);
    // Grace's trail shows BATCH_SIZE at 20 (event `first`); Ada then sets 80.
    await data(served.server, 'flags.set', { flag: 'BATCH_SIZE', value: 80, reason: 'a bit larger', expected: 20 }, ada);
    const stale = await callApi(served.server, 'flags.revert', { eventId: first.id, reason: 'undo smaller batches', expected: 20 }, grace);
    expect(stale.status).toBe(409);
    expect(stale.result).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
    expect(stale.result.ok ? '' : stale.result.error.message).toContain('BATCH_SIZE [global] is now 80 (set by Ada');
    expect(await storedAsShown(grace, 'BATCH_SIZE')).toBe(80);
    expect(await flagStore(served.store).history({ flag: 'BATCH_SIZE' })).toHaveLength(2);

    // Having seen Ada's 80, Grace's revert puts back what was there before `first`: nothing.
    const current = await data<{ oldValue: unknown; newValue: unknown; operator: string }>(served.server, 'flags.revert', { eventId: first.id, reason: 'undo smaller batches', expected: 80 }, grace);
    expect(current).toMatchObject({ oldValue: 80, newValue: null, operator: 'Grace' });
    expect(await storedAsShown(grace, 'BATCH_SIZE')).toBeNull();

    const badExpectation = await callApi(served.server, 'flags.revert', { eventId: first.id, reason: 'r', expected: 'lots' }, grace);
    expect(badExpectation.status).toBe(400);
    expect(badExpectation.result.ok ? '' : badExpectation.result.error.message).toContain('bad expected value "lots"');
  });

  it('refuses a stale revert on the command line (`flags revert --expect`), exit 2, and applies a current one', async () => {
    const cli = (args: string[]) => startCli(args).done;
    const ada = await browser('Ada');
    const first = await data<{ id: number }>(served.server, 'flags.set', { flag: 'ENABLE_SNAPSHOTS', value: false, reason: 'disk nearly full', expected: null }, ada);
    await data(served.server, 'flags.set', { flag: 'ENABLE_SNAPSHOTS', value: true, reason: 'disk cleaned', expected: false }, ada);
    const stale = await cli(['flags', 'revert', String(first.id), '--expect', 'false', '--reason', 'undo', '--operator', 'grace', '--db', served.location]);
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain('ENABLE_SNAPSHOTS [global] is now true (set by Ada');
    expect(await storedAsShown(ada, 'ENABLE_SNAPSHOTS')).toBe(true);
    const current = await cli(['flags', 'revert', String(first.id), '--expect', 'true', '--reason', 'undo', '--operator', 'grace', '--db', served.location, '--json']);
    expect(current.code, current.stderr).toBe(0);
    expect(JSON.parse(current.stdout)).toMatchObject({ oldValue: true, newValue: null, operator: 'grace' });
    const staleNone = await cli(['flags', 'revert', String(first.id), '--expect', 'true', '--reason', 'again', '--db', served.location]);
    expect(staleNone.code).toBe(2);
    expect(staleNone.stderr).toContain('is now unset, not true');
  });

  it('refuses a sensitivity save edited from a version someone has since replaced, naming theirs, and saves nothing', async () => {
    const ada = await browser('Ada');
    const grace = await browser('Grace');
    await data(served.server, 'tasks.add', { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=10' }, ada);
    const seen = async (cookie: string) => (await data<SensitivityStateView>(served.server, 'sensitivity.get', { task: 'daily' }, cookie)).version?.version ?? null;
    const [adaSaw, graceSaw] = [await seen(ada), await seen(grace)];
    expect([adaSaw, graceSaw]).toEqual([null, null]);

    await data(served.server, 'sensitivity.save', { task: 'daily', settings: { metrics: { fetched: 'high' }, minSignals: 1 }, reason: 'catch spikes', basedOnVersion: adaSaw }, ada);
    const stale = await callApi(served.server, 'sensitivity.save', { task: 'daily', settings: { metrics: {}, minSignals: 3 }, reason: 'fewer alerts', basedOnVersion: graceSaw }, grace);
    expect(stale.status).toBe(409);
    expect(stale.result.ok ? '' : stale.result.error.message).toContain("daily's sensitivity is now version 1 (saved by Ada");
    const history = await data<{ version: number; operator: string }[]>(served.server, 'sensitivity.history', { task: 'daily' }, grace);
    expect(history.map(({ version, operator }) => [version, operator])).toEqual([[1, 'Ada']]);

    const retried = await data<{ version: number }>(served.server, 'sensitivity.save', { task: 'daily', settings: { metrics: {}, minSignals: 3 }, reason: 'fewer alerts', basedOnVersion: 1 }, grace);
    expect(retried.version).toBe(2);
  });

  it('lets exactly one of two simultaneous sensitivity saves from the same version through', async () => {
    const ada = await browser('Ada');
    const grace = await browser('Grace');
    await data(served.server, 'tasks.add', { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=10' }, ada);
    const replies = await Promise.all([
      callApi(served.server, 'sensitivity.save', { task: 'daily', settings: { metrics: {}, minSignals: 2 }, reason: 'two signals', basedOnVersion: null }, ada),
      callApi(served.server, 'sensitivity.save', { task: 'daily', settings: { metrics: {}, minSignals: 3 }, reason: 'three signals', basedOnVersion: null }, grace),
    ]);
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 409]);
    expect(await data<unknown[]>(served.server, 'sensitivity.history', { task: 'daily' }, ada)).toHaveLength(1);
  });

  it('refuses a task edit from a form loaded before someone else changed the task, naming the field, and changes nothing', async () => {
    const ada = await browser('Ada');
    const grace = await browser('Grace');
    await data(served.server, 'tasks.add', { name: 'daily', cron: '0 6 * * *', source: 'synthetic:seed=1,count=10', lookbackDays: 7 }, ada);
    const loaded = { cron: '0 6 * * *', source: 'synthetic:seed=1,count=10', lookbackDays: 7 };
    // Ada moves the schedule; Grace, with the old form open, changes the lookback and sends the old schedule back.
    await data(served.server, 'tasks.edit', { name: 'daily', ...loaded, cron: '0 7 * * *', expected: loaded }, ada);
    const stale = await callApi(served.server, 'tasks.edit', { name: 'daily', ...loaded, lookbackDays: 30, expected: loaded }, grace);
    expect(stale.status).toBe(409);
    expect(stale.result.ok ? '' : stale.result.error.message).toContain('task "daily" was changed meanwhile (by Ada');
    expect(stale.result.ok ? '' : stale.result.error.message).toContain('cron is now "0 7 * * *", not "0 6 * * *"');
    const [task] = await data<{ cron: string; lookbackDays: number }[]>(served.server, 'tasks.list', {}, grace);
    expect(task).toMatchObject({ cron: '0 7 * * *', lookbackDays: 7 });

    // A toggle from a stale view (it showed the task enabled; Ada has disabled it) is refused too.
    await data(served.server, 'tasks.edit', { name: 'daily', enabled: false, reason: 'feed broken', expected: { enabled: true } }, ada);
    const staleToggle = await callApi(served.server, 'tasks.edit', { name: 'daily', enabled: false, reason: 'feed broken', expected: { enabled: true } }, grace);
    expect(staleToggle.status).toBe(409);
    expect((await data<unknown[]>(served.server, 'tasks.history', { task: 'daily' }, ada))).toHaveLength(3);
  });
});
