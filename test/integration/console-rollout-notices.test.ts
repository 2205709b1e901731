import os from 'node:os';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createInProcessEngineHost, notifyRunOutcomes, type EngineHost } from '../../main/api/index.js';
import { setFlag } from '../../main/flags/index.js';
import { abortRollout, decideRollout, rolloutDetail, startRollout } from '../../main/rollouts/index.js';
import { addTask, Notifier, type DeliveredNotification } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import { rolloutStartInputSchema } from '../../shared/api-rollouts.js';
import type { RunEvent } from '../../shared/run.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';

const SOURCES: Record<string, string> = {
  'house-feed': 'synthetic:seed=2,count=60',
  'senate-feed': 'synthetic:seed=3,count=60',
  'canary-feed': 'synthetic:seed=1,count=60,invalid=bad-enum:0.4',
};
const alice = () => ({ operator: 'ops-alice', now: new Date() });

/** Runs a task as the console's engine runs it (no notifier in the engine: the console announces what it reports). */
async function runTask(engine: EngineHost, store: Store, task: string): Promise<void> {
  const finished = new Promise<void>((resolve) => {
    const stop = engine.subscribe((event: RunEvent) => {
      if (event.type !== 'run-finished') return;
      stop();
      resolve();
    });
  });
  await engine.start({ source: SOURCES[task]!, task });
  await finished;
  // run-finished comes just before the engine lets go of the writer lock: the next run needs it.
  await vi.waitFor(async () => {
    const attempt = await store.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
    if (!attempt.acquired) throw new Error('the run still holds the lock');
    await store.releaseWriterLock();
  });
}

async function breaches(store: Store, rolloutId: number): Promise<number> {
  return (await rolloutDetail(store, rolloutId, new Date())).ledger.filter((e) => e.kind === 'breach').length;
}

describe.each(testBackends())('rollout notices from the console on $name', (backend: TestBackend) => {
  afterAll(() => backend.cleanup());

  it('announces a second rollout a guardrail paused within the hour of the first, and still holds back a repeat of the same rollout', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    const sent: DeliveredNotification[] = [];
    // The throttle in the store, as the console's notifier has it.
    const stopNotifying = notifyRunOutcomes(engine, store, () => new Notifier({ store, channels: [{ name: 'memory', send: async (n) => void sent.push(n) }] }));
    try {
      for (const [name, source] of Object.entries(SOURCES)) await addTask(store, { name, cron: '0 6 * * *', source });
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, operator: 'setup', reason: 'Phase 2.2 baseline', now: new Date() });
      const breachedRollout = async (name: string) => {
        const input = rolloutStartInputSchema.parse({
          name,
          flagChanges: [{ flag: 'ENABLE_BATCH_PROCESSING', value: true }],
          canaryTask: 'canary-feed',
          stages: [{ stage: 'canary', windowHours: 1, minRuns: 2 }, { stage: 'all', windowHours: 1, minRuns: 1 }],
          reason: 'Phase 2.3 canary',
        });
        const rollout = await startRollout(store, input, alice());
        for (const task of Object.keys(SOURCES)) await runTask(engine, store, task);
        await vi.waitFor(async () => expect(await breaches(store, rollout.id)).toBe(1));
        return rollout;
      };

      const first = await breachedRollout('batch processing');
      await vi.waitFor(() => expect(sent.filter((n) => n.cause === 'rollout-breach')).toHaveLength(1));
      await abortRollout(store, { rolloutId: first.id, reason: 'the canary feed is broken' }, alice());
      // Minutes later another rollout breaches: a different rollout, so its own notification.
      const second = await breachedRollout('batch processing, again');
      await vi.waitFor(() => expect(sent.filter((n) => n.cause === 'rollout-breach')).toHaveLength(2));
      expect(sent.filter((n) => n.cause === 'rollout-breach').map((n) => n.body)).toEqual([expect.stringContaining('"batch processing"'), expect.stringContaining('"batch processing, again"')]);

      // The same rollout breaching again within the hour is a repeat: folded into its next notification.
      await decideRollout(store, { rolloutId: second.id, decision: 'proceed', reason: 'try once more', fromState: 'paused' }, alice());
      // Resumed, the stage's window starts again: its control tasks run in it before the canary does.
      for (const task of Object.keys(SOURCES)) await runTask(engine, store, task);
      await vi.waitFor(async () => expect(await breaches(store, second.id)).toBe(2));
      await vi.waitFor(async () => {
        const throttled = await store.queries.db.selectFrom('notificationThrottle').select(['cause', 'folded']).where('cause', 'like', 'rollout-breach:%').orderBy('cause').execute();
        expect(throttled).toEqual([
          { cause: `rollout-breach:rollout-${first.id}`, folded: 0 },
          { cause: `rollout-breach:rollout-${second.id}`, folded: 1 },
        ]);
      });
      expect(sent.filter((n) => n.cause === 'rollout-breach')).toHaveLength(2);
    } finally {
      await stopNotifying();
      await engine.close();
      await store.close();
    }
  }, 120_000);
});
