import { GatehouseError } from '../../shared/errors.js';
import { isCanceledByServer, isLockTimeout, isPrivilegeMissing, isStorePartMissing, NOT_WRITABLE_HINT, privilegeMissing, serverShortOfHint, statementCanceled, storePartMissing, type Store } from '../store/index.js';
import { lockHolderText } from './run-update.js';

/**
 * The one place where a write that met another writer's transaction becomes an error a person can
 * act on. An all-or-nothing run holds one transaction from its first record to its last, a rollback
 * or a restore one to its end; every audited write made meanwhile — a flag change, an anomaly mark,
 * a run accepted, a rollout, a task, a sensitivity save — reached support and operators on SQLite as
 * "unexpected error: database is locked" (SQLITE_BUSY after the whole busy timeout), and on
 * PostgreSQL as a lock_timeout blamed on "a transaction left open (a psql session, LOCK TABLE)" even
 * when a Gatehouse rollback of the very run was what it waited for. The boundaries (the CLI's
 * withStore, the API's handlers) pass what escapes a write through here: it is refused LOCK_HELD,
 * naming the writer from the lock row (read without taking the lock: neither backend's readers wait
 * for the writer), with what to do. On PostgreSQL with no Gatehouse writer holding the lock, the
 * session outside Gatehouse is what held it, and the driver's refusal saying so stands; its other
 * transient faults (a dropped connection) are not a writer to name. Anything else is returned as it came.
 */
export async function busyWriteRefusal(store: Store, error: unknown): Promise<unknown> {
  const postgresWait = store.backend === 'postgres' && isLockTimeout(error);
  const sqliteBusy = store.backend === 'sqlite' && !(error instanceof GatehouseError) && store.classifyError(error) === 'transient';
  if (!postgresWait && !sqliteBusy) return error;
  const lock = await store.writerLockHolder().catch(() => null);
  if (postgresWait && !lock) return error;
  const waited = postgresWait ? `; this write waited longer than lock_timeout for a lock, most likely one that writer's transaction holds` : '';
  const holder = lock ? `${lockHolderText(lock, store.location, sqliteBusy)}${waited}` : `another process's write transaction kept ${store.location} busy for the whole wait`;
  const waits = 'a write waits for the writer\'s transaction, and an all-or-nothing run keeps one open to its end';
  const hint = lock?.runId
    ? { cli: `${waits}: stop the run (Ctrl+C, or SIGINT to its process) to make this change now, or try again once it ends`, console: `${waits}: stop the run (Stop on its run page) to make this change now, or try again once it ends` }
    : 'a write waits for that writer\'s transaction (a rollback or a restore is one): try again once it ends';
  return new GatehouseError('LOCK_HELD', `cannot write now: ${holder}; nothing was changed`, { hint, cause: error });
}

/**
 * `handlers` with each one's failure passed through environmentFailure and busyWriteRefusal, as the
 * CLI's withStore passes a command's: the API's boundary. A flag change, an anomaly mark, a rollback
 * or a trial that met a full disk reached the console as INTERNAL "database or disk is full".
 * The console keeps `store` open for as long as it runs, so each of its writes first checks that the
 * database is still there (Store.refuseWritesOnceGone): one whose SQLite file was deleted took them.
 */
export function withBusyWriteRefusals<H extends Record<string, (...args: never[]) => Promise<unknown>>>(store: Store, handlers: H): H {
  store.refuseWritesOnceGone();
  return Object.fromEntries(
    Object.entries(handlers).map(([method, handler]) => [
      method,
      async (...args: never[]) => {
        try {
          return await handler(...args);
        } catch (error) {
          throw await busyWriteRefusal(store, environmentFailure(store, error));
        }
      },
    ]),
  ) as H;
}

/**
 * A write the database's environment refused (a read-only or immutable file, a full disk, an I/O
 * error; a schema or table dropped from under the store: DB_UNREACHABLE; a statement the PostgreSQL server canceled) as one clear error instead of an unexpected one: in a command that is not an update —
 * flags, reviews, tasks — and in an update before its run exists (its lock row, its run's row),
 * where no run can stop as interrupted: `gatehouse update`, the console's runs.start and the
 * scheduler's runs alike (runFlaggedUpdate), and every other API handler (withBusyWriteRefusals).
 */
export function environmentFailure(store: Store, error: unknown): unknown {
  // Classed transient so that an update blames no record for it, but said at once: a command is asked once.
  if (isCanceledByServer(error)) return statementCanceled(store.location, error);
  if (error instanceof GatehouseError || store.classifyError(error) !== 'environment') return error;
  if (isStorePartMissing(error)) return storePartMissing(store.backend, store.location, (error as Error).message, error);
  if (isPrivilegeMissing(error)) return privilegeMissing(store.location, error as Error);
  return new GatehouseError('DB_NOT_WRITABLE', `cannot write database ${store.location}: ${(error as Error).message}`, {
    // A PostgreSQL server short of disk or memory is fixed on the server, not in a folder's permissions.
    hint: serverShortOfHint(error) ?? NOT_WRITABLE_HINT,
    cause: error,
  });
}
