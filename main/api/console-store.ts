import { GatehouseError, toErrorPayload } from '../../shared/errors.js';
import type { ApiHandlers } from '../../shared/api.js';
import { settleOrphanedRuns } from '../backup/index.js';
import { environmentFailure } from '../engine/index.js';
import { openStore, type Store } from '../store/index.js';

/*
 * Every console opens its store one way — `gatehouse serve` (with --demo too, so `npm start`), the
 * desktop app — and a store not all there (a table dropped outside Gatehouse) is opened all the same,
 * restore-only (StoreOptions.forRestore): restoring a snapshot from the Backups page is what mends it,
 * so refusing to start would refuse the way out. The console's "test this connection" says the same.
 */

/** What a console reading a store not all there still answers: what `gatehouse backups list` and `restore` do there, what they lead to, and a test of a connection (its own answer, about its own location). */
const ANSWERED_NOT_ALL_THERE: ReadonlySet<string> = new Set(['backups.list', 'backups.restore', 'backups.restores', 'backups.attempts', 'backups.verify', 'operations.active', 'settings.testConnection']);

const RESTORE_ONLY_HINT = 'restore a snapshot over it on the Backups page (or gatehouse restore --backup ID --reason TEXT)';

/** The damage, and the restore-only mode a console opens it in: said by every console as it starts, and by a connection test. */
export function restoreOnlyNotice(damage: GatehouseError): string {
  return `${damage.message}; the console lists and restores its snapshots only, until one is restored over it (Backups page)`;
}

/**
 * The console's store: opened restore-only when it is not all there (said through `warn`), else with
 * the runs a killed console left `running` settled at once as interrupted, with their resume hint.
 */
export async function openConsoleStore(location: string, warn: (line: string) => void): Promise<Store> {
  const store = await openStore(location, { forRestore: true });
  if (store.damage !== null) warn(restoreOnlyNotice(store.damage));
  else await settleOrphanedRuns(store).catch((error: unknown) => warn(orphansNotChecked(store, error)));
  return store;
}

/**
 * The check for runs a killed process left `running` failed (a PostgreSQL statement_timeout that
 * canceled it, a database busy or unreachable): the console still opens, but such a run stays
 * stored running until the next writer settles it. Said in the fault's own words and hint (environmentFailure),
 * not as the driver's bare message.
 */
function orphansNotChecked(store: Store, error: unknown): string {
  const fault = toErrorPayload(environmentFailure(store, error));
  const hint = fault.hint ? `; ${fault.hint}` : '';
  return `runs left running by a process that died were not checked: ${fault.message}. Such a run stays stored as running (shown "process gone" where that can be told) until the next update or rollback takes the writer lock and marks it interrupted${hint}`;
}

/**
 * A connection test of a store not all there: refused for the damage, offering the restore-only
 * mode a console opens it in; null when the store is whole. `redact`: a PostgreSQL URL's password never leaves.
 */
export function restoreOnlyRefusal(store: Store, redact: (text: string) => string): GatehouseError | null {
  if (store.damage === null) return null;
  return new GatehouseError(store.damage.code, redact(restoreOnlyNotice(store.damage)), { hint: RESTORE_ONLY_HINT });
}

/**
 * A console opened on a store not all there lists and restores its snapshots, as the CLI does;
 * anything else that fails there fails for the damage, and says so with the way out, not as the
 * table it happened to miss first. Once a restore has mended it, the console answers as on any store.
 */
export function answeringWhileNotAllThere(store: Store, handlers: ApiHandlers): ApiHandlers {
  if (store.damage === null) return handlers;
  return Object.fromEntries(
    Object.entries(handlers).map(([method, handler]) => [
      method,
      async (...args: never[]) => {
        try {
          const result = await (handler as (...given: never[]) => Promise<unknown>)(...args);
          if (method === 'backups.restore') store.mendedByRestore();
          return result;
        } catch (error) {
          const damage = store.damage;
          if (damage === null || ANSWERED_NOT_ALL_THERE.has(method)) throw error;
          throw new GatehouseError(damage.code, `${damage.message}; until a snapshot is restored over it, the console can only list and restore snapshots`, { hint: RESTORE_ONLY_HINT });
        }
      },
    ]),
  ) as ApiHandlers;
}
