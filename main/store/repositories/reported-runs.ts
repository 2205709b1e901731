import { sql, type ExpressionBuilder, type Selectable, type SelectQueryBuilder } from 'kysely';
import { byCodeOrder, type StoreDriver } from '../driver.js';
import type { Database } from '../schema.js';
import type { FoldedRun, JudgedRun, JudgedRunQuery, ReportedRun } from '../types.js';
import { reportedRunFromRow } from '../rows.js';
import type { Verdict } from '../../../shared/validation.js';
import { FOLDED_RUN_COLUMNS, foldedRunFromRow, inStartOrder, refoldWhereStale } from './anomaly-folds.js';

/**
 * The runs that may train the historical validator, as a filter on `runs`: ended success or partial
 * (a rolled-back run is neither), not a confirmed anomaly, and none of whose batches support rolled
 * back — a run partly rolled back keeps its metrics (every record fetched stays accounted for), but
 * what they count is no longer what the database holds. validationHistory, judged({ training }) and
 * trainsValidator (through JudgedRun.partlyRolledBack) all read this one rule.
 */
export function trainingRunFilter(eb: ExpressionBuilder<Database, 'runs'>) {
  return eb.and([
    eb('runs.status', 'in', ['success', 'partial']),
    eb.or([eb('runs.review', 'is', null), eb('runs.review', '<>', 'confirmed')]),
    eb.not(partlyRolledBack(eb)),
  ]);
}

/** Whether support rolled back any batch of the run (its batch marked rolled_back in the rollback's transaction). */
function partlyRolledBack(eb: ExpressionBuilder<Database, 'runs'>) {
  return eb.exists(eb.selectFrom('batches').select('batches.seq').whereRef('batches.runId', '=', 'runs.id').where('batches.status', '=', 'rolled_back'));
}

/** The columns a replay judges a run by (JudgedRun), not the rest of its row. */
const JUDGED_RUN_COLUMNS = ['id', 'task', 'status', 'source', 'startedAt', 'metricsJson', 'review', 'verdict'] as const;

function judgedRunFromRow({ id, status, metricsJson, verdict, partlyRolledBack, ...run }: Pick<Selectable<Database['runs']>, (typeof JUDGED_RUN_COLUMNS)[number]> & { partlyRolledBack: unknown }): JudgedRun {
  // SQLite answers EXISTS with 0 or 1, PostgreSQL with a boolean.
  return { ...run, runId: id, status: status as JudgedRun['status'], metrics: JSON.parse(metricsJson), validation: verdict === null ? null : { verdict: verdict as Verdict }, partlyRolledBack: Boolean(partlyRolledBack) };
}

/** A rollback event that rolled a run back whole. */
export interface WholeRunRollback {
  eventId: number;
  operator: string;
  at: string;
  reason: string | null;
}

/** Runs with their operators' review, as the gate reports, the rollout guardrails and the validator's replays read them. */
export class RunReports {
  constructor(private readonly driver: StoreDriver) {}

  /** Runs started in [since, until), oldest first; every run when no bound is given. */
  async runs(options: { since?: string; until?: string; task?: string } = {}): Promise<ReportedRun[]> {
    const rows = await this.driver.db
      .selectFrom('runs')
      .selectAll()
      .$call((q) => startedWithin(q, options))
      .$if(options.task !== undefined, (q) => q.where('task', '=', options.task!))
      .orderBy('startedAt')
      .orderBy('id')
      .execute();
    return rows.map(reportedRunFromRow);
  }

  /**
   * Runs oldest first (by start, then id, as `runs`), with only the columns a replay judges by: the task, origin and
   * training filters are trainsValidator's and originOf's rules in SQL, so a what-if reads one task's runs, not all.
   */
  async judged(options: JudgedRunQuery = {}): Promise<JudgedRun[]> {
    const { task, production, training, runIds } = options;
    if (runIds !== undefined && runIds.length === 0) return [];
    const rows = await this.driver.db
      .selectFrom('runs')
      .select(JUDGED_RUN_COLUMNS)
      .select((eb) => partlyRolledBack(eb).as('partlyRolledBack'))
      .$if(task !== undefined, (q) => q.where('task', '=', task!))
      // substr, not LIKE: SQLite's LIKE ignores case, and runOrigin does not.
      .$if(production === true, (q) => q.where(sql<string>`substr(${sql.ref('source')}, 1, 6)`, '<>', 'trial:'))
      .$if(training === true, (q) => q.where(trainingRunFilter))
      .$if(runIds !== undefined, (q) => q.where(this.driver.anyOf('id', runIds!)))
      .orderBy('startedAt')
      .orderBy('id')
      .execute();
    return rows.map(judgedRunFromRow);
  }

  /** Runs the validator called anomalous, newest first; `open` leaves out those already marked. */
  async anomalous(options: { open?: boolean; limit?: number } = {}): Promise<ReportedRun[]> {
    const rows = await this.driver.db
      .selectFrom('runs')
      .selectAll()
      .where('verdict', '=', 'anomalous')
      .$if(options.open === true, (q) => q.where('review', 'is', null))
      .orderBy('startedAt', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit ?? 1000)
      .execute();
    return rows.map(reportedRunFromRow);
  }

  /**
   * Runs newest start first, a keyset page of `limit` after the run `before` (by start, then id: the
   * order the validator walks in reverse), for replays that need only the tail of a long history:
   * with only the columns a replay judges by, as `judged`.
   */
  async newestFirst(options: { before?: { startedAt: string; runId: number }; limit: number }): Promise<JudgedRun[]> {
    const { before } = options;
    const rows = await this.driver.db
      .selectFrom('runs')
      .select(JUDGED_RUN_COLUMNS)
      .select((eb) => partlyRolledBack(eb).as('partlyRolledBack'))
      .$if(before !== undefined, (q) => q.where((eb) => inStartOrder(eb, '<', before!)))
      .orderBy('startedAt', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map(judgedRunFromRow);
  }

  /**
   * Every task name a stored run carried or a scheduled task has, each once, by name: one UNION in
   * SQL, so a task deleted or renamed since its runs stays one the runs can be found by.
   */
  async taskNames(): Promise<string[]> {
    const rows = await this.driver.db
      .selectFrom('runs')
      .select('task as name')
      .where('task', 'is not', null)
      .union((eb) => eb.selectFrom('scheduledTasks').select('name'))
      .execute();
    // By code in JavaScript: a UNION's ORDER BY takes no COLLATE (inCodeOrder).
    return rows.map((row) => row.name!).sort(byCodeOrder);
  }

  /** When the latest-started run started (by its start, not its id: an imported or resumed run can be older); null with no runs. */
  async newestStart(): Promise<string | null> {
    const row = await this.driver.db.selectFrom('runs').select('startedAt').orderBy('startedAt', 'desc').limit(1).executeTakeFirst();
    return row?.startedAt ?? null;
  }

  /**
   * A page of anomaly folds (each anomalous run stores the run that opened its fold:
   * repositories/anomaly-folds.ts), newest opening run first, each fold's runs oldest first. A keyset
   * page by the opening run's (start, id) after `before`; `open` keeps the folds with a run nobody
   * has reviewed yet. Reads the page's folds only, however many anomalies the years have piled up.
   */
  async folds(options: { open: boolean; limit: number; before?: { startedAt: string; runId: number } }): Promise<FoldedRun[][]> {
    const { before } = options;
    const openers = await this.foldOpeners(options.open)
      .select('id')
      .$if(before !== undefined, (q) => q.where((eb) => inStartOrder(eb, '<', before!)))
      .orderBy('startedAt', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute();
    if (openers.length === 0) return [];
    const rows = await this.driver.db
      .selectFrom('runs')
      .select(FOLDED_RUN_COLUMNS)
      .where('foldStartId', 'in', openers.map((row) => row.id))
      .orderBy('startedAt')
      .orderBy('id')
      .execute();
    const byFold = new Map<number, FoldedRun[]>(openers.map((row) => [row.id, []]));
    for (const row of rows) {
      const { foldStartId, ...run } = foldedRunFromRow(row);
      byFold.get(foldStartId!)!.push(run);
    }
    return [...byFold.values()];
  }

  /**
   * How many folds have a run nobody has reviewed yet, whenever they ran: the open folds `folds`
   * lists, counted by the same query, so the Overview's count and the History list agree.
   */
  async countOpenFolds(): Promise<number> {
    const row = await this.foldOpeners(true).select((eb) => eb.fn.countAll<number | string>().as('folds')).executeTakeFirstOrThrow();
    return Number(row.folds);
  }

  /**
   * The runs opening a fold, by the partial index runs_opening_folds (only anomalous runs store a fold); `open` keeps those
   * with a run not yet reviewed that still stands: a run support rolled back whole (status rolled_back) wrote nothing that is
   * left, so it no longer waits for a review. A run with only some batches rolled back still stands, and stays open.
   */
  private foldOpeners(open: boolean) {
    return this.driver.db
      .selectFrom('runs')
      .whereRef('foldStartId', '=', 'id')
      .$if(open, (q) =>
        q.where(({ exists, selectFrom }) =>
          exists(selectFrom('runs as member').select('member.id').whereRef('member.foldStartId', '=', 'runs.id').where('member.review', 'is', null).where('member.status', '<>', 'rolled_back')),
        ),
      );
  }

  /**
   * The newest rollback that rolled each given run back whole (its event's run_rolled_back), by run: who, when and why. A run
   * with none (never rolled back, or rolled back by itself as an all-or-nothing run) is not in the map.
   */
  async wholeRunRollbacks(runIds: readonly number[]): Promise<Map<number, WholeRunRollback>> {
    if (runIds.length === 0) return new Map();
    const rows = await this.driver.db
      .selectFrom('rollbackEvents')
      .select(['id', 'runId', 'operator', 'at', 'reason', 'runRolledBack'])
      .where(this.driver.anyOf('runId', runIds))
      .orderBy('id')
      .execute();
    // SQLite answers the flag with 0 or 1, PostgreSQL with a boolean.
    const whole = rows.filter((row) => Boolean(row.runRolledBack));
    return new Map(whole.map((row) => [Number(row.runId), { eventId: Number(row.id), operator: row.operator, at: row.at, reason: row.reason }]));
  }

  /** Stores the folds of every task whose runs were written around finishRun (seeded histories), in one transaction. */
  async refoldStale(): Promise<void> {
    await this.driver.transaction((trx) => refoldWhereStale(trx));
  }

  /** The runs given and every run of the folds they belong to, each once: each given run's fold in start order, in the order given. */
  async withTheirFolds(runIds: readonly number[]): Promise<number[]> {
    const folds = await this.foldsOf(runIds);
    return [...new Set(runIds.flatMap((runId) => folds.get(runId) ?? [runId]))];
  }

  /** Each run given, with the runs of its fold in start order (itself alone when it is in none). */
  async foldsOf(runIds: readonly number[]): Promise<Map<number, number[]>> {
    if (runIds.length === 0) return new Map();
    const given = await this.driver.db.selectFrom('runs').select(['id', 'foldStartId']).where(this.driver.anyOf('id', runIds)).execute();
    const foldOf = new Map(given.map((row) => [row.id, row.foldStartId === null ? null : Number(row.foldStartId)]));
    const folds = [...new Set([...foldOf.values()].filter((fold) => fold !== null))];
    const members = folds.length === 0 ? [] : await this.driver.db.selectFrom('runs').select(['id', 'foldStartId']).where(this.driver.anyOf('foldStartId', folds)).orderBy('startedAt').orderBy('id').execute();
    const runsOf = new Map<number, number[]>();
    for (const row of members) runsOf.set(Number(row.foldStartId), [...(runsOf.get(Number(row.foldStartId)) ?? []), row.id]);
    return new Map(runIds.map((runId) => [runId, runsOf.get(foldOf.get(runId) ?? Number.NaN) ?? [runId]]));
  }
}

/** Runs started in [since, until); a bound not given does not limit. */
export function startedWithin<O>(query: SelectQueryBuilder<Database, 'runs', O>, { since, until }: { since?: string; until?: string }): SelectQueryBuilder<Database, 'runs', O> {
  return query.$if(since !== undefined, (q) => q.where('startedAt', '>=', since!)).$if(until !== undefined, (q) => q.where('startedAt', '<', until!));
}
