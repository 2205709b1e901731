import { describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { dispatchedPerTest } from '../helpers/console-http.js';

/**
 * A revert recorded its change but not which event it undid, and its values cannot say: here the
 * flag moved again (30 → 40) before event 1 (unset → 30) was reverted, so the revert reads
 * "40 → unset", matching no event. Support reading the audit now sees the event it reverted, in
 * `flags history`, the API's flags.history and the console's history timeline; other changes name none.
 */
describe.each(testBackends())('a flag revert names the event it reverted, on $name', (backend) => {
  const opened = dispatchedPerTest(backend);

  it('in the revert itself, in flags history (CLI and API) and in the history timeline', async () => {
    const cli = (args: string[]) => runCli([...args, '--db', opened.location]);
    await opened.call('flags.set', { flag: 'BATCH_SIZE', value: 30, reason: 'smaller' });
    await opened.call('flags.set', { flag: 'BATCH_SIZE', value: 40, reason: 'a bit bigger' });
    const fromCli = cli(['flags', 'revert', '1', '--reason', 'undo the first', '--operator', 'sam']);
    expect({ code: fromCli.code, stdout: fromCli.stdout }).toEqual({ code: 0, stdout: 'event 3: BATCH_SIZE [global] 40 → (unset) (reverts event 1) by sam: undo the first\n' });
    const fromConsole = await opened.call('flags.revert', { eventId: 2, reason: 'undo the second' });
    expect(fromConsole).toMatchObject({ id: 4, oldValue: null, newValue: 30, revertsEventId: 2 });
    // A revert of an event that does not exist records nothing.
    expect(cli(['flags', 'revert', '99', '--reason', 'nothing there']).code).toBe(2);

    const reverted = (events: { id: number; revertsEventId: number | null }[]) => events.map((e) => [e.id, e.revertsEventId]);
    const expected = [[4, 2], [3, 1], [2, null], [1, null]];
    expect(reverted(await opened.call('flags.history', {}))).toEqual(expected);
    const history = cli(['flags', 'history', '--json']);
    expect(reverted(JSON.parse(history.stdout) as { id: number; revertsEventId: number | null }[])).toEqual(expected);
    const table = cli(['flags', 'history']).stdout.split('\n');
    expect(table[0]).toMatch(/^event +at +flag +scope +old +new +reverts +operator +reason$/);
    expect(table[2]).toMatch(/^3 +\S+ +BATCH_SIZE +global +40 +\(unset\) +1 +sam +undo the first$/);
    expect(table[3]).toMatch(/^2 +\S+ +BATCH_SIZE +global +30 +40 +— +/);

    const timeline = await opened.call('history.annotations', {});
    const titles = timeline.events.filter((event) => event.kind === 'flag').map((event) => event.title);
    expect(titles).toEqual(expect.arrayContaining(['BATCH_SIZE 40 → default (50), reverting change 1', 'BATCH_SIZE default (50) → 30, reverting change 2']));
  });
});
