import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import type { WriterAttemptView } from '../../shared/api-operations.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords } from '../helpers/records.js';
import { refuseDeletes } from '../helpers/refuse-inserts.js';

/**
 * A rollback whose writes the database itself refused — here a trigger a DBA added that forbids
 * deleting hearings — ended as "gatehouse: unexpected error: hearings may not be deleted", exit 1,
 * JSON code INTERNAL. It now says what failed and that nothing was rolled back, as a failed restore
 * does, with a code of the contract, and its writer attempt says the same.
 */
function hearingsMayNotBeDeleted(store: Store): Promise<void> {
  return refuseDeletes(store, 'hearings', 'hearings may not be deleted');
}

describe.each(testBackends())('a rollback the database refuses, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('says the rollback failed and nothing was rolled back, with a contract code, and audits its attempt as failed', async () => {
    await withFreshStore(backend, async (store) => {
      await runUpdate({ store, source: arraySource(hearingRecords(5, 710000)) });
      await hearingsMayNotBeDeleted(store);
      const cli = runCli(['rollback', '--db', store.location, '--run', '1', '--reason', 'bad load', '--operator', 'sam', '--json']);
      const said = 'rollback of run 1 failed: the database refused a write of it (hearings may not be deleted); nothing was rolled back';
      expect(JSON.parse(cli.stdout)).toMatchObject({ error: { code: 'DB_NOT_WRITABLE', message: said, hint: expect.stringContaining('outside Gatehouse') } });
      expect(cli.stderr).toContain(`gatehouse: ${said}`);
      expect(cli.stderr).not.toContain('unexpected error');
      expect(cli.code).toBe(2);
      const attempts = JSON.parse(runCli(['backups', 'attempts', '--db', store.location, '--json']).stdout) as WriterAttemptView[];
      expect(attempts.map(({ operation, operator, outcome, detail }) => ({ operation, operator, outcome, detail }))).toEqual([
        { operation: 'a rollback of run 1', operator: 'sam', outcome: 'failed', detail: `${said}; reason: bad load` },
      ]);
      expect(await store.countHearings()).toBe(5);
      expect((await store.getRun(1))?.status).toBe('success');
    });
  });
});
