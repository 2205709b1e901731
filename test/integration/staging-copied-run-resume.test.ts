import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, memoryPreferences } from '../../main/api/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource } from '../../main/sources/index.js';
import { isPostgresUrl } from '../../main/store/index.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';

/**
 * A staging copy made while an update wrote to the source ends that run `interrupted` in the copy
 * (endCopiedRuns). `update --resume N` against staging, or the console's Resume, then took it: the
 * source's update ran on into staging. Both now refuse it, saying to resume it on the source; and
 * the console's trial job names the run its copy ended, as `gatehouse trial` does.
 */
describe.each(testBackends())('resuming, in a staging copy, a run the copy ended ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('is named by the trial job that copied it, and its resume is refused on the CLI and through the API alike', async () => {
    const spec = 'synthetic:seed=11,count=120';
    const source = await backend.freshLocation();
    const staging = await backend.freshLocation();
    const runId = await withStoreAt(backend, source, async (store) => {
      // Held before its second batch, one of three committed, while the copy is made.
      let reached: (id: number) => void = () => {};
      let release: () => void = () => {};
      const atSecondBatch = new Promise<number>((resolve) => (reached = resolve));
      const gate = new Promise<void>((resolve) => (release = resolve));
      const update = runUpdate({
        store, source: await openSource(spec), batchSize: 50,
        betweenBatches: async (id, next) => {
          if (next === 2) {
            reached(id);
            await gate;
          }
          return null;
        },
      });
      const id = await atSecondBatch;
      // The console's trial copies the source now; its job says which run it ended, as `gatehouse trial` notes it —
      // already while its trials run: read as the first trial's result reaches the job.
      const engine = createInProcessEngineHost({ location: source });
      let asFirstTrialEnded: Promise<unknown> | null = null;
      const perform: typeof engine.perform = (request, onProgress) => engine.perform(request, (progress) => {
        onProgress?.(progress);
        if (progress.latest && asFirstTrialEnded === null) asFirstTrialEnded = api['trials.job']({}, tester);
      });
      const api = createApi({ store, engine: { ...engine, perform }, transport: 'http', preferences: memoryPreferences({}) });
      try {
        const given = isPostgresUrl(staging) ? new URL(staging).searchParams.get('schema') : staging;
        const { jobId } = await api['trials.run']({ injections: [], controls: 1, seedHistoryDays: 0, sweep: false, repeat: 1, staging: given }, tester);
        await expect.poll(async () => (await api['trials.job']({ jobId }, tester))?.status, { timeout: 60_000 }).not.toBe('running');
        expect(await asFirstTrialEnded).toMatchObject({ status: 'running', copiedRunning: [id] });
        expect(await api['trials.job']({ jobId }, tester)).toMatchObject({ status: 'done', settledSessions: [], copiedRunning: [id] });
      } finally {
        await engine.close();
      }
      release();
      expect((await update).status).toBe('success');
      return id;
    });

    const said = `run ${runId} was copied from the source while it was still running there, and this staging copy ended it: it is not resumed here (it would run the source's update into staging); resume it on the source database, with gatehouse update --db SOURCE --resume ${runId}; nothing was changed`;
    const cli = runCli(['update', '--db', staging, '--source', spec, '--resume', String(runId), '--json']);
    expect(JSON.parse(cli.stdout)).toEqual({ error: { code: 'CONFLICT', message: said } });
    expect(cli.code).toBe(2);

    await withStoreAt(backend, staging, async (store) => {
      const engine = createInProcessEngineHost({ location: staging });
      try {
        const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}) });
        expect(await dispatch(api, 'runs.resume', { runId }, tester)).toEqual({ ok: false, error: { code: 'CONFLICT', message: said } });
        expect(await dispatch(api, 'runs.get', { runId }, tester)).toMatchObject({ ok: true, data: { status: 'interrupted', resumable: false } });
      } finally {
        await engine.close();
      }
      expect(await store.getRun(runId)).toMatchObject({ status: 'interrupted', batches: { succeeded: 1 }, metrics: { added: 50 } });
    });
  });
});
