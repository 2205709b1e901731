import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { operatorCaller, tester } from '../helpers/callers.js';
import { dispatch } from '../../main/api/index.js';
import { createSnapshot, snapshotFolder } from '../../main/backup/index.js';
import { openStore, type Store } from '../../main/store/index.js';
import type { ApiHandlers } from '../../shared/api.js';
import type { RunSummary } from '../../shared/run.js';
import { openConsoleApi, type ConsoleApi } from '../helpers/console-api.js';
import { runReviews } from '../../main/validation/index.js';

let consoleApi: ConsoleApi;
let location: string;
let store: Store;
let api: ApiHandlers;
let call: ConsoleApi['call'];

beforeEach(async () => {
  consoleApi = await openConsoleApi('gatehouse-api-history-');
  ({ location, store, api, call } = consoleApi);
});

afterEach(() => consoleApi.close());

const run = (source: string): Promise<RunSummary> => consoleApi.run({ source, task: null });
const daysAgo = (days: number) => () => new Date(Date.now() - days * 86_400_000);

describe('backups in the console: sizes, retention and prune with a preview', () => {
  it('reports the bytes the snapshot folder and the database take on disk, the retention, and whether runs take snapshots', async () => {
    await run('synthetic:seed=3,count=40');
    await api['backups.create']({}, tester);
    fs.writeFileSync(path.join(snapshotFolder(location), 'left-over.sqlite.partial'), Buffer.alloc(1_000));
    const listed = await api['backups.list']({}, tester);
    const onDisk = fs.readdirSync(snapshotFolder(location)).reduce((sum, name) => sum + fs.statSync(path.join(snapshotFolder(location), name)).size, 0);
    expect(listed.disk).toEqual({ snapshotBytes: onDisk, snapshotFiles: 2, databaseBytes: expect.any(Number) });
    expect(listed.disk.databaseBytes).toBeGreaterThanOrEqual(fs.statSync(location).size);
    expect(listed).toMatchObject({ retention: { keep: 10, maxAgeDays: 30 }, snapshotsBeforeRuns: true });

    await call('flags.set', { flag: 'ENABLE_SNAPSHOTS', value: false, reason: 'disk is nearly full' });
    expect((await api['backups.list']({}, tester)).snapshotsBeforeRuns).toBe(false);
  });

  it('previews a prune without deleting anything, then deletes exactly what the preview listed', async () => {
    for (const age of [90, 40, 20, 10, 2]) await createSnapshot(store, { kind: 'manual', clock: daysAgo(age) });
    const before = await api['backups.list']({}, tester);

    const preview = await call('backups.prune', { keep: 3, maxAgeDays: 30 });
    expect(preview.dryRun).toBe(true);
    // Newest first: 2, 10, 20 kept by count; 40 and 90 days old go.
    expect(preview.pruned.map((s) => s.id)).toEqual(before.snapshots.slice(3).map((s) => s.id));
    expect(preview.freedBytes).toBe(before.snapshots.slice(3).reduce((sum, s) => sum + s.sizeBytes, 0));
    expect(preview.remaining).toBe(3);
    expect((await api['backups.list']({}, tester)).snapshots).toEqual(before.snapshots);
    for (const snapshot of before.snapshots) expect(fs.existsSync(path.join(snapshotFolder(location), snapshot.file))).toBe(true);

    const done = await call('backups.prune', { keep: 3, maxAgeDays: 30, dryRun: false, reason: 'disk nearly full' });
    expect(done.pruned).toEqual(preview.pruned);
    const after = await api['backups.list']({}, tester);
    expect(after.snapshots.map((s) => s.id)).toEqual(before.snapshots.slice(0, 3).map((s) => s.id));
    for (const gone of done.pruned) expect(fs.existsSync(path.join(snapshotFolder(location), gone.file))).toBe(false);
    const manifestBytes = fs.statSync(path.join(snapshotFolder(location), 'manifest.json')).size;
    expect(after.disk.snapshotBytes).toBe(after.snapshots.reduce((sum, s) => sum + s.sizeBytes, manifestBytes));
  });

  it('applies the default retention when none is given, and always keeps the newest snapshot', async () => {
    for (const age of [60, 45]) await createSnapshot(store, { kind: 'manual', clock: daysAgo(age) });
    const preview = await dispatch(api, 'backups.prune', {}, tester);
    expect(preview).toMatchObject({ ok: true, data: { dryRun: true, retention: { keep: 10, maxAgeDays: 30 }, remaining: 1, pruned: [expect.anything()] } });
    expect((await api['backups.list']({}, tester)).snapshots).toHaveLength(2);
  });

  it('refuses to prune while a run holds the database, and deletes nothing', async () => {
    for (const age of [90, 1]) await createSnapshot(store, { kind: 'manual', clock: daysAgo(age) });
    const holder = await openStore(location);
    try {
      await holder.acquireWriterLock({ runId: null, pid: process.pid, host: os.hostname() }, { now: new Date(), staleAfterMs: 60_000 });
      const refused = await dispatch(api, 'backups.prune', { dryRun: false, reason: 'disk nearly full' }, tester);
      expect(refused).toMatchObject({ ok: false, error: { code: 'LOCK_HELD' } });
      expect((await api['backups.list']({}, tester)).snapshots).toHaveLength(2);
      expect(await dispatch(api, 'backups.prune', {}, tester)).toMatchObject({ ok: true, data: { dryRun: true, pruned: [expect.anything()] } });
    } finally {
      await holder.releaseWriterLock();
      await holder.close();
    }
  });

  it('refuses a retention that would keep nothing', async () => {
    expect(await dispatch(api, 'backups.prune', { keep: 0 }, tester)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
    expect(await dispatch(api, 'backups.prune', { maxAgeDays: -1 }, tester)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
  });
});

describe('History annotations: the audit as markers', () => {
  it('lists flag changes, rollbacks, reviews and restores in time order, each with who and why', async () => {
    const first = await run('synthetic:seed=21,count=20');
    await call('flags.set', { flag: 'BLOCK_ON_ANOMALY', value: true, reason: 'hold anomalous runs during the audit' }, operatorCaller('ada'));
    await call('flags.set', { flag: 'BATCH_SIZE', scope: 'task:daily', value: 25, reason: 'smaller batches' }, operatorCaller('ada'));
    const manual = await api['backups.create']({}, tester);
    await call('backups.restore', { id: manual.id, confirmId: manual.id, reason: 'back before the flags' }, operatorCaller('dee'));
    const second = await run('synthetic:seed=22,count=30');
    await call('rollback.apply', { runId: second.runId, reason: 'wrong feed', confirmRunId: second.runId }, operatorCaller('bo'));
    await runReviews(store).add({ runId: first.runId, action: 'expected', reasonKind: 'known-event', reason: 'markup marathon', operator: 'cy', at: new Date().toISOString() });

    const { events, unavailable } = await call('history.annotations', {});
    expect(unavailable).toEqual([]);
    expect(events.map((e) => e.kind)).toEqual(['flag', 'flag', 'restore', 'rollback', 'review']);
    expect(events.map((e) => e.at)).toEqual([...events.map((e) => e.at)].sort());
    expect(events[0]).toMatchObject({ title: 'BLOCK_ON_ANOMALY default (off) → on', operator: 'ada', reason: 'hold anomalous runs during the audit', runId: null });
    expect(events[1]).toMatchObject({ title: 'BATCH_SIZE default (50) → 25 (task:daily)' });
    expect(events[2]).toMatchObject({ title: expect.stringContaining(`Database restored from snapshot ${manual.id}`), operator: 'dee', reason: 'back before the flags' });
    expect(events[3]).toMatchObject({ title: `Run ${second.runId} rolled back: ${second.metrics.updated} restored, ${second.metrics.added} deleted`, operator: 'bo', reason: 'wrong feed', runId: second.runId });
    expect(events[4]).toMatchObject({ title: `Run ${first.runId} marked expected (known-event)`, operator: 'cy', reason: 'markup marathon', runId: first.runId });
  });

  it('keeps only events since the given time', async () => {
    await call('flags.set', { flag: 'BLOCK_ON_ANOMALY', value: true, reason: 'one' });
    const later = new Date(Date.now() + 60_000).toISOString();
    expect((await call('history.annotations', { since: later })).events).toEqual([]);
    expect(await dispatch(api, 'history.annotations', { since: 'last tuesday' }, tester)).toMatchObject({ ok: false, error: { code: 'INPUT_INVALID' } });
  });

  it('reads its since as runs.list reads one: a calendar date, or a time without a zone, as UTC', async () => {
    const flagged = await call('flags.set', { flag: 'BLOCK_ON_ANOMALY', value: true, reason: 'one' });
    const today = flagged.at.slice(0, 10);
    const tomorrow = new Date(Date.parse(today) + 86_400_000).toISOString().slice(0, 10);
    expect((await call('history.annotations', { since: today })).events.map((e) => e.reason)).toEqual(['one']);
    expect((await call('history.annotations', { since: `${tomorrow}T00:00:00` })).events).toEqual([]);
    expect(await call('runs.list', { since: today })).toEqual([]);
  });

  it('still shows the other markers when one audit cannot be read, and says why that one is missing', async () => {
    await call('flags.set', { flag: 'BLOCK_ON_ANOMALY', value: true, reason: 'one' });
    const damage = new Database(location);
    damage.exec('ALTER TABLE restore_events RENAME TO restore_events_lost');
    damage.close();
    const { events, unavailable } = await call('history.annotations', {});
    expect(events.map((e) => e.kind)).toEqual(['flag']);
    expect(unavailable).toEqual([{ kind: 'restore', why: expect.stringMatching(/restore_events/) }]);
  });
});
