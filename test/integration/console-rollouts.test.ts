import { afterEach, describe, expect, it, vi } from 'vitest';
import { notifyRunOutcomes } from '../../main/api/index.js';
import { Notifier, type DeliveredNotification } from '../../main/scheduler/index.js';
import { openConsoleApi, type ConsoleApi } from '../helpers/console-api.js';

const SOURCES: Record<string, string> = {
  'house-feed': 'synthetic:seed=2,count=60',
  'senate-feed': 'synthetic:seed=3,count=60',
  'canary-feed': 'synthetic:seed=1,count=60,invalid=bad-enum:0.4',
};

describe('guarded rollouts through the console API', () => {
  let consoleApi: ConsoleApi | undefined;
  afterEach(async () => consoleApi?.close());

  it('starts a rollout, sees an app run breach it, and shows it paused with its flag reverted and its ledger', async () => {
    const c = (consoleApi = await openConsoleApi('gatehouse-rollouts-api-'));
    // As the app wires it: the engine's thread has no notifier, the console announces what it reports.
    const sent: DeliveredNotification[] = [];
    const stopNotifying = notifyRunOutcomes(c.engine, c.store, () => new Notifier({ store: null, channels: [{ name: 'memory', send: async (n) => void sent.push(n) }] }));
    for (const [name, source] of Object.entries(SOURCES)) await c.call('tasks.add', { name, cron: '0 6 * * *', source });
    await c.call('flags.set', { flag: 'ENABLE_BATCH_PROCESSING', value: false, reason: 'Phase 2.2 baseline' });
    expect(await c.call('rollouts.get', {})).toBeNull();
    await expect(c.call('rollouts.start', { name: 'batches', flagChanges: [{ flag: 'NO_SUCH_FLAG', value: true }], canaryTask: 'canary-feed', reason: 'x' })).rejects.toThrow(/NOT_FOUND unknown flag/);
    const started = await c.call('rollouts.start', {
      name: 'batch processing',
      flagChanges: [{ flag: 'ENABLE_BATCH_PROCESSING', value: true }],
      canaryTask: 'canary-feed',
      stages: [{ stage: 'canary', windowHours: 1, minRuns: 2 }, { stage: 'all', windowHours: 1, minRuns: 1 }],
      reason: 'Phase 2.3 canary',
    });
    expect(started).toMatchObject({ state: 'active', operator: 'tester', ledger: [{ kind: 'start', operator: 'tester' }] });
    for (const task of Object.keys(SOURCES)) await c.run({ source: SOURCES[task]!, task });
    await vi.waitFor(async () => expect((await c.call('rollouts.get', {}))!.state).toBe('paused'));
    const paused = (await c.call('rollouts.get', { rolloutId: started.id }))!;
    expect(paused.ledger.at(-1)).toMatchObject({ kind: 'breach', operator: 'gatehouse-guardrail' });
    expect(paused.latest!.guardrails.map((g) => g.name)).toEqual(['failures', 'data-loss', 'quarantine-rate', 'per-record-time', 'alert-rate']);
    const flags = await c.call('flags.list', {});
    expect(flags.find((f) => f.name === 'ENABLE_BATCH_PROCESSING')!.scopes).toEqual([expect.objectContaining({ scope: 'global', value: false })]);
    await vi.waitFor(() => expect(sent.filter((n) => n.cause === 'rollout-breach')).toHaveLength(1));
    expect(sent.find((n) => n.cause === 'rollout-breach')!.body).toContain('quarantine-rate');
    stopNotifying();
    const rolledBack = await c.call('rollouts.decide', { rolloutId: started.id, decision: 'roll_back', reason: 'source is broken' });
    expect(rolledBack.state).toBe('rolled_back');
    expect(await c.call('rollouts.list', {})).toHaveLength(1);
  });
});
