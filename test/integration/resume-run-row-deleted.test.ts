import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, memoryPreferences } from '../../main/api/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { deleteRunRowOutsideGatehouse } from '../helpers/outside-session.js';

/**
 * `--resume N` of a run whose row was deleted outside Gatehouse (the sqlite3 shell, whose foreign
 * keys are off; psql with triggers disabled) said only "run N does not exist", as for a mistyped id,
 * while its checkpoint and batches were still stored. It now says the row was deleted, what remains
 * of the run, and what can still be done; a run of which nothing remains is still simply not there.
 */
describe.each(testBackends())('resuming a run whose row was deleted outside Gatehouse, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('says what remains of the run and what to do, on the CLI and through the API', async () => {
    await withFreshStore(backend, async (store) => {
      const source = 'synthetic:seed=5,count=30';
      expect(runCli(['update', '--db', store.location, '--source', source, '--batch-size', '10']).code).toBe(0);
      const batches = (await store.getRun(1))!.batches.total;
      expect(batches).toBeGreaterThan(1);
      await deleteRunRowOutsideGatehouse(store, 1);

      const cli = runCli(['update', '--db', store.location, '--source', source, '--resume', '1', '--json']);
      const said = `run 1 does not exist: its row was deleted outside Gatehouse, and a resume cannot go on without it (what remains of the run: its checkpoint and ${batches} batches); nothing was changed`;
      expect(JSON.parse(cli.stdout)).toEqual({ error: { code: 'NOT_FOUND', message: said, hint: expect.stringMatching(/^run the update again without --resume .*gatehouse restore/) } });
      expect(cli.code).toBe(2);

      const engine = createInProcessEngineHost({ location: store.location });
      try {
        const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}) });
        expect(await dispatch(api, 'runs.resume', { runId: 1 }, tester)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: said, hint: expect.stringMatching(/Backups page/) } });
      } finally {
        await engine.close();
      }

      const mistyped = runCli(['update', '--db', store.location, '--source', source, '--resume', '7']);
      expect(mistyped.stderr).toContain('gatehouse: run 7 does not exist\n');
    });
  });
});
