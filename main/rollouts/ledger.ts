import { sql, type Selectable } from 'kysely';
import type { AppliedFlag, LedgerEntry, RolloutView } from '../../shared/api-rollouts.js';
import { joinedTransaction, newestFirstPage, type Database, type QueryLayer, type Store } from '../store/index.js';

export type NewRollout = Omit<RolloutView, 'id'>;
export type RolloutPatch = Partial<Pick<RolloutView, 'state' | 'stageIndex' | 'stageStartedAt' | 'applied' | 'updatedAt'>>;
export type NewLedgerEntry = Omit<LedgerEntry, 'id' | 'rolloutId'>;
/** The store as one change to the rollouts sees it: inside that change's transaction. */
export type RolloutTx = Pick<Store, 'queries'>;
/** The latest entry that moved a rollout (anything but a guardrail check): who moved it last, and when. */
export type LastMove = Pick<LedgerEntry, 'id' | 'kind' | 'operator' | 'at'>;

function rolloutFromRow(row: Selectable<Database['rollouts']>): RolloutView {
  const { flagChangesJson, stagesJson, appliedJson, autoPromote, ...rest } = row;
  return {
    ...rest,
    state: row.state as RolloutView['state'],
    flagChanges: JSON.parse(flagChangesJson),
    stages: JSON.parse(stagesJson),
    // A scope applied before its event was recorded (an older row) names none, and its revert names no event.
    applied: (JSON.parse(appliedJson) as AppliedFlag[]).map((applied) => ({ ...applied, eventId: applied.eventId ?? null })),
    autoPromote: Boolean(autoPromote),
  };
}

function ledgerFromRow({ evidenceJson, ...row }: Selectable<Database['rolloutLedger']>): LedgerEntry {
  return { ...row, stage: row.stage as LedgerEntry['stage'], kind: row.kind as LedgerEntry['kind'], decision: row.decision as LedgerEntry['decision'], evidence: JSON.parse(evidenceJson) };
}

function patchColumns(patch: RolloutPatch) {
  const { applied, ...rest } = patch;
  return { ...rest, ...(applied === undefined ? {} : { appliedJson: JSON.stringify(applied) }) };
}

/** A store's guarded rollouts and their ledger: a state change and its ledger entry are written together. */
export function rolloutLedger(store: Pick<Store, 'queries'>): RolloutLedger {
  return new RolloutLedger(store.queries);
}

class RolloutLedger {
  constructor(private readonly driver: QueryLayer) {}

  async insert(rollout: NewRollout, first: NewLedgerEntry): Promise<RolloutView> {
    return this.driver.transaction(async (trx) => {
      const { flagChanges, stages, applied, autoPromote, ...rest } = rollout;
      const row = await trx
        .insertInto('rollouts')
        .values({ ...rest, flagChangesJson: JSON.stringify(flagChanges), stagesJson: JSON.stringify(stages), appliedJson: JSON.stringify(applied), autoPromote: autoPromote ? 1 : 0 })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx.insertInto('rolloutLedger').values(ledgerRow(row.id, first)).execute();
      return rolloutFromRow(row);
    });
  }

  /**
   * One change to the rollouts, whole: `work` runs in one write transaction, and the flag changes
   * and ledger entries it makes through `tx` go with it — all or none. It begins once every other
   * change to the rollouts has ended (SQLite: the write transaction waits for the other writers;
   * PostgreSQL: a lock on the rollouts table that only their writers wait for), so two operators
   * acting at once act one after the other, the second on what the first left.
   */
  async change<T>(work: (tx: RolloutTx) => Promise<T>): Promise<T> {
    return this.driver.transaction(async (trx) => {
      if (this.driver.backend === 'postgres') await sql`LOCK TABLE rollouts IN SHARE ROW EXCLUSIVE MODE`.execute(trx);
      return work({ queries: joinedTransaction(this.driver, trx) });
    });
  }

  async lastMove(rolloutId: number): Promise<LastMove | null> {
    const row = await this.driver.db
      .selectFrom('rolloutLedger')
      .select(['id', 'kind', 'operator', 'at'])
      .where('rolloutId', '=', rolloutId)
      .where('kind', '<>', 'check')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row ? { ...row, kind: row.kind as LedgerEntry['kind'] } : null;
  }

  async get(id: number): Promise<RolloutView | null> {
    const row = await this.driver.db.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? rolloutFromRow(row) : null;
  }

  /** Newest first; `after` is the id of the last rollout of the previous page. */
  async list(options: { states?: readonly string[]; limit?: number; after?: number } = {}): Promise<RolloutView[]> {
    const rows = await this.driver.db
      .selectFrom('rollouts')
      .selectAll()
      .$if(options.states !== undefined, (q) => q.where(this.driver.anyOf('state', options.states!)))
      .$call((q) => newestFirstPage(q, options, 100))
      .execute();
    return rows.map(rolloutFromRow);
  }

  /** Moves the rollout on and appends the entry that says why, in one transaction. */
  async record(id: number, patch: RolloutPatch, entry: NewLedgerEntry): Promise<RolloutView> {
    return this.driver.transaction(async (trx) => {
      const row = Object.keys(patch).length === 0
        ? await trx.selectFrom('rollouts').selectAll().where('id', '=', id).executeTakeFirstOrThrow()
        : await trx.updateTable('rollouts').set(patchColumns(patch)).where('id', '=', id).returningAll().executeTakeFirstOrThrow();
      await trx.insertInto('rolloutLedger').values(ledgerRow(id, entry)).execute();
      return rolloutFromRow(row);
    });
  }

  /** Oldest first. */
  async ledger(rolloutId: number): Promise<LedgerEntry[]> {
    const rows = await this.driver.db.selectFrom('rolloutLedger').selectAll().where('rolloutId', '=', rolloutId).orderBy('id').execute();
    return rows.map(ledgerFromRow);
  }

  /** Quarantine rows stored per run: the data-loss guardrail checks them against each run's own count. */
  async quarantineRowsByRun(runIds: number[]): Promise<Map<number, number>> {
    if (runIds.length === 0) return new Map();
    const rows = await this.driver.db
      .selectFrom('quarantine')
      .select(['runId', (eb) => eb.fn.countAll<number>().as('count')])
      .where(this.driver.anyOf('runId', runIds))
      .groupBy('runId')
      .execute();
    return new Map(rows.map((row) => [Number(row.runId), Number(row.count)]));
  }
}

function ledgerRow(rolloutId: number, { evidence, ...entry }: NewLedgerEntry) {
  return { ...entry, rolloutId, evidenceJson: JSON.stringify(evidence) };
}
