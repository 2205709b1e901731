import { afterAll, describe, expect, it } from 'vitest';
import { nothingRolledBackBecause, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { Notifier, notifyRollback, notifyRunOutcome, type DeliveredNotification } from '../../main/scheduler/index.js';
import { openSource } from '../../main/sources/index.js';
import type { RunSummary } from '../../shared/run.js';
import { testBackends } from '../helpers/backends.js';

/**
 * Rollback notifications went through the hourly throttle meant for repeating alarms, keyed by
 * cause and task: a second rollback within the hour of the first (the next batch of the same bad
 * feed, a colleague undoing another run) was never announced. An operator's act is news each time;
 * alarms (a task failing again and again) are still folded, and a rollback does not use up their hour.
 */
describe.each(testBackends())('every rollback is announced, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('announces two rollbacks of the same task within the hour, while a repeated failure alarm is still held back', async () => {
    const store = await backend.open(await backend.freshLocation());
    try {
      const delivered: DeliveredNotification[] = [];
      const at = new Date('2026-12-06T10:00:00.000Z');
      const notifier = new Notifier({ store, clock: () => at, channels: [{ name: 'recorded', send: async (n) => void delivered.push(n) }] });
      const first = await runUpdate({ store, source: await openSource('synthetic:seed=3,count=30'), task: 'nightly' });
      const second = await runUpdate({ store, source: await openSource('synthetic:seed=3,count=30,revision=1,changed=10'), task: 'nightly' });

      for (const [runId, operator] of [[second.runId, 'ada'], [first.runId, 'grace']] as const) {
        const report = await rollback(store, { runId, reason: 'bad feed', operator });
        const sent = await notifyRollback(notifier, store, { runId, batchSeq: null, operator, reason: 'bad feed', nothingRolledBack: nothingRolledBackBecause(report), runRolledBack: report.runRolledBack });
        expect(sent).toMatchObject({ sent: true, folded: 0 });
      }
      const failed: RunSummary = { ...first, status: 'failed', error: 'source unreachable' };
      const alarms = [await notifyRunOutcome(notifier, failed, { notifyOnAnomaly: false }), await notifyRunOutcome(notifier, failed, { notifyOnAnomaly: false })];

      expect(delivered.map((n) => [n.cause, n.subject, n.title])).toEqual([
        ['rollback', 'nightly', `Gatehouse: run ${second.runId} was rolled back`],
        ['rollback', 'nightly', `Gatehouse: run ${first.runId} was rolled back`],
        ['run-failed', 'nightly', `Gatehouse: task nightly, run ${first.runId} failed`],
      ]);
      expect(alarms.map((results) => results.map((r) => r.sent))).toEqual([[true], [false]]);
      // What a webhook receives keeps its keys: the act's marker stays inside the process.
      expect(Object.keys(delivered[0]!)).toEqual(['cause', 'subject', 'level', 'title', 'body', 'runId', 'at', 'folded']);
    } finally {
      await store.close();
    }
  }, 60_000);
});
