import { GatehouseError } from '../../shared/errors.js';
import type { ApiHandlers } from '../../shared/api.js';
import { createSnapshot, listSnapshots, requireSnapshots, restoreSnapshot, rollback, verifySnapshots } from '../backup/index.js';
import { notifyRollback, type Notifier } from '../scheduler/index.js';
import type { Store } from '../store/index.js';

type UndoHandlers = Pick<ApiHandlers, 'backups.list' | 'backups.create' | 'backups.verify' | 'backups.restore' | 'rollback.preview' | 'rollback.apply' | 'rollback.events'>;

/**
 * Backups and rollback for support staff, through main/backup only: snapshots (SQLite), restore
 * (refused while a run holds the lock), and rollback of a run or batch from the undo journal.
 */
export function undoHandlers(store: Store, notifier: () => Notifier): UndoHandlers {
  return {
    'backups.list': async () => {
      if (!store.snapshots) return { backend: store.backend, supported: false, explanation: whatExistsInstead(store), snapshots: [] };
      return { backend: store.backend, supported: true, explanation: null, snapshots: listSnapshots(store) };
    },
    'backups.create': () => createSnapshot(store, { kind: 'manual' }),
    'backups.verify': ({ id }) => verifySnapshots(store, id),
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
