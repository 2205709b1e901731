import type { NormalizedHearing } from '../../../shared/record.js';
import type { RunStatus } from '../../../shared/run.js';
import { runFromRow } from '../rows.js';
import type { ReportedRun } from '../operations-types.js';
import type { NewRunReview, NewTrialRecord, RunReview, RunReviewRepository, TrialRecord, TrialRepository } from '../review-types.js';
import { reviewFromRow, trialFromRow } from '../review-rows.js';
import { PostgresRepository } from './operations.js';

type Row = Record<string, unknown>;

function reported(row: Row): ReportedRun {
  return { ...runFromRow(row), review: (row.review as string | null) ?? null };
}

export class PostgresRunReviews extends PostgresRepository implements RunReviewRepository {
  async add(review: NewRunReview, acceptedStatus?: RunStatus): Promise<RunReview | null> {
    return this.inTransaction(async (q) => {
      if (review.action === 'accepted') {
        const changed = await q("UPDATE runs SET status = $1 WHERE id = $2 AND status = 'held' RETURNING id", [acceptedStatus ?? 'success', review.runId]);
        if (changed.length === 0) return null;
      } else {
        await q('UPDATE runs SET review = $1 WHERE id = $2', [review.action, review.runId]);
      }
      const [row] = await q(
        'INSERT INTO run_reviews (run_id, action, reason_kind, reason, operator, at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *',
        [review.runId, review.action, review.reasonKind, review.reason, review.operator, review.at],
      );
      return reviewFromRow(row!);
    });
  }

  async list(options: { runId?: number } = {}): Promise<RunReview[]> {
    const rows = await this.query('SELECT * FROM run_reviews WHERE ($1::bigint IS NULL OR run_id = $1) ORDER BY id', [options.runId ?? null]);
    return rows.map(reviewFromRow);
  }

  async anomalousRuns(options: { open?: boolean; limit?: number } = {}): Promise<ReportedRun[]> {
    const rows = await this.query(
      "SELECT * FROM runs WHERE verdict = 'anomalous' AND (NOT $1::boolean OR review IS NULL) ORDER BY started_at DESC, id DESC LIMIT $2",
      [options.open ?? false, options.limit ?? 1000],
    );
    return rows.map(reported);
  }

  async allRuns(): Promise<ReportedRun[]> {
    return (await this.query('SELECT * FROM runs ORDER BY started_at, id')).map(reported);
  }
}

export class PostgresTrials extends PostgresRepository implements TrialRepository {
  async record(trial: NewTrialRecord): Promise<TrialRecord> {
    const [row] = await this.query(
      `INSERT INTO trials (session, at, source, label, kind, level, magnitude, run_id, caught, caught_by_json, verdict, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING *`,
      [trial.session, trial.at, trial.source, trial.label, trial.kind, trial.level, trial.magnitude, trial.runId, trial.caught,
        JSON.stringify(trial.caughtBy), trial.verdict, trial.detail],
    );
    return trialFromRow(row!);
  }

  async list(options: { since?: string | null; until?: string } = {}): Promise<TrialRecord[]> {
    const rows = await this.query(
      'SELECT * FROM trials WHERE ($1::timestamptz IS NULL OR at >= $1) AND ($2::timestamptz IS NULL OR at <= $2) ORDER BY id',
      [options.since ?? null, options.until ?? null],
    );
    return rows.map(trialFromRow);
  }

  async sampleHearings(limit: number): Promise<NormalizedHearing[]> {
    const rows = await this.query('SELECT content_json FROM hearings ORDER BY last_run_id DESC, event_id LIMIT $1', [limit]);
    return rows.map((row) => (typeof row.content_json === 'string' ? JSON.parse(row.content_json) : row.content_json) as NormalizedHearing);
  }
}
