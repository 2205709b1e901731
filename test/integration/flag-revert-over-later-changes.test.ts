import { afterAll, describe, expect, it } from 'vitest';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';

/**
 * A support shift: `flags revert 1` to undo ann's change, not seeing that bob changed the flag since.
 * The revert put back the value from before event 1 and printed "40 → (unset)" as if nothing else
 * were at stake: bob's later change was discarded with no word of it. It is still done as asked (the
 * console sends the value it showed, and is refused instead), but now said on stderr, naming the
 * later change, and how to refuse such a revert (--expect).
 */
describe.each(testBackends())('reverting a flag event a later change has overtaken, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('says which later change the revert replaced; a revert of the latest change says nothing more', async () => {
    const location = await backend.freshLocation();
    await withStoreAt(backend, location, async () => {});
    const flags = (...args: string[]) => runCli(['flags', ...args, '--db', location]);
    expect(flags('set', 'BATCH_SIZE', '30', '--reason', 'smaller batches', '--operator', 'ann').code).toBe(0);
    expect(flags('set', 'BATCH_SIZE', '40', '--reason', 'a bit larger', '--operator', 'bob').code).toBe(0);
    const over = flags('revert', '1', '--reason', "undo ann's change", '--operator', 'cy');
    expect(over.code).toBe(0);
    expect(over.stdout).toBe(`event 3: BATCH_SIZE [global] 40 → (unset) (reverts event 1) by cy: undo ann's change\n`);
    expect(over.stderr).toMatch(/^gatehouse: warning: BATCH_SIZE \[global\] was changed after event 1 \(event 2 by bob at \S+: 30 → 40\); this revert replaced 40 with \(unset\) — pass --expect VALUE to refuse a revert over a change you have not seen\n$/);
    const latest = flags('revert', '3', '--reason', 'bob was right', '--operator', 'cy');
    expect(latest).toMatchObject({ code: 0, stderr: '' });
  });
});
