import { GatehouseError } from '../../../shared/errors.js';
import type { NormalizedHearing } from '../../../shared/record.js';
import type { RunStatus } from '../../../shared/run.js';
import type { Db, StoreDriver } from '../driver.js';
import type { NewRunReview, NewTrialRecord, ReportedRun, RunReview, TrialRecord } from '../operations-types.js';
import { reportedRunFromRow, trialFromRow } from '../rows.js';
import type { RestoreEvent } from '../undo-types.js';

/** The reviews that set runs.review; `accepted` changes a held run's status instead. */
const REVIEW_MARKS = ['expected', 'confirmed', 'reopened'];

async function writeReview(trx: Db, review: NewRunReview, acceptedStatus?: RunStatus): Promise<RunReview | null> {
  if (review.action === 'accepted') {
    const accepted = await trx.updateTable('runs').set({ status: acceptedStatus ?? 'success' }).where('id', '=', review.runId).where('status', '=', 'held').executeTakeFirst();
    if (Number(accepted.numUpdatedRows) === 0) return null;
  } else {
    await trx.updateTable('runs').set({ review: review.action === 'reopened' ? null : review.action }).where('id', '=', review.runId).execute();
  }
  return (await trx.insertInto('runReviews').values(review).returningAll().executeTakeFirstOrThrow()) as RunReview;
}

/** Operator feedback on anomalous and held runs. */
export class RunReviews {
  constructor(private readonly driver: StoreDriver) {}

  /**
   * Records the review and, for expected/confirmed/reopened, sets runs.review in the same transaction.
   * For `accepted`, `acceptedStatus` replaces the run's `held` status; returns null (nothing
   * written) when the run is not held any more.
   */
  async add(review: NewRunReview, acceptedStatus?: RunStatus): Promise<RunReview | null> {
    return this.driver.transaction((trx) => writeReview(trx, review, acceptedStatus));
  }

  /** Many expected/confirmed marks, all or none: one transaction, one audit row per run. */
  async addMany(reviews: NewRunReview[]): Promise<RunReview[]> {
    return this.driver.transaction(async (trx) => {
      const written: RunReview[] = [];
      for (const review of reviews) written.push((await writeReview(trx, review))!);
      return written;
    });
  }

  /**
   * Undoes marks: each marked run gets back the review state it had before (the earlier mark, or
   * `reopened` when it had none), written as a new audit row — the log is never edited. All or
   * none; refused when a mark is not an expected/confirmed one or its run was reviewed again since.
   */
  async undoMarks(reviewIds: number[], undo: { reason: string; operator: string; at: string }): Promise<RunReview[]> {
    return this.driver.transaction(async (trx) => {
      const written: RunReview[] = [];
      for (const reviewId of reviewIds) {
        const marks = await trx.selectFrom('runReviews').selectAll().where('runId', '=', trx.selectFrom('runReviews').select('runId').where('id', '=', reviewId)).where('action', 'in', REVIEW_MARKS).orderBy('id').execute();
        const index = marks.findIndex((mark) => mark.id === reviewId);
        if (index < 0) throw new GatehouseError('NOT_FOUND', `review ${reviewId} is not an expected/confirmed mark`);
        if (index < marks.length - 1) throw new GatehouseError('CONFLICT', `run ${marks[index]!.runId} was reviewed again after review ${reviewId}; undo that review first`);
        const previous = marks[index - 1];
        const action = previous?.action ?? 'reopened';
        const reasonKind = action === 'expected' ? (previous?.reasonKind ?? null) : null;
        written.push((await writeReview(trx, { runId: marks[index]!.runId, action: action as RunReview['action'], reasonKind, ...undo }))!);
      }
      return written;
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
    return rows.map(reportedRunFromRow);
  }

  /** Every run in start order with its review: what a walk-forward backtest replays. */
  async allRuns(): Promise<ReportedRun[]> {
    return (await this.driver.db.selectFrom('runs').selectAll().orderBy('startedAt').orderBy('id').execute()).map(reportedRunFromRow);
  }
}

/**
 * Runs come back from a restore as they were in the snapshot; the operators' reviews of them do
 * not change with it, so each run's review mark is set again from the latest expected/confirmed/reopened one.
 */
export async function reapplyReviewMarks(trx: Db): Promise<void> {
  await trx
    .updateTable('runs')
    .set((eb) => ({
      review: eb
        .selectFrom('runReviews')
        .select('action')
        .whereRef('runReviews.runId', '=', 'runs.id')
        .where('action', 'in', REVIEW_MARKS)
        .orderBy('runReviews.id', 'desc')
        .limit(1),
    }))
    .where('id', 'in', (eb) => eb.selectFrom('runReviews').select('runId').where('action', 'in', REVIEW_MARKS))
    .execute();
  await trx.updateTable('runs').set({ review: null }).where('review', '=', 'reopened').execute();
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
