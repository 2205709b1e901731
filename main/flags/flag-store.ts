import { sql, type Selectable } from 'kysely';
import { GatehouseError } from '../../shared/errors.js';
import { KILL_SCOPE } from './scope.js';
import { atOrAfter, inCodeOrder, newestFirstPage, type Database, type Db, type QueryLayer, type Store } from '../store/index.js';

/** A flag value stored for one scope (`global` or `task:NAME`), as JSON text. */
export type StoredFlagValue = Selectable<Database['flagValues']>;

/** One audited change: `oldJson`/`newJson` are null when there was / is no stored value. */
export type FlagEvent = Selectable<Database['flagEvents']>;

export interface FlagChange {
  flag: string;
  scope: string;
  /** null removes the stored value (the scope falls back to the next one). */
  valueJson: string | null;
  actor: string;
  reason: string;
  at: string;
  /** The event a revert puts back (`flags revert`); absent for every other change. */
  revertsEventId?: number;
  /**
   * The stored value (JSON text; null: none) the change was based on, as the operator saw it. When
   * given, a change made meanwhile by someone else refuses this one with CONFLICT instead of being
   * silently overwritten; undefined changes whatever is stored.
   */
  expectedJson?: string | null;
}

/**
 * "FLAG": first key of the transaction advisory lock a PostgreSQL change of one flag and scope holds;
 * the second hashes them with the store's schema (current_schema(): the connection's search_path is
 * that schema alone). Advisory locks are database-wide: keyed by flag and scope only, two teams'
 * schemas in one database waited on each other's changes of a flag of the same name.
 */
const FLAG_LOCK_CLASS = 0x464c4147;

/** A store's feature flag values by scope (`global`, `task:NAME`) and the audit event of every change. */
export function flagStore(store: Pick<Store, 'queries'>): FlagStore {
  return new FlagStore(store.queries);
}

class FlagStore {
  constructor(private readonly driver: QueryLayer) {}

  async values(flag?: string): Promise<StoredFlagValue[]> {
    return this.driver.db.selectFrom('flagValues').selectAll().$if(flag !== undefined, (q) => q.where('flag', '=', flag!)).orderBy(inCodeOrder(this.driver.backend, 'flag')).orderBy(inCodeOrder(this.driver.backend, 'scope')).execute();
  }

  /**
   * The kills (scope `kill`): what a run under way reads at each batch boundary, so one small query.
   * Each with the reason its newest flag event gave, so the run it reaches can say why it was stopped.
   */
  async kills(): Promise<(StoredFlagValue & { reason: string | null })[]> {
    return this.killsAnd(null);
  }

  /**
   * The kills, and `also` flag's values in the other scopes that hold it for a run (`scopes`), in the
   * one query: what a batch boundary reads for the kills and HALT_UPDATES alike (one round trip on
   * PostgreSQL). Each row with the reason of its scope's newest event (with a value stored, that
   * event is the one that set it).
   */
  async killsAnd(also: { flag: string; scopes: string[] } | null): Promise<(StoredFlagValue & { reason: string | null })[]> {
    return this.driver.db
      .selectFrom('flagValues')
      .selectAll('flagValues')
      .select((eb) =>
        eb
          .selectFrom('flagEvents')
          .select('flagEvents.reason')
          .whereRef('flagEvents.flag', '=', 'flagValues.flag')
          .whereRef('flagEvents.scope', '=', 'flagValues.scope')
          .orderBy('flagEvents.id', 'desc')
          .limit(1)
          .as('reason'),
      )
      .where((eb) => {
        const kill = eb('flagValues.scope', '=', KILL_SCOPE);
        return also === null ? kill : eb.or([kill, eb.and([eb('flagValues.flag', '=', also.flag), eb('flagValues.scope', 'in', also.scopes)])]);
      })
      .orderBy(inCodeOrder(this.driver.backend, 'flagValues.flag'))
      .orderBy(inCodeOrder(this.driver.backend, 'flagValues.scope'))
      .execute();
  }

  /** The value and its audit event in one transaction: no change without its event. */
  async change(change: FlagChange): Promise<FlagEvent> {
    return this.driver.transaction(async (trx) => {
      const oldJson = await this.replaceValue(trx, change);
      const event = { flag: change.flag, scope: change.scope, oldJson, newJson: change.valueJson, actor: change.actor, reason: change.reason, at: change.at, revertsEventId: change.revertsEventId ?? null };
      return trx.insertInto('flagEvents').values(event).returningAll().executeTakeFirstOrThrow();
    });
  }

  /**
   * Puts the change in place and returns the value it replaced. A first value is inserted before
   * anything is read: on PostgreSQL that insert waits for another process writing the same flag
   * and scope to commit, where a read first saw no row and the event said "null →", losing that
   * process's value from the trail. SQLite's transaction already holds the write lock.
   */
  private async replaceValue(trx: Db, change: FlagChange): Promise<string | null> {
    // PostgreSQL: one change of a flag and scope at a time, until it commits. The row lock below has
    // no row to hold when nothing is stored yet: an unset (or a set expecting nothing) beside another
    // process's first set read "nothing stored", recorded "null → null" after that set's event, and the
    // trail's newest event said the value was gone while the set's value stayed in force.
    if (this.driver.backend === 'postgres') await sql`SELECT pg_advisory_xact_lock(${sql.lit(FLAG_LOCK_CLASS)}, hashtext(current_schema() || ${` ${change.flag} ${change.scope}`}))`.execute(trx);
    const value = change.valueJson === null ? null : { valueJson: change.valueJson, updatedAt: change.at, updatedBy: change.actor };
    if (value !== null) {
      const inserted = await trx.insertInto('flagValues').values({ flag: change.flag, scope: change.scope, ...value }).onConflict((oc) => oc.columns(['flag', 'scope']).doNothing()).returning('flag').executeTakeFirst();
      if (inserted) {
        // Thrown inside the transaction, so the insert goes with it.
        await refuseStaleChange(trx, change, undefined);
        return null;
      }
    }
    const old = await trx
      .selectFrom('flagValues')
      .select(['valueJson', 'updatedBy', 'updatedAt'])
      .where('flag', '=', change.flag)
      .where('scope', '=', change.scope)
      .$if(this.driver.backend === 'postgres', (q) => q.forUpdate())
      .executeTakeFirst();
    await refuseStaleChange(trx, change, old);
    // The value stored again changes nothing in force: who set it and when stay those of the change
    // that did (a kill's "killed by … at …", which a run under way reported), and the event still
    // records who asked again and why.
    const storedAlready = value !== null && old !== undefined && sameJson(old.valueJson, value.valueJson);
    if (value === null) await trx.deleteFrom('flagValues').where('flag', '=', change.flag).where('scope', '=', change.scope).execute();
    else if (!storedAlready) await trx.updateTable('flagValues').set(value).where('flag', '=', change.flag).where('scope', '=', change.scope).execute();
    return old?.valueJson ?? null;
  }

  /** Newest first; `after` is the id of the last event of the previous page; `since` keeps the events at or after that instant; `valueSet` only changes that stored a value (no unset). */
  async history(options: { flag?: string; scope?: string; since?: string; limit?: number; after?: number; valueSet?: boolean } = {}): Promise<FlagEvent[]> {
    return this.driver.db
      .selectFrom('flagEvents')
      .selectAll()
      .$if(options.flag !== undefined, (q) => q.where('flag', '=', options.flag!))
      .$if(options.scope !== undefined, (q) => q.where('scope', '=', options.scope!))
      .$if(options.valueSet === true, (q) => q.where('newJson', 'is not', null))
      .$call((q) => atOrAfter(q, options.since))
      .$call((q) => newestFirstPage(q, options, 100))
      .execute();
  }

  /**
   * Each flag's last change on `scope` up to event `atOrBefore`: what the scope held then, however
   * many changes of other flags came between (a page of recent events would miss an old set).
   */
  async lastEventPerFlag(scope: string, atOrBefore: number): Promise<FlagEvent[]> {
    const last = this.driver.db.selectFrom('flagEvents').select((eb) => eb.fn.max('id').as('id')).where('scope', '=', scope).where('id', '<=', atOrBefore).groupBy('flag');
    return this.driver.db.selectFrom('flagEvents').selectAll().where('id', 'in', last).orderBy(inCodeOrder(this.driver.backend, 'flag')).execute();
  }

  async event(id: number): Promise<FlagEvent | null> {
    return (await this.driver.db.selectFrom('flagEvents').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }
}

/**
 * A change based on a value that is no longer stored would overwrite someone else's change unseen (a
 * lost update). Refused saying what is true: with nothing stored, who removed the value and when, or
 * that no value was ever stored there ("someone changed it meanwhile" of a flag never set sent
 * support looking for a change nobody made).
 */
async function refuseStaleChange(trx: Db, change: FlagChange, stored: Pick<StoredFlagValue, 'valueJson' | 'updatedBy' | 'updatedAt'> | undefined): Promise<void> {
  if (change.expectedJson === undefined || sameJson(change.expectedJson, stored?.valueJson ?? null)) return;
  const seen = `not ${change.expectedJson === null ? 'unset' : change.expectedJson} as this change expected`;
  const removal = stored ? undefined : await lastRemoval(trx, change);
  const now = stored
    ? `is now ${stored.valueJson} (set by ${stored.updatedBy} at ${stored.updatedAt}), ${seen}: someone changed it meanwhile`
    : removal
      ? `is now unset, ${seen}: ${removal.actor} unset it at ${removal.at} (event ${removal.id})`
      : `has never been set, ${seen}: no value was ever stored for this scope`;
  throw new GatehouseError('CONFLICT', `${change.flag} [${change.scope}] ${now}; nothing was changed`, {
    hint: {
      cli: removal === null ? 'to change it only while nothing is stored, pass --expect none' : 'look at the value now in force (and `gatehouse flags history`), then make the change again if it is still needed',
      console: 'look at the value now in force (and the flag\'s history on the Flags page), then make the change again if it is still needed',
    },
  });
}

/** The event that removed the value last stored for the change's flag and scope; null when none was ever stored. */
async function lastRemoval(trx: Db, change: FlagChange): Promise<Pick<FlagEvent, 'id' | 'actor' | 'at'> | null> {
  const event = await trx
    .selectFrom('flagEvents')
    .select(['id', 'actor', 'at'])
    .where('flag', '=', change.flag)
    .where('scope', '=', change.scope)
    .where('oldJson', 'is not', null)
    .where('newJson', 'is', null)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  return event ?? null;
}

/** Two stored values (JSON text; null: none) alike: a change from one to the other changes nothing in force. */
export function sameJson(a: string | null, b: string | null): boolean {
  if (a === null || b === null) return a === b;
  try {
    return JSON.stringify(JSON.parse(a)) === JSON.stringify(JSON.parse(b));
  } catch {
    return a === b;
  }
}
