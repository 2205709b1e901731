import { afterAll, describe, expect, it } from 'vitest';
import { tester } from '../helpers/callers.js';
import { testBackends } from '../helpers/backends.js';
import { createApi, createInProcessEngineHost, type EngineHost } from '../../main/api/index.js';
import { memoryPreferences } from '../../main/api/preferences.js';
import type { RunEvent, RunSummary } from '../../shared/run.js';

const backends = testBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

function finished(engine: EngineHost, runId: number): Promise<RunSummary> {
  return new Promise((resolve) => {
    const stop = engine.subscribe((event: RunEvent) => {
      if (event.type === 'run-finished' && event.runId === runId) {
        stop();
        resolve(event.summary);
      }
    });
  });
}

describe.each(backends)('the Start-run defaults on $name', (backend) => {
  it('offer a synthetic source that adds new records after an earlier synthetic load, and Congress.gov only once a key is set', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    const preferences = memoryPreferences({});
    try {
      const api = createApi({ store, engine, transport: 'http', databaseLocation: location, preferences });
      const empty = await api['runs.sourceDefaults']({}, tester);
      expect(empty).toEqual({ synthetic: 'synthetic:seed=1,count=500,invalid=bad-date:0.01', congress: null });

      const demoLike = await api['runs.start']({ source: 'synthetic:seed=2026,count=120', batchSize: 50, task: null }, tester);
      expect((await finished(engine, demoLike.runId)).metrics.added).toBe(120);

      const defaults = await api['runs.sourceDefaults']({}, tester);
      expect(defaults.synthetic).toMatch(/offset=120\b/);
      const { runId } = await api['runs.start']({ source: defaults.synthetic, batchSize: 100, task: null }, tester);
      const summary = await finished(engine, runId);
      expect(summary.metrics.updated).toBe(0);
      expect(summary.metrics.unchanged).toBe(0);
      expect(summary.metrics.added).toBeGreaterThan(450);
      expect(summary.metrics.added + summary.metrics.quarantined).toBe(500);

      preferences.saveCongressApiKey('DEMO_KEY');
      expect((await api['runs.sourceDefaults']({}, tester)).congress).toBe('congress:');
    } finally {
      preferences.saveCongressApiKey(null);
      await engine.close();
      await store.close();
    }
  });
});
