import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, type EngineHost } from '../../main/api/index.js';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { testBackends } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * rollback.apply checked `previewedAfterEvent` before the rollback took its writer lock: a teammate's
 * rollback committed between that check and the lock was applied over, unseen. The check is now made
 * inside the rollback's transaction, under the lock. The test holds the confirmed rollback at the
 * door of its lock (a gate on the engine), commits the teammate's rollback, then lets it through.
 */
function gatedEngine(engine: EngineHost) {
  let reached: () => void = () => {};
  let release: () => void = () => {};
  const atTheLock = new Promise<void>((resolve) => (reached = resolve));
  const gate = new Promise<void>((resolve) => (release = resolve));
  const gated: EngineHost = Object.assign(Object.create(engine) as EngineHost, {
    perform: (async (request, onProgress) => {
      if (request.kind === 'rollback') {
        reached();
        await gate;
      }
      return engine.perform(request, onProgress);
    }) as EngineHost['perform'],
  });
  return { gated, atTheLock, release };
}

describe.each(testBackends())('a stale preview confirmed while a teammate rolls back, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('refuses the confirmation when the teammate\'s rollback commits just before its lock, and changes nothing more', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    const { gated, atTheLock, release } = gatedEngine(engine);
    try {
      const api = createApi({ store, engine: gated, transport: 'http', databaseLocation: location });
      const run = await runUpdate({ store, source: arraySource(hearingRecords(30, 300000)), batchSize: 10 });
      // Bob previewed the whole run when it had no rollback event, and confirms it.
      const confirmed = dispatch(api, 'rollback.apply', { runId: run.runId, batchSeq: null, onConflict: 'refuse', reason: 'bob: a bad feed', confirmRunId: run.runId, previewedAfterEvent: null }, tester);
      await atTheLock;
      // Meanwhile Ada, from another console, rolls back batch 2, and it commits first.
      await rollback(store, { runId: run.runId, batchSeq: 2, reason: 'a bad page', operator: 'ada' });
      release();
      const stale = await confirmed;
      expect(stale).toMatchObject({ ok: false, error: { code: 'CONFLICT', hint: expect.stringMatching(/new preview/) } });
      expect(!stale.ok && stale.error.message).toMatch(new RegExp(`^run ${run.runId} changed since this preview: ada rolled back batch 2 at \\S+ \\(a bad page\\); nothing was rolled back now$`));
      expect(await store.countHearings()).toBe(20);
      expect((await dispatch(api, 'rollback.events', { runId: run.runId }, tester) as { ok: true; data: unknown[] }).data).toHaveLength(1);
    } finally {
      await engine.close();
      await store.close();
    }
  });

  it('refuses a previewed event that is not a whole number ≥ 1 before anything, and refuses one read before a rollback since', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      const run = await runUpdate({ store, source: arraySource(hearingRecords(6, 300000)), batchSize: 3 });
      for (const bad of [0, -1, 1.5, Number.NaN]) {
        await expect(rollback(store, { runId: run.runId, operator: 'ada', previewedAfterEvent: bad })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('previewed rollback event') });
      }
      expect(await store.countHearings()).toBe(6);
      const first = await rollback(store, { runId: run.runId, batchSeq: 1, operator: 'ada', previewedAfterEvent: null });
      expect(first.counts.deleted).toBe(3);
      // A preview read before Ada's rollback (none then), or naming an event that is not the run's newest, is stale.
      for (const stale of [null, 999]) {
        await expect(rollback(store, { runId: run.runId, operator: 'bob', previewedAfterEvent: stale })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('ada rolled back batch 1') });
      }
      expect(await store.countHearings()).toBe(3);
      expect(await rollback(store, { runId: run.runId, operator: 'bob', previewedAfterEvent: first.eventId })).toMatchObject({ counts: { deleted: 3 }, runRolledBack: true });
    } finally {
      await store.close();
    }
  });
});
