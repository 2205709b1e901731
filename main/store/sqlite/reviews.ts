import type Database from 'better-sqlite3';
import type { NormalizedHearing } from '../../../shared/record.js';
import type { RunStatus } from '../../../shared/run.js';
import { runFromRow } from '../rows.js';
import type { ReportedRun } from '../operations-types.js';
import type { NewRunReview, NewTrialRecord, RunReview, RunReviewRepository, TrialRecord, TrialRepository } from '../review-types.js';
import { reviewFromRow, trialFromRow } from '../review-rows.js';

type Row = Record<string, unknown>;

export class SqliteRunReviews implements RunReviewRepository {
  constructor(private readonly db: Database.Database) {}

  async add(review: NewRunReview, acceptedStatus?: RunStatus): Promise<RunReview | null> {
    return this.db.transaction((): RunReview | null => {
      if (review.action === 'accepted') {
        const changed = this.db.prepare("UPDATE runs SET status = ? WHERE id = ? AND status = 'held'").run(acceptedStatus ?? 'success', review.runId).changes;
        if (changed === 0) return null;
      } else {
        this.db.prepare('UPDATE runs SET review = ? WHERE id = ?').run(review.action, review.runId);
      }
      const id = this.db
        .prepare('INSERT INTO run_reviews (run_id, action, reason_kind, reason, operator, at) VALUES (?, ?, ?, ?, ?, ?)')
        .run(review.runId, review.action, review.reasonKind, review.reason, review.operator, review.at).lastInsertRowid;
      return { ...review, id: Number(id) };
    }).immediate();
  }

  async list(options: { runId?: number } = {}): Promise<RunReview[]> {
    const rows = this.db.prepare('SELECT * FROM run_reviews WHERE (@runId IS NULL OR run_id = @runId) ORDER BY id').all({ runId: options.runId ?? null }) as Row[];
    return rows.map(reviewFromRow);
  }

  async anomalousRuns(options: { open?: boolean; limit?: number } = {}): Promise<ReportedRun[]> {
    const rows = this.db
      .prepare(`SELECT * FROM runs WHERE verdict = 'anomalous' AND (@open = 0 OR review IS NULL) ORDER BY started_at DESC, id DESC LIMIT @limit`)
      .all({ open: options.open ? 1 : 0, limit: options.limit ?? 1000 }) as Row[];
    return rows.map(reported);
  }

  async allRuns(): Promise<ReportedRun[]> {
    return (this.db.prepare('SELECT * FROM runs ORDER BY started_at, id').all() as Row[]).map(reported);
  }
}

function reported(row: Row): ReportedRun {
  return { ...runFromRow(row), review: (row.review as string | null) ?? null };
}

export class SqliteTrials implements TrialRepository {
  constructor(private readonly db: Database.Database) {}

  async record(trial: NewTrialRecord): Promise<TrialRecord> {
    const id = this.db
      .prepare(`INSERT INTO trials (session, at, source, label, kind, level, magnitude, run_id, caught, caught_by_json, verdict, detail)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
      .run(trial.session, trial.at, trial.source, trial.label, trial.kind, trial.level, trial.magnitude, trial.runId, trial.caught ? 1 : 0,
        JSON.stringify(trial.caughtBy), trial.verdict, trial.detail).lastInsertRowid;
    return { ...trial, id: Number(id) };
  }

  async list(options: { since?: string | null; until?: string } = {}): Promise<TrialRecord[]> {
    const rows = this.db
      .prepare('SELECT * FROM trials WHERE (@since IS NULL OR at >= @since) AND (@until IS NULL OR at <= @until) ORDER BY id')
      .all({ since: options.since ?? null, until: options.until ?? null }) as Row[];
    return rows.map(trialFromRow);
  }

  async sampleHearings(limit: number): Promise<NormalizedHearing[]> {
    const rows = this.db.prepare('SELECT content_json FROM hearings ORDER BY last_run_id DESC, event_id LIMIT ?').pluck().all(limit) as string[];
    return rows.map((text) => JSON.parse(text) as NormalizedHearing);
  }
}
