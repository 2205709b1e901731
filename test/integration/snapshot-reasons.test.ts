import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, memoryPreferences, type EngineHost } from '../../main/api/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import type { ApiHandlers } from '../../shared/api.js';
import { testBackends } from '../helpers/backends.js';
import { operatorCaller } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';

type Attempt = { operation: string; operator: string | null; outcome: string | null; detail: string | null };

/**
 * Support staff's trail of snapshots taken and pruned by hand: who and why, where a deletion keeps
 * its reason (the attempt's detail, backups attempts). A prune deletes snapshots, so it needs a
 * reason as deleting one does; taking one destroys nothing, so its reason is optional. `backups
 * create` and `backups prune` took no reason at all, on the CLI or the API.
 */
describe.each(testBackends())('the reason for a snapshot taken or pruned by hand, on $name', (backend) => {
  let db: string;
  let store: Store;
  let engine: EngineHost;
  let api: ApiHandlers;
  beforeAll(async () => {
    db = await backend.freshLocation();
    expect(runCli(['update', '--db', db, '--source', 'synthetic:seed=1,count=5', '--no-snapshot']).code).toBe(0);
    store = await openStore(db);
    engine = createInProcessEngineHost({ location: db });
    api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}) });
  });
  afterAll(async () => {
    await engine.close();
    await store.close();
    await backend.cleanup();
  });

  const cli = (args: string[]) => runCli([...args, '--db', db, '--json']);
  const attempts = () => JSON.parse(cli(['backups', 'attempts']).stdout) as Attempt[];

  it('keeps the reason of a snapshot taken, from the CLI and from the console, beside who took it', async () => {
    const fromCli = cli(['backups', 'create', '--reason', 'before the vendor migration', '--operator', 'bo']);
    expect(fromCli.code, fromCli.stderr).toBe(0);
    expect(attempts()[0]).toMatchObject({ operation: `the taking of snapshot ${(JSON.parse(fromCli.stdout) as { id: string }).id}`, operator: 'bo', outcome: 'succeeded', detail: 'reason: before the vendor migration' });

    const fromApi = await dispatch(api, 'backups.create', { reason: 'before the vendor migration' }, operatorCaller('cy'));
    expect(fromApi.ok).toBe(true);
    expect(attempts()[0]).toMatchObject({ operator: 'cy', outcome: 'succeeded', detail: 'reason: before the vendor migration' });
  });

  it('refuses a prune without a reason in the same words on both, deleting nothing; with one, keeps it with what it deleted', async () => {
    const before = (JSON.parse(cli(['backups', 'list']).stdout) as { snapshots: unknown[] }).snapshots;
    expect(before).toHaveLength(2);
    const refused = cli(['backups', 'prune', '--keep', '1']);
    expect(refused.code).toBe(2);
    const cliError = (JSON.parse(refused.stdout) as { error: { code: string; message: string } }).error;
    expect(cliError).toMatchObject({ code: 'USAGE', message: 'a snapshot prune needs a reason' });
    const apiRefused = await dispatch(api, 'backups.prune', { keep: 1, dryRun: false }, operatorCaller('cy'));
    expect(apiRefused).toMatchObject({ ok: false, error: { code: cliError.code, message: cliError.message } });
    // A preview deletes nothing and needs no reason.
    expect(cli(['backups', 'prune', '--keep', '1', '--dry-run']).code).toBe(0);
    expect((JSON.parse(cli(['backups', 'list']).stdout) as { snapshots: unknown[] }).snapshots).toEqual(before);

    const pruned = await dispatch(api, 'backups.prune', { keep: 1, dryRun: false, reason: 'disk nearly full' }, operatorCaller('cy'));
    expect(pruned).toMatchObject({ ok: true, data: { pruned: [expect.anything()] } });
    const [removed] = (pruned as { data: { pruned: { id: string }[] } }).data.pruned;
    expect(attempts()[0]).toMatchObject({ operation: 'a snapshot prune', operator: 'cy', outcome: 'succeeded', detail: `pruned ${removed!.id}; 1 left; reason: disk nearly full` });
  });
});
