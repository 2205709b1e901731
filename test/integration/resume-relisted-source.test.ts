import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { createSnapshot, restoreSnapshot, rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { type CongressSourceOptions } from '../../main/sources/index.js';
import type { Store } from '../../main/store/index.js';
import { GatehouseError } from '../../shared/errors.js';
import type { RunSummary } from '../../shared/run.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { fakeCongressSource, isDetailRequest, startFakeCongress, stopAtDetail, type FakeCongress } from '../helpers/congress-server.js';
import { arraySource, hearingRecord } from '../helpers/records.js';

/**
 * A Congress.gov run is re-listed when it is resumed, and the listing may have gained, lost or
 * reordered meetings since the run was interrupted. Skipping the first N by position then lost
 * unread meetings and quarantined written ones as duplicates of themselves; and a resume a day
 * later listed another lookback window. A resume now lists the window its run recorded and skips
 * by eventId what the run's committed batches handled.
 */
const NOW = new Date('2025-03-08T00:00:00Z');
const TWO_DAYS_LATER = new Date(NOW.getTime() + 2 * 86_400_000);
const RECENT = '2025-03-06T12:00:00Z';
const LATER = '2025-03-07T00:00:00Z';
/** Inside the run's window (from 1 March), outside the one a resume two days later would compute (from 3 March). */
const EARLY_IN_WINDOW = '2025-03-01T06:00:00Z';

type Feed = { house: Record<string, unknown>[]; senate: Record<string, unknown>[] };

function source(server: FakeCongress, now: Date, overrides: Partial<CongressSourceOptions> = {}) {
  return fakeCongressSource(server, () => now, overrides);
}

/**
 * Stopped by its signal when the server is asked for detail `fetched + 1`: a state, not a clock.
 * The meetings already fetched are committed before the run stops (50 changes: one batch), so the
 * resume has the rest of the listing to read.
 */
async function interruptedRun(store: Store, server: FakeCongress, now = NOW, fetched = 50): Promise<RunSummary> {
  const controller = new AbortController();
  const restore = stopAtDetail(server, fetched + 1, () => controller.abort());
  try {
    const run = await runUpdate({ store, source: source(server, now), batchSize: 50, batchCeiling: null, signal: controller.signal, clock: () => now });
    expect(run.status).toBe('interrupted');
    return run;
  } finally {
    restore();
  }
}

function resume(store: Store, server: FakeCongress, runId: number, now = TWO_DAYS_LATER, overrides: Partial<CongressSourceOptions> = {}): Promise<RunSummary> {
  return runUpdate({ store, source: source(server, now, overrides), resumeRunId: runId, batchSize: 50, batchCeiling: null, clock: () => now });
}

async function refusal(work: Promise<unknown>): Promise<GatehouseError> {
  const error = await work.then(() => null, (failure: unknown) => failure);
  expect(error).toBeInstanceOf(GatehouseError);
  return error as GatehouseError;
}

function ids(records: Record<string, unknown>[]): string[] {
  return records.map((record) => String(record.eventId));
}

function expectAccountedFor(run: RunSummary): void {
  const { fetched, added, updated, unchanged, quarantined } = run.metrics;
  expect(fetched).toBe(added + updated + unchanged + quarantined);
  expect(run.reconciliation?.ok, run.reconciliation?.problems.join('; ')).toBe(true);
}

describe.each(testBackends())('resuming a Congress.gov run whose feed changed, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('stores every meeting of the final feed once, quarantines none as a duplicate, and lists the window the run started with', async () => {
    const feed: Feed = {
      house: Array.from({ length: 300 }, (_, i) => hearingRecord(100000 + i, { updateDate: i >= 280 ? EARLY_IN_WINDOW : RECENT })),
      senate: Array.from({ length: 30 }, (_, i) => hearingRecord(200000 + i, { chamber: 'Senate', updateDate: RECENT })),
    };
    const server = await startFakeCongress(feed, { pageSize: 100 });
    try {
      await withFreshStore(backend, async (store) => {
        const run = await interruptedRun(store, server);
        expect(run.metrics).toMatchObject({ fetched: 50, added: 50 });
        const handled = new Set(ids(feed.house.slice(0, 50)));

        // Between the attempts: one meeting listed first, a handled one and an unread one gone,
        // an unread one revised, and the whole chamber listed in the other order.
        const removedHandled = feed.house[10]!;
        const removedUnread = feed.house[150]!;
        const revised = feed.house[200]!;
        feed.house = feed.house.filter((record) => record !== removedHandled && record !== removedUnread);
        feed.house.unshift(hearingRecord(100900, { updateDate: RECENT }));
        feed.house[feed.house.indexOf(revised)] = { ...revised, title: 'Revised before the resume', updateDate: LATER };
        feed.house.reverse();

        const resumed = await resume(store, server, run.runId);
        expect(resumed).toMatchObject({ runId: run.runId, status: 'success' });
        expectAccountedFor(resumed);

        const final = [...ids(feed.house), ...ids(feed.senate)];
        expect(new Set(final).size).toBe(final.length);
        const stored = await store.loadHearings([...final, String(removedHandled.eventId), String(removedUnread.eventId)]);
        const missing = final.filter((id) => !stored.has(id));
        expect(missing, 'meetings of the final feed never stored').toEqual([]);
        // What the run wrote stays; what it never read is not invented.
        expect(stored.has(String(removedHandled.eventId))).toBe(true);
        expect(stored.has(String(removedUnread.eventId))).toBe(false);
        expect(stored.get(String(revised.eventId))?.content.title).toBe('Revised before the resume');
        expect(await store.countHearings()).toBe(final.length + 1);

        // Each meeting counted once across both attempts: the 49 handled ones still listed were not read again.
        expect(final.filter((id) => handled.has(id))).toHaveLength(49);
        expect(resumed.metrics).toMatchObject({ fetched: final.length + 1, added: final.length + 1, updated: 0, unchanged: 0, quarantined: 0 });
        expect(await store.listQuarantine({ runId: run.runId })).toEqual([]);
      });
    } finally {
      await server.close();
    }
  });

  it('does not read again a meeting quarantined before the interruption and corrected since; the next run stores it', async () => {
    const feed: Feed = {
      house: Array.from({ length: 120 }, (_, i) => hearingRecord(300000 + i, { updateDate: RECENT, ...(i === 3 ? { meetingStatus: 'NotAStatus' } : {}) })),
      senate: [],
    };
    const server = await startFakeCongress(feed, { pageSize: 40 });
    try {
      await withFreshStore(backend, async (store) => {
        const run = await interruptedRun(store, server, NOW, 51);
        expect(run.metrics).toMatchObject({ fetched: 51, added: 50, quarantined: 1 });
        feed.house[3] = hearingRecord(300003, { updateDate: LATER });
        feed.house.unshift(hearingRecord(300900, { updateDate: RECENT }));

        const resumed = await resume(store, server, run.runId);
        expectAccountedFor(resumed);
        expect(resumed.metrics).toMatchObject({ fetched: 121, added: 120, quarantined: 1 });
        const quarantined = await store.listQuarantine({ runId: run.runId });
        expect(quarantined.map((entry) => [entry.eventId, entry.reasons[0]?.code])).toEqual([['300003', 'BAD_STATUS']]);

        const next = await runUpdate({ store, source: source(server, TWO_DAYS_LATER), clock: () => TWO_DAYS_LATER });
        expect(next.metrics).toMatchObject({ fetched: 121, added: 1, unchanged: 120, quarantined: 0 });
        expect((await store.loadHearings(['300003'])).has('300003')).toBe(true);
      });
    } finally {
      await server.close();
    }
  });

  it('refuses a run whose window cannot be recovered, and leaves it interrupted and untouched', async () => {
    const feed: Feed = { house: Array.from({ length: 120 }, (_, i) => hearingRecord(400000 + i, { updateDate: RECENT })), senate: [] };
    const server = await startFakeCongress(feed, { pageSize: 40 });
    try {
      await withFreshStore(backend, async (store) => {
        const run = await interruptedRun(store, server);
        expect((await store.getRun(run.runId))?.sourceWindow).toEqual({ from: '2025-03-01T00:00:00.000Z', to: '2025-03-08T00:00:00.000Z', congress: 119, congresses: [119] });

        // What migration 016 leaves on every earlier run.
        await store.queries.db.updateTable('runs').set({ sourceWindowJson: null }).where('id', '=', run.runId).execute();
        const unrecorded = await refusal(resume(store, server, run.runId));
        expect(unrecorded.code).toBe('CONFLICT');
        expect(unrecorded.message).toBe(`run ${run.runId} cannot be resumed: it did not record the window it listed (it began before this version of Gatehouse)`);
        expect(unrecorded.hint).toContain('start a new run');

        await store.queries.db.updateTable('runs').set({ sourceWindowJson: JSON.stringify({ from: 'last week', to: '2025-03-08T00:00:00.000Z', congress: 119 }) }).where('id', '=', run.runId).execute();
        const unreadable = await refusal(resume(store, server, run.runId));
        expect(unreadable.code).toBe('CONFLICT');
        expect(unreadable.message).toContain('its recorded window (last week to 2025-03-08T00:00:00.000Z) cannot be read');

        expect(await store.getRun(run.runId)).toMatchObject({ status: 'interrupted', metrics: { added: 50 } });
        expect(await store.countHearings()).toBe(50);
      });
    } finally {
      await server.close();
    }
  });

  it('refuses a resume against another source: another Congress, or another server', async () => {
    const feed: Feed = { house: Array.from({ length: 120 }, (_, i) => hearingRecord(500000 + i, { updateDate: RECENT })), senate: [] };
    const server = await startFakeCongress(feed, { pageSize: 40 });
    const other = await startFakeCongress(feed, { pageSize: 40 });
    try {
      await withFreshStore(backend, async (store) => {
        const run = await interruptedRun(store, server);
        const otherCongress = await refusal(resume(store, server, run.runId, TWO_DAYS_LATER, { congress: 118 }));
        expect(otherCongress.code).toBe('CONFLICT');
        expect(otherCongress.message).toBe(`run ${run.runId} cannot be resumed: it listed the 119th Congress, and this source lists the 118th Congress`);
        const otherServer = await refusal(runUpdate({ store, source: source(other, TWO_DAYS_LATER), resumeRunId: run.runId }));
        expect(otherServer.code).toBe('USAGE');
        expect(otherServer.message).toContain('resume it with the same --source');

        expect(await store.getRun(run.runId)).toMatchObject({ status: 'interrupted', metrics: { added: 50 } });
        expect(server.requests.filter((request) => request.query.offset !== undefined && request.path.includes('/118/'))).toEqual([]);
        const resumed = await resume(store, server, run.runId);
        expect(resumed).toMatchObject({ status: 'success', metrics: { fetched: 120, added: 120 } });
      });
    } finally {
      await Promise.all([server.close(), other.close()]);
    }
  });

  // Not a defect of main (the table is new): a PostgreSQL snapshot is a schema of tables, and one
  // taken before migration 016 has no run_handled. It must still pass its check and restore.
  it.runIf(backend.name === 'postgres')('restores a snapshot taken before run_handled existed, with the handled keys it lacks emptied', async () => {
    const feed: Feed = { house: Array.from({ length: 120 }, (_, i) => hearingRecord(600000 + i, { updateDate: RECENT })), senate: [] };
    const server = await startFakeCongress(feed, { pageSize: 40 });
    try {
      await withFreshStore(backend, async (store) => {
        const snapshot = await createSnapshot(store, { kind: 'manual' });
        await sql`DROP TABLE ${sql.id(snapshot.file, 'run_handled')}`.execute(store.queries.db);
        const run = await interruptedRun(store, server);
        expect(await store.queries.db.selectFrom('runHandled').select('itemKey').where('runId', '=', run.runId).execute()).toHaveLength(50);
        const report = await restoreSnapshot(store, { snapshotId: snapshot.id, reason: 'before the congress run' });
        expect(report.event).toMatchObject({ hearingsAfter: 0 });
        expect(await store.queries.db.selectFrom('runHandled').select('itemKey').execute()).toEqual([]);
      });
    } finally {
      await server.close();
    }
  });
});

/** The keys a run's committed batches handled, as run_handled holds them. */
async function handledKeys(store: Store, runId: number): Promise<string[]> {
  const rows = await store.queries.db.selectFrom('runHandled').select('itemKey').where('runId', '=', runId).orderBy('itemKey').execute();
  return rows.map((row) => row.itemKey);
}

function detailsRequested(server: FakeCongress, since = 0): string[] {
  return server.requests.slice(since).filter(isDetailRequest).map((request) => request.path.replace('/v3/committee-meeting/', ''));
}

/** A Congress begins at noon Eastern Time on 3 January of an odd year: 17:00 UTC (EST). */
const DAY_BEFORE_119TH = new Date('2025-01-02T12:00:00Z');
const WEEK_INTO_119TH = new Date('2025-01-10T12:00:00Z');
const FIVE_DAYS_INTO_119TH = new Date('2025-01-05T12:00:00Z');

describe.each(testBackends())('resuming a Congress.gov run by congress, chamber and eventId, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('resumes a run begun under the 118th Congress, after the 119th began, by listing the 118th as it started', async () => {
    const feed = { house: Array.from({ length: 120 }, (_, i) => hearingRecord(710000 + i, { congress: 118, updateDate: '2024-12-30T12:00:00Z' })) };
    const server = await startFakeCongress(feed, { pageSize: 40, byCongress: true });
    try {
      await withFreshStore(backend, async (store) => {
        const run = await interruptedRun(store, server, DAY_BEFORE_119TH);
        expect((await store.getRun(run.runId))?.sourceWindow).toMatchObject({ congress: 118, congresses: [118] });
        const resumedFrom = server.requests.length;

        const resumed = await resume(store, server, run.runId, WEEK_INTO_119TH);
        expect(resumed).toMatchObject({ status: 'success', metrics: { fetched: 120, added: 120, quarantined: 0 } });
        expectAccountedFor(resumed);
        expect(new Set(server.requests.slice(resumedFrom).map((request) => request.path.split('/')[3]))).toEqual(new Set(['118']));
      });
    } finally {
      await server.close();
    }
  });

  it('reads on a resume a Senate meeting whose eventId a handled House meeting has, instead of skipping it as handled', async () => {
    const feed = {
      house: Array.from({ length: 60 }, (_, i) => hearingRecord(720000 + i, { updateDate: RECENT })),
      senate: [hearingRecord(720010, { chamber: 'Senate', updateDate: RECENT, title: 'The Senate meeting numbered like a House one' })],
    };
    const server = await startFakeCongress(feed, { pageSize: 40 });
    try {
      await withFreshStore(backend, async (store) => {
        const run = await interruptedRun(store, server);
        const resumedFrom = server.requests.length;

        const resumed = await resume(store, server, run.runId);
        expectAccountedFor(resumed);
        expect(detailsRequested(server, resumedFrom)).toContain('119/senate/720010');
        // The store knows a hearing by eventId alone: the second meeting is quarantined as a duplicate, visibly, not skipped.
        expect(resumed.metrics).toMatchObject({ fetched: 61, added: 60, quarantined: 1 });
        expect((await store.listQuarantine({ runId: run.runId })).map((entry) => entry.eventId)).toEqual(['720010']);
      });
    } finally {
      await server.close();
    }
  });

  it('resumes a run whose handled keys were recorded as bare eventIds (migrations 016-018): none read again, the same eventId in the Senate read', async () => {
    const feed = {
      house: Array.from({ length: 60 }, (_, i) => hearingRecord(730000 + i, { updateDate: RECENT })),
      senate: [hearingRecord(730010, { chamber: 'Senate', updateDate: RECENT })],
    };
    const server = await startFakeCongress(feed, { pageSize: 40 });
    try {
      await withFreshStore(backend, async (store) => {
        const run = await interruptedRun(store, server);
        const keys = await handledKeys(store, run.runId);
        expect(keys).toHaveLength(50);
        const { db } = store.queries;
        await db.deleteFrom('runHandled').where('runId', '=', run.runId).execute();
        await db.insertInto('runHandled').values(keys.map((key) => ({ runId: run.runId, itemKey: key.split('/').at(-1)! }))).execute();
        const resumedFrom = server.requests.length;

        const resumed = await resume(store, server, run.runId);
        expectAccountedFor(resumed);
        expect(detailsRequested(server, resumedFrom).sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `119/house/${730050 + i}`), '119/senate/730010'].sort());
        expect(resumed.metrics).toMatchObject({ fetched: 61, added: 60, quarantined: 1 });
      });
    } finally {
      await server.close();
    }
  });

  it('forgets the handled keys of a run that finished or was rolled back, in the transaction that ends it, and those earlier versions left at the next run', async () => {
    // Each run interrupted after its first batch needs meetings not stored yet: a batch commits at 50 changes.
    const meetingsFrom = (first: number) => Array.from({ length: 120 }, (_, i) => hearingRecord(first + i, { updateDate: RECENT }));
    const feed = { house: meetingsFrom(740000) };
    const server = await startFakeCongress(feed, { pageSize: 40 });
    try {
      await withFreshStore(backend, async (store) => {
        const finished = await interruptedRun(store, server);
        expect(await handledKeys(store, finished.runId)).toHaveLength(50);
        expect(await resume(store, server, finished.runId)).toMatchObject({ status: 'success' });
        expect(await handledKeys(store, finished.runId)).toEqual([]);

        feed.house = meetingsFrom(741000);
        const rolledBack = await interruptedRun(store, server);
        expect(await handledKeys(store, rolledBack.runId)).toHaveLength(50);
        await rollback(store, { runId: rolledBack.runId, reason: 'wrong feed' });
        expect(await store.getRun(rolledBack.runId)).toMatchObject({ status: 'rolled_back' });
        expect(await handledKeys(store, rolledBack.runId)).toEqual([]);

        // What a version before this one left behind: keys of a finished run, beside an interrupted run's.
        feed.house = meetingsFrom(742000);
        const stillResumable = await interruptedRun(store, server);
        await store.queries.db.insertInto('runHandled').values([{ runId: finished.runId, itemKey: '119/house/740000' }]).execute();
        await runUpdate({ store, source: arraySource([]), clock: () => NOW });
        expect(await handledKeys(store, finished.runId)).toEqual([]);
        expect(await handledKeys(store, stillResumable.runId)).toHaveLength(50);
        if (backend.name === 'postgres') {
          // A run recorded as failed on a lost connection (before such faults interrupted runs) still resumes: its keys stay.
          await store.queries.db.updateTable('runs').set({ status: 'failed', error: 'terminating connection due to administrator command' }).where('id', '=', stillResumable.runId).execute();
          await runUpdate({ store, source: arraySource([]), clock: () => NOW });
          expect(await handledKeys(store, stillResumable.runId)).toHaveLength(50);
        }
      });
    } finally {
      await server.close();
    }
  });

  it('lists the 118th and the 119th Congress over a lookback window across 3 January, and records both for a resume', async () => {
    const feed = {
      house: [
        hearingRecord(750001, { congress: 118, updateDate: '2024-12-29T18:00:00Z' }),
        hearingRecord(750002, { congress: 118, updateDate: '2025-01-04T09:00:00Z', title: 'Transcript posted after the 118th ended' }),
        hearingRecord(750003, { congress: 119, updateDate: '2025-01-04T15:00:00Z' }),
      ],
    };
    const server = await startFakeCongress(feed, { byCongress: true });
    try {
      await withFreshStore(backend, async (store) => {
        const run = await runUpdate({ store, source: source(server, FIVE_DAYS_INTO_119TH), clock: () => FIVE_DAYS_INTO_119TH });
        expect(run).toMatchObject({ status: 'success', metrics: { fetched: 3, added: 3 } });
        expect(detailsRequested(server).sort()).toEqual(['118/house/750001', '118/house/750002', '119/house/750003']);
        expect((await store.getRun(run.runId))?.sourceWindow).toEqual({ from: '2024-12-29T12:00:00.000Z', to: '2025-01-05T12:00:00.000Z', congress: 119, congresses: [118, 119] });

        // A Congress the operator names is the only one listed.
        const named = await runUpdate({ store, source: source(server, FIVE_DAYS_INTO_119TH, { congress: 119 }), clock: () => FIVE_DAYS_INTO_119TH });
        expect(named.metrics).toMatchObject({ fetched: 1, unchanged: 1 });
      });
    } finally {
      await server.close();
    }
  });

  it('resumes a run whose window spans two Congresses by listing both again, weeks later', async () => {
    const feed = {
      house: [
        ...Array.from({ length: 80 }, (_, i) => hearingRecord(760000 + i, { congress: 118, updateDate: '2024-12-30T12:00:00Z' })),
        ...Array.from({ length: 40 }, (_, i) => hearingRecord(761000 + i, { congress: 119, updateDate: '2025-01-04T12:00:00Z' })),
      ],
    };
    const server = await startFakeCongress(feed, { pageSize: 40, byCongress: true });
    try {
      await withFreshStore(backend, async (store) => {
        const run = await interruptedRun(store, server, FIVE_DAYS_INTO_119TH);
        const resumed = await resume(store, server, run.runId, new Date('2025-02-01T00:00:00Z'));
        expect(resumed).toMatchObject({ status: 'success', metrics: { fetched: 120, added: 120, quarantined: 0 } });
        expectAccountedFor(resumed);
      });
    } finally {
      await server.close();
    }
  });
});
