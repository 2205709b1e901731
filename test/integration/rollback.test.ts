import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rollback, type RollbackReport, undoJournal } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { openSource, type SourceItem } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { GatehouseError } from '../../shared/errors.js';
import { testBackends, withStoreAt } from '../helpers/backends.js';
import { domainRows, hashDomainRows } from '../helpers/domain-rows.js';
import { startCli } from '../helpers/cli.js';
import { arraySource } from '../helpers/records.js';
import { storeCopies } from '../helpers/store-copies.js';
import { validationHistory } from '../../main/validation/index.js';

async function recordsOf(spec: string): Promise<unknown[]> {
  const items: SourceItem[] = [];
  for await (const item of (await openSource(spec)).items()) items.push(item);
  return items.map((item) => item.raw);
}

const BASE = await recordsOf('synthetic:seed=3,count=1000');
/** 100 of the base hearings revised, then 50 new ones after them. */
const REVISED = [...(await recordsOf('synthetic:seed=3,count=1000,revision=1,changed=100')), ...(await recordsOf('synthetic:seed=3,offset=1000,count=50'))];

function eventIdOf(record: unknown): string {
  return String((record as { eventId: string }).eventId);
}

const changedIds = REVISED.filter((record, i) => i >= 1000 || JSON.stringify(record) !== JSON.stringify(BASE[i])).map(eventIdOf);

async function expectError(work: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await work.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(GatehouseError);
  expect((error as GatehouseError).code).toBe(code);
  expect((error as GatehouseError).message).toMatch(message);
}

describe.each(testBackends())('rollback on $name', (backend) => {
  afterAll(() => backend.cleanup());

  /**
   * The database after run 1 (1000 hearings) and run 2 (100 changed, 50 added), with the hash between them: built
   * once and copied for each test (the two runs, and on PostgreSQL the migrations, were most of a test's time).
   */
  let twoRuns: Promise<{ copy: () => Promise<string>; hashAfterRun1: Record<string, string> }> | undefined;
  const twoRunsBuilt = () =>
    (twoRuns ??= (async () => {
      let hashAfterRun1: Record<string, string> = {};
      const copy = await storeCopies(backend, async (store, location) => {
        const first = await runUpdate({ store, source: arraySource(BASE, 'base') });
        expect(first.metrics).toMatchObject({ added: 1000 });
        hashAfterRun1 = hashDomainRows(await domainRows(location));
        const second = await runUpdate({ store, source: arraySource(REVISED, 'revised'), batchSize: 50 });
        expect(second.metrics).toMatchObject({ fetched: 1050, added: 50, updated: 100, unchanged: 900, quarantined: 0 });
        expect(second.runId).toBe(2);
      });
      return { copy, hashAfterRun1 };
    })());

  // Built before the first test, under the hook's time limit rather than that test's.
  beforeAll(async () => void (await twoRunsBuilt()));

  async function withTwoRuns(work: (store: Store, location: string, hashAfterRun1: Record<string, string>) => Promise<void>): Promise<void> {
    const { copy, hashAfterRun1 } = await twoRunsBuilt();
    const location = await copy();
    const store = await backend.open(location);
    try {
      await work(store, location, hashAfterRun1);
    } finally {
      await store.close();
    }
  }

  it('rolls back a run that changed 100 hearings and added 50: every domain row hashes as before it', async () => {
    await withTwoRuns(async (store, location, before) => {
      expect(hashDomainRows(await domainRows(location))).not.toEqual(before);
      const report = await rollback(store, { runId: 2, reason: 'bad feed', operator: 'support-ann' });
      expect(report.counts).toMatchObject({ restored: 100, deleted: 50, skipped: 0, forced: 0 });
      expect(report.runRolledBack).toBe(true);
      expect(hashDomainRows(await domainRows(location))).toEqual(before);
      expect((await store.getRun(2))!.status).toBe('rolled_back');
      expect((await store.getRun(2))!.batchList.every((b) => b.status === 'rolled_back')).toBe(true);
      const history = await validationHistory(store);
      expect(history).toHaveLength(1);
      const [event] = await undoJournal(store).listEvents({ runId: 2 });
      expect(event).toMatchObject({ runId: 2, batchSeq: null, operator: 'support-ann', reason: 'bad feed', restored: 100, deleted: 50, runRolledBack: true });
    });
  });

  it('puts back a page of before-images larger than one insert statement holds, exactly', async () => {
    // 2,500 hearings of ~17 columns are more parameters than one statement may bind on either backend.
    const base = await recordsOf('synthetic:seed=4,count=2500');
    const revised = await recordsOf('synthetic:seed=4,count=2500,revision=1,changed=2500');
    const location = await backend.freshLocation();
    const store = await backend.open(location);
    try {
      await runUpdate({ store, source: arraySource(base, 'base'), batchSize: base.length });
      const before = hashDomainRows(await domainRows(location));
      const second = await runUpdate({ store, source: arraySource(revised, 'revised') });
      expect(second.metrics.updated).toBeGreaterThan(2000);
      const report = await rollback(store, { runId: second.runId });
      expect(report.counts.restored).toBe(second.metrics.updated);
      expect(hashDomainRows(await domainRows(location))).toEqual(before);
    } finally {
      await store.close();
    }
  });

  it('reports progress a page at a time, once the page is written', async () => {
    await withTwoRuns(async (store, location, before) => {
      const undone: number[] = [];
      const onProgress = (progress: { phase: string; done: number }) => {
        if (progress.phase === 'undoing hearings') undone.push(progress.done);
      };
      await rollback(store, { runId: 2, limits: { pageSize: 40, listed: 10 }, onProgress });
      expect(undone).toEqual([0, 40, 80, 120, 150]);
      expect(hashDomainRows(await domainRows(location))).toEqual(before);
    });
  });

  it('says plainly that there is nothing to do when the same run is rolled back twice', async () => {
    await withTwoRuns(async (store, location, before) => {
      await rollback(store, { runId: 2 });
      const again = await rollback(store, { runId: 2 });
      expect(again.nothingToDo).toBe(true);
      expect(again.message).toMatch(/run 2 was already rolled back; nothing to do/);
      expect(again.eventId).toBeNull();
      expect(await undoJournal(store).listEvents({ runId: 2 })).toHaveLength(1);
      expect(hashDomainRows(await domainRows(location))).toEqual(before);
    });
  });

  it('rolls back one batch only, then the rest; the run becomes rolled_back when nothing is left', async () => {
    await withTwoRuns(async (store, location, before) => {
      const run = (await store.getRun(2))!;
      expect(run.batchList.map((b) => b.seq)).toEqual([1, 2, 3]);
      const middle = await rollback(store, { runId: 2, batchSeq: 2 });
      expect(middle.hearings).toHaveLength(50);
      expect(middle.runRolledBack).toBe(false);
      const after = await store.getRun(2);
      expect(after!.status).not.toBe('rolled_back');
      expect(after!.batchList.map((b) => b.status)).toEqual(['committed', 'rolled_back', 'committed']);
      const stored = await store.loadHearings(changedIds);
      const undone = new Set(middle.hearings.map((h) => h.eventId));
      for (const id of changedIds) {
        if (undone.has(id)) expect(stored.get(id)?.lastRunId ?? 1).toBe(1);
        else expect(stored.get(id)!.lastRunId).toBe(2);
      }
      expect((await rollback(store, { runId: 2, batchSeq: 2 })).message).toMatch(/batch 2 of run 2 was already rolled back; nothing to do/);
      await rollback(store, { runId: 2, batchSeq: 1 });
      const last = await rollback(store, { runId: 2, batchSeq: 3 });
      expect(last.runRolledBack).toBe(true);
      expect((await store.getRun(2))!.status).toBe('rolled_back');
      expect(hashDomainRows(await domainRows(location))).toEqual(before);
    });
  });

  it('lists in a dry run exactly the hearings the run wrote, and changes nothing', async () => {
    await withTwoRuns(async (store, location) => {
      const hashBefore = hashDomainRows(await domainRows(location));
      const plan = await rollback(store, { runId: 2, dryRun: true });
      expect(plan.dryRun).toBe(true);
      expect(plan.eventId).toBeNull();
      expect(new Set(plan.hearings.map((h) => h.eventId))).toEqual(new Set(changedIds));
      expect(plan.hearings.filter((h) => h.action === 'delete').map((h) => h.eventId).sort()).toEqual(REVISED.slice(1000).map(eventIdOf).sort());
      expect(plan.hearings.filter((h) => h.action === 'restore')).toHaveLength(100);
      expect(plan.createdRows.every((row) => ['deleted', 'kept'].includes(row.outcome))).toBe(true);
      expect(plan.message).toMatch(/^dry run: rolling back run 2: would restore 100 hearings/);
      expect(hashDomainRows(await domainRows(location))).toEqual(hashBefore);
      expect((await store.getRun(2))!.status).toBe('success');
      expect(await undoJournal(store).listEvents()).toHaveLength(0);
    });
  });

  describe('when a later run changed 10 of the same hearings', () => {
    const laterIds = changedIds.slice(0, 10);
    const laterRecords = REVISED.filter((r) => laterIds.includes(eventIdOf(r))).map((r) => ({ ...(r as object), title: `Later title ${eventIdOf(r)}` }));

    async function withConflict(work: (store: Store, location: string, before: Record<string, string>) => Promise<void>) {
      await withTwoRuns(async (store, location, before) => {
        const third = await runUpdate({ store, source: arraySource(laterRecords, 'later') });
        expect(third.metrics.updated).toBe(10);
        await work(store, location, before);
      });
    }

    it('refuses by default, names the conflicts and changes nothing', async () => {
      await withConflict(async (store, location) => {
        const hash = hashDomainRows(await domainRows(location));
        await expectError(rollback(store, { runId: 2 }), 'CONFLICT', /refusing to roll back run 2: 10 hearings changed since: hearing \d+ was changed again by run 3/);
        expect(hashDomainRows(await domainRows(location))).toEqual(hash);
        const plan = await rollback(store, { runId: 2, dryRun: true });
        expect(plan.wouldRefuse).toBe(true);
        expect(plan.conflicts.map((c) => c.eventId).sort()).toEqual([...laterIds].sort());
        expect(plan.conflicts.every((c) => c.laterRuns.join() === '3')).toBe(true);
      });
    });

    it('with skip leaves the 10 as the later run wrote them and restores the other 140', async () => {
      await withConflict(async (store) => {
        const report = await rollback(store, { runId: 2, onConflict: 'skip' });
        expect(report.counts).toMatchObject({ restored: 90, deleted: 50, skipped: 10 });
        const stored = await store.loadHearings(laterIds);
        for (const id of laterIds) expect(stored.get(id)!.content.title).toBe(`Later title ${id}`);
        expect((await rollback(store, { runId: 2, onConflict: 'skip' })).nothingToDo).toBe(true);
      });
    });

    it('after a skip, a forced rollback still restores the 10 it skipped, and the run stays rolled back', async () => {
      await withConflict(async (store) => {
        await rollback(store, { runId: 2, onConflict: 'skip' });
        const refused = await rollback(store, { runId: 2 });
        expect(refused.nothingToDo).toBe(true);
        expect(refused.message).toMatch(/except 10 conflicting hearings left as they are by --on-conflict skip; .*--on-conflict force/);
        const forced = await rollback(store, { runId: 2, onConflict: 'force' });
        expect(forced.nothingToDo).toBe(false);
        expect(forced.counts).toMatchObject({ restored: 10, deleted: 0, skipped: 0, forced: 10 });
        const stored = await store.loadHearings(laterIds);
        const base = new Map(BASE.map((r) => [eventIdOf(r), r as { title: string }]));
        for (const id of laterIds) expect(stored.get(id)!.content.title).toBe(base.get(id)!.title);
        expect((await store.getRun(2))!.status).toBe('rolled_back');
        expect((await rollback(store, { runId: 2, onConflict: 'force' })).nothingToDo).toBe(true);
        expect(await undoJournal(store).listEvents({ runId: 2 })).toHaveLength(2);
      });
    });

    it('a batch skip leaves the hearing pending for the run: the run rolls back the rest, force takes the skipped', async () => {
      await withConflict(async (store) => {
        const batches = (await store.getRun(2))!.batchList.map((b) => b.seq);
        let skipped = 0;
        for (const seq of batches) skipped += (await rollback(store, { runId: 2, batchSeq: seq, onConflict: 'skip' })).counts.skipped;
        expect(skipped).toBe(10);
        expect((await store.getRun(2))!.status).toBe('rolled_back');
        const forced = await rollback(store, { runId: 2, onConflict: 'force' });
        expect(forced.counts).toMatchObject({ restored: 10, forced: 10 });
      });
    });

    it('pages through the journal and bounds its report: pages of 7 undo exactly what one page does, the report lists 20', async () => {
      await withConflict(async (store) => {
        const small = { pageSize: 7, listed: 20 };
        const whole = await rollback(store, { runId: 2, dryRun: true, onConflict: 'skip' });
        const paged = await rollback(store, { runId: 2, dryRun: true, onConflict: 'skip', limits: small });
        expect(paged.counts).toEqual(whole.counts);
        expect(paged.hearings).toEqual(whole.hearings.slice(0, 20));
        expect([paged.hearings.length + paged.hearingsNotListed, whole.hearingsNotListed]).toEqual([150, 0]);
        const refused = await rollback(store, { runId: 2, dryRun: true, limits: { pageSize: 3, listed: 4 } });
        expect([refused.wouldRefuse, refused.conflicts.length, refused.conflictsNotListed]).toEqual([true, 4, 6]);
        await expectError(rollback(store, { runId: 2, limits: { pageSize: 3, listed: 4 } }), 'CONFLICT', /10 hearings changed since/);

        const report = await rollback(store, { runId: 2, onConflict: 'force', limits: small });
        expect(report.counts).toMatchObject({ restored: 100, deleted: 50, skipped: 0, forced: 10 });
        // Newest write first, as one page undoes them.
        expect(report.hearings.map((h) => h.eventId)).toEqual(whole.hearings.slice(0, 20).map((h) => h.eventId));
        expect(report.runRolledBack).toBe(true);
        const base = new Map(BASE.map((r) => [eventIdOf(r), r as { title: string }]));
        // The 100 updated get their base title back (the 10 in conflict too, forced); the 50 added are gone.
        const stored = await store.loadHearings(changedIds);
        for (const id of changedIds) expect(stored.get(id)?.content.title).toBe(base.get(id)?.title);
        expect((await rollback(store, { runId: 2, limits: small })).nothingToDo).toBe(true);
        expect((await undoJournal(store).listEvents({ runId: 2 }))[0]).toMatchObject({ restored: 100, deleted: 50, forced: 10 });
      });
    });

    it('refuses rollback limits that could never finish', async () => {
      await withConflict(async (store) => {
        await expectError(rollback(store, { runId: 2, limits: { pageSize: 0, listed: 5 } }), 'USAGE', /a page of at least 1 entry/);
        await expectError(rollback(store, { runId: 2, limits: { pageSize: 2.5, listed: 5 } }), 'USAGE', /whole numbers/);
      });
    });

    it('with force restores all 100 before-images, discarding the later change', async () => {
      await withConflict(async (store) => {
        const report = await rollback(store, { runId: 2, onConflict: 'force' });
        expect(report.counts).toMatchObject({ restored: 100, deleted: 50, skipped: 0, forced: 10 });
        const stored = await store.loadHearings(laterIds);
        const base = new Map(BASE.map((r) => [eventIdOf(r), r as { title: string }]));
        for (const id of laterIds) expect(stored.get(id)!.content.title).toBe(base.get(id)!.title);
        // Run 3's rollback now sees that its hearings changed under it, and by what.
        await expectError(rollback(store, { runId: 3 }), 'CONFLICT', /changed since this write \(put back by rollback \d+ of run 2 \(forced, by [^)]+\)\)/);
      });
    });
  });

  it('with skip, when every hearing the run wrote was changed again later, says it undid nothing and exits 4 (its dry run too), not 0', async () => {
    const location = await backend.freshLocation();
    // The three updates in-process (the CLI under test here is rollback's): each a CLI start less.
    await withStoreAt(backend, location, async (store) => {
      for (const spec of ['synthetic:seed=5,count=100', 'synthetic:seed=5,count=100,revision=1,changed=10', 'synthetic:seed=5,count=100,revision=2,changed=10']) {
        // Run 3 writes again every hearing run 2 changed (and 10 more).
        expect((await runUpdate({ store, source: await openSource(spec) })).status).toBe('success');
      }
    });
    const before = hashDomainRows(await domainRows(location));
    const args = ['rollback', '--db', location, '--run', '2', '--on-conflict', 'skip'];

    const cli = (argv: string[]) => startCli(argv).done;
    const preview = await cli([...args, '--dry-run']);
    expect(preview.code, preview.stderr).toBe(4);
    expect(preview.stdout).toMatch(/^dry run: rolling back run 2 would undo nothing: all 10 hearings it wrote were changed again later \(by run 3\)/);

    const done = await cli([...args, '--reason', 'wrong revision', '--json']);
    expect(done.code, done.stderr).toBe(4);
    const report = JSON.parse(done.stdout) as RollbackReport;
    expect(report.counts).toMatchObject({ restored: 0, deleted: 0, skipped: 10, forced: 0, createdRowsDeleted: 0 });
    expect(report.message).toMatch(/^rolling back run 2 undid nothing: .*left as they are by --on-conflict skip.*--on-conflict force restores them$/);
    expect(hashDomainRows(await domainRows(location))).toEqual(before);

    // One undone hearing is a rollback that did something: exit 0 as before.
    expect((await cli(['rollback', '--db', location, '--run', '3', '--on-conflict', 'skip', '--reason', 'undo the later one'])).code).toBe(0);
  });

  it('refuses clearly: a run that does not exist, a batch it does not have, bad arguments', async () => {
    await withTwoRuns(async (store) => {
      await expectError(rollback(store, { runId: 99 }), 'NOT_FOUND', /run 99 does not exist/);
      await expectError(rollback(store, { runId: 2, batchSeq: 9 }), 'NOT_FOUND', /run 2 has no batch 9 \(its batches: 1–3\)/);
      await expectError(rollback(store, { runId: 0 }), 'USAGE', /run id must be a whole number ≥ 1/);
      await expectError(rollback(store, { runId: 2, batchSeq: -1 }), 'USAGE', /batch number/);
      await expectError(rollback(store, { runId: 2, onConflict: 'maybe' as never }), 'USAGE', /on-conflict must be one of refuse, skip, force/);
      await expectError(rollback(store, { runId: 2, reason: 'x'.repeat(2001) }), 'USAGE', /reason is longer/);
    });
  });

  it('refuses while an update holds the writer lock', async () => {
    await withTwoRuns(async (store, location) => {
      const other = await backend.open(location);
      try {
        const lock = await other.acquireWriterLock({ runId: 7, pid: process.pid, host: 'elsewhere' }, { now: new Date(), staleAfterMs: 60_000 });
        expect(lock.acquired).toBe(true);
        await expectError(rollback(store, { runId: 2 }), 'LOCK_HELD', /^cannot roll back run 2: an update \(run 7\) started at \d{4}-\S+ holds .*; nothing was changed$/);
        const plan: RollbackReport = await rollback(store, { runId: 2, dryRun: true });
        expect(plan.hearings).toHaveLength(150);
      } finally {
        await other.releaseWriterLock();
        await other.close();
      }
    });
  });

  it('previews while an update is inside a write transaction, without waiting for it', async () => {
    await withTwoRuns(async (store, location) => {
      const other = await backend.open(location);
      let endTransaction: () => void = () => undefined;
      const transactionEnds = new Promise<void>((resolve) => (endTransaction = resolve));
      let inTransaction: () => void = () => undefined;
      const transactionOpen = new Promise<void>((resolve) => (inTransaction = resolve));
      try {
        const lock = await other.acquireWriterLock({ runId: 7, pid: process.pid, host: 'elsewhere' }, { now: new Date(), staleAfterMs: 60_000 });
        expect(lock.acquired).toBe(true);
        // What an all-or-nothing run holds for its whole update: one open write transaction (here on run 1's row, which the preview of run 2 does not touch).
        const held = other.queries.transaction(async (trx) => {
          await trx.updateTable('runs').set({ error: 'writing' }).where('id', '=', 1).execute();
          inTransaction();
          await transactionEnds;
        });
        await transactionOpen;
        expect((await rollback(store, { runId: 2, dryRun: true })).hearings).toHaveLength(150);
        endTransaction();
        await held;
      } finally {
        endTransaction();
        await other.releaseWriterLock();
        await other.close();
      }
    });
  });

  it('refuses a rollback while another rollback holds the lock, without blaming an update that is not running', async () => {
    await withTwoRuns(async (store, location) => {
      const other = await backend.open(location);
      try {
        // What a rollback, restore or prune in another process holds: the writer lock without a run id.
        const lock = await other.acquireWriterLock({ runId: null, pid: process.pid, host: 'elsewhere' }, { now: new Date(), staleAfterMs: 60_000 });
        expect(lock.acquired).toBe(true);
        await expectError(rollback(store, { runId: 2, reason: 'second', operator: 'bo' }), 'LOCK_HELD', /^cannot roll back run 2: another writer \(a rollback, a restore, a snapshot prune or an update starting\) holds .*; nothing was changed$/);
        expect(await undoJournal(store).listEvents()).toEqual([]);
      } finally {
        await other.releaseWriterLock();
        await other.close();
      }
    });
  });
});
