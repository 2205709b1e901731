import fs from 'node:fs';
import path from 'node:path';
import type { BackupsList, BackupsPruneReport } from '../../shared/api-operations.js';
import { evaluateFlag } from '../flags/index.js';
import type { Snapshot, Store } from '../store/index.js';
import { snapshotTakers } from './attempts.js';
import { DEFAULT_RETENTION, listSnapshots, pruneSnapshotsOnRequest, snapshotFolder, totalSnapshotBytes } from './snapshots.js';

/**
 * The snapshots of a database as support staff see them, the same for `gatehouse backups list
 * --json` and the console's backups.list: one serialiser, so the two never drift apart.
 */
export async function backupsList(store: Store): Promise<BackupsList> {
  const snapshots = await listSnapshots(store);
  // A snapshot whose file was deleted by hand is still in the manifest: say so here, not at the restore.
  // Read from the audit, which a store opened not all there may have lost too: its snapshots are listed without their takers then.
  const takers = store.damage === null ? await snapshotTakers(store, snapshots) : await snapshotTakers(store, snapshots).catch(() => new Map<string, string>());
  const shown = await Promise.all(snapshots.map(async (s) => ({ ...s, unavailable: await store.snapshots.unavailable(s), takenBy: takers.get(s.id) ?? null })));
  // A store opened not all there (StoreOptions.forRestore) may lack its flags table: its snapshots are listed all the same.
  const snapshotsBeforeRuns = store.damage !== null ? false : (await evaluateFlag(store, 'ENABLE_SNAPSHOTS')).value === true;
  return {
    backend: store.backend,
    supported: true,
    explanation: null,
    snapshots: shown,
    totalBytes: totalSnapshotBytes(snapshots),
    retention: DEFAULT_RETENTION,
    snapshotsBeforeRuns,
    disk: diskUsage(store, snapshots),
    damaged: store.damage?.message ?? null,
  };
}

/** Retention on request (a dry run or for real), reported the same by `gatehouse backups prune` and backups.prune. */
export async function pruneReport(store: Store, request: { keep?: number; maxAgeDays?: number; maxTotalMb?: number | null; dryRun: boolean; operator?: string; reason?: string }): Promise<BackupsPruneReport> {
  const retention = {
    keep: request.keep ?? DEFAULT_RETENTION.keep,
    maxAgeDays: request.maxAgeDays ?? DEFAULT_RETENTION.maxAgeDays,
    maxTotalMb: request.maxTotalMb === undefined ? DEFAULT_RETENTION.maxTotalMb : request.maxTotalMb,
  };
  const { pruned, remaining } = await pruneSnapshotsOnRequest(store, retention, { dryRun: request.dryRun, operator: request.operator, reason: request.reason });
  return { dryRun: request.dryRun, retention, pruned, freedBytes: totalSnapshotBytes(pruned), remaining };
}

/**
 * Bytes on disk now. A SQLite database's snapshot folder is measured file by file, not from the
 * list (leftovers such as a `.partial` from a crash take space too); PostgreSQL snapshots are
 * schemas on the server, sized when they are taken.
 */
function diskUsage(store: Store, snapshots: Snapshot[]): BackupsList['disk'] {
  if (store.backend !== 'sqlite') {
    return { snapshotBytes: totalSnapshotBytes(snapshots), snapshotFiles: snapshots.length, databaseBytes: null };
  }
  const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);
  const folder = snapshotFolder(store.location);
  const files = fs.existsSync(folder) ? fs.readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isFile()) : [];
  return {
    snapshotBytes: files.reduce((sum, entry) => sum + size(path.join(folder, entry.name)), 0),
    snapshotFiles: files.filter((entry) => entry.name.endsWith('.sqlite')).length,
    databaseBytes: size(store.location) + size(`${store.location}-wal`),
  };
}
