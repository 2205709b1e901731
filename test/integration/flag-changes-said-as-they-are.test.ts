import { describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { dispatch } from '../../main/api/index.js';
import { tester } from '../helpers/callers.js';
import { dispatchedPerTest } from '../helpers/console-http.js';

/**
 * A support QA pass: `flags set BATCH_SIZE 30 --expect 40` on a flag never set was refused as
 * "is now unset …: someone changed it meanwhile", though nobody ever had; and an unset of nothing, or
 * a revert done twice, printed "(unset) → (unset)" as a change. Such requests are still recorded (the
 * audit keeps who asked and why), but now said for what they are, on the command line and the API alike.
 */
describe.each(testBackends())('flag changes said as they are, on $name', (backend) => {
  const opened = dispatchedPerTest(backend);
  const flags = (...args: string[]) => runCli(['flags', ...args, '--db', opened.location]);

  it('refuses an expectation of a flag never set saying it never was, and of one since removed naming who removed it', async () => {
    const never = flags('set', 'BATCH_SIZE', '30', '--expect', '40', '--reason', 'smaller');
    expect(never.code).toBe(2);
    expect(never.stderr).toBe('gatehouse: BATCH_SIZE [global] has never been set, not 40 as this change expected: no value was ever stored for this scope; nothing was changed\n  hint: to change it only while nothing is stored, pass --expect none\n');
    // An unset of nothing is no removal of a value: the flag has still never been set.
    await opened.call('flags.unset', { flag: 'BATCH_SIZE', reason: 'nothing there' });
    const refused = await dispatch(opened.api, 'flags.set', { flag: 'BATCH_SIZE', value: 30, reason: 'smaller', expected: 40 }, tester);
    expect(refused).toMatchObject({ ok: false, error: { code: 'CONFLICT', message: 'BATCH_SIZE [global] has never been set, not 40 as this change expected: no value was ever stored for this scope; nothing was changed' } });

    await opened.call('flags.set', { flag: 'BATCH_SIZE', value: 40, reason: 'larger' });
    const removed = await opened.call('flags.unset', { flag: 'BATCH_SIZE', reason: 'back to the default' });
    const stale = flags('set', 'BATCH_SIZE', '30', '--expect', '40', '--reason', 'smaller');
    expect(stale.code).toBe(2);
    expect(stale.stderr).toContain(`gatehouse: BATCH_SIZE [global] is now unset, not 40 as this change expected: ${removed.operator} unset it at ${removed.at} (event ${removed.id}); nothing was changed\n`);
    expect((await opened.call('flags.history', { flag: 'BATCH_SIZE' })).map((event) => event.id)).toEqual([3, 2, 1]);
  });

  it('says a change that changed nothing did not, and records it all the same: an unset of nothing, a value set again, a revert done twice', async () => {
    const unsetOfNothing = flags('unset', 'BATCH_SIZE', '--reason', 'clean up', '--operator', 'ann');
    expect(unsetOfNothing).toMatchObject({ code: 0, stderr: '' });
    expect(unsetOfNothing.stdout).toBe('event 1: BATCH_SIZE [global] (unset) → (unset) (nothing changed: no value was stored; the request is recorded) by ann: clean up\n');
    expect(await opened.call('flags.unset', { flag: 'BATCH_SIZE', reason: 'clean up' })).toMatchObject({ id: 2, oldValue: null, newValue: null, changed: false });

    const set = JSON.parse(flags('set', 'BATCH_SIZE', '30', '--reason', 'smaller', '--json').stdout) as Record<string, unknown>;
    expect(set).toMatchObject({ id: 3, oldValue: null, newValue: 30, changed: true });
    // Additive, at the end: the keys of the event first, as flags.history answers them.
    expect(Object.keys(set).at(-1)).toBe('changed');
    expect(flags('set', 'BATCH_SIZE', '30', '--reason', 'again', '--operator', 'bob').stdout).toBe('event 4: BATCH_SIZE [global] 30 → 30 (nothing changed: 30 was stored already; the request is recorded) by bob: again\n');

    expect(await opened.call('flags.revert', { eventId: 3, reason: 'undo' })).toMatchObject({ id: 5, oldValue: 30, newValue: null, changed: true });
    // The second revert replaced nothing: no warning of a later change it overwrote, and said to have changed nothing.
    const twice = flags('revert', '3', '--reason', 'undo again', '--operator', 'cy');
    expect(twice).toMatchObject({ code: 0, stderr: '' });
    expect(twice.stdout).toBe('event 6: BATCH_SIZE [global] (unset) → (unset) (reverts event 3; nothing changed: no value was stored; the request is recorded) by cy: undo again\n');
    expect(await opened.call('flags.revert', { eventId: 3, reason: 'and again' })).toMatchObject({ id: 7, changed: false });
    expect((await opened.call('flags.history', { flag: 'BATCH_SIZE' })).map((event) => event.id)).toEqual([7, 6, 5, 4, 3, 2, 1]);
  });
});
