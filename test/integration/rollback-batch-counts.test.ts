import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { buildReport } from '../../main/reports/index.js';
import type { ApiInput, ApiMethod, ApiOutput } from '../../shared/api.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * Support rolled back batch 2 of a run, and the overview, the run's summary and the validation gate
 * still counted it as committed: `batches.succeeded` was what the run wrote, whatever was undone
 * since. A rolled-back batch now moves to `batches.rolledBack`: the overview's rate counts it as not
 * committed, and the validation gate, which judges the engine, leaves it out and says how many.
 */
describe.each(testBackends())('batch counts after a rollback on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('no longer counts a rolled-back batch as committed: run summary, overview rate, validation gate', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    const api = createApi({ store, engine, transport: 'http', databaseLocation: location });
    const call = async <M extends ApiMethod>(method: M, input: ApiInput<M>) => {
      const result = await dispatch(api, method, input, tester);
      if (!result.ok) throw new Error(`${method} refused: ${result.error.code} ${result.error.message}`);
      return result.data as ApiOutput<M>;
    };
    try {
      const run = await runUpdate({ store, source: arraySource(hearingRecords(40, 410000)), batchSize: 10, flags: { ADAPTIVE_BATCHES: false } });
      expect(run.batches).toEqual({ total: 4, succeeded: 4, failed: 0, isolated: 0 });

      await call('rollback.apply', { runId: run.runId, batchSeq: 2, onConflict: 'refuse', reason: 'batch 2 was a bad feed', confirmRunId: run.runId });
      expect((await call('runs.get', { runId: run.runId })).batches).toEqual({ total: 4, succeeded: 3, failed: 0, isolated: 0, rolledBack: 1 });
      expect((await call('runs.list', {}))[0]!.batches).toMatchObject({ succeeded: 3, rolledBack: 1 });
      expect((await call('overview.get', { windowDays: 30 })).batchSuccessRate).toBe(0.75);
      const gate = (await buildReport(store, { kind: 'validation' })).document.sections[0]!.criteria!.find((c) => c.name === 'Batch success rate');
      // The gate judges the engine, which committed all four: the one rolled back since is left out, and said.
      expect(gate).toMatchObject({ actual: '100.0 %', note: '3 of 3 batches committed (1 batch rolled back since not counted)' });

      // The rest of the run: batch 2 is not counted twice.
      await call('rollback.apply', { runId: run.runId, batchSeq: null, onConflict: 'refuse', reason: 'the whole feed was bad', confirmRunId: run.runId });
      expect((await call('runs.get', { runId: run.runId })).batches).toEqual({ total: 4, succeeded: 0, failed: 0, isolated: 0, rolledBack: 4 });
      expect((await call('overview.get', { windowDays: 30 })).batchSuccessRate).toBe(0);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
