import type { RunReviewView } from '../../shared/api-validation.js';
import { GatehouseError } from '../../shared/errors.js';
import type { RunStatus } from '../../shared/run.js';
import { atOrAfter, newestFirstPage, REVIEW_MARKS, type Db, type KeysetPage, type QueryLayer, type Store } from '../store/index.js';

export type RunReview = RunReviewView;

type NewRunReview = Omit<RunReview, 'id'>;

/**
 * What a mark was based on: the newest expected/confirmed/reopened review of the anomaly's runs
 * the operator saw (null: none yet). A review written since refuses the mark with CONFLICT
 * instead of silently overriding it; `runId` is the run the operator marked, for the refusal.
 */
export interface ReviewExpectation {
  runId: number;
  latestReviewId: number | null;
  /** The runs of its fold, whose marks are its marks (absent: every run the mark writes). */
  foldRunIds?: readonly number[];
}

async function writeReview(trx: Db, review: NewRunReview, acceptedStatus?: RunStatus): Promise<RunReview | null> {
  if (review.action === 'accepted') {
    const accepted = await trx.updateTable('runs').set({ status: acceptedStatus ?? 'success' }).where('id', '=', review.runId).where('status', '=', 'held').executeTakeFirst();
    if (Number(accepted.numUpdatedRows) === 0) return null;
  } else {
    await trx.updateTable('runs').set({ review: review.action === 'reopened' ? null : review.action }).where('id', '=', review.runId).execute();
  }
  return (await trx.insertInto('runReviews').values(review).returningAll().executeTakeFirstOrThrow()) as RunReview;
}

/** "was marked confirmed by bob at … ("why")", or "has no review now". */
function reviewNow(latest: { action: string; reasonKind: string | null; operator: string; at: string; reason: string } | undefined): string {
  return latest ? `was marked ${latest.action}${latest.reasonKind ? ` (${latest.reasonKind})` : ''} by ${latest.operator} at ${latest.at} ("${latest.reason}")` : 'has no review now';
}

/** A store's operator feedback on anomalous and held runs. */
/** Bound parameters per IN list: well under SQLite's and PostgreSQL's limits. */
const RUN_IDS_PER_QUERY = 1_000;

export function runReviews(store: Pick<Store, 'queries'>): RunReviews {
  return new RunReviews(store.queries);
}

class RunReviews {
  constructor(private readonly driver: QueryLayer) {}

  /**
   * Records the review and, for expected/confirmed/reopened, sets runs.review in the same transaction.
   * For `accepted`, `acceptedStatus` replaces the run's `held` status; returns null (nothing
   * written) when the run is not held any more.
   */
  async add(review: NewRunReview, acceptedStatus?: RunStatus): Promise<RunReview | null> {
    return this.driver.transaction((trx) => writeReview(trx, review, acceptedStatus));
  }

  /**
   * Many expected/confirmed marks, all or none: one transaction, one audit row per run. With
   * expectations, each anomaly's newest mark is checked in the same transaction, under their row locks on
   * PostgreSQL (SQLite's transaction holds the write lock), so a mark written meanwhile is seen.
   */
  async addMany(reviews: NewRunReview[], expected: readonly ReviewExpectation[] = []): Promise<RunReview[]> {
    return this.driver.transaction(async (trx) => {
      await this.refuseStaleMarks(trx, reviews.map((review) => review.runId), expected);
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

  private async refuseStaleMarks(trx: Db, written: number[], expected: readonly ReviewExpectation[]): Promise<void> {
    if (written.length === 0 || expected.length === 0) return;
    const runIds = [...new Set(expected.flatMap((e) => e.foldRunIds ?? written))];
    // A plain mark updates these rows before it writes its review: the lock waits for it to commit.
    if (this.driver.backend === 'postgres') await trx.selectFrom('runs').select('id').where('id', 'in', runIds).orderBy('id').forUpdate().execute();
    const marks = await trx.selectFrom('runReviews').selectAll().where('runId', 'in', runIds).where('action', 'in', REVIEW_MARKS).orderBy('id', 'desc').execute();
    const stale = expected.flatMap((e) => {
      const fold = new Set(e.foldRunIds ?? written);
      const latest = marks.find((mark) => fold.has(mark.runId));
      return (latest?.id ?? null) === e.latestReviewId ? [] : [{ runId: e.runId, now: reviewNow(latest) }];
    });
    if (stale.length === 0) return;
    if (stale.length === 1) {
      throw new GatehouseError('CONFLICT', `run ${stale[0]!.runId} ${stale[0]!.now} after this mark was begun: someone reviewed it meanwhile; nothing was changed`, {
        hint: {
          cli: 'look at its review now (`gatehouse anomalies list`), then mark it again if it still needs it',
          console: 'the list now shows that review; mark the run again if it still needs it',
        },
      });
    }
    throw new GatehouseError('CONFLICT', `runs ${stale.map((s) => s.runId).join(', ')} were reviewed after this mark was begun (${stale.map((s) => `run ${s.runId} ${s.now}`).join('; ')}): someone reviewed them meanwhile; nothing was changed`, {
      hint: {
        cli: 'look at their reviews now (`gatehouse anomalies list`), then mark again the runs that still need it',
        console: 'the list now shows those reviews; mark again the runs that still need it',
      },
    });
  }

  /** Reviews oldest first: of one run, of the runs given (a chunk of ids per query), or all of them. */
  async list(options: { runId?: number; runIds?: readonly number[] } = {}): Promise<RunReview[]> {
    if (options.runIds !== undefined) {
      const reviews: RunReview[] = [];
      for (let start = 0; start < options.runIds.length; start += RUN_IDS_PER_QUERY) {
        const ids = options.runIds.slice(start, start + RUN_IDS_PER_QUERY);
        reviews.push(...((await this.driver.db.selectFrom('runReviews').selectAll().where('runId', 'in', ids).execute()) as RunReview[]));
      }
      return reviews.sort((a, b) => a.id - b.id);
    }
    const rows = await this.driver.db.selectFrom('runReviews').selectAll().$if(options.runId !== undefined, (q) => q.where('runId', '=', options.runId!)).orderBy('id').execute();
    return rows as RunReview[];
  }

  /** One page of the reviews, newest first (the History markers), without reading them all; `since` keeps those at or after that instant. */
  async latest(page: KeysetPage & { since?: string }): Promise<RunReview[]> {
    const reviews = atOrAfter(this.driver.db.selectFrom('runReviews').selectAll(), page.since);
    return (await newestFirstPage(reviews, page, 100).execute()) as RunReview[];
  }
}
