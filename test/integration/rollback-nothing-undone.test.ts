import { afterAll, describe, expect, it, vi } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch, memoryPreferences } from '../../main/api/index.js';
import { listAttempts, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import type { WriterAttemptView } from '../../shared/api-operations.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';
import { openConsoleApi } from '../helpers/console-api.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * A rollback under --on-conflict skip where a later run changed every hearing the target wrote
 * undoes nothing. It exited 4 the first time and 0 when asked again (nothing to do but the skips),
 * and its audit — the writer attempt, the one row every rollback leaves — read as a rollback that
 * succeeded, as did a rollback of a run already rolled back. Both now exit 4 each time, and each
 * attempt's detail says "nothing was rolled back" and why, on the CLI and in the console's API.
 */
async function everyHearingChangedLater(store: Store): Promise<void> {
  await runUpdate({ store, source: arraySource(hearingRecords(5, 700000, (i) => ({ title: `First look ${i}` }))) });
  await runUpdate({ store, source: arraySource(hearingRecords(5, 700000, (i) => ({ title: `Second look ${i}` }))) });
}

const attemptsOnCli = (location: string) => JSON.parse(runCli(['backups', 'attempts', '--db', location, '--json']).stdout) as WriterAttemptView[];

describe.each(testBackends())('a rollback that undoes nothing, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('exits 4 every time it is asked, and each attempt says nothing was rolled back and why', async () => {
    await withFreshStore(backend, async (store) => {
      await everyHearingChangedLater(store);
      const skip = ['rollback', '--db', store.location, '--run', '1', '--on-conflict', 'skip', '--reason', 'bad titles', '--operator', 'sam'];
      const first = runCli(skip);
      expect(first.stdout).toMatch(/^rolling back run 1 undid nothing: all 5 hearings it wrote were changed again later \(by run 2\)/);
      expect(first.code, first.stderr).toBe(4);
      const again = runCli(skip);
      expect(again.stdout).toMatch(/^run 1 was already rolled back except 5 conflicting hearings left as they are by --on-conflict skip; nothing to do/);
      expect(again.code, again.stderr).toBe(4);
      const why = 'nothing was rolled back: all 5 hearings left to undo were changed again since (by run 2 (5)) and on-conflict skip leaves them as they are; on-conflict force restores them';
      expect(attemptsOnCli(store.location).map(({ operation, outcome, detail }) => ({ operation, outcome, detail }))).toEqual([
        // The reason is in the attempt too, as a failed rollback's, which writes no rollback event, must keep it.
        { operation: 'a rollback of run 1', outcome: 'succeeded', detail: `${why}; reason: bad titles` },
        { operation: 'a rollback of run 1', outcome: 'succeeded', detail: `${why}; reason: bad titles` },
      ]);
    });
  });

  it('notifies that rolling back undid nothing, not that the run was rolled back, on the CLI and through the API', async () => {
    await withFreshStore(backend, async (store) => {
      await everyHearingChangedLater(store);
      const cli = runCli(['rollback', '--db', store.location, '--run', '1', '--on-conflict', 'skip', '--reason', 'bad titles', '--operator', 'sam']);
      expect(cli.code, cli.stderr).toBe(4);
      expect(cli.stderr).not.toContain('run 1 was rolled back');
      expect(cli.stderr).toContain('warning: rolling back run 1 undid nothing — by sam (bad titles): nothing was rolled back: all 5 hearings left to undo were changed again since (by run 2 (5))');
      expect(cli.stderr).toContain('; run 1 is marked rolled back all the same');
    });
    await withFreshStore(backend, async (store) => {
      await everyHearingChangedLater(store);
      const lines: string[] = [];
      const engine = createInProcessEngineHost({ location: store.location });
      try {
        const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}), notifications: { log: (line) => lines.push(line) } });
        const apply = { runId: 1, batchSeq: null, onConflict: 'skip', reason: 'bad titles', confirmRunId: 1 };
        expect(await dispatch(api, 'rollback.apply', apply, tester)).toMatchObject({ ok: true, data: { counts: { restored: 0, deleted: 0, skipped: 5 } } });
        // The console does not wait for the notification: wait for its line.
        await vi.waitFor(() => expect(lines).toHaveLength(1));
        expect(JSON.parse(lines[0]!)).toMatchObject({
          cause: 'rollback',
          title: 'Gatehouse: rolling back run 1 undid nothing',
          body: expect.stringMatching(/^by .+ \(bad titles\): nothing was rolled back: all 5 hearings left to undo were changed again since .*; run 1 is marked rolled back all the same$/),
        });
      } finally {
        await engine.close();
      }
    });
  });

  it('audits a rollback of a run already rolled back as nothing rolled back, and one that undid something as before', async () => {
    await withFreshStore(backend, async (store) => {
      await everyHearingChangedLater(store);
      expect((await rollback(store, { runId: 2, reason: 'bad second look', operator: 'sam' })).counts.restored).toBe(5);
      expect((await rollback(store, { runId: 2, reason: 'bad second look', operator: 'sam' })).nothingToDo).toBe(true);
      expect((await listAttempts(store)).map((attempt) => attempt.detail)).toEqual(['nothing was rolled back: run 2 was already rolled back; reason: bad second look', 'reason: bad second look']);
    });
  });
});

describe('a rollback that undoes nothing, in the console API', () => {
  it('lists its attempt with why nothing was rolled back, as the CLI does', async () => {
    const consoleApi = await openConsoleApi('gatehouse-api-nothing-undone-');
    try {
      const { store, api } = consoleApi;
      await everyHearingChangedLater(store);
      const apply = { runId: 1, batchSeq: null, onConflict: 'skip', reason: 'bad titles', confirmRunId: 1 };
      expect(await dispatch(api, 'rollback.apply', apply, tester)).toMatchObject({ ok: true, data: { counts: { restored: 0, deleted: 0, skipped: 5 } } });
      expect(await dispatch(api, 'rollback.apply', apply, tester)).toMatchObject({ ok: true, data: { nothingToDo: true } });
      const attempts = await consoleApi.call('backups.attempts', {}, tester);
      expect(attempts.map((attempt) => attempt.detail)).toEqual([
        expect.stringMatching(/^nothing was rolled back: all 5 hearings left to undo were changed again since/),
        expect.stringMatching(/^nothing was rolled back: all 5 hearings left to undo were changed again since/),
      ]);
    } finally {
      await consoleApi.close();
    }
  });
});
