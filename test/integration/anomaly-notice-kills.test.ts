import { afterAll, describe, expect, it } from 'vitest';
import { createInProcessEngineHost, notifyRunOutcomes } from '../../main/api/index.js';
import { setFlag } from '../../main/flags/index.js';
import { Notifier, runFlaggedUpdate, type DeliveredNotification } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import type { RunSummary } from '../../shared/run.js';
import type { ValidationResult } from '../../shared/validation.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const ANOMALOUS: ValidationResult = { verdict: 'anomalous', method: 'test', historySize: 30, anomalies: [] };

const killNotices = (store: Store) => setFlag(store, { flag: 'NOTIFY_ON_ANOMALY', value: false, scope: 'kill', reason: 'too noisy tonight', operator: 'support-sam' });

/** A judge that finds the run anomalous, while support staff kill NOTIFY_ON_ANOMALY: after the run's end-of-run look at the kills, before its notice. */
function judgeThenKill(store: Store) {
  return async () => {
    await killNotices(store);
    return ANOMALOUS;
  };
}

function memoryNotifier(store: Store | null) {
  const sent: DeliveredNotification[] = [];
  return { sent, notifier: new Notifier({ store, channels: [{ name: 'memory', send: async (n) => void sent.push(n) }] }) };
}

describe.each(testBackends())('a NOTIFY_ON_ANOMALY kill is read when the notice is sent ($name)', (backend) => {
  afterAll(() => backend.cleanup());

  it('gatehouse update and the scheduler: a kill placed after the run was judged stops its anomaly notice, and the run records it', async () => {
    await withFreshStore(backend, async (store) => {
      const { sent, notifier } = memoryNotifier(store);
      const { summary } = await runFlaggedUpdate({ store, source: arraySource(hearingRecords(20)), task: null, notifier, extra: { judge: judgeThenKill(store) } });
      expect(summary.validation).toMatchObject({ verdict: 'anomalous' });
      expect(sent.map((n) => n.cause)).not.toContain('run-anomalous');
      expect(summary.flagChanges).toEqual([expect.objectContaining({ flag: 'NOTIFY_ON_ANOMALY', killedBy: 'support-sam', at: 'end', applied: true, effect: 'an anomalous verdict is not notified' })]);
      expect((await store.getRun(summary.runId))!.flagChanges).toEqual(summary.flagChanges);
    });
  });

  it('without the kill the same run is notified', async () => {
    await withFreshStore(backend, async (store) => {
      const { sent, notifier } = memoryNotifier(store);
      await runFlaggedUpdate({ store, source: arraySource(hearingRecords(20)), task: null, notifier, extra: { judge: async () => ANOMALOUS } });
      expect(sent.map((n) => n.cause)).toEqual(['run-anomalous']);
    });
  });

  it('the console (a run in its engine, notified from the run-finished event): a kill placed after the run was judged stops the notice too', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location, judge: judgeThenKill(store) });
    try {
      const { sent, notifier } = memoryNotifier(store);
      const stopNotifying = notifyRunOutcomes(engine, store, () => notifier);
      const finished = new Promise<RunSummary>((resolve) => engine.subscribe((event) => event.type === 'run-finished' && resolve(event.summary)));
      await engine.start({ source: 'synthetic:seed=1,count=20', task: null });
      const summary = await finished;
      // Waits for the notices under way once the run finished.
      await stopNotifying();
      expect(summary.validation).toMatchObject({ verdict: 'anomalous' });
      expect(sent.map((n) => n.cause)).not.toContain('run-anomalous');
      expect((await store.getRun(summary.runId))!.flagChanges).toEqual([expect.objectContaining({ flag: 'NOTIFY_ON_ANOMALY', at: 'end', applied: true })]);
    } finally {
      await engine.close();
      await store.close();
    }
  });
});
