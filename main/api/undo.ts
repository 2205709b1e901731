import fs from 'node:fs';
import path from 'node:path';
import { GatehouseError } from '../../shared/errors.js';
import type { ApiHandlers, ApiOutput } from '../../shared/api.js';
import {
  createSnapshot,
  DEFAULT_RETENTION,
  listSnapshots,
  pruneSnapshotsOnRequest,
  requireSnapshots,
  restoreSnapshot,
  rollback,
  snapshotFolder,
  verifySnapshots,
} from '../backup/index.js';
import { evaluateFlag } from '../flags/index.js';
import { notifyRollback, type Notifier } from '../scheduler/index.js';
import type { Store } from '../store/index.js';

type UndoHandlers = Pick<
  ApiHandlers,
  'backups.list' | 'backups.create' | 'backups.verify' | 'backups.prune' | 'backups.restore' | 'rollback.preview' | 'rollback.apply' | 'rollback.events'
>;

/**
 * Backups and rollback for support staff, through main/backup only: snapshots (SQLite), restore
 * (refused while a run holds the lock), and rollback of a run or batch from the undo journal.
 */
export function undoHandlers(store: Store, notifier: () => Notifier): UndoHandlers {
  return {
    'backups.list': async () => {
      const policy = { retention: DEFAULT_RETENTION, snapshotsBeforeRuns: (await evaluateFlag(store, 'ENABLE_SNAPSHOTS')).value === true };
      if (!store.snapshots) {
        return { backend: store.backend, supported: false, explanation: whatExistsInstead(store), snapshots: [], ...policy, disk: { snapshotBytes: 0, snapshotFiles: 0, databaseBytes: null } };
      }
      return { backend: store.backend, supported: true, explanation: null, snapshots: listSnapshots(store), ...policy, disk: diskUsage(store.snapshots.file) };
    },
    'backups.create': () => createSnapshot(store, { kind: 'manual' }),
    'backups.verify': ({ id }) => verifySnapshots(store, id),
    'backups.prune': async ({ keep, maxAgeDays, dryRun }) => {
      const retention = { keep: keep ?? DEFAULT_RETENTION.keep, maxAgeDays: maxAgeDays ?? DEFAULT_RETENTION.maxAgeDays };
      const before = listSnapshots(store).length;
      const pruned = await pruneSnapshotsOnRequest(store, retention, { dryRun });
      return { dryRun, retention, pruned, freedBytes: pruned.reduce((sum, s) => sum + s.sizeBytes, 0), remaining: before - pruned.length };
    },
    'backups.restore': ({ id }) => restoreSnapshot(store, id),
    'rollback.preview': ({ runId, batchSeq, onConflict }) => rollback(store, { runId, batchSeq, onConflict, dryRun: true }),
    'rollback.apply': async ({ runId, batchSeq, onConflict, reason, operator, confirmRunId }) => {
      if (confirmRunId !== runId) {
        throw new GatehouseError('USAGE', `the typed confirmation ${confirmRunId} is not run ${runId}; nothing was rolled back`, { hint: 'type the run id exactly to confirm' });
      }
      const report = await rollback(store, { runId, batchSeq, onConflict, reason, operator });
      if (!report.nothingToDo) void notifyRollback(notifier(), store, { runId, batchSeq });
      return report;
    },
    'rollback.events': ({ runId, limit }) => store.undo.listEvents({ runId, limit }),
  };
}

/** main/backup's own words for what a PostgreSQL store has instead of file snapshots. */
function whatExistsInstead(store: Store): string {
  try {
    requireSnapshots(store);
    return '';
  } catch (error) {
    if (error instanceof GatehouseError) return error.hint ? `${error.message}. What exists: ${error.hint}.` : error.message;
    throw error;
  }
}

/** Measured on disk, not from the manifest: leftovers (a .partial from a crash) take space too. */
function diskUsage(databaseFile: string): ApiOutput<'backups.list'>['disk'] {
  const size = (file: string) => (fs.existsSync(file) ? fs.statSync(file).size : 0);
  const folder = snapshotFolder(databaseFile);
  const files = fs.existsSync(folder) ? fs.readdirSync(folder, { withFileTypes: true }).filter((entry) => entry.isFile()) : [];
  return {
    snapshotBytes: files.reduce((sum, entry) => sum + size(path.join(folder, entry.name)), 0),
    snapshotFiles: files.filter((entry) => entry.name.endsWith('.sqlite')).length,
    databaseBytes: size(databaseFile) + size(`${databaseFile}-wal`),
  };
}
