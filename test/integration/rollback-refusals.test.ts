import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { listAttempts, rollback, withRollbackRefusals } from '../../main/backup/index.js';
import { runDetail, runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import type { ApiHandlers } from '../../shared/api.js';
import type { RollbackRefusalView } from '../../shared/api-operations.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords, stallingSource } from '../helpers/records.js';

/**
 * The console offered rollbacks the API then refused (a run already rolled back, a batch with
 * nothing left, one batch of a resumable run, a running run). runs.get now lists, for the run and
 * each batch, the rollback it would refuse or find nothing to do, in the rollback's own words, from
 * the same checks the rollback makes: every target it lists is refused (or does nothing) with that
 * very message, and every target it leaves out is a rollback that goes through.
 */
type Api = ApiHandlers;

async function refusalsOf(api: Api, runId: number): Promise<RollbackRefusalView[]> {
  const result = await dispatch(api, 'runs.get', { runId }, tester);
  if (!result.ok) throw new Error(result.error.message);
  return (result.data as { rollbackRefusals: RollbackRefusalView[] }).rollbackRefusals;
}

async function batchesOf(store: Store, runId: number): Promise<number[]> {
  return (await store.getRun(runId))!.batchList.map((batch) => batch.seq);
}

/** Each listed target is refused (CONFLICT) or does nothing, saying exactly what runs.get said; each other target's dry run goes through. */
async function expectOffersHold(api: Api, store: Store, runId: number): Promise<RollbackRefusalView[]> {
  const refusals = await refusalsOf(api, runId);
  for (const batchSeq of [null, ...(await batchesOf(store, runId))]) {
    const refusal = refusals.find((r) => r.batchSeq === batchSeq);
    const preview = await dispatch(api, 'rollback.preview', { runId, batchSeq, onConflict: 'refuse' }, tester);
    if (!refusal) {
      expect(preview, `batch ${batchSeq} of run ${runId} is offered`).toMatchObject({ ok: true, data: { nothingToDo: false } });
      continue;
    }
    if (preview.ok) expect(preview.data).toMatchObject({ nothingToDo: true, message: refusal.message });
    else expect(preview.error).toMatchObject({ code: 'CONFLICT', message: `${refusal.message}; nothing was changed`, hint: refusal.hint });
  }
  return refusals;
}

async function apply(api: Api, runId: number, batchSeq: number | null) {
  return dispatch(api, 'rollback.apply', { runId, batchSeq, onConflict: 'refuse', reason: 'a bad feed', confirmRunId: runId }, tester);
}

async function withConsole(backend: TestBackend, work: (api: Api, store: Store, location: string) => Promise<void>): Promise<void> {
  const location = await backend.freshLocation();
  const store = await backend.open(location);
  const engine = createInProcessEngineHost({ location });
  try {
    await work(createApi({ store, engine, transport: 'http', databaseLocation: location }), store, location);
  } finally {
    await engine.close();
    await store.close();
  }
}

describe.each(testBackends())('the rollbacks a run\'s detail offers, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('offers every target of a finished run, and each offered rollback goes through', async () => {
    await withConsole(backend, async (api, store) => {
      const run = await runUpdate({ store, source: arraySource(hearingRecords(30, 300000)), batchSize: 10 });
      expect(await expectOffersHold(api, store, run.runId)).toEqual([]);
      expect(await apply(api, run.runId, 3)).toMatchObject({ ok: true, data: { counts: { deleted: 10 } } });
      expect(await expectOffersHold(api, store, run.runId)).toEqual([{ batchSeq: 3, message: `batch 3 of run ${run.runId} was already rolled back; nothing to do`, hint: expect.any(String) }]);
      expect(await apply(api, run.runId, null)).toMatchObject({ ok: true, data: { counts: { deleted: 20 }, runRolledBack: true } });
      expect(await store.countHearings()).toBe(0);
    });
  });

  it('lists a rolled-back batch, then the rolled-back run and all its batches, as nothing to do', async () => {
    await withConsole(backend, async (api, store, location) => {
      const run = await runUpdate({ store, source: arraySource(hearingRecords(30, 300000)), batchSize: 10 });
      await rollback(store, { runId: run.runId, batchSeq: 2, reason: 'bad batch', operator: 'ada' });
      expect(await expectOffersHold(api, store, run.runId)).toEqual([
        { batchSeq: 2, message: `batch 2 of run ${run.runId} was already rolled back; nothing to do`, hint: expect.stringMatching(/rollback events/) },
      ]);
      await rollback(store, { runId: run.runId, reason: 'bad feed', operator: 'ada' });
      const refusals = await expectOffersHold(api, store, run.runId);
      expect(refusals.map((r) => [r.batchSeq, r.message])).toEqual([
        [null, `run ${run.runId} was already rolled back; nothing to do`],
        ...[1, 2, 3].map((seq) => [seq, `batch ${seq} of run ${run.runId} was already rolled back; nothing to do`]),
      ]);
      // Bad input: rolling back a run already rolled back writes nothing and says so.
      const again = await apply(api, run.runId, null);
      expect(again).toMatchObject({ ok: true, data: { nothingToDo: true, eventId: null, message: refusals[0]!.message } });
      expect(await dispatch(api, 'rollback.events', { runId: run.runId }, tester)).toMatchObject({ ok: true, data: [{ batchSeq: null }, { batchSeq: 2 }] });
      // `runs show --json` is runs.get.
      const shown = runCli(['runs', 'show', String(run.runId), '--db', location, '--json']);
      expect(JSON.parse(shown.stdout).rollbackRefusals).toEqual(refusals);
    });
  });

  it('refuses a rollback confirmed from a preview a teammate\'s rollback made stale, naming it, and applies one previewed after it', async () => {
    await withConsole(backend, async (api, store) => {
      const run = await runUpdate({ store, source: arraySource(hearingRecords(30, 300000)), batchSize: 10 });
      const confirm = (previewedAfterEvent: number | null) =>
        dispatch(api, 'rollback.apply', { runId: run.runId, batchSeq: null, onConflict: 'refuse', reason: 'bob: a bad feed', confirmRunId: run.runId, previewedAfterEvent }, tester);
      // Bob previewed the whole run (no rollback yet); meanwhile Ada rolls back batch 2 from another console.
      await rollback(store, { runId: run.runId, batchSeq: 2, reason: 'a bad page', operator: 'ada' });
      const stale = await confirm(null);
      expect(stale).toMatchObject({ ok: false, error: { code: 'CONFLICT', hint: expect.stringMatching(/new preview/) } });
      expect(!stale.ok && stale.error.message).toMatch(new RegExp(`^run ${run.runId} changed since this preview: ada rolled back batch 2 at \\S+ \\(a bad page\\); nothing was rolled back now$`));
      expect(await store.countHearings()).toBe(20);
      // Bad input: an event id that is not the newest (nor any) is stale too.
      expect(await confirm(999)).toMatchObject({ ok: false, error: { code: 'CONFLICT' } });
      const [newest] = (await dispatch(api, 'rollback.events', { runId: run.runId, limit: 1 }, tester) as { ok: true; data: Array<{ id: number }> }).data;
      expect(await confirm(newest!.id)).toMatchObject({ ok: true, data: { counts: { deleted: 20 }, runRolledBack: true } });
      // Without the field (the CLI, older callers) nothing is checked, as before.
      expect(await apply(api, run.runId, null)).toMatchObject({ ok: true, data: { nothingToDo: true } });
    });
  });

  it('lists each batch of a resumable run, in the API\'s refusal, and still offers the whole run', async () => {
    await withConsole(backend, async (api, store, location) => {
      const controller = new AbortController();
      const run = await runUpdate({ store, source: arraySource(hearingRecords(30, 400000)), batchSize: 10, signal: controller.signal, onEvent: (event) => event.type === 'batch-finished' && controller.abort() });
      expect(run.status).toBe('interrupted');
      const refusals = await expectOffersHold(api, store, run.runId);
      expect(refusals).toEqual((await batchesOf(store, run.runId)).map((seq) => ({
        batchSeq: seq,
        message: `refusing to roll back batch ${seq} of run ${run.runId}: the run is interrupted and can still be resumed, and a resume skips what its batches did, so the records whose writes this rollback undid would never be read again`,
        // The console's own next step: it has no command line to pass --resume or --batch to.
        hint: `finish the run first (Resume run on run ${run.runId}'s page), then roll back the batch; or roll back the whole run, which ends it`,
      })));
      expect(refusals.length).toBeGreaterThan(0);
      // The same refusal on the command line, in its words.
      const shown = runCli(['runs', 'show', String(run.runId), '--db', location, '--json']);
      expect(shown.code, shown.stderr).toBe(0);
      const cliRefusals = (JSON.parse(shown.stdout) as { rollbackRefusals: RollbackRefusalView[] }).rollbackRefusals;
      expect(cliRefusals.map((r) => r.message)).toEqual(refusals.map((r) => r.message));
      expect(cliRefusals[0]!.hint).toBe(`finish the run first (gatehouse update --resume ${run.runId} with its --source), then roll back the batch; or roll back the whole run (--run ${run.runId} without --batch), which ends it`);
      expect(await apply(api, run.runId, null)).toMatchObject({ ok: true, data: { runRolledBack: true } });
      expect(await refusalsOf(api, run.runId)).toEqual([
        { batchSeq: null, message: `run ${run.runId} was already rolled back; nothing to do`, hint: expect.any(String) },
        ...refusals.map((r) => ({ batchSeq: r.batchSeq, message: `batch ${r.batchSeq} of run ${run.runId} was already rolled back; nothing to do`, hint: expect.any(String) })),
      ]);
    });
  });

  it('lists the run and every batch while the run is still running, as the rollback refuses it', async () => {
    await withConsole(backend, async (api, store, location) => {
      // A second connection looks while the first writes, as another console would.
      const looker = await backend.open(location);
      const lookerEngine = createInProcessEngineHost({ location });
      const gate = stallingSource(hearingRecords(30, 500000), 25);
      try {
        const finished = runUpdate({ store, source: gate.source, batchSize: 10 });
        await gate.stalled;
        const runId = (await looker.listRuns({ limit: 1 }))[0]!.runId;
        const refusals = await withRollbackRefusals(looker, await runDetail(looker, runId, 'cli'), 'cli');
        const running = `run ${runId} is still running; stop it (or let it finish) before rolling it back`;
        expect(refusals.status).toBe('running');
        expect(refusals.rollbackRefusals.map((r) => r.message)).toEqual(Array(refusals.batchList.length + 1).fill(running));
        expect(refusals.rollbackRefusals[0]!.batchSeq).toBeNull();
        // One refusal, with and without --dry-run, in the library, the API and the CLI: the run holds the writer lock (exit 5).
        const refused = { code: 'LOCK_HELD', message: `${running}; nothing was changed`, hint: refusals.rollbackRefusals[0]!.hint };
        const failed = (promise: Promise<unknown>) => promise.then(() => null, (failure: unknown) => failure);
        expect(await failed(rollback(looker, { runId, dryRun: true }))).toMatchObject(refused);
        expect(await failed(rollback(looker, { runId, reason: 'a bad feed', operator: 'sam' }))).toMatchObject(refused);
        const lookerApi = createApi({ store: looker, engine: lookerEngine, transport: 'http', databaseLocation: location });
        expect(await dispatch(lookerApi, 'rollback.preview', { runId, batchSeq: null, onConflict: 'refuse' }, tester)).toMatchObject({ ok: false, error: { code: 'LOCK_HELD', message: refused.message } });
        expect(await apply(lookerApi, runId, null)).toMatchObject({ ok: false, error: { code: 'LOCK_HELD', message: refused.message } });
        for (const dryRun of [['--dry-run'], ['--reason', 'a bad feed', '--operator', 'sam']]) {
          const cli = runCli(['rollback', '--db', location, '--run', String(runId), ...dryRun]);
          expect({ code: cli.code, said: cli.stderr.split('\n')[0] }).toEqual({ code: 5, said: `gatehouse: ${refused.message}` });
        }
        // Each refused rollback (not the previews) is in the attempts, failed, in the words it was refused with.
        const attempts = (await listAttempts(looker)).map(({ operation, operator, outcome, detail }) => ({ operation, operator, outcome, detail }));
        expect(attempts).toEqual(['sam', 'tester', 'sam'].map((operator) => ({ operation: `a rollback of run ${runId}`, operator, outcome: 'failed', detail: `refused: ${refused.message}; reason: a bad feed` })));
        gate.resume();
        expect((await finished).status).toBe('success');
        expect(await expectOffersHold(api, store, runId)).toEqual([]);
      } finally {
        gate.resume();
        await lookerEngine.close();
        await looker.close();
      }
    });
  });

  it('refuses a run id that does not exist, on runs.get and on the rollback', async () => {
    await withConsole(backend, async (api) => {
      expect(await dispatch(api, 'runs.get', { runId: 999 }, tester)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'run 999 does not exist' } });
      expect(await apply(api, 999, null)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: 'run 999 does not exist' } });
      expect(await dispatch(api, 'rollback.preview', { runId: 999, batchSeq: 1 }, tester)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    });
  });
});
