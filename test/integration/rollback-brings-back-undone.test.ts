import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import { toErrorPayload } from '../../shared/errors.js';
import { testBackends } from '../helpers/backends.js';
import { arraySource, hearingRecord } from '../helpers/records.js';

/**
 * Run 3's write of a hearing replaced the version run 2 wrote. Once run 3 was rolled back with
 * skip (that hearing changed again by run 4, so left standing) and run 2 then rolled back with
 * force, forcing run 3's leftover write put back its before-image — run 2's version, of a run now
 * rolled back — while the preview said only "changed again by run 4". The preview now says which
 * rolled-back run's version force would bring back, per hearing and in force's outcome.
 */
describe.each(testBackends())('forcing a write whose earlier version a rollback undid, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  const titled = (eventId: number, title: string) => hearingRecord(eventId, { title });
  const titleOf = async (store: Store, eventId: string) => (await store.queries.db.selectFrom('hearings').select('title').where('eventId', '=', eventId).executeTakeFirst())?.title;

  it('is previewed as bringing back the rolled-back run\'s version, and does exactly that', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      await runUpdate({ store, source: arraySource([titled(700001, 'as run 1 wrote it'), titled(700002, 'as run 1 wrote it')]) });
      await runUpdate({ store, source: arraySource([titled(700001, 'as run 2 wrote it'), titled(700002, 'as run 2 wrote it')]) });
      await runUpdate({ store, source: arraySource([titled(700001, 'as run 3 wrote it'), titled(700002, 'as run 3 wrote it')]) });
      await runUpdate({ store, source: arraySource([titled(700001, 'as run 4 wrote it')]) });

      // Refused first: the hint words the next step for the command line, and for the console (the API).
      const refused = await rollback(store, { runId: 3, reason: 'bad feed', operator: 'sam' }).then(() => null, (error: unknown) => error);
      expect(toErrorPayload(refused, 'cli')).toMatchObject({ code: 'CONFLICT', hint: expect.stringMatching(/^see them with --dry-run; --on-conflict skip: .+; --on-conflict force: /) });
      expect(toErrorPayload(refused, 'console')).toMatchObject({ code: 'CONFLICT', hint: expect.stringMatching(/^see them in the rollback's preview, and choose what to do with them there: skip: .+; force: /) });
      expect(toErrorPayload(refused, 'console').hint).not.toContain('--');

      const skipped = await rollback(store, { runId: 3, onConflict: 'skip', reason: 'bad feed', operator: 'sam' });
      expect(skipped.conflicts.map((c) => [c.eventId, c.bringsBack])).toEqual([['700001', null]]);
      const forced = await rollback(store, { runId: 2, onConflict: 'force', reason: 'bad feed', operator: 'sam' });
      expect(await titleOf(store, '700001')).toBe('as run 1 wrote it');

      const preview = await rollback(store, { runId: 3, onConflict: 'force', dryRun: true });
      expect(preview.conflicts).toHaveLength(1);
      expect(preview.conflicts[0]!.bringsBack).toEqual({ runId: 2, rollbackEventId: forced.eventId });
      expect(preview.conflicts[0]!.message).toBe(`hearing 700001 was changed again by run 4; forcing it brings back the version run 2 wrote, which rollback ${forced.eventId} undid`);
      expect(preview.conflictSummary.bringBackUndone).toBe(1);
      expect(preview.policies.find((p) => p.policy === 'force')!.message).toContain('bringing back for 1 of them the version of a run that has been rolled back since');

      await rollback(store, { runId: 3, onConflict: 'force', reason: 'finish it', operator: 'sam' });
      expect(await titleOf(store, '700001')).toBe('as run 2 wrote it');
    } finally {
      await store.close();
    }
  });

  /**
   * Run 3 put a hearing back as run 1 had it (a postponed hearing rescheduled again); run 2 was then
   * rolled back with force, which left the hearing exactly as run 3 wrote it. Rolling back run 3 saw
   * no change since its write and quietly put back its before-image — run 2's rolled-back version.
   */
  it('treats undoing a write whose before-image a rollback undid as a conflict, even when the hearing is as the write left it', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      await runUpdate({ store, source: arraySource([titled(700101, 'scheduled'), titled(700102, 'as run 1 wrote it')]) });
      await runUpdate({ store, source: arraySource([titled(700101, 'postponed (bad feed)'), titled(700102, 'as run 2 wrote it')]) });
      await runUpdate({ store, source: arraySource([titled(700101, 'scheduled'), titled(700102, 'as run 3 wrote it')]) });
      const forced = await rollback(store, { runId: 2, onConflict: 'force', reason: 'bad feed', operator: 'sam' });
      expect(await titleOf(store, '700101')).toBe('scheduled');

      const refused = await rollback(store, { runId: 3, reason: 'undo run 3', operator: 'sam' }).then(() => null, (error: unknown) => error);
      expect(toErrorPayload(refused, 'cli')).toMatchObject({ code: 'CONFLICT' });
      const preview = await rollback(store, { runId: 3, dryRun: true });
      expect(preview.conflicts.map((c) => [c.eventId, c.bringsBack, c.message])).toEqual([
        ['700101', { runId: 2, rollbackEventId: forced.eventId }, `hearing 700101 is as this write left it, but undoing the write brings back the version run 2 wrote, which rollback ${forced.eventId} undid`],
        ['700102', { runId: 2, rollbackEventId: forced.eventId }, expect.stringContaining('forcing it brings back the version run 2 wrote')],
      ]);

      await rollback(store, { runId: 3, onConflict: 'skip', reason: 'undo run 3', operator: 'sam' });
      expect(await titleOf(store, '700101')).toBe('scheduled');
    } finally {
      await store.close();
    }
  });
});
