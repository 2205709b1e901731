import type { NormalizedHearing } from '../../../shared/record.js';
import type { RunStatus } from '../../../shared/run.js';
import type { Db, StoreDriver } from '../driver.js';
import type { NewRunReview, NewTrialRecord, ReportedRun, RunReview, TrialRecord } from '../operations-types.js';
import { runFromRow, trialFromRow } from '../rows.js';
import type { RestoreEvent } from '../undo-types.js';

type RunRow = Parameters<typeof runFromRow>[0];

function reported(row: RunRow): ReportedRun {
  return { ...runFromRow(row), review: row.review };
}

/** Operator feedback on anomalous and held runs. */
export class RunReviews {
  constructor(private readonly driver: StoreDriver) {}

  /**
   * Records the review and, for expected/confirmed, sets runs.review in the same transaction.
   * For `accepted`, `acceptedStatus` replaces the run's `held` status; returns null (nothing
   * written) when the run is not held any more.
   */
  async add(review: NewRunReview, acceptedStatus?: RunStatus): Promise<RunReview | null> {
    return this.driver.transaction(async (trx) => {
      if (review.action === 'accepted') {
        const accepted = await trx.updateTable('runs').set({ status: acceptedStatus ?? 'success' }).where('id', '=', review.runId).where('status', '=', 'held').executeTakeFirst();
        if (Number(accepted.numUpdatedRows) === 0) return null;
      } else {
        await trx.updateTable('runs').set({ review: review.action }).where('id', '=', review.runId).execute();
      }
      return (await trx.insertInto('runReviews').values(review).returningAll().executeTakeFirstOrThrow()) as RunReview;
    });
  }

  /** One expected/confirmed review for each of several runs (the runs of one folded anomaly), all or none. */
  async addForRuns(runIds: readonly number[], review: Omit<NewRunReview, 'runId'> & { action: 'expected' | 'confirmed' }): Promise<RunReview[]> {
    if (runIds.length === 0) return [];
    return this.driver.transaction(async (trx) => {
      await trx.updateTable('runs').set({ review: review.action }).where('id', 'in', [...runIds]).execute();
      const rows = await trx.insertInto('runReviews').values(runIds.map((runId) => ({ ...review, runId }))).returningAll().execute();
      return rows as RunReview[];
    });
  }

  async list(options: { runId?: number } = {}): Promise<RunReview[]> {
    const rows = await this.driver.db.selectFrom('runReviews').selectAll().$if(options.runId !== undefined, (q) => q.where('runId', '=', options.runId!)).orderBy('id').execute();
    return rows as RunReview[];
  }

  /** Runs the validator called anomalous, newest first; `open` leaves out those already marked. */
  async anomalousRuns(options: { open?: boolean; limit?: number } = {}): Promise<ReportedRun[]> {
    const rows = await this.driver.db
      .selectFrom('runs')
      .selectAll()
      .where('verdict', '=', 'anomalous')
      .$if(options.open === true, (q) => q.where('review', 'is', null))
      .orderBy('startedAt', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit ?? 1000)
      .execute();
    return rows.map(reported);
  }

  /** Every run in start order with its review: what a walk-forward backtest replays. */
  async allRuns(): Promise<ReportedRun[]> {
    return (await this.driver.db.selectFrom('runs').selectAll().orderBy('startedAt').orderBy('id').execute()).map(reported);
  }
}

/**
 * Runs come back from a restore as they were in the snapshot; the operators' reviews of them do
 * not change with it, so each run's review mark is set again from the latest expected/confirmed one.
 */
export async function reapplyReviewMarks(trx: Db): Promise<void> {
  await trx
    .updateTable('runs')
    .set((eb) => ({
      review: eb
        .selectFrom('runReviews')
        .select('action')
        .whereRef('runReviews.runId', '=', 'runs.id')
        .where('action', 'in', ['expected', 'confirmed'])
        .orderBy('runReviews.id', 'desc')
        .limit(1),
    }))
    .where('id', 'in', (eb) => eb.selectFrom('runReviews').select('runId').where('action', 'in', ['expected', 'confirmed']))
    .execute();
}

/** The staging trial ledger. */
export class Trials {
  constructor(private readonly driver: StoreDriver) {}

  async record(trial: NewTrialRecord): Promise<TrialRecord> {
    const { caughtBy, caught, ...rest } = trial;
    const row = await this.driver.db.insertInto('trials').values({ ...rest, caught: caught ? 1 : 0, caughtByJson: JSON.stringify(caughtBy) }).returningAll().executeTakeFirstOrThrow();
    return trialFromRow(row);
  }

  async list(options: { since?: string | null; until?: string } = {}): Promise<TrialRecord[]> {
    const rows = await this.driver.db
      .selectFrom('trials')
      .selectAll()
      .$if(options.since !== undefined && options.since !== null, (q) => q.where('at', '>=', options.since!))
      .$if(options.until !== undefined, (q) => q.where('at', '<=', options.until!))
      .orderBy('id')
      .execute();
    return rows.map(trialFromRow);
  }

  /** Stored hearings to replay or revise in a trial input, most recent first. */
  async sampleHearings(limit: number): Promise<NormalizedHearing[]> {
    const rows = await this.driver.db.selectFrom('hearings').select('contentJson').orderBy('lastRunId', 'desc').orderBy('eventId').limit(limit).execute();
    return rows.map((row) => JSON.parse(row.contentJson) as NormalizedHearing);
  }
}

/** The restores done to this database: an audit that outlives them. */
export class Restores {
  constructor(private readonly driver: StoreDriver) {}

  /** Newest first; `after` is the id of the last restore of the previous page. */
  async list(options: { limit?: number; after?: number } = {}): Promise<RestoreEvent[]> {
    return this.driver.db
      .selectFrom('restoreEvents')
      .selectAll()
      .$if(options.after !== undefined, (q) => q.where('id', '<', options.after!))
      .orderBy('id', 'desc')
      .limit(options.limit ?? 50)
      .execute();
  }
}
