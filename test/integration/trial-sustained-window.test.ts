import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stagingCopyTarget, stagingExists } from '../../main/store/index.js';
import { parseTrialSpec, runTrials, seedSyntheticHistory, summariseTrials, type TrialOutcome } from '../../main/trials/index.js';
import { LEVEL_SHIFT_SPAN } from '../../main/validation/index.js';
import { testBackends } from '../helpers/backends.js';
import { dropSchemas } from '../helpers/postgres.js';
import { trialStagingFor } from '../helpers/trial-staging.js';
import { runCli } from '../helpers/cli.js';
import { trialVerdictText } from '../../shared/api-validation.js';
import type { ReportDocument } from '../../main/reports/index.js';

/**
 * A level shift is held over LEVEL_SHIFT_SPAN runs; the validator alerts on the change and then takes
 * it as the new level (issue 10), so its last run is judged ok. The trial is caught when any run of
 * its window alarmed, and its paired control is clean only when none of as many runs was flagged.
 */
describe.each(testBackends())('a level-shift trial scored over its window ($name)', (backend) => {
  const schemas: string[] = [];
  let source = '';
  let staging = '';
  let outcome: TrialOutcome;

  beforeAll(async () => {
    source = await backend.freshLocation();
    const store = await backend.open(source);
    try {
      await seedSyntheticHistory(store, { days: 40, firstDay: new Date('2025-02-24T00:00:00Z') });
    } finally {
      await store.close();
    }
    staging = trialStagingFor(backend, source, schemas);
    outcome = await runTrials({ source, staging, injections: [parseTrialSpec('level-shift')], controls: 1 });
  }, 300_000);
  afterAll(async () => {
    await dropSchemas(schemas);
    await backend.cleanup();
  });

  it('counts the shift caught on the day it first alarmed, though its last run was judged ok', () => {
    const shift = outcome.trials.find((t) => t.kind === 'level-shift')!;
    expect(shift.verdict).toBe('ok');
    expect(shift.caught, shift.detail).toBe(true);
    expect(shift.caughtBy).toContain('validator:below-seasonal-range');
    expect(shift.firstAlertRun).toBe(1);
    expect(shift.detail).toMatch(new RegExp(`^runs \\d+–${shift.runId} \\(${LEVEL_SHIFT_SPAN} days\\): first alarmed on day 1 of ${LEVEL_SHIFT_SPAN} \\(run \\d+\\); last run ${shift.runId} `));
    expect(Object.keys(shift).slice(-4)).toEqual(['firstAlertRun', 'firstAlertRunId', 'alertVerdict', 'windowRuns']);
    expect(outcome.summary).toMatchObject({ injected: 1, caught: 1, detectionRate: 1 });
  });

  it('shows beside "caught" the verdict of the run that raised the alarm, which day and run that was, then its last run\'s', () => {
    const shift = outcome.trials.find((t) => t.kind === 'level-shift')!;
    expect(shift).toMatchObject({ firstAlertRun: 1, firstAlertRunId: shift.runId! - LEVEL_SHIFT_SPAN + 1, alertVerdict: 'anomalous', windowRuns: LEVEL_SHIFT_SPAN });
    expect(trialVerdictText(shift)).toBe(`anomalous on day 1 of ${LEVEL_SHIFT_SPAN} (run ${shift.runId! - LEVEL_SHIFT_SPAN + 1}); last run ok`);
  });

  it('records the first alarm in the ledger, and report trial gives each kind\'s detection delay (CLI JSON as the API\'s text)', async () => {
    const ledger = await backend.open(staging);
    try {
      const recorded = (await ledger.trials.list()).find((t) => t.kind === 'level-shift')!;
      const shift = outcome.trials.find((t) => t.kind === 'level-shift')!;
      expect({ ...recorded, id: 0 }).toMatchObject({ firstAlertRun: 1, firstAlertRunId: shift.firstAlertRunId, alertVerdict: 'anomalous', windowRuns: LEVEL_SHIFT_SPAN, verdict: 'ok', caught: true });
    } finally {
      await ledger.close();
    }
    const printed = runCli(['report', 'trial', '--db', staging, '--json']);
    expect(printed.code, printed.stderr).toBe(0);
    const document = JSON.parse(printed.stdout) as ReportDocument;
    const delay = document.sections.at(-1)!;
    expect(delay.heading).toBe('Detection delay');
    expect(delay.table!.rows).toEqual([['level-shift', `${LEVEL_SHIFT_SPAN} days`, 1, 'day 1: 1']]);
    const byKind = outcome.ledger.byKind.find((k) => k.kind === 'level-shift')!;
    expect(byKind).toMatchObject({ scoredOnLastRunOnly: false, windowRuns: LEVEL_SHIFT_SPAN, firstAlarmDays: [{ day: 1, trials: 1 }] });
  }, 60_000);

  it('runs its paired control over as many runs, and the ledger says the same as the session', () => {
    const control = outcome.trials.find((t) => t.kind === 'control')!;
    const shift = outcome.trials.find((t) => t.kind === 'level-shift')!;
    expect(control.caught, control.detail).toBe(false);
    expect(control.firstAlertRun).toBeNull();
    expect(control.detail).toMatch(new RegExp(`^runs \\d+–${control.runId} \\(${LEVEL_SHIFT_SPAN} days\\): no alarm that counts on any of them`));
    expect(summariseTrials(outcome.trials)).toMatchObject({ caught: 1, falsePositives: 0 });
    expect(outcome.ledger).toMatchObject({ caught: 1, falsePositives: 0 });
    expect(shift.runId! - control.runId!).toBe(LEVEL_SHIFT_SPAN);
  });
});

describe.each(testBackends())('a session refused as injecting nothing ($name)', (backend) => {
  const schemas: string[] = [];
  afterAll(async () => {
    await dropSchemas(schemas);
    await backend.cleanup();
  });

  it('is refused before any staging copy is made', async () => {
    const source = await backend.freshLocation();
    await (await backend.open(source)).close();
    const staging = trialStagingFor(backend, source, schemas);
    await expect(runTrials({ source, staging, injections: [parseTrialSpec('spike')], controls: 1 })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('would inject nothing') });
    expect(await stagingExists(staging)).toBe(false);
    expect(await stagingExists(stagingCopyTarget(staging))).toBe(false);
  }, 120_000);
});
