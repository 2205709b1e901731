import { GatehouseError } from '../../shared/errors.js';
import type { Store } from '../store/index.js';
import type { FlagChange, StoredFlagValue } from './flag-store.js';
import { HALT_FLAG, haltFrom } from './halt.js';

/** A flag row with the reason its change gave: what a run reads HALT_UPDATES from (FlagStore.killsAnd). */
type HaltRow = StoredFlagValue & { reason: string | null };

/** HALT_UPDATES being set by a process waiting to store it: the row it will store, and its note's id. */
export interface RequestedHalt {
  id: string;
  row: HaltRow;
}

/** What leaving and reading halt requests needs of a store. */
export type HaltRequestStore = Pick<Store, 'writerNotes' | 'lockWaitMs' | 'classifyError'>;

/**
 * A flag change, and on SQLite a halt's request beside it. An all-or-nothing run holds SQLite's one
 * write lock until it commits, so HALT_UPDATES set meanwhile — by `flags set` or the console's
 * flags.set alike, both come here — waited behind the very run it was meant to stop, and was stored
 * once that run had committed (or failed after the busy wait). So the change also leaves a note
 * (WriterNotes) the run reads at its safe points: it takes it, stops, and rolls its transaction back,
 * and the change, still waiting for the lock, is then stored and audited as on PostgreSQL. The note
 * is withdrawn once the change is stored or refused; a writer that dies first leaves one that never
 * reaches a run (WriterNotes). When the run took it as the wait ran out, the change waits on
 * (writtenOnceStopped): the run that stopped for it is rolling back, and a halt it stopped for must end up stored.
 */
export async function withHaltRequest<T>(store: HaltRequestStore, change: FlagChange, write: () => Promise<T>): Promise<T> {
  const notes = store.writerNotes;
  if (notes === null || change.flag !== HALT_FLAG || change.valueJson !== 'true') return write();
  // Pending only through the change's first wait (taken or withdrawn as it ends); past twice that, its writer hung and it stops no run.
  const id = leftNote(store, haltRow(change), new Date(Date.now() + 2 * store.lockWaitMs));
  if (id === null) return write();
  try {
    return await write();
  } catch (error) {
    if (notes.withdraw(id) === 'taken' && store.classifyError(error) === 'transient') return await writtenOnceStopped(store, write);
    throw error;
  } finally {
    notes.withdraw(id);
  }
}

/** How many more lock waits a halt's writer gives the run that took its request to roll back and let the database go. */
const WAITS_FOR_THE_STOPPING_RUN = 4;

/**
 * The change, once the run that took its request has stopped: it is rolling back, and a halt it
 * stopped for must end up stored, so the writer does not give up after one more wait (a large
 * transaction's rollback, a slow disk). Bounded all the same: a run that took the request and
 * never lets the database go is said so, not waited on for good. A run that died let it go.
 */
async function writtenOnceStopped<T>(store: HaltRequestStore, write: () => Promise<T>): Promise<T> {
  for (let wait = 1; ; wait++) {
    try {
      return await write();
    } catch (error) {
      if (store.classifyError(error) !== 'transient') throw error;
      if (wait < WAITS_FOR_THE_STOPPING_RUN) continue;
      const seconds = Math.round(((1 + WAITS_FOR_THE_STOPPING_RUN) * store.lockWaitMs) / 1000);
      throw new GatehouseError('LOCK_HELD', `cannot write now: the run holding the database took the request to halt it, but had not let the database go ${seconds} s after it was asked to stop; ${HALT_FLAG} was not stored, nothing was changed`, {
        hint: {
          cli: `the run stops as interrupted once its rollback ends: set ${HALT_FLAG} again then, or stop the run (Ctrl+C, or SIGINT to its process)`,
          console: `the run stops as interrupted once its rollback ends: set ${HALT_FLAG} again then, or stop the run (Stop on its run page)`,
        },
        cause: error,
      });
    }
  }
}

/** The note left, or null when it cannot be (a folder this process may not write): the change is then made as it was before notes. */
function leftNote(store: HaltRequestStore, row: HaltRow, until: Date): string | null {
  try {
    return store.writerNotes!.leave(row, until);
  } catch {
    return null;
  }
}

function haltRow(change: FlagChange): HaltRow {
  return { flag: HALT_FLAG, scope: change.scope, valueJson: 'true', updatedAt: change.at, updatedBy: change.actor, reason: change.reason };
}

/** The halts being set now, left as notes by their writers (PostgreSQL: none, the change is stored at once). */
export function requestedHalts(store: Pick<Store, 'writerNotes'>): RequestedHalt[] {
  const requests: RequestedHalt[] = [];
  for (const note of store.writerNotes?.pending() ?? []) {
    const row = note.body as Partial<HaltRow> | null;
    if (row?.flag !== HALT_FLAG || row.valueJson !== 'true' || typeof row.scope !== 'string' || typeof row.updatedBy !== 'string' || typeof row.updatedAt !== 'string') continue;
    requests.push({ id: note.id, row: { flag: HALT_FLAG, scope: row.scope, valueJson: 'true', updatedAt: row.updatedAt, updatedBy: row.updatedBy, reason: typeof row.reason === 'string' ? row.reason : null } });
  }
  return requests;
}

/**
 * Whether a halt may be asked of a run of `task` (null: a manual run) now, for it to poll between
 * its safe points (UpdateOptions.stopAsked); a yes makes the run read the flags as a safe point
 * does, which decides. A yes is not free: it ends a batch run's window early (a smaller batch) and
 * runs an all-or-nothing run's safe point. So it is yes only when the halt in force for this run,
 * resolved as its safe points resolve it (haltFrom), is on and is not the one it last looked at: a
 * halt of another task's scope, one lifted again, one the task's own value overrides, or a request
 * to set one of those (pending for as long as its writer waits) costs the run nothing. Read from
 * the halts stored (storedHaltsRead) and, on SQLite, from the halts being set while the run holds
 * the file (an all-or-nothing run inside its one transaction), which wait for its write lock and
 * left a request beside it: one read of the requests' folder. A request and the same halt once
 * stored are each a yes: a batch run holds no lock while it waits on its source, and the boundary
 * a request sent it to may come before the halt is stored.
 */
export function haltAsked(store: Pick<Store, 'writerNotes' | 'haltsStored'>, task: string | null): () => Promise<boolean> {
  const stored = storedHaltsRead(store);
  let looked = '';
  return async () => {
    const rows = await stored();
    const requests = requestedHalts(store);
    const halt = haltFrom(withRequestedHalts(rows, requests), task);
    // A requested halt stands in for what its scope stores (withRequestedHalts).
    const requested = halt !== null && requests.some(({ row }) => row.scope === halt.scope);
    const inForce = halt === null ? '' : `${requested ? 'requested' : 'stored'} ${halt.scope}@${halt.at}`;
    if (inForce === looked) return false;
    looked = inForce;
    return inForce !== '';
  };
}

/**
 * How often a run reads the halts stored while it waits on its source. On PostgreSQL each read is
 * one round trip to a server that may be remote and shared by a team; twice a second stops a run
 * well within a support engineer's patience at a cost no server notices.
 */
const READ_STORED_HALTS_EVERY_MS = 500;

/**
 * The halts stored, as last read on the run's own writer-lock connection (on both backends, as a
 * batch run holds no transaction while it waits on its source), read again at most every
 * READ_STORED_HALTS_EVERY_MS. None before the first read: a halt stored as the run started is one
 * it has not looked at. A halt set and lifted again between two reads was never in force for the
 * run, and stops nothing.
 */
function storedHaltsRead(store: Pick<Store, 'haltsStored'>): () => Promise<HaltRow[]> {
  let readAt = -Infinity;
  let rows: HaltRow[] = [];
  return async () => {
    if (Date.now() - readAt < READ_STORED_HALTS_EVERY_MS) return rows;
    readAt = Date.now();
    const read = await store.haltsStored();
    // Null once the run let its lock go: it is ending, and what it last read stands.
    if (read !== null) rows = read.map((halt) => ({ flag: HALT_FLAG, ...halt, reason: null }));
    return rows;
  };
}

/** The rows read, with each requested halt in place of what its scope stores: the flags as they will be once the requests are stored. */
export function withRequestedHalts(rows: readonly HaltRow[], requests: readonly RequestedHalt[]): HaltRow[] {
  const requested = new Set(requests.map((request) => request.row.scope));
  return [...rows.filter((row) => row.flag !== HALT_FLAG || !requested.has(row.scope)), ...requests.map((request) => request.row)];
}
