import { afterAll, describe, expect, it } from 'vitest';
import { parseTrialSpec, runTrials, seedSyntheticHistory } from '../../main/trials/index.js';
import { calendarDay, validationHistory } from '../../main/validation/index.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { dropSchemas } from '../helpers/postgres.js';
import { storeRun } from '../helpers/sensitivity-fixtures.js';
import { trialStagingFor } from '../helpers/trial-staging.js';

const DAY_MS = 86_400_000;

/**
 * Seven weeks of session runs to 30 July 2025, then the August recess to Labor Day as a real feed
 * has it: runs a tenth of the session's size.
 */
async function sourceEndingInRecess(backend: TestBackend): Promise<{ source: string; sessionFetched: number }> {
  const source = await backend.freshLocation();
  const store = await backend.open(source);
  try {
    await seedSyntheticHistory(store, { days: 52, firstDay: new Date('2025-06-09T00:00:00Z') });
    const session = await validationHistory(store);
    const lastWeek = new Map(session.slice(-7).map((h) => [new Date(h.startedAt).getUTCDay(), h.metrics as Record<string, number>]));
    for (let t = Date.parse(session.at(-1)!.startedAt) + DAY_MS; t <= Date.parse('2025-09-01T14:00:00Z'); t += DAY_MS) {
      const usual = lastWeek.get(new Date(t).getUTCDay())!;
      const added = Math.max(1, Math.round(usual.added! / 10));
      const unchanged = Math.round(usual.unchanged! / 10);
      await storeRun(store, { startedAt: new Date(t).toISOString(), metrics: { fetched: added + unchanged, added, updated: 0, unchanged, quarantined: 0, durationMs: (added + unchanged) * 25 } }, null);
    }
    const tuesdays = session.filter((h) => new Date(h.startedAt).getUTCDay() === 2).slice(-4).map((h) => (h.metrics as Record<string, number>).fetched!);
    return { source, sessionFetched: Math.min(...tuesdays) };
  } finally {
    await store.close();
  }
}

describe.each(testBackends())('trials after a recess ($name)', (backend) => {
  const schemas: string[] = [];
  afterAll(async () => {
    await dropSchemas(schemas);
    await backend.cleanup();
  });

  it("builds a session day's clean run from session days, not the recess the history ends in: a fourfold spike is four session days' volume and is caught", async () => {
    const { source, sessionFetched } = await sourceEndingInRecess(backend);
    const outcome = await runTrials({ source, staging: trialStagingFor(backend, source, schemas), injections: ['spike', 'drop'].map(parseTrialSpec), controls: 2 });
    // The planner's days: in session and away from the recess boundary.
    expect(outcome.trials.every((t) => !calendarDay(t.startedAt).recess && !calendarDay(t.startedAt).nearBoundary)).toBe(true);
    const control = outcome.trials.find((t) => t.level === 'control')!;
    const fetched = Number(/fetched (\d+)/.exec(control.detail)![1]);
    expect(fetched).toBeGreaterThanOrEqual(sessionFetched);
    expect(outcome.summary).toMatchObject({ injected: 2, caught: 2, controls: 2, falsePositives: 0 });
    expect(outcome.trials.find((t) => t.kind === 'spike')).toMatchObject({ caught: true, verdict: 'anomalous' });
  }, 240_000);
});
