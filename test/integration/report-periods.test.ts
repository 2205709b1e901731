import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, memoryPreferences } from '../../main/api/index.js';
import { abortRollout, startRollout } from '../../main/rollouts/index.js';
import { addTask } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import type { TrialRecord } from '../../main/store/index.js';
import { rolloutStartInputSchema } from '../../shared/api-rollouts.js';
import type { RunMetrics } from '../../shared/run.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { runCli } from '../helpers/cli.js';

type Document = { title: string; headline: string; period: { since: string | null }; sections: { heading: string; paragraphs?: string[]; table?: { rows: unknown[][] }; criteria?: { name: string; actual: string; note?: string }[] }[] };

async function finishedRun(store: Store, startedAt: string, task: string | null, status: 'success' | 'rolled_back', metrics: RunMetrics): Promise<void> {
  const runId = await store.createRun({ mode: status === 'rolled_back' ? 'all-or-nothing' : 'batch', batchSize: 50, task, source: 'crafted', startedAt, pid: process.pid, host: 'test', flags: {}, resumedFrom: null });
  await store.finishRun(runId, { status, finishedAt: startedAt, metrics, batchCounts: { total: 1, succeeded: status === 'success' ? 1 : 0, failed: status === 'success' ? 0 : 1, isolated: 0 }, validation: null, error: null });
}

async function trial(store: Store, at: string, kind: 'spike' | 'control', notJudged: string | null): Promise<void> {
  const level: TrialRecord['level'] = kind === 'control' ? 'control' : 'run';
  await store.trials.record({ session: 's1', at, source: 'crafted', label: kind, kind, level, magnitude: null, runId: null, caught: false, caughtBy: [], verdict: 'ok', detail: null, notJudged });
}

/**
 * One database holding a canary rollout started on 1 March and aborted on 5 March, runs of 1–4 March
 * (the last one an all-or-nothing run that rolled back, and one that lost records), and its own trial
 * ledger: a judged control and spike on 1 March, a spike and a control cut short by a full disk on 3 March.
 */
describe.each(testBackends())('reports read the period asked for, and their numbers add up ($name)', (backend) => {
  let db = '';
  const ledgerName = () => (backend.name === 'sqlite' ? db : new URL(db).searchParams.get('schema')!);
  beforeAll(async () => {
    db = await backend.freshLocation();
    await withStoreAt(backend, db, async (store) => {
      const day = (d: number) => new Date(`2026-03-0${d}T10:00:00.000Z`);
      for (const name of ['canary-feed', 'house-feed']) await addTask(store, { name, cron: '0 6 * * *', source: 'synthetic:seed=1,count=5' }, day(1));
      const { id } = await startRollout(store, rolloutStartInputSchema.parse({ name: 'batch processing', flagChanges: [{ flag: 'ENABLE_BATCH_PROCESSING', value: true }], canaryTask: 'canary-feed', stages: [{ stage: 'canary', windowHours: 1, minRuns: 1 }], reason: 'Phase 2.3 canary' }), { operator: 'ops-alice', now: day(1) });
      await abortRollout(store, { rolloutId: id, reason: 'fix the source first' }, { operator: 'ops-alice', now: day(5) });
      await finishedRun(store, '2026-03-01T14:00:00.000Z', 'canary-feed', 'success', { fetched: 40, added: 10, updated: 2, unchanged: 28, quarantined: 0, durationMs: 900 });
      await finishedRun(store, '2026-03-02T14:00:00.000Z', 'house-feed', 'success', { fetched: 12, added: 10, updated: 0, unchanged: 0, quarantined: 0, durationMs: 300 });
      await finishedRun(store, '2026-03-04T14:00:00.000Z', 'house-feed', 'rolled_back', { fetched: 30, added: 0, updated: 0, unchanged: 10, quarantined: 0, rolledBack: 20, durationMs: 500 });
      await trial(store, '2026-03-01T12:00:00.000Z', 'control', null);
      await trial(store, '2026-03-01T12:05:00.000Z', 'spike', null);
      await trial(store, '2026-03-03T12:00:00.000Z', 'spike', 'not judged: run 7 interrupted — no space left on device');
      await trial(store, '2026-03-03T12:05:00.000Z', 'control', 'not judged: run 8 interrupted — no space left on device');
    });
  });
  afterAll(() => backend.cleanup());

  const json = (args: string[]): Document => {
    const result = runCli([...args, '--db', db, '--json']);
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as Document;
  };

  it("renders a rollout's canary ledger from --since on, as the runs' reports read only runs since", () => {
    const ledger = (document: Document) => document.sections.find((s) => s.heading === 'Ledger')!.table!.rows.map((row) => row[3]);
    expect(ledger(json(['report', 'canary']))).toEqual(['start', 'abort']);
    const since = json(['report', 'canary', '--since', '2026-03-03']);
    expect(since.period.since).toBe('2026-03-03T00:00:00.000Z');
    expect(ledger(since)).toEqual(['abort']);
    const after = json(['report', 'canary', '--since', '2026-03-06', '--rollout', '1']);
    expect(ledger(after)).toEqual([]);
    expect(after.headline).toBe('Rollout 1 "batch processing": no canary ledger entry since 2026-03-06T00:00:00.000Z; state aborted.');
  });

  it('counts in the headline with the noun agreeing: 1 run, 1 trial', () => {
    expect(json(['report', 'monitoring', '--task', 'canary-feed']).headline).toBe('1 run of task canary-feed: 1 success; 0 anomalous; 0 records lost');
    expect(json(['report', 'trial', '--since', '2026-03-03T12:01:00Z']).headline).toMatch(/^1 trial: /);
  });

  it("says in the gate's notes how many trials each rate left out as not judged: injections for detection, controls for false positives", () => {
    const criteria = json(['report', 'validation']).sections.find((s) => s.heading === 'Criteria')!.criteria!;
    const note = (name: string) => criteria.find((c) => c.name === name)!.note;
    expect(note('Anomaly detection rate')).toBe('0 of 1 injected anomaly caught; 1 injection not judged, left out (run interrupted or failed before a verdict)');
    expect(note('False positive rate')).toBe('0 of 1 clean run flagged; 1 control not judged, left out (run interrupted or failed before a verdict)');
  });

  it("prints the Zero data loss sums in recordsLost's formula, rolled-back records included, and names the run that lost some", () => {
    const criteria = json(['report', 'validation']).sections.find((s) => s.heading === 'Criteria')!.criteria!;
    const loss = criteria.find((c) => c.name === 'Zero data loss')!;
    // 40 + 12 + 30 fetched; 20 + 2 + 38 + 0 + 20 accounted for; run 2 fetched 12 and accounted for 10.
    expect(loss).toMatchObject({ actual: '2', note: 'over 3 finished runs: 82 fetched against 20 added + 2 updated + 38 unchanged + 0 quarantined + 20 rolled back; records unaccounted for in run 2 (2)' });
    const clean = json(['report', 'validation', '--since', '2026-03-03']).sections.find((s) => s.heading === 'Criteria')!.criteria!.find((c) => c.name === 'Zero data loss')!;
    expect(clean).toMatchObject({ actual: '0', note: 'over 1 finished run: 30 fetched = 0 added + 0 updated + 10 unchanged + 0 quarantined + 20 rolled back' });
    const runs = json(['report', 'monitoring', '--since', '2026-03-03']).sections.find((s) => s.heading === 'Runs')!.table!.rows;
    // fetched, then every part of it: added, updated, unchanged, quarantined, rolled back.
    expect(runs.map((row) => row.slice(5, 11))).toEqual([[30, 0, 0, 10, 0, 20]]);
  });

  it('refuses a `since` after now in every report, CLI and console alike, instead of printing a period that runs backwards', async () => {
    const future = '2999-01-01';
    for (const kind of ['validation', 'trial', 'monitoring', 'canary']) {
      const result = runCli(['report', kind, '--since', future, '--db', db]);
      expect(result.stdout).toBe('');
      // Named as typed on the command line, as every option's refusal is; the console's API names its field.
      expect(result.stderr).toMatch(/^gatehouse: --since: "2999-01-01" is after now \(\d{4}-.*Z\); a report's period runs from --since up to now\n/);
      expect(result.code).toBe(2);
    }
    await withStoreAt(backend, db, async (store) => {
      const engine = createInProcessEngineHost({ location: db });
      try {
        const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}), databaseLocation: db });
        const refused = { code: 'USAGE', message: expect.stringMatching(/^since: "2999-01-01" is after now /) };
        await expect(api['trials.summary']({ staging: ledgerName(), since: future }, tester)).rejects.toMatchObject(refused);
        await expect(api['reports.trial']({ staging: ledgerName(), since: future, format: 'md' }, tester)).rejects.toMatchObject(refused);
        await expect(api['trials.list']({ staging: ledgerName(), since: future, limit: 50 }, tester)).rejects.toMatchObject(refused);
      } finally {
        await engine.close();
      }
    });
  });

  it("takes `since` on the console's trials.summary as on reports.trial and `report trial --since`, with one schema", async () => {
    await withStoreAt(backend, db, async (store) => {
      const engine = createInProcessEngineHost({ location: db });
      try {
        const api = createApi({ store, engine, transport: 'http', preferences: memoryPreferences({}), databaseLocation: db });
        expect(await api['trials.summary']({ staging: ledgerName() }, tester)).toMatchObject({ trials: 4, injected: 1, controls: 1, notJudged: 2 });
        const since = await api['trials.summary']({ staging: ledgerName(), since: '2026-03-02' }, tester);
        expect(since).toMatchObject({ trials: 2, injected: 0, controls: 0, notJudged: 2 });
        // The Trials page lists the trials of the period its rates count.
        const listed = await api['trials.list']({ staging: ledgerName(), since: '2026-03-02', limit: 1 }, tester);
        expect(listed.trials.map((t) => t.at)).toEqual(['2026-03-03T12:05:00.000Z']);
        const older = await api['trials.list']({ staging: ledgerName(), since: '2026-03-02', limit: 1, after: listed.trials[0]!.id }, tester);
        expect(older.trials.map((t) => t.at)).toEqual(['2026-03-03T12:00:00.000Z']);
        expect((await api['trials.list']({ staging: ledgerName(), since: '2026-03-02', limit: 1, after: older.trials[0]!.id }, tester)).trials).toEqual([]);
        const report = await api['reports.trial']({ staging: ledgerName(), since: '2026-03-02', format: 'md' }, tester);
        expect(report.headline).toBe(json(['report', 'trial', '--since', '2026-03-02']).headline);
        expect(report.headline).toMatch(/^2 trials: 0 of 0 injected anomalies caught; 0 of 0 clean runs flagged; 2 not judged/);
        await expect(api['trials.summary']({ staging: ledgerName(), since: 'yesterday-ish' }, tester)).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/^since: /) });
      } finally {
        await engine.close();
      }
    });
  });
});
