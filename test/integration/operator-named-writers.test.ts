import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { testBackends } from '../helpers/backends.js';
import { printed, runCli, startCli } from '../helpers/cli.js';
import { tempFolderEachTest } from '../helpers/temp-folder.js';

const folder = tempFolderEachTest('gatehouse-operator-named-');

/**
 * `update`, `tasks run`, `backups create` and `backups prune` change the database but took no
 * `--operator`: from a terminal they always ran as the OS user (root on a shared server), while the
 * console names its caller. The name they now take is the one the writer lock shows whoever it
 * refuses meanwhile, checked as every audited command checks it (a blank name is refused).
 */
describe.each(testBackends())('writers named by --operator, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('refuses a blank --operator on every writer that takes one, with nothing written', async () => {
    const location = await backend.freshLocation();
    expect(runCli(['tasks', 'add', 'nightly', '--cron', '0 2 * * *', '--source', 'synthetic:seed=1,count=5', '--db', location]).code).toBe(0);
    const commands: string[][] = [
      ['update', '--source', 'synthetic:seed=1,count=5'],
      ['tasks', 'run', 'nightly'],
      ['backups', 'create'],
      ['backups', 'prune', '--keep', '1', '--reason', 'retention by hand'],
    ];
    for (const command of commands) {
      for (const blank of ['', '   ']) {
        const result = runCli([...command, '--operator', blank, '--db', location]);
        expect({ command, blank, code: result.code, stderr: result.stderr }).toEqual({ command, blank, code: 2, stderr: 'gatehouse: --operator: a name is required\n' });
      }
    }
    const runs = JSON.parse(runCli(['runs', 'list', '--db', location, '--json']).stdout) as unknown[];
    const snapshots = JSON.parse(runCli(['backups', 'list', '--db', location, '--json']).stdout) as { snapshots: unknown[] };
    expect({ runs: runs.length, snapshots: snapshots.snapshots.length }).toEqual({ runs: 0, snapshots: 0 });
  });

  it("names the operator of an update held mid-run to a snapshot asked for meanwhile; the named snapshot and prune then go through", async () => {
    const location = await backend.freshLocation();
    const fifo = path.join(folder(), 'go-on');
    execFileSync('mkfifo', [fifo]);
    const held = startCli(['update', '--db', location, '--source', 'synthetic:seed=4,count=200', '--batch-size', '50', '--no-snapshot', '--operator', ' support-sam ', '--json'], {
      GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_PAUSE_FIFO: fifo, GATEHOUSE_PAUSE_AFTER_BATCH: '1',
    });
    await printed(held, /test seam: paused at batch 1 committed/);

    const refused = runCli(['backups', 'create', '--db', location, '--operator', 'grace']);
    expect(refused.code).toBe(5);
    expect(refused.stderr).toMatch(/an update \(run 1\) started by support-sam at \d{4}-\S+ holds /);

    fs.writeFileSync(fifo, 'go on\n');
    const finished = await held.done;
    expect(finished.code, finished.stderr).toBe(0);
    for (const command of [['backups', 'create'], ['backups', 'prune', '--keep', '1', '--reason', 'retention by hand']]) {
      const named = runCli([...command, '--operator', 'grace', '--db', location, '--json']);
      expect({ command, code: named.code, stderr: named.stderr }).toEqual({ command, code: 0, stderr: '' });
    }
  }, 60_000);
});
