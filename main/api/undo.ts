import { GatehouseError } from '../../shared/errors.js';
import { redactedMessage } from '../../shared/redact.js';
import type { ApiHandlers } from '../../shared/api.js';
import { backupsList, deleteSnapshot, listAttempts, listRestores, nothingRolledBackBecause, pruneReport, undoJournal } from '../backup/index.js';
import { notifyRestore, notifyRollback, type Notifier, type NotifyResult } from '../scheduler/index.js';
import type { Store } from '../store/index.js';
import { requireOperator } from './caller.js';
import type { EngineHost } from './engine-host.js';

type UndoHandlers = Pick<
  ApiHandlers,
  'backups.list' | 'backups.create' | 'backups.verify' | 'backups.prune' | 'backups.delete' | 'backups.restore' | 'backups.restores' | 'backups.attempts' | 'rollback.preview' | 'rollback.apply' | 'rollback.events' | 'operations.active'
>;

/**
 * Backups and rollback for support staff, through main/backup only: snapshots, an audited restore
 * (refused while a run holds the lock), and rollback of a run or batch from the undo journal. The
 * long ones run in the engine host (a worker thread in the app and in `gatehouse serve`), so reads
 * answer while they work; their progress streams as operation events.
 */
export function undoHandlers(store: Store, engine: EngineHost, notifier: () => Notifier): UndoHandlers {
  return {
    'backups.list': () => backupsList(store),
    'backups.create': async ({ reason }, caller) => engine.perform({ kind: 'snapshot', operator: requireOperator(caller), ...(reason === undefined ? {} : { reason }) }),
    'backups.verify': ({ id }, caller) => engine.perform({ kind: 'verify', operator: caller.operator, ...(id === undefined ? {} : { snapshotId: id }) }),
    'backups.prune': async (request, caller) => {
      // A preview deletes nothing and may be asked by anyone; deleting snapshots is a write like any other.
      return pruneReport(store, request.dryRun ? request : { ...request, operator: requireOperator(caller) });
    },
    'backups.restore': async ({ id, reason, confirmId }, caller) => {
      const operator = requireOperator(caller);
      if (confirmId !== id) {
        throw new GatehouseError('USAGE', `the typed confirmation "${confirmId}" is not snapshot ${id}; nothing was restored`, { hint: 'type the snapshot id exactly to confirm' });
      }
      const report = await engine.perform({ kind: 'restore', operator, snapshotId: id, reason });
      return withNotice(report, await announce(() => notifyRestore(notifier(), report.event)));
    },
    'backups.delete': async ({ id, reason, confirmId, force }, caller) => {
      const operator = requireOperator(caller);
      if (confirmId !== id) {
        throw new GatehouseError('USAGE', `the typed confirmation "${confirmId}" is not snapshot ${id}; nothing was deleted`, { hint: 'type the snapshot id exactly to confirm' });
      }
      return deleteSnapshot(store, { snapshotId: id, reason, operator, force });
    },
    'backups.restores': ({ limit, after }) => listRestores(store, { limit, after }),
    'backups.attempts': ({ limit, after }) => listAttempts(store, { limit, after }),
    'rollback.preview': ({ runId, batchSeq, onConflict }, caller) => engine.perform({ kind: 'rollback-preview', operator: caller.operator, runId, batchSeq, onConflict, reason: null }),
    'rollback.apply': async ({ runId, batchSeq, onConflict, reason, confirmRunId, previewedAfterEvent }, caller) => {
      const operator = requireOperator(caller);
      if (confirmRunId !== runId) {
        throw new GatehouseError('USAGE', `the typed confirmation ${confirmRunId} is not run ${runId}; nothing was rolled back`, { hint: 'type the run id exactly to confirm' });
      }
      // A rollback of the run since the preview is refused inside the rollback's own lock (rollback-apply.ts), where no other can slip in.
      const report = await engine.perform({ kind: 'rollback', operator, runId, batchSeq, onConflict, reason, previewedAfterEvent });
      if (report.nothingToDo) return report;
      const target = { runId, batchSeq, operator, reason, nothingRolledBack: nothingRolledBackBecause(report), runRolledBack: report.runRolledBack };
      return withNotice(report, await announce(() => notifyRollback(notifier(), store, target)));
    },
    'rollback.events': ({ runId, limit, after }) => undoJournal(store).listEvents({ runId, limit, after }),
    'operations.active': async () => engine.operations(),
  };
}

/**
 * A restore or rollback is announced before its answer returns, so a console closing right after
 * cannot lose the notice, and the operator reads in that answer when no channel took it: the log
 * line alone reached nobody, and support may be waiting for the webhook. Null: every channel set
 * up delivered it (or none is). The change itself is done and audited whatever this says.
 */
async function announce(send: () => Promise<NotifyResult>): Promise<string | null> {
  try {
    // The log channel always delivers: a webhook it hid the failure of is still a notice support never got.
    const failed = (await send()).channels.filter((c) => !c.delivered);
    if (failed.length === 0) return null;
    return failed.map((c) => `${c.channel}: ${c.error ?? 'not delivered'}`).join('; ');
  } catch (error) {
    return redactedMessage(error);
  }
}

function withNotice<Report extends { message: string }>(report: Report, undelivered: string | null): Report {
  return undelivered === null ? report : { ...report, message: `${report.message}; its notification failed (${undelivered})` };
}
