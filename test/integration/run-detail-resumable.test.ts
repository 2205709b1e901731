import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * Whether a run can still be resumed is the engine's rule (interrupted, or failed on a lost
 * connection as the backend classifies it), which the console cannot work out itself: runs.get and
 * `runs show --json` say it, so the run page can leave out the batch rollback the API would refuse.
 */
describe.each(testBackends())('a run\'s detail on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('says an interrupted run can be resumed and a finished one cannot, on the API and the CLI alike', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      const finished = await runUpdate({ store, source: arraySource(hearingRecords(30, 300000)), batchSize: 10 });
      const controller = new AbortController();
      const stopped = await runUpdate({ store, source: arraySource(hearingRecords(30, 400000)), batchSize: 10, signal: controller.signal, onEvent: (event) => event.type === 'batch-finished' && controller.abort() });
      expect(stopped.status).toBe('interrupted');

      const api = createApi({ store, engine, transport: 'http', databaseLocation: location });
      for (const [runId, resumable] of [[finished.runId, false], [stopped.runId, true]] as const) {
        expect(await dispatch(api, 'runs.get', { runId }, tester)).toMatchObject({ ok: true, data: { runId, resumable } });
        const shown = runCli(['runs', 'show', String(runId), '--db', location, '--json']);
        expect(JSON.parse(shown.stdout)).toMatchObject({ runId, resumable });
      }
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
