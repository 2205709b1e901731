import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import { setFlag } from '../../main/flags/index.js';
import { rolloutDetail, startRollout } from '../../main/rollouts/index.js';
import { addTask, Notifier, runFlaggedUpdate, type DeliveredNotification as Notification } from '../../main/scheduler/index.js';
import { rolloutStartInputSchema } from '../../shared/api-rollouts.js';
import type { Store, StoreOptions } from '../../main/store/index.js';
import { flagChangeLine, type RunEvent, type RunSummary } from '../../shared/run.js';
import type { ValidationResult } from '../../shared/validation.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { tester } from '../helpers/callers.js';
import { waitForCheckpoint } from '../helpers/checkpoints.js';
import { startCli } from '../helpers/cli.js';
import { arraySource, hearingRecords, stallingSource } from '../helpers/records.js';
import { storeCopies } from '../helpers/store-copies.js';

const ANOMALOUS: ValidationResult = { verdict: 'anomalous', method: 'test', historySize: 30, anomalies: [] };

/** Every run here: batches of 10 growing to 160, judged anomalous by a stand-in judge and held for it. */
async function configure(store: Store): Promise<void> {
  for (const [flag, value] of [['BATCH_SIZE', '10'], ['ADAPTIVE_BATCH_CEILING', '160'], ['BLOCK_ON_ANOMALY', 'true']] as const) {
    await setFlag(store, { flag, value, scope: 'global', reason: 'test setup', operator: 'setup' });
  }
}

async function plannedSizes(store: Store, runId: number): Promise<number[]> {
  return (await store.getRun(runId))!.batchList.map((batch) => batch.planned);
}

/**
 * A run of 700 records stalled before position 400: its first window (256 records) has made batches
 * 1–4 (10, 20, 40, 80) by then. `meanwhile` acts from another connection once batch 4's checkpoint is
 * committed; the run then goes on, its next batch (5, 160 records, planned before anything is read
 * again) commits, and the boundary after it is the first a kill can reach.
 */
async function runWithChangeAtBatch4(
  backend: TestBackend,
  meanwhile: (other: Store) => Promise<unknown>,
  options: { store?: StoreOptions; location?: string; task?: string; notified?: Notification[]; stopAfterBatch?: number; afterRun?: (store: Store, summary: RunSummary) => Promise<unknown> } = {},
): Promise<{ summary: RunSummary; location: string }> {
  const location = options.location ?? (await configuredCopy(backend));
  const store = await backend.open(location, options.store);
  try {
    const { source, stalled, resume } = stallingSource(hearingRecords(700), 400);
    const notified = options.notified;
    const notifier = notified && new Notifier({ store, channels: [{ name: 'memory', send: async (n) => void notified.push(n) }] });
    const stop = new AbortController();
    const onEvent = (event: RunEvent) => event.type === 'batch-finished' && event.batch.seq === options.stopAfterBatch && stop.abort();
    const running = runFlaggedUpdate({ store, source, task: options.task ?? null, notifier, signal: stop.signal, onEvent, extra: { judge: async () => ANOMALOUS } });
    await stalled;
    const run = (await store.reports.runs({})).find((r) => r.status === 'running')!;
    await waitForCheckpoint(backend, location, run.runId, (checkpoint) => checkpoint.batchSeq >= 4);
    const other = await backend.open(location);
    try {
      await meanwhile(other);
    } finally {
      await other.close();
    }
    resume();
    const { summary } = await running;
    await options.afterRun?.(store, summary);
    return { summary, location };
  } finally {
    await store.close();
  }
}

const configured = new Map<TestBackend, Promise<() => Promise<string>>>();

/** A fresh database as configure leaves it: built once per backend and copied (a fresh PostgreSQL schema's migrations were much of a test's time). */
function configuredCopies(backend: TestBackend): Promise<() => Promise<string>> {
  if (!configured.has(backend)) configured.set(backend, storeCopies(backend, configure));
  return configured.get(backend)!;
}

async function configuredCopy(backend: TestBackend): Promise<string> {
  return (await configuredCopies(backend))();
}

const kill = (store: Store, flag: string, operator = 'support-sam', value: string | boolean = false) =>
  setFlag(store, { flag, value, scope: 'kill', reason: 'stop it now', operator });

describe.each(testBackends())('kills that reach a run under way ($name)', (backend) => {
  afterAll(() => backend.cleanup());
  // Built before the first test, under the hook's time limit rather than that test's.
  beforeAll(async () => void (await configuredCopies(backend)));

  it('a kill of ADAPTIVE_BATCHES keeps later batches at BATCH_SIZE; the run says when, and its stored flags stay those it started with', async () => {
    const { summary, location } = await runWithChangeAtBatch4(backend, (other) => kill(other, 'ADAPTIVE_BATCHES'));
    const store = await backend.open(location);
    try {
      expect(summary.status).toBe('held');
      expect(summary.metrics).toMatchObject({ fetched: 700, added: 700 });
      const sizes = await plannedSizes(store, summary.runId);
      expect(sizes.slice(0, 6)).toEqual([10, 20, 40, 80, 160, 10]);
      expect(new Set(sizes.slice(5))).toEqual(new Set([10]));
      expect(summary.flags).toMatchObject({ ADAPTIVE_BATCHES: true });
      expect(summary.flagChanges).toEqual([
        { flag: 'ADAPTIVE_BATCHES', value: false, killedBy: 'support-sam', killedAt: expect.any(String), reason: 'stop it now', at: 'batch', batch: 6, applied: true, effect: "batches from 6 on stay at the run's batch size" },
      ]);
      // Why it was stopped, as the run's detail says it on the CLI and in the console (flagChangeLine).
      expect(flagChangeLine(summary.flagChanges![0]!)).toMatch(/^ADAPTIVE_BATCHES killed by support-sam \(\S+; reason: stop it now\), reached the run before batch 6: /);
      // The same JSON from `runs show --json` and the API's runs.get.
      const shown = await startCli(['runs', 'show', String(summary.runId), '--db', location, '--json']).done;
      expect(shown.code, shown.stderr).toBe(0);
      expect((JSON.parse(shown.stdout) as RunSummary).flagChanges).toEqual(summary.flagChanges);
      const engine = createInProcessEngineHost({ location });
      try {
        const detail = await dispatch(createApi({ store, engine, transport: 'http' }), 'runs.get', { runId: summary.runId }, tester);
        expect(detail).toMatchObject({ ok: true, data: { flagChanges: summary.flagChanges } });
      } finally {
        await engine.close();
      }
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a kill of ADAPTIVE_BATCHES arriving with HALT_UPDATES at one boundary says that no batch after it was written, not that batches stay at the run\'s size', async () => {
    const { summary } = await runWithChangeAtBatch4(backend, async (other) => {
      await kill(other, 'ADAPTIVE_BATCHES');
      await kill(other, 'HALT_UPDATES', 'support-sam', true);
    });
    expect(summary.status).toBe('interrupted');
    expect(summary.batches).toMatchObject({ total: 5 });
    expect(summary.flagChanges!.map(({ flag, batch, applied, effect }) => ({ flag, batch, applied, effect }))).toEqual([
      // In force for the run still: a resume goes on with it, as with any kill that reached the run.
      { flag: 'ADAPTIVE_BATCHES', batch: 6, applied: true, effect: 'HALT_UPDATES stopped the run at this same boundary, before batch 6: nothing from batch 6 on was written, so nothing in this run has taken it yet; a resume goes on with it in force' },
      { flag: 'HALT_UPDATES', batch: 6, applied: true, effect: 'the run stopped before batch 6, as interrupted: resume it once HALT_UPDATES is lifted' },
    ]);
  }, 60_000);

  it('a kill of ENABLE_RECORD_ISOLATION: a batch after it that fails is not split, its records all quarantined', async () => {
    const { summary, location } = await runWithChangeAtBatch4(backend, (other) => kill(other, 'ENABLE_RECORD_ISOLATION'), { store: { failWriteOf: (id) => id === '100500' } });
    const store = await backend.open(location);
    try {
      // Batch 7 (positions 470–629) holds the record that cannot be written; batches keep growing (ADAPTIVE_BATCHES was not killed).
      const batches = (await store.getRun(summary.runId))!.batchList;
      expect(batches[6]).toMatchObject({ status: 'failed', planned: 160, written: 0, quarantined: 160, firstPosition: 470 });
      expect(summary.metrics).toMatchObject({ fetched: 700, quarantined: 160 });
      expect(summary.flagChanges).toEqual([expect.objectContaining({ flag: 'ENABLE_RECORD_ISOLATION', value: false, at: 'batch', batch: 6, applied: true })]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a kill of BLOCK_ON_ANOMALY while an anomalous run writes: the run is not held, and says so', async () => {
    const { summary } = await runWithChangeAtBatch4(backend, (other) => kill(other, 'BLOCK_ON_ANOMALY'));
    expect(summary.status).toBe('success');
    expect(summary.validation).toMatchObject({ verdict: 'anomalous' });
    expect(summary.flagChanges).toEqual([expect.objectContaining({ flag: 'BLOCK_ON_ANOMALY', value: false, at: 'end', batch: null, applied: true, effect: 'an anomalous verdict does not hold the run' })]);
  }, 60_000);

  it('a kill of NOTIFY_ON_ANOMALY while an anomalous run writes: its verdict is not notified (a run without the kill is)', async () => {
    const killed: Notification[] = [];
    const notKilled: Notification[] = [];
    const { summary } = await runWithChangeAtBatch4(backend, (other) => kill(other, 'NOTIFY_ON_ANOMALY'), { notified: killed });
    await runWithChangeAtBatch4(backend, async () => {}, { notified: notKilled });
    expect(notKilled.map((n) => n.cause)).toContain('run-anomalous');
    expect(killed.map((n) => n.cause)).not.toContain('run-anomalous');
    expect(summary.flagChanges).toEqual([expect.objectContaining({ flag: 'NOTIFY_ON_ANOMALY', at: 'end', applied: true, effect: 'an anomalous verdict is not notified' })]);
  }, 60_000);

  it('a resumed run keeps the kills that reached it before it was stopped, and adds those that reach it after', async () => {
    const { summary: stopped, location } = await runWithChangeAtBatch4(backend, (other) => kill(other, 'ADAPTIVE_BATCHES'), { stopAfterBatch: 7 });
    expect(stopped.status).toBe('interrupted');
    const store = await backend.open(location);
    try {
      const { source, stalled, resume } = stallingSource(hearingRecords(700), 600);
      const resuming = runFlaggedUpdate({ store, source, task: null, resumeRunId: stopped.runId, extra: { judge: async () => ANOMALOUS } });
      await stalled;
      await kill(store, 'ENABLE_RECORD_ISOLATION');
      resume();
      const { summary } = await resuming;
      expect(summary).toMatchObject({ runId: stopped.runId, status: 'held', metrics: { fetched: 700 } });
      expect(summary.flagChanges!.map((change) => [change.flag, change.at, change.applied])).toEqual([
        ['ADAPTIVE_BATCHES', 'batch', true],
        ['ENABLE_RECORD_ISOLATION', 'batch', true],
      ]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('a resumed run goes on with the flags it started with: a kill placed while it was interrupted reaches it before its first batch now, recorded; a global value set meanwhile waits for the next run', async () => {
    const { summary: stopped, location } = await runWithChangeAtBatch4(backend, async () => {}, { stopAfterBatch: 5 });
    expect(stopped).toMatchObject({ status: 'interrupted', flagChanges: [] });
    const store = await backend.open(location);
    try {
      // Support, while the run is interrupted: a kill, and two global values (configure set BLOCK_ON_ANOMALY on).
      await kill(store, 'ENABLE_RECORD_ISOLATION');
      await setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, scope: 'global', reason: 'tuning', operator: 'ops' });
      await setFlag(store, { flag: 'BLOCK_ON_ANOMALY', value: false, scope: 'global', reason: 'tuning', operator: 'ops' });
      const { summary } = await runFlaggedUpdate({ store, source: arraySource(hearingRecords(700)), task: null, resumeRunId: stopped.runId, extra: { judge: async () => ANOMALOUS } });
      expect(summary).toMatchObject({ runId: stopped.runId, status: 'held', metrics: { fetched: 700, added: 700 } });
      expect(summary.flags).toMatchObject({ ENABLE_RECORD_ISOLATION: true, ADAPTIVE_BATCHES: true, BLOCK_ON_ANOMALY: true });
      expect(summary.flagChanges!.map(({ flag, killedBy, at, batch, applied }) => ({ flag, killedBy, at, batch, applied }))).toEqual([
        { flag: 'ENABLE_RECORD_ISOLATION', killedBy: 'support-sam', at: 'batch', batch: 6, applied: true },
      ]);
      // Still adaptive, as it started: the resumed batches grow again from BATCH_SIZE.
      expect((await plannedSizes(store, stopped.runId)).slice(0, 8)).toEqual([10, 20, 40, 80, 160, 10, 20, 40]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('kills of ENABLE_BATCH_PROCESSING and ENABLE_SNAPSHOTS mid-run change nothing in it, and the run says so; a kill twice is one change', async () => {
    const { summary } = await runWithChangeAtBatch4(backend, async (other) => {
      await kill(other, 'ENABLE_BATCH_PROCESSING');
      await kill(other, 'ENABLE_BATCH_PROCESSING', 'support-kim');
      await kill(other, 'ENABLE_SNAPSHOTS');
    });
    expect(summary.mode).toBe('batch');
    expect(summary.batches.succeeded).toBeGreaterThan(5);
    // Kim's kill of what Sam had already killed changed nothing in force: the kill is Sam's.
    expect(summary.flagChanges!.map(({ flag, killedBy, batch, applied }) => ({ flag, killedBy, batch, applied }))).toEqual([
      { flag: 'ENABLE_BATCH_PROCESSING', killedBy: 'support-sam', batch: 6, applied: false },
      { flag: 'ENABLE_SNAPSHOTS', killedBy: 'support-sam', batch: 6, applied: false },
    ]);
    expect(summary.flagChanges![0]!.effect).toMatch(/keeps its batches/);
    expect(summary.flagChanges![1]!.effect).toMatch(/next one on take no snapshot/);
  }, 60_000);

  it('a global (not kill) change mid-run waits for the next run', async () => {
    const { summary, location } = await runWithChangeAtBatch4(backend, async (other) => {
      await setFlag(other, { flag: 'ADAPTIVE_BATCHES', value: false, scope: 'global', reason: 'tuning', operator: 'ops' });
      await setFlag(other, { flag: 'BLOCK_ON_ANOMALY', value: false, scope: 'global', reason: 'tuning', operator: 'ops' });
    });
    const store = await backend.open(location);
    try {
      expect(await plannedSizes(store, summary.runId)).toEqual([10, 20, 40, 80, 160, 160, 160, 70]);
      expect(summary.status).toBe('held');
      expect(summary.flagChanges).toEqual([]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('kills that cannot be read (the flag table gone mid-run) stop the run at the next batch boundary as interrupted; put back, the resume takes the kill', async () => {
    let resumed: RunSummary | undefined;
    let sizes: number[] = [];
    const { summary } = await runWithChangeAtBatch4(
      backend,
      async (other) => {
        await kill(other, 'ADAPTIVE_BATCHES');
        await sql`ALTER TABLE flag_values RENAME TO flag_values_away`.execute(other.queries.db);
      },
      {
        // Put back through the run's own store: a store opening on a file missing a table is refused (store-part-dropped).
        afterRun: async (store, stopped) => {
          await sql`ALTER TABLE flag_values_away RENAME TO flag_values`.execute(store.queries.db);
          ({ summary: resumed } = await runFlaggedUpdate({ store, source: arraySource(hearingRecords(700)), task: null, resumeRunId: stopped.runId, extra: { judge: async () => ANOMALOUS } }));
          sizes = await plannedSizes(store, stopped.runId);
        },
      },
    );
    // Batch 5 was planned before the table went and committed; the boundary after it could not read the kills.
    // No resume is offered while the table is gone (every open refuses the store); once it is put back, the resume works.
    expect(summary.status).toBe('interrupted');
    expect(summary.batches.succeeded).toBe(5);
    expect(summary.error).toMatch(/^the database environment failed: the database at .* is not all there \((no such table: flag_values|relation "flag_values" does not exist)\): its schema, or a table of it, was dropped outside Gatehouse; nothing was blamed on a record — it cannot be resumed from what is left of the database$/);
    expect(resumed).toMatchObject({ runId: summary.runId, status: 'held', metrics: { fetched: 700, added: 700 } });
    // The resume takes the kill at the boundary it goes on from: the batches after 5 stay at BATCH_SIZE.
    expect(sizes.slice(0, 6)).toEqual([10, 20, 40, 80, 160, 10]);
    expect(new Set(sizes.slice(5))).toEqual(new Set([10]));
  }, 60_000);

  it('a canary run whose rollout flag a kill turned back mid-run is not counted as a canary on the new values', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    let rolloutId: number;
    try {
      await configure(store);
      const now = new Date();
      for (const name of ['canary-feed', 'house-feed']) await addTask(store, { name, cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, now);
      await setFlag(store, { flag: 'ADAPTIVE_BATCHES', value: false, scope: 'global', reason: 'baseline', operator: 'setup' });
      const input = rolloutStartInputSchema.parse({
        name: 'adaptive batches',
        flagChanges: [{ flag: 'ADAPTIVE_BATCHES', value: true }],
        canaryTask: 'canary-feed',
        stages: [{ stage: 'canary', windowHours: 1, minRuns: 2 }, { stage: 'all', windowHours: 1, minRuns: 1 }],
        reason: 'roll out growth',
      });
      rolloutId = (await startRollout(store, input, { operator: 'ops-alice', now })).id;
    } finally {
      await store.close();
    }
    const { summary } = await runWithChangeAtBatch4(backend, (other) => kill(other, 'ADAPTIVE_BATCHES'), { location, task: 'canary-feed' });
    expect(summary.flags).toMatchObject({ ADAPTIVE_BATCHES: true });
    expect(summary.flagChanges).toEqual([expect.objectContaining({ flag: 'ADAPTIVE_BATCHES', applied: true })]);
    const reopened = await backend.open(location);
    try {
      const detail = await rolloutDetail(reopened, rolloutId, new Date());
      expect(detail.latest!.canaryRuns).not.toContain(summary.runId);
    } finally {
      await reopened.close();
    }
  }, 60_000);

  /**
   * A run of 700 records stalled before position 400, killed there from another connection; what
   * reaches it at its end is read there whatever its status (only a judged run used to read them).
   */
  async function runKilledBeforeItsEnd(records: unknown[], flags: string[], setup: (store: Store) => Promise<unknown> = configure): Promise<{ summary: RunSummary; location: string }> {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await setup(store);
      const { source, stalled, resume } = stallingSource(records, 400);
      const running = runFlaggedUpdate({ store, source, task: null, extra: { judge: async () => ANOMALOUS } });
      await stalled;
      const other = await backend.open(location);
      try {
        for (const flag of flags) await kill(other, flag);
      } finally {
        await other.close();
      }
      resume();
      return { summary: (await running).summary, location };
    } finally {
      await store.close();
    }
  }

  it('kills that reach a run which then fails (every record quarantined) are recorded at its end as having nothing to change, and runs show says them', async () => {
    const { summary, location } = await runKilledBeforeItsEnd(hearingRecords(700, 100000, () => ({ date: 'not a date' })), ['BLOCK_ON_ANOMALY', 'NOTIFY_ON_ANOMALY']);
    expect(summary).toMatchObject({ status: 'failed', metrics: { fetched: 700, quarantined: 700 } });
    const notJudged = expect.stringMatching(/^the run failed: it was not judged, held or notified of an anomaly/);
    expect(summary.flagChanges).toEqual([
      expect.objectContaining({ flag: 'BLOCK_ON_ANOMALY', killedBy: 'support-sam', at: 'end', batch: null, applied: false, effect: notJudged }),
      expect.objectContaining({ flag: 'NOTIFY_ON_ANOMALY', killedBy: 'support-sam', at: 'end', batch: null, applied: false, effect: notJudged }),
    ]);
    const shown = await startCli(['runs', 'show', String(summary.runId), '--db', location, '--json']).done;
    expect(shown.code, shown.stderr).toBe(0);
    expect(JSON.parse(shown.stdout).flagChanges).toEqual(summary.flagChanges);
    // The failed run's whole JSON is the API's runs.get, its kills included (issue 12).
    const store = await backend.open(location);
    const engine = createInProcessEngineHost({ location });
    try {
      expect(await dispatch(createApi({ store, engine, transport: 'http' }), 'runs.get', { runId: summary.runId }, tester)).toEqual({ ok: true, data: JSON.parse(shown.stdout) });
    } finally {
      await engine.close();
      await store.close();
    }
  }, 60_000);

  it('a run judged by no one (ENABLE_HISTORICAL_VALIDATION off from its start) still records the kills that reached its end', async () => {
    const off = async (store: Store) => {
      await configure(store);
      await setFlag(store, { flag: 'ENABLE_HISTORICAL_VALIDATION', value: false, scope: 'global', reason: 'test setup', operator: 'setup' });
    };
    const { summary } = await runKilledBeforeItsEnd(hearingRecords(700), ['BLOCK_ON_ANOMALY'], off);
    expect(summary).toMatchObject({ status: 'success', validation: null });
    expect(summary.flagChanges).toEqual([expect.objectContaining({ flag: 'BLOCK_ON_ANOMALY', at: 'end', applied: false, effect: expect.stringMatching(/not judged/) })]);
  }, 60_000);

  // PostgreSQL only: there an all-or-nothing run's one transaction leaves the flags writable; on SQLite it holds the one write lock, and a kill waits for it to end.
  it.runIf(backend.name === 'postgres')('kills of batch-level flags that reach an all-or-nothing run say it had no batches for them to change, not that they came after its last batch', async () => {
    const allOrNothing = async (store: Store) => {
      await configure(store);
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, scope: 'global', reason: 'test setup', operator: 'setup' });
    };
    const { summary } = await runKilledBeforeItsEnd(hearingRecords(700), ['ADAPTIVE_BATCHES', 'ENABLE_RECORD_ISOLATION'], allOrNothing);
    expect(summary).toMatchObject({ mode: 'all-or-nothing', status: 'held', metrics: { added: 700 } });
    const oneTransaction = expect.stringMatching(/^the run was all-or-nothing: one transaction, no batches to grow or split/);
    expect(summary.flagChanges).toEqual([
      expect.objectContaining({ flag: 'ADAPTIVE_BATCHES', at: 'end', batch: null, applied: false, effect: oneTransaction }),
      expect.objectContaining({ flag: 'ENABLE_RECORD_ISOLATION', at: 'end', batch: null, applied: false, effect: oneTransaction }),
    ]);
  }, 60_000);

  // SQLite only: there an all-or-nothing run's one transaction holds the database's one write lock until the run ends.
  it.runIf(backend.name === 'sqlite')('a kill during an all-or-nothing run is refused naming the run and what to do, not "unexpected error: database is locked"; it lands once the run ends', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await configure(store);
      await setFlag(store, { flag: 'ENABLE_BATCH_PROCESSING', value: false, scope: 'global', reason: 'test setup', operator: 'setup' });
      const { source, stalled, resume } = stallingSource(hearingRecords(700), 400);
      const running = runFlaggedUpdate({ store, source, task: null, extra: { judge: async () => ANOMALOUS } });
      await stalled;
      const run = (await store.reports.runs({})).find((r) => r.status === 'running')!;
      const killArgs = ['flags', 'set', 'ENABLE_RECORD_ISOLATION', 'false', '--scope', 'kill', '--reason', 'stop it now', '--operator', 'support-sam', '--db', location, '--json'];
      // The run holds the write lock until resume(): the CLI's wait for it (5 s by default) is cut short by the test seam, its refusal the same.
      const refused = await startCli(killArgs, { GATEHOUSE_TEST_FAULTS: '1', GATEHOUSE_LOCK_WAIT_MS: '200' }).done;
      expect(refused.code).not.toBe(0);
      expect(JSON.parse(refused.stdout)).toMatchObject({
        error: { code: 'LOCK_HELD', message: expect.stringMatching(new RegExp(`^cannot write now: an update \\(run ${run.runId}\\) .*; nothing was changed$`)), hint: expect.stringMatching(/stop the run/) },
      });
      resume();
      expect((await running).summary).toMatchObject({ mode: 'all-or-nothing', metrics: { added: 700 }, flagChanges: [] });
      expect((await startCli(killArgs).done).code).toBe(0);
      const trail = await store.queries.db.selectFrom('flagEvents').selectAll().where('scope', '=', 'kill').execute();
      expect(trail).toEqual([expect.objectContaining({ flag: 'ENABLE_RECORD_ISOLATION', scope: 'kill', actor: 'support-sam' })]);
    } finally {
      await store.close();
    }
  }, 60_000);

  it('refuses to kill an unknown flag or a number, and a kill at the "on" position', async () => {
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await expect(kill(store, 'ADAPTIVE_BATCHEZ')).rejects.toMatchObject({ code: 'NOT_FOUND' });
      await expect(kill(store, 'BATCH_SIZE', 'sam', '10')).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/no off position/) });
      await expect(kill(store, 'ADAPTIVE_BATCHES', 'sam', true)).rejects.toMatchObject({ code: 'USAGE' });
    } finally {
      await store.close();
    }
  });
});
