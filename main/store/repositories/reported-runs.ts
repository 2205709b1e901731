import type { SelectQueryBuilder } from 'kysely';
import type { StoreDriver } from '../driver.js';
import type { Database } from '../schema.js';
import type { ReportedRun } from '../types.js';
import { reportedRunFromRow } from '../rows.js';

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
}

/** Runs started in [since, until); a bound not given does not limit. */
export function startedWithin<O>(query: SelectQueryBuilder<Database, 'runs', O>, { since, until }: { since?: string; until?: string }): SelectQueryBuilder<Database, 'runs', O> {
  return query.$if(since !== undefined, (q) => q.where('startedAt', '>=', since!)).$if(until !== undefined, (q) => q.where('startedAt', '<', until!));
}
