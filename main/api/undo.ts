import { GatehouseError } from '../../shared/errors.js';
import type { ApiHandlers } from '../../shared/api.js';
import { createSnapshot, listSnapshots, restoreSnapshot, rollback, verifySnapshots } from '../backup/index.js';
import { notifyRollback, type Notifier } from '../scheduler/index.js';
import type { Store } from '../store/index.js';

type UndoHandlers = Pick<
  ApiHandlers,
  'backups.list' | 'backups.create' | 'backups.verify' | 'backups.restore' | 'backups.restores' | 'rollback.preview' | 'rollback.apply' | 'rollback.events'
>;

/**
 * Backups and rollback for support staff, through main/backup only: snapshots, an audited restore
 * (refused while a run holds the lock), and rollback of a run or batch from the undo journal.
 */
export function undoHandlers(store: Store, notifier: () => Notifier): UndoHandlers {
  return {
    'backups.list': async () => ({ backend: store.backend, supported: true, explanation: null, snapshots: await listSnapshots(store) }),
    'backups.create': () => createSnapshot(store, { kind: 'manual' }),
    'backups.verify': ({ id }) => verifySnapshots(store, id),
    'backups.restore': ({ id, reason, operator }) => restoreSnapshot(store, { snapshotId: id, reason, operator }),
    'backups.restores': ({ limit, after }) => store.restores.list({ limit, after }),
    'rollback.preview': ({ runId, batchSeq, onConflict }) => rollback(store, { runId, batchSeq, onConflict, dryRun: true }),
    'rollback.apply': async ({ runId, batchSeq, onConflict, reason, operator, confirmRunId }) => {
      if (confirmRunId !== runId) {
        throw new GatehouseError('USAGE', `the typed confirmation ${confirmRunId} is not run ${runId}; nothing was rolled back`, { hint: 'type the run id exactly to confirm' });
      }
      const report = await rollback(store, { runId, batchSeq, onConflict, reason, operator });
      if (!report.nothingToDo) void notifyRollback(notifier(), store, { runId, batchSeq });
      return report;
    },
    'rollback.events': ({ runId, limit, after }) => store.undo.listEvents({ runId, limit, after }),
  };
}
