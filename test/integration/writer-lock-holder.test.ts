import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';
import { startCli } from '../helpers/cli.js';
import { callApi, data, servedPerTest, signIn } from '../helpers/console-http.js';

/**
 * Support staff met a bare "another writer (a rollback, a restore, …) holds … pid N" while a
 * colleague's rollback ran: the lock now names the operation and its operator, and a refusal in
 * another process (the CLI) reads them from the lock itself. Real stores on both backends, a real
 * rollback held mid-way, a real second process.
 */
describe.each(testBackends())('the writer lock names what holds it, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  /** The same store, whose writers stop just after taking the lock until `resume`: a rollback of a large run, frozen. */
  function stallingAfterLock(store: Store) {
    let reached: () => void = () => {};
    let release: () => void = () => {};
    const stalled = new Promise<void>((resolve) => (reached = resolve));
    const gate = new Promise<void>((resolve) => (release = resolve));
    const stalling: Store = Object.create(store);
    stalling.markOrphanedRunsInterrupted = async (options) => {
      reached();
      await gate;
      return store.markOrphanedRunsInterrupted(options);
    };
    return { stalling, stalled, resume: () => release() };
  }

  it("tells a second operator's rollback in another process which rollback holds the database and whose it is", async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await runUpdate({ store, source: await openSource('synthetic:seed=3,count=30') });
      await runUpdate({ store, source: await openSource('synthetic:seed=3,count=30,revision=1,changed=10') });
      const held = stallingAfterLock(store);
      const adas = rollback(held.stalling, { runId: 2, reason: 'bad feed', operator: 'Ada' });
      await held.stalled;

      const refused = await startCli(['rollback', '--db', location, '--run', '2', '--reason', 'bad feed too', '--operator', 'Grace']).done;
      expect(refused.code).toBe(5);
      expect(refused.stderr).toMatch(/cannot roll back run 2: a rollback of run 2 by Ada holds .*: pid \d+ on \S+ since \d{4}-/);

      held.resume();
      expect((await adas).runRolledBack).toBe(true);
      // Released: the lock names nobody, and the next writer goes ahead.
      const next = await startCli(['rollback', '--db', location, '--run', '1', '--reason', 'start over', '--operator', 'Grace', '--json']).done;
      expect(next.code, next.stderr).toBe(0);
    } finally {
      await store.close();
    }
  });
});

/**
 * An update's lock row named its run and no operator, so a refused operator knew which run to wait
 * for but not whom to ask. Started from the console by a named operator, a real run holds the lock
 * while a CLI in another process and the console itself try to start a second one.
 */
describe.each(testBackends())('the writer lock names who started the update holding it, on $name', (backend) => {
  const served = servedPerTest(backend);

  it('a second update, from the CLI or the console, is told the run holding the database and the operator who started it', async () => {
    const cookie = await signIn(served.server);
    await data(served.server, 'session.name', { name: 'Ada' }, cookie);
    let runId: number | null = null;
    const firstBatch = new Promise<void>((resolve) => served.engine.subscribe((event) => event.type === 'batch-finished' && event.runId === runId && resolve()));
    const finished = new Promise<RunSummary>((resolve) => served.engine.subscribe((event) => event.type === 'run-finished' && event.runId === runId && resolve(event.summary)));
    ({ runId } = await data<{ runId: number }>(served.server, 'runs.start', { source: 'synthetic:seed=5,count=200000', batchSize: 10, mode: 'batch' }, cookie));
    await firstBatch;

    const holder = new RegExp(`an update \\(run ${runId}\\) started by Ada at \\d{4}-\\S+ holds .*: pid ${process.pid} on \\S+`);
    const fromCli = await startCli(['update', '--db', served.location, '--source', 'synthetic:seed=6,count=10', '--json']).done;
    expect(fromCli.code, fromCli.stderr).toBe(5);
    expect(fromCli.stderr).toMatch(holder);
    const fromConsole = await callApi(served.server, 'runs.start', { source: 'synthetic:seed=6,count=10' }, cookie);
    expect(fromConsole.result).toMatchObject({ ok: false, error: { code: 'LOCK_HELD', message: expect.stringMatching(holder) } });

    // A rollback of that very run refused meanwhile says so as its preview does (the run is still running), with the
    // next step in its own surface's words: a terminal can send SIGINT, the console has its Stop button (and no signal to send).
    const stillRunning = `run ${runId} is still running; stop it (or let it finish) before rolling it back; nothing was changed`;
    const rollbackFromCli = await startCli(['rollback', '--db', served.location, '--run', String(runId), '--reason', 'bad feed', '--operator', 'sam']).done;
    expect(rollbackFromCli.code, rollbackFromCli.stderr).toBe(5);
    expect(rollbackFromCli.stderr).toBe(`gatehouse: ${stillRunning}\n  hint: wait for the run to finish or stop it (SIGINT) first; what it committed stays: roll it back once it has stopped\n`);
    const rollbackFromConsole = await callApi(served.server, 'rollback.apply', { runId: runId!, batchSeq: null, onConflict: 'refuse', reason: 'bad feed', confirmRunId: runId! }, cookie);
    expect(rollbackFromConsole.result).toMatchObject({
      ok: false,
      error: { code: 'LOCK_HELD', message: stillRunning, hint: 'wait for the run to finish, or stop it from its run page (Stop after this batch), first; what it committed stays: roll it back once it has stopped' },
    });

    await data(served.server, 'runs.cancel', { runId }, cookie);
    expect(await finished).toMatchObject({ status: 'interrupted' });
  }, 60_000);
});
