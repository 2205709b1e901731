import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { evaluateFlag, flagStore, setFlag, unsetFlag } from '../../main/flags/index.js';
import { rolloutReport } from '../../main/reports/index.js';
import { abortRollout, decideRollout, guardAfterRun, GUARDRAIL_OPERATOR, pauseRollout, rolloutDetail, rolloutLedger, startRollout } from '../../main/rollouts/index.js';
import { addTask, type DeliveredNotification, editTask, Notifier, runTask, Scheduler, taskStore } from '../../main/scheduler/index.js';
import type { RecordSource, SourceItem } from '../../main/sources/index.js';
import type { Store, StoreOptions } from '../../main/store/index.js';
import { rolloutStartInputSchema, type RolloutStartInput } from '../../shared/api-rollouts.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';
import { hearingRecords } from '../helpers/records.js';
import { storeCopies } from '../helpers/store-copies.js';

const FLAG = 'ENABLE_BATCH_PROCESSING';
const CANARY = 'canary-feed';
const CONTROLS = ['house-feed', 'senate-feed'];

/** A clock the test moves by hand; the sources move it too, so a run's duration is records × ms per record. */
function manualClock(start: string) {
  let now = Date.parse(start);
  return { clock: () => new Date(now), at: (iso: string) => (now = Date.parse(iso)), advance: (ms: number) => (now += ms) };
}
type Time = ReturnType<typeof manualClock>;

/** A source whose records each take `msPerRecord` of the test clock; `bad` of them carry a meetingStatus no rule accepts. */
function timedSource(time: Time, firstId: number, options: { msPerRecord: number; bad?: number; count?: number }): RecordSource {
  const count = options.count ?? 40;
  const records = hearingRecords(count, firstId, (i) => (i < (options.bad ?? 0) ? { meetingStatus: 'Exploded' } : {}));
  return {
    description: `timed:${firstId}`,
    expectedCount: count,
    async *items(): AsyncGenerator<SourceItem> {
      for (const [position, raw] of records.entries()) {
        time.advance(options.msPerRecord);
        yield { position, raw };
      }
    },
  };
}

interface Harness {
  store: Store;
  time: Time;
  sent: DeliveredNotification[];
  run(task: string, options?: { msPerRecord?: number; bad?: number }): Promise<number>;
}

let nextId = 500_000;

function harness(store: Store, time: Time, sent: DeliveredNotification[] = []): Harness {
  const notifier = new Notifier({ store, clock: time.clock, channels: [{ name: 'memory', send: async (n) => void sent.push(n) }] });
  return {
    store,
    time,
    sent,
    async run(name, options = {}) {
      const task = (await taskStore(store).get(name))!;
      nextId += 100;
      const firstId = nextId;
      const summary = await runTask(store, task, { notifier, clock: time.clock, openTaskSource: async () => timedSource(time, firstId, { msPerRecord: options.msPerRecord ?? 10, bad: options.bad }) });
      return summary.runId;
    },
  };
}

/** Three scheduled tasks on the Phase 2.2 baseline (batch processing off), one run each before any rollout. */
async function seedTasks(h: Harness): Promise<void> {
  const now = h.time.clock();
  for (const name of [CANARY, ...CONTROLS]) await addTask(h.store, { name, cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, now);
  const quiet = { operator: 'setup', reason: 'test set-up', now };
  await setFlag(h.store, { ...quiet, flag: FLAG, value: false });
  await setFlag(h.store, { ...quiet, flag: 'ENABLE_HISTORICAL_VALIDATION', value: false });
  await setFlag(h.store, { ...quiet, flag: 'ENABLE_SNAPSHOTS', value: false });
  for (const name of [CANARY, ...CONTROLS]) await h.run(name);
}

async function start(h: Harness, input: Partial<RolloutStartInput> = {}, now = h.time.clock()) {
  const parsed = rolloutStartInputSchema.parse({
    name: 'batch processing',
    flagChanges: [{ flag: FLAG, value: true }],
    canaryTask: CANARY,
    stages: [
      { stage: 'canary', windowHours: 1, minRuns: 2 },
      { stage: 'all', windowHours: 1, minRuns: 1 },
      { stage: 'monitoring', windowHours: 1, minRuns: 1 },
    ],
    reason: 'Phase 2.3 canary',
    ...input,
  });
  return startRollout(h.store, parsed, { operator: 'ops-alice', now });
}

async function flagFor(store: Store, task: string | null) {
  return (await evaluateFlag(store, FLAG, { task })).value;
}

async function expectPausedAndReverted(h: Harness, rolloutId: number, breachingRun: number, guardrail: string) {
  const detail = await rolloutDetail(h.store, rolloutId, h.time.clock());
  expect(detail.state).toBe('paused');
  expect(detail.applied).toEqual([]);
  const breach = detail.ledger.at(-1)!;
  expect(breach).toMatchObject({ kind: 'breach', operator: GUARDRAIL_OPERATOR, runId: breachingRun, stage: 'canary' });
  expect(breach.reason).toContain(guardrail);
  expect(breach.evidence!.guardrails.find((g) => g.name === guardrail)!.status).toBe('breach');
  expect(breach.evidence!.canaryRuns).toEqual([breachingRun]);
  expect(await flagFor(h.store, CANARY)).toBe(false);
  const [revert] = await flagStore(h.store).history({ flag: FLAG, limit: 1 });
  expect(revert).toMatchObject({ scope: `task:${CANARY}`, actor: GUARDRAIL_OPERATOR, oldJson: 'true', newJson: null });
  expect(revert!.reason).toContain(guardrail);
  // Support reads which change the guardrail undid, as `flags revert` names it.
  const [, applied] = await flagStore(h.store).history({ flag: FLAG, scope: `task:${CANARY}`, limit: 2 });
  expect(applied).toMatchObject({ newJson: 'true', reason: 'rollout "batch processing" enters stage canary: “Phase 2.3 canary”' });
  expect(revert!.revertsEventId).toBe(applied!.id);
  expect(h.sent.filter((n) => n.cause === 'rollout-breach')).toMatchObject([{ level: 'error', runId: breachingRun }]);
}

describe.each(testBackends())('guarded rollouts on $name', (backend: TestBackend) => {
  afterAll(() => backend.cleanup());

  /** Every test's database as seedTasks leaves it, built once and copied (its migrations and three runs were most of a test's time), and the clock's time then. */
  let seeded: Promise<{ copy: () => Promise<string>; at: string }> | undefined;
  const seededStore = () =>
    (seeded ??= (async () => {
      let at = '';
      const copy = await storeCopies(backend, async (store) => {
        const h = harness(store, manualClock('2026-06-01T00:00:00Z'));
        await seedTasks(h);
        at = h.time.clock().toISOString();
      });
      return { copy, at };
    })());

  // Built before the first test, under the hook's time limit rather than that test's.
  beforeAll(async () => void (await seededStore()));

  async function withHarness(work: (h: Harness, location: string) => Promise<void>, options?: StoreOptions) {
    const { copy, at } = await seededStore();
    const location = await copy();
    const store = await backend.open(location, options);
    try {
      const h = harness(store, manualClock(at));
      await work(h, location);
    } finally {
      await store.close();
    }
  }

  it('pauses the rollout and reverts its flag after the first canary run with a quarantine surge, audited and notified', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h);
      expect(await flagFor(h.store, CANARY)).toBe(true);
      expect(await flagFor(h.store, CONTROLS[0]!)).toBe(false);
      h.time.at('2026-06-01T00:10:00Z');
      for (const name of CONTROLS) await h.run(name);
      const surge = await h.run(CANARY, { bad: 12 });
      await expectPausedAndReverted(h, rollout.id, surge, 'quarantine-rate');
      // Paused: later runs are not judged, and nothing flips the flag back on.
      await h.run(CANARY);
      expect((await rolloutDetail(h.store, rollout.id, h.time.clock())).ledger.at(-1)!.kind).toBe('breach');
      expect(await flagFor(h.store, CANARY)).toBe(false);
    });
  });

  it('refuses a promotion of a rollout a guardrail paused, touching no flag and writing nothing: only a decision made on it paused resumes it', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h);
      h.time.at('2026-06-01T00:10:00Z');
      for (const name of CONTROLS) await h.run(name);
      const surge = await h.run(CANARY, { bad: 12 });
      await expectPausedAndReverted(h, rollout.id, surge, 'quarantine-rate');
      const alice = { operator: 'ops-alice', now: h.time.clock() };
      const [entries, events] = [(await rolloutDetail(h.store, rollout.id, h.time.clock())).ledger.length, await flagStore(h.store).history()];
      await expect(decideRollout(h.store, { rolloutId: rollout.id, decision: 'proceed', reason: 'canary looks fine', fromStage: 'canary' }, alice)).rejects.toMatchObject({
        code: 'CONFLICT',
        message: `rollout ${rollout.id} "batch processing" is paused in stage canary: a promotion does not resume it; nothing was changed`,
        hint: `resume it first: gatehouse rollout resume ${rollout.id} --from canary --reason "why"`,
      });
      expect(await rolloutDetail(h.store, rollout.id, h.time.clock())).toMatchObject({ state: 'paused', stageIndex: 0, applied: [] });
      expect((await rolloutDetail(h.store, rollout.id, h.time.clock())).ledger).toHaveLength(entries);
      expect(await flagStore(h.store).history()).toEqual(events);
      expect(await flagFor(h.store, CANARY)).toBe(false);
      // Resumed by an operator who saw it paused: the stage again, not the next one.
      await expect(decideRollout(h.store, { rolloutId: rollout.id, decision: 'proceed', reason: 'bad records fixed', fromStage: 'canary', fromState: 'paused' }, alice)).resolves.toMatchObject({ state: 'active', stageIndex: 0 });
      expect(await flagFor(h.store, CANARY)).toBe(true);
    });
  });

  it('judges the canary only by runs on its flags: a run that read the old flags just before the stage began, and started inside it, neither breaches nor counts', async () => {
    await withHarness(async (h) => {
      h.time.at('2026-06-01T00:10:00Z');
      // The canary's run read its flags (the old ones), then its row was created a moment after the
      // stage began (as after a long before-run snapshot); its guard check comes once it ends.
      const stageBegan = new Date(h.time.clock().getTime() - 1);
      const raced = await h.run(CANARY, { bad: 12 });
      const rollout = await start(h, {}, stageBegan);
      expect(await guardAfterRun(h.store, { runId: raced })).toBeNull();
      const detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail.state).toBe('active');
      expect(detail.latest?.canaryRuns).toEqual([]);
      expect(await flagFor(h.store, CANARY)).toBe(true);

      for (const name of CONTROLS) await h.run(name);
      const surge = await h.run(CANARY, { bad: 12 });
      await expectPausedAndReverted(h, rollout.id, surge, 'quarantine-rate');
    });
  });

  it('pauses the rollout and reverts its flag after the first canary run 30 % slower per record', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h);
      h.time.at('2026-06-01T00:10:00Z');
      for (const name of CONTROLS) await h.run(name);
      const slow = await h.run(CANARY, { msPerRecord: 13 });
      await expectPausedAndReverted(h, rollout.id, slow, 'per-record-time');
      const time = (await rolloutDetail(h.store, rollout.id, h.time.clock())).ledger.at(-1)!.evidence!.guardrails.find((g) => g.name === 'per-record-time')!;
      expect(Math.exp(time.difference!)).toBeCloseTo(1.3, 5);
      expect(time.low!).toBeGreaterThan(0);
    });
  });

  it('compares the canary only with control runs on other flags: a control run that recorded the rollout\'s value (set for every task a while) does not hide a slow canary', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h);
      h.time.at('2026-06-01T00:10:00Z');
      const control = await h.run(CONTROLS[0]!);
      // Someone tries the value on every task for a while: senate-feed's run records it, and is as slow as the canary.
      await setFlag(h.store, { flag: FLAG, value: true, operator: 'ops-carol', reason: 'trying it everywhere', now: h.time.clock() });
      const polluted = await h.run(CONTROLS[1]!, { msPerRecord: 13 });
      expect((await rolloutDetail(h.store, rollout.id, h.time.clock())).latest!.controlRuns).toEqual([control]);
      await setFlag(h.store, { flag: FLAG, value: false, operator: 'ops-carol', reason: 'back to the baseline', now: h.time.clock() });
      const slow = await h.run(CANARY, { msPerRecord: 13 });
      await expectPausedAndReverted(h, rollout.id, slow, 'per-record-time');
      const breach = (await rolloutDetail(h.store, rollout.id, h.time.clock())).ledger.at(-1)!;
      expect(breach.evidence!.controlRuns).toEqual([control]);
      expect(breach.evidence!.controlRuns).not.toContain(polluted);
    });
  });

  it('says at the next control run that the canary value set for every task leaves no control, naming who set it, and never promotes on the control runs from before', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h, { autoPromote: true });
      h.time.at('2026-06-01T00:10:00Z');
      for (const name of [...CONTROLS, CANARY]) await h.run(name);
      await setFlag(h.store, { flag: FLAG, value: true, operator: 'ops-bob', reason: 'try it everywhere', now: h.time.clock() });
      const onCandidate = await h.run(CONTROLS[0]!);
      let detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail.ledger.at(-1)).toMatchObject({ kind: 'check', runId: onCandidate });
      for (const said of [detail.ledger.at(-1)!.reason, detail.latest!.controlOnCanary]) {
        expect(said).toContain(`every control task (${CONTROLS.join(', ')}) now runs the canary's values`);
        expect(said).toContain(`${FLAG} [global] set to true by ops-bob`);
        expect(said).toContain('(try it everywhere)');
      }
      // `report canary --rollout` warns of it in the words `rollout status` prints.
      const report = await rolloutReport(h.store, 'canary', { rolloutId: rollout.id, now: h.time.clock() });
      expect(report!.sections.find((section) => section.heading === 'Rollout')!.paragraphs![0]).toBe(`warning: no control: ${detail.latest!.controlOnCanary}`);
      // The window passes with the canary's minimum runs, clean against the two control runs from before: no promotion.
      h.time.at('2026-06-01T01:05:00Z');
      await h.run(CANARY);
      detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail).toMatchObject({ state: 'active', stageIndex: 0 });
      expect(detail.ledger.at(-1)!.reason).toContain('not promoted by itself');
    });
  });

  it('refuses an operator\'s promotion of a canary with no control unless they say why it goes anyway, which the ledger keeps', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h);
      await setFlag(h.store, { flag: FLAG, value: true, operator: 'ops-bob', reason: 'try it everywhere', now: h.time.clock() });
      await h.run(CONTROLS[0]!);
      const alice = { operator: 'ops-alice', now: h.time.clock() };
      const proceed = { rolloutId: rollout.id, decision: 'proceed' as const, reason: 'canary looks fine', fromStage: 'canary' as const };
      const ledgerBefore = (await rolloutDetail(h.store, rollout.id, h.time.clock())).ledger;
      await expect(decideRollout(h.store, proceed, alice)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`has no control to compare its canary with: every control task (${CONTROLS.join(', ')})`) });
      expect(await rolloutDetail(h.store, rollout.id, h.time.clock())).toMatchObject({ stageIndex: 0, ledger: ledgerBefore });

      const promoted = await decideRollout(h.store, { ...proceed, withoutControl: 'the change is inert on these feeds' }, alice);
      const detail = await rolloutDetail(h.store, promoted.id, h.time.clock());
      expect(detail).toMatchObject({ state: 'active', stageIndex: 1 });
      expect(detail.ledger.at(-1)).toMatchObject({ kind: 'promote', operator: 'ops-alice', reason: expect.stringMatching(/^canary looks fine \(promoted without a control: the change is inert on these feeds; every control task .*ops-bob/) });
    });
  });

  it('judges a canary run support rolled back after it ran as it ran: the next run\'s check does not breach on failures', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h, { stages: [{ stage: 'canary', windowHours: 1, minRuns: 5 }, { stage: 'all', windowHours: 1, minRuns: 1 }] });
      h.time.at('2026-06-01T00:10:00Z');
      for (let i = 0; i < 5; i += 1) for (const name of CONTROLS) await h.run(name);
      const first = await h.run(CANARY);
      await rollback(h.store, { runId: first, onConflict: 'skip', reason: 'the source resent a bad day', operator: 'ops-sue', clock: h.time.clock });
      const next = await h.run(CANARY);
      const detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail.ledger.filter((entry) => entry.kind === 'breach').map((entry) => entry.reason)).toEqual([]);
      expect(detail.state).toBe('active');
      expect(detail.latest!.canaryRuns).toEqual([first, next]);
      expect(detail.latest!.guardrails.find((g) => g.name === 'failures')).toMatchObject({ status: 'pass', summary: 'failed runs or batches: canary 0/2 vs control 0/10' });
      expect(await flagFor(h.store, CANARY)).toBe(true);
    });
  });

  it('does not promote by itself a canary one of whose runs support rolled back: the check says so, and an operator decides', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h, { autoPromote: true, stages: [{ stage: 'canary', windowHours: 1, minRuns: 1 }, { stage: 'all', windowHours: 1, minRuns: 1 }] });
      h.time.at('2026-06-01T00:10:00Z');
      for (const name of CONTROLS) await h.run(name);
      const rolledBack = await h.run(CANARY);
      await rollback(h.store, { runId: rolledBack, onConflict: 'skip', reason: 'the source resent a bad day', operator: 'ops-sue', clock: h.time.clock });
      h.time.at('2026-06-01T01:05:00Z');
      for (let runs = 0; runs < 12; runs += 1) {
        for (const name of CONTROLS) await h.run(name);
        await h.run(CANARY);
      }
      const detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail).toMatchObject({ state: 'active', stageIndex: 0 });
      expect(detail.ledger.filter((entry) => entry.kind === 'promote')).toEqual([]);
      expect(detail.latest!.canaryRolledBackLater).toEqual([expect.objectContaining({ runId: rolledBack, operator: 'ops-sue' })]);
      expect(detail.ledger.at(-1)!.reason).toContain(`canary run ${rolledBack} rolled back by ops-sue after it ran: it waits for an operator's decision`);
      const promoted = await decideRollout(h.store, { rolloutId: rollout.id, decision: 'proceed', reason: 'the rollback was the feed, not the change' }, { operator: 'ops-alice', now: h.time.clock() });
      expect(promoted.stageIndex).toBe(1);
    });
  });

  it('keeps a canary 5 % slower running: within the 10 % threshold is not a breach', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h);
      h.time.at('2026-06-01T00:10:00Z');
      for (const name of CONTROLS) await h.run(name);
      await h.run(CANARY, { msPerRecord: 10.5 });
      const detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail.state).toBe('active');
      expect(detail.ledger.at(-1)!.kind).toBe('check');
    });
  });

  it('promotes a clean canary only once its window, its minimum runs and a per-record time interval within +10 % are all in, through every stage to completed', async () => {
    await withHarness(async (h) => {
      // More flags-off history: the later stages' baseline.
      for (let i = 0; i < 3; i += 1) for (const name of CONTROLS) await h.run(name);
      const rollout = await start(h, { autoPromote: true });
      const stage = async () => (await rolloutDetail(h.store, rollout.id, h.time.clock())).stageIndex;
      h.time.at('2026-06-01T00:10:00Z');
      for (const name of [...CONTROLS, CANARY]) await h.run(name);
      // The window has passed but only one canary run was seen: min runs holds it.
      h.time.at('2026-06-01T01:05:00Z');
      await h.run(CONTROLS[0]!);
      expect(await stage()).toBe(0);
      // Two canary runs meet min runs, but two runs cannot show per-record time within +10 %: it waits, and says why.
      await h.run(CANARY);
      let detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail.stageIndex).toBe(0);
      expect(detail.ledger.at(-1)!.reason).toContain('per-record-time inconclusive');
      let canaryRuns = 2;
      while ((await stage()) === 0 && canaryRuns < 20) {
        for (const name of CONTROLS) await h.run(name);
        await h.run(CANARY);
        canaryRuns += 1;
      }
      detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail).toMatchObject({ state: 'active', stageIndex: 1 });
      const promotion = detail.ledger.at(-1)!;
      expect(promotion).toMatchObject({ kind: 'promote', decision: 'proceed', operator: GUARDRAIL_OPERATOR, stage: 'canary' });
      expect(promotion.evidence!.guardrails.every((g) => g.status === 'pass')).toBe(true);
      expect(promotion.evidence!.canaryRuns.length).toBe(canaryRuns);
      expect(await flagFor(h.store, null)).toBe(true);
      const [promoted] = await flagStore(h.store).history({ flag: FLAG, scope: 'global', limit: 1 });
      expect(promoted).toMatchObject({ actor: GUARDRAIL_OPERATOR, reason: 'rollout "batch processing" enters stage all: “stage canary passed its window clean”' });
      h.time.at('2026-06-01T02:10:00Z');
      for (let runs = 0; (await stage()) === 1 && runs < 20; runs += 1) await h.run(CONTROLS[runs % 2]!);
      expect(await stage()).toBe(2);
      h.time.at('2026-06-01T03:20:00Z');
      for (let runs = 0; (await rolloutDetail(h.store, rollout.id, h.time.clock())).state === 'active' && runs < 20; runs += 1) await h.run(CONTROLS[runs % 2]!);
      detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail.state).toBe('completed');
      expect(detail.ledger.map((e) => e.kind).filter((kind) => kind !== 'check')).toEqual(['start', 'promote', 'promote', 'complete']);
      expect(await flagFor(h.store, CONTROLS[1]!)).toBe(true);
    });
  });

  it('resumes a rollout after a restart mid-stage: runs from before the restart count, and a breach reverts what the first process applied', async () => {
    await withHarness(async (h, location) => {
      const rollout = await start(h);
      h.time.at('2026-06-01T00:10:00Z');
      for (const name of [...CONTROLS, CANARY]) await h.run(name);
      const before = (await rolloutDetail(h.store, rollout.id, h.time.clock())).latest!;
      const reopened = await backend.open(location);
      try {
        const later = harness(reopened, h.time);
        h.time.at('2026-06-01T00:40:00Z');
        const surge = await later.run(CANARY, { bad: 20 });
        const detail = await rolloutDetail(reopened, rollout.id, h.time.clock());
        expect(detail.state).toBe('paused');
        const evidence = detail.ledger.at(-1)!.evidence!;
        expect(evidence.canaryRuns).toEqual([...before.canaryRuns, surge]);
        expect(evidence.controlRuns).toEqual(before.controlRuns);
        expect(await flagFor(reopened, CANARY)).toBe(false);
        // An operator decides to try again: Proceed resumes the stage with a fresh window and the flag back on.
        h.time.at('2026-06-01T00:50:00Z');
        const resumed = await decideRollout(reopened, { rolloutId: rollout.id, decision: 'proceed', reason: 'fixed the bad records', fromState: 'paused' }, { operator: 'ops-bob', now: h.time.clock() });
        expect(resumed).toMatchObject({ state: 'active', stageIndex: 0, stageStartedAt: '2026-06-01T00:50:00.000Z' });
        expect(await flagFor(reopened, CANARY)).toBe(true);
      } finally {
        await reopened.close();
      }
    });
  });

  it('guards the headless scheduler\'s runs: the tick that runs a slow canary pauses the rollout and reverts its flag', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h);
      const notifier = new Notifier({ store: h.store, clock: h.time.clock, channels: [{ name: 'memory', send: async (n) => void h.sent.push(n) }] });
      const scheduler = new Scheduler({
        store: h.store,
        clock: h.time.clock,
        notifier,
        log: () => undefined,
        // As `gatehouse scheduler` wires it: runTask with the notifier and the clock; the canary is 30 % slower per record.
        runTask: (task) => {
          nextId += 100;
          const msPerRecord = task.name === CANARY ? 13 : 10;
          return runTask(h.store, task, { notifier, clock: h.time.clock, openTaskSource: async () => timedSource(h.time, nextId, { msPerRecord }) });
        },
      });
      h.time.at('2026-06-01T01:00:30Z');
      // Tasks fire in name order: the canary first (no control yet: no verdict), then the first control run gives the evidence.
      expect((await scheduler.tick()).entries.map((e) => e.outcome)).toEqual(['ran', 'ran', 'ran']);
      const detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail.state).toBe('paused');
      expect(detail.ledger.map((e) => e.kind)).toEqual(['start', 'check', 'breach']);
      expect(detail.ledger.at(-1)!.reason).toContain('per-record-time');
      expect(await flagFor(h.store, CANARY)).toBe(false);
      expect(h.sent.map((n) => n.cause)).toContain('rollout-breach');
    });
  });

  it('deploys with the flags off first, judged against the pre-rollout runs; Proceed applies the canary stage\'s flags', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h, { stages: [{ stage: 'deployed', windowHours: 1, minRuns: 1 }, { stage: 'canary', windowHours: 1, minRuns: 1 }] });
      expect(rollout.applied).toEqual([]);
      expect(await flagFor(h.store, CANARY)).toBe(false);
      h.time.at('2026-06-01T00:10:00Z');
      const deployedRun = await h.run(CONTROLS[0]!);
      let detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      const check = detail.ledger.at(-1)!;
      expect(check).toMatchObject({ kind: 'check', stage: 'deployed', runId: deployedRun });
      // The baseline is the scheduled tasks' runs from before the rollout (seeded by the harness).
      expect(check.evidence!.controlRuns).toHaveLength(3);
      // One run against three cannot show per-record time within +10 %: not a breach, not a pass either.
      expect(check.evidence!.guardrails.find((g) => g.name === 'per-record-time')!.status).toBe('inconclusive');
      detail = await decideRollout(h.store, { rolloutId: rollout.id, decision: 'proceed', reason: 'deploy is clean' }, { operator: 'ops-bob', now: h.time.clock() }).then((r) => rolloutDetail(h.store, r.id, h.time.clock()));
      expect(detail).toMatchObject({ stageIndex: 1, applied: [{ flag: FLAG, scope: `task:${CANARY}`, previousJson: null }] });
      expect(detail.ledger.at(-1)).toMatchObject({ kind: 'promote', decision: 'proceed', operator: 'ops-bob', stage: 'deployed' });
      expect(await flagFor(h.store, CANARY)).toBe(true);
      // The flag's own history says who promoted and why, not only which stage set it.
      const [promoted] = await flagStore(h.store).history({ flag: FLAG, scope: `task:${CANARY}`, limit: 1 });
      expect(promoted).toMatchObject({ newJson: 'true', actor: 'ops-bob', reason: 'rollout "batch processing" enters stage canary: “deploy is clean”' });
    });
  });

  it('calls no record lost when a run on the all-or-nothing baseline rolls back whole: its changes were undone, and the next run fetches them again', async () => {
    const refusing = { writes: false };
    await withHarness(
      async (h) => {
        const rollout = await start(h, { stages: [{ stage: 'deployed', windowHours: 1, minRuns: 1 }, { stage: 'canary', windowHours: 1, minRuns: 1 }] });
        h.time.at('2026-06-01T00:10:00Z');
        refusing.writes = true;
        const rolledBack = await h.run(CONTROLS[0]!);
        expect(await h.store.getRun(rolledBack)).toMatchObject({ status: 'rolled_back', metrics: { fetched: 40, added: 0, rolledBack: 40 } });
        const detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
        const judged = detail.ledger.at(-1)!;
        expect(judged.runId).toBe(rolledBack);
        expect(judged.evidence!.guardrails.find((g) => g.name === 'data-loss')).toMatchObject({ status: 'pass', summary: 'every record of 1 canary run accounted for' });
        // The run did fail: that is the failures guardrail's to judge, never lost data.
        expect(judged.reason).not.toContain('data-loss');
      },
      { failWriteOf: () => refusing.writes },
    );
  });

  it('leaves a kill switch flipped mid-rollout standing: the next run holds the rollout, Proceed is refused, and Abort reverts only what is still the rollout\'s', async () => {
    await withHarness(async (h) => {
      // Before the rollout the flag is at its default (on): the value a revert would put back.
      await unsetFlag(h.store, { flag: FLAG, operator: 'setup', reason: 'back to the default', now: h.time.clock() });
      const rollout = await start(h, { autoPromote: true });
      const alice = () => ({ operator: 'ops-alice', now: h.time.clock() });
      // The default already runs the change on every control task: no control, so the promotion says why it goes anyway.
      await decideRollout(h.store, { rolloutId: rollout.id, decision: 'proceed', reason: 'canary looks fine', withoutControl: 'the default already runs it everywhere' }, alice());
      expect(await flagFor(h.store, null)).toBe(true);
      h.time.at('2026-06-01T00:30:00Z');
      await setFlag(h.store, { flag: FLAG, value: false, operator: 'support-bob', reason: 'kill switch: batches corrupting hearings', now: h.time.clock() });

      // Past the stage window, with a clean run: auto-promotion would set the flag back on. It holds instead.
      h.time.at('2026-06-01T02:00:00Z');
      const run = await h.run(CONTROLS[0]!);
      let detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail).toMatchObject({ state: 'paused', stageIndex: 1 });
      expect(detail.ledger.at(-1)).toMatchObject({ kind: 'pause', operator: GUARDRAIL_OPERATOR, runId: run });
      expect(detail.ledger.at(-1)!.reason).toContain('support-bob');
      expect(await flagFor(h.store, null)).toBe(false);
      // Whoever watches the rollout learns it stopped, who stopped it and why, as a breach is announced.
      expect(h.sent.filter((n) => n.cause === 'rollout-held')).toMatchObject([
        { level: 'warning', runId: run, title: expect.stringContaining('paused by a flag change made outside it'), body: expect.stringMatching(/set to false by support-bob at .*\(kill switch: batches corrupting hearings\)/) },
      ]);

      await expect(decideRollout(h.store, { rolloutId: rollout.id, decision: 'proceed', reason: 'resume', fromState: 'paused' }, alice())).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('kill switch') });
      expect(await flagFor(h.store, null)).toBe(false);

      detail = await abortRollout(h.store, { rolloutId: rollout.id, reason: 'batches are broken' }, alice()).then((r) => rolloutDetail(h.store, r.id, h.time.clock()));
      expect(detail).toMatchObject({ state: 'aborted', applied: [] });
      expect(detail.ledger.at(-1)).toMatchObject({ kind: 'abort', operator: 'ops-alice' });
      expect(detail.ledger.at(-1)!.reason).toContain('left as changed outside the rollout');
      // The kill switch stands everywhere; the canary task's own value, still the rollout's, went back.
      expect(await flagFor(h.store, null)).toBe(false);
      expect(await flagFor(h.store, CANARY)).toBe(false);
      const [last] = await flagStore(h.store).history({ flag: FLAG, scope: 'global', limit: 1 });
      expect(last).toMatchObject({ actor: 'support-bob', newJson: 'false' });
    });
  });

  it('never promotes a canary whose guardrails have no control data to compare with, however long its window ran clean', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h, { autoPromote: true });
      h.time.at('2026-06-01T02:00:00Z');
      // Only the canary runs: its control tasks are off (no other task ran in the window).
      for (let i = 0; i < 6; i += 1) await h.run(CANARY);
      const detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail).toMatchObject({ state: 'active', stageIndex: 0 });
      expect(detail.latest!.controlRuns).toEqual([]);
      expect(detail.latest!.guardrails.filter((g) => g.status === 'no data').map((g) => g.name)).toEqual(['failures', 'quarantine-rate', 'per-record-time', 'alert-rate']);
      expect(detail.ledger.at(-1)).toMatchObject({ kind: 'check', reason: expect.stringContaining('without data yet') });
      expect(await flagFor(h.store, null)).toBe(false);
    });
  });

  it('says a canary with no other enabled task beside it has no control, from its start on, and refuses an operator\'s promotion of it unless they say why it goes anyway', async () => {
    await withHarness(async (h) => {
      // The canary is the only task left running: the controls are switched off.
      for (const name of CONTROLS) await editTask(h.store, name, { enabled: false, reason: 'feed broken' }, h.time.clock(), 'ops-carol');
      const rollout = await start(h);
      const started = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(started.latest!.controlOnCanary).toContain(`no other enabled scheduled task runs beside canary task "${CANARY}"`);
      h.time.at('2026-06-01T02:00:00Z');
      for (let i = 0; i < 3; i += 1) await h.run(CANARY);
      let detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail.ledger.at(-1)).toMatchObject({ kind: 'check', reason: expect.stringContaining('not promoted by itself') });
      const proceed = { rolloutId: rollout.id, decision: 'proceed' as const, reason: 'canary looks fine', fromStage: 'canary' as const };
      const alice = { operator: 'ops-alice', now: h.time.clock() };
      await expect(decideRollout(h.store, proceed, alice)).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('has no control to compare its canary with: no other enabled scheduled task') });
      expect(await flagFor(h.store, null)).toBe(false);
      await decideRollout(h.store, { ...proceed, withoutControl: 'only one feed this week' }, alice);
      detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail).toMatchObject({ state: 'active', stageIndex: 1 });
      expect(detail.ledger.at(-1)).toMatchObject({ kind: 'promote', operator: 'ops-alice', reason: expect.stringContaining('promoted without a control: only one feed this week; no other enabled scheduled task') });
    });
  });

  it('says a canary task disabled mid-canary gets no scheduled run, naming who disabled it, and says nothing once it is enabled again', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h);
      await editTask(h.store, CANARY, { enabled: false, reason: 'feed broken' }, h.time.clock(), 'ops-bob');
      // A later edit of its schedule is not who switched it off.
      await editTask(h.store, CANARY, { cron: '0 3 * * *' }, h.time.clock(), 'ops-carol');
      const detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail.latest!.canaryTaskDisabled).toMatch(new RegExp(`canary task "${CANARY}" is disabled \\(switched off by ops-bob at \\S+: feed broken\\)`));
      await editTask(h.store, CANARY, { enabled: true, reason: 'feed fixed' }, h.time.clock(), 'ops-bob');
      expect((await rolloutDetail(h.store, rollout.id, h.time.clock())).latest!.canaryTaskDisabled).toBeUndefined();
    });
  });

  it('holds a rollout whose flag is killed mid-canary, refuses Proceed and a new rollout under the kill, and aborts with the kill standing', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h);
      expect(await flagFor(h.store, CANARY)).toBe(true);
      h.time.at('2026-06-01T00:30:00Z');
      await setFlag(h.store, { flag: FLAG, value: false, scope: 'kill', operator: 'support-bob', reason: 'batches corrupting hearings', now: h.time.clock() });
      expect(await flagFor(h.store, CANARY)).toBe(false);

      const run = await h.run(CANARY);
      let detail = await rolloutDetail(h.store, rollout.id, h.time.clock());
      expect(detail).toMatchObject({ state: 'paused', stageIndex: 0 });
      expect(detail.ledger.at(-1)).toMatchObject({ kind: 'pause', operator: GUARDRAIL_OPERATOR, runId: run });
      expect(detail.ledger.at(-1)!.reason).toContain(`${FLAG} is killed by support-bob at 2026-06-01T00:30:00.000Z (batches corrupting hearings)`);
      expect(h.sent.filter((n) => n.cause === 'rollout-held')).toMatchObject([{ level: 'warning', runId: run, body: detail.ledger.at(-1)!.reason }]);

      const alice = () => ({ operator: 'ops-alice', now: h.time.clock() });
      const eventsBefore = await flagStore(h.store).history();
      await expect(decideRollout(h.store, { rolloutId: rollout.id, decision: 'proceed', reason: 'resume', fromState: 'paused' }, alice())).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('does not run under a kill') });
      expect(await flagStore(h.store).history()).toEqual(eventsBefore);

      detail = await abortRollout(h.store, { rolloutId: rollout.id, reason: 'batches are broken' }, alice()).then((r) => rolloutDetail(h.store, r.id, h.time.clock()));
      expect(detail).toMatchObject({ state: 'aborted', applied: [] });
      expect((await flagStore(h.store).values(FLAG)).map((v) => [v.scope, v.valueJson])).toEqual([['global', 'false'], ['kill', 'false']]);

      await expect(start(h, { name: 'batch processing, again' })).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('killed by support-bob') });
      expect(await rolloutLedger(h.store).list({ states: ['active', 'paused'] })).toEqual([]);
      // A rollout that turns the killed flag off too is no conflict with the kill.
      await expect(start(h, { name: 'batch processing off', flagChanges: [{ flag: FLAG, value: false }] })).resolves.toMatchObject({ state: 'active' });
    });
  });

  it('aborts a rollout of a flag this build no longer knows, putting its stored value back (audited), so the next rollout can start', async () => {
    await withHarness(async (h) => {
      const rollout = await start(h);
      // As a later release that renamed the flag finds the database: the rollout and the value it set name the old flag.
      const renamed = 'ENABLE_BATCH_PIPELINE_V0';
      await h.store.queries.db.updateTable('rollouts').set({ flagChangesJson: JSON.stringify([{ flag: renamed, value: true }]), appliedJson: JSON.stringify([{ flag: renamed, scope: `task:${CANARY}`, previousJson: 'false' }]) }).where('id', '=', rollout.id).execute();
      await h.store.queries.db.updateTable('flagValues').set({ flag: renamed }).where('flag', '=', FLAG).where('scope', '=', `task:${CANARY}`).execute();

      const aborted = await abortRollout(h.store, { rolloutId: rollout.id, reason: 'the flag was renamed' }, { operator: 'ops-alice', now: h.time.clock() });
      expect(aborted).toMatchObject({ state: 'aborted', applied: [] });
      const [revert] = await flagStore(h.store).history({ flag: renamed, limit: 1 });
      expect(revert).toMatchObject({ scope: `task:${CANARY}`, actor: 'ops-alice', oldJson: 'true', newJson: 'false', reason: 'the flag was renamed' });
      expect(await start(h, { name: 'the next one' })).toMatchObject({ state: 'active' });
    });
  });

  it('refuses an unknown flag, an unknown canary task, stages out of order and a second open rollout', async () => {
    await withHarness(async (h) => {
      await expect(start(h, { flagChanges: [{ flag: 'ENABLE_TELEPORT', value: true }] })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('ENABLE_TELEPORT') });
      await expect(start(h, { canaryTask: 'nope' })).rejects.toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('nope') });
      // Without a canary stage no task goes first: one named anyway (existing or not) is a mistake, not a label.
      await expect(start(h, { canaryTask: 'nope', stages: [{ stage: 'all', windowHours: 1, minRuns: 1 }] })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringContaining('a rollout without a canary stage has no canary task: "nope"') });
      await expect(start(h, { flagChanges: [{ flag: FLAG, value: 7 }] })).rejects.toMatchObject({ code: 'USAGE' });
      await expect(start(h, { stages: [{ stage: 'all', windowHours: 1, minRuns: 1 }, { stage: 'canary', windowHours: 1, minRuns: 1 }] })).rejects.toMatchObject({ code: 'USAGE' });
      const open = await start(h);
      // The way out the refusal names is one the command line takes: a paused rollout is resumed, not promoted.
      await expect(start(h)).rejects.toMatchObject({ code: 'CONFLICT', hint: `finish it first: promote it (gatehouse rollout promote ${open.id} --from canary) through its last stage, or end it with gatehouse rollout abort ${open.id} --reason "why"` });
      await pauseRollout(h.store, { rolloutId: open.id, reason: 'look at the logs' }, { operator: 'ops-alice', now: h.time.clock() });
      await expect(start(h)).rejects.toMatchObject({ code: 'CONFLICT', hint: `finish it first: resume it (gatehouse rollout resume ${open.id}) and promote it through its last stage, or end it with gatehouse rollout abort ${open.id} --reason "why"` });
      expect(await rolloutLedger(h.store).list()).toHaveLength(1);
    });
  });
});
