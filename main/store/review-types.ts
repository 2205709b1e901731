import type { RunReviewView, TrialRecordView } from '../../shared/api-validation.js';
import type { NormalizedHearing } from '../../shared/record.js';
import type { RunStatus } from '../../shared/run.js';
import type { ReportedRun } from './operations-types.js';

/** Operator feedback on anomalous runs and the staging trial ledger (issue 5). */

/** expected / confirmed mark an anomaly; accepted lets a held run stand. */
export type ReviewAction = 'expected' | 'confirmed' | 'accepted';

export type RunReview = RunReviewView;

export type NewRunReview = Omit<RunReview, 'id'>;

export interface RunReviewRepository {
  /**
   * Records the review and, for expected/confirmed, sets runs.review in the same transaction.
   * For `accepted`, `acceptedStatus` replaces the run's `held` status; returns null (nothing
   * written) when the run is not held any more.
   */
  add(review: NewRunReview, acceptedStatus?: RunStatus): Promise<RunReview | null>;
  list(options?: { runId?: number }): Promise<RunReview[]>;
  /** Runs the validator called anomalous, newest first; `open` leaves out those already marked. */
  anomalousRuns(options?: { open?: boolean; limit?: number }): Promise<ReportedRun[]>;
  /** Every run in start order with its review: what a walk-forward backtest replays. */
  allRuns(): Promise<ReportedRun[]>;
}

export type TrialLevel = 'run' | 'record' | 'control';

/** One trial: `session` groups one `gatehouse trial` invocation; `caughtBy` names what caught it (`batch-rules`, `validator:RULE`). */
export type TrialRecord = TrialRecordView;

export type NewTrialRecord = Omit<TrialRecord, 'id'>;

export interface TrialRepository {
  record(trial: NewTrialRecord): Promise<TrialRecord>;
  list(options?: { since?: string | null; until?: string }): Promise<TrialRecord[]>;
  /** Stored hearings to replay (unchanged) or revise (updated) in a trial input, most recent first. */
  sampleHearings(limit: number): Promise<NormalizedHearing[]>;
}
