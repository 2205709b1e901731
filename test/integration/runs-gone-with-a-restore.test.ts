import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, restoreSnapshot } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * A support shift: a ticket names run 2, which a restore has since taken away. `rollback` said so
 * (naming the restore), but `runs show 2` (and the console's runs.get), `quarantine list --run 2`,
 * `anomalies mark --run 2` and `update --resume 2` still answered "run 2 does not exist", as for a
 * mistyped id, although run ids are never reused and the restore stands in the audit.
 */
describe.each(testBackends())('asking about a run a restore took away, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('every command that names the run says which restore removed it; an id never given still does not exist', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'gatehouse-gone-'));
    try {
      await runUpdate({ store, source: arraySource(hearingRecords(10, 320000)) });
      const snapshot = await createSnapshot(store, { kind: 'manual' });
      await runUpdate({ store, source: arraySource(hearingRecords(10, 320000, () => ({ title: 'A later look' }))) });
      await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'a bad feed since the snapshot', operator: 'bea' });
      const file = path.join(folder, 'records.json');
      fs.writeFileSync(file, JSON.stringify(hearingRecords(10, 320000)));
      const gone = `run 2 no longer exists: a restore took the database back to before it (restore 1: snapshot ${snapshot.id} of ${snapshot.createdAt}, restored by bea at `;
      const asked = [
        ['runs', 'show', '2', '--db', location],
        ['quarantine', 'list', '--run', '2', '--db', location],
        ['anomalies', 'mark', '--run', '2', '--as', 'confirmed', '--reason', 'a bad feed', '--db', location],
        ['update', '--resume', '2', '--source', `file:${file}`, '--db', location],
      ];
      for (const args of asked) {
        const cli = runCli(args);
        expect({ args, code: cli.code, stderr: cli.stderr }).toMatchObject({ code: 2, stderr: expect.stringContaining(`gatehouse: ${gone}`) });
        expect(cli.stderr).toContain('gatehouse backups restores');
      }
      const json = runCli(['runs', 'show', '2', '--db', location, '--json']);
      expect(JSON.parse(json.stdout)).toMatchObject({ error: { code: 'NOT_FOUND', message: expect.stringContaining(gone) } });
      const never = runCli(['runs', 'show', '3', '--db', location]);
      // The same hint as `rollback --run 3` gives: where the runs that do exist are listed.
      expect(never.stderr).toBe('gatehouse: run 3 does not exist\n  hint: see gatehouse runs list\n');
      expect(JSON.parse(runCli(['runs', 'show', '3', '--db', location, '--json']).stdout)).toEqual({ error: { code: 'NOT_FOUND', message: 'run 3 does not exist', hint: 'see gatehouse runs list' } });
    } finally {
      await store.close();
      fs.rmSync(folder, { recursive: true, force: true });
    }
  });
});
