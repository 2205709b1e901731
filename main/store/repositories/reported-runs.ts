import type { SelectQueryBuilder } from 'kysely';
import type { StoreDriver } from '../driver.js';
import type { Database } from '../schema.js';
import type { FoldedRun, ReportedRun } from '../types.js';
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

  /**
   * Runs newest start first, a keyset page of `limit` after the run `before` (by start, then id: the
   * order the validator walks in reverse), for readers that need only the tail of a long history.
   */
  async newestFirst(options: { before?: { startedAt: string; runId: number }; limit: number }): Promise<ReportedRun[]> {
    const { before } = options;
    const rows = await this.driver.db
      .selectFrom('runs')
      .selectAll()
      .$if(before !== undefined, (q) => q.where((eb) => eb.or([eb('startedAt', '<', before!.startedAt), eb.and([eb('startedAt', '=', before!.startedAt), eb('id', '<', before!.runId)])])))
      .orderBy('startedAt', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit)
      .execute();
    return rows.map(reportedRunFromRow);
  }

  /** When the latest-started run started (by its start, not its id: an imported or resumed run can be older); null with no runs. */
  async newestStart(): Promise<string | null> {
    const row = await this.driver.db.selectFrom('runs').select('startedAt').orderBy('startedAt', 'desc').limit(1).executeTakeFirst();
    return row?.startedAt ?? null;
  }

  /**
   * Every anomalous run, oldest first, with only what folding needs: a change is folded back to the
   * run that raised it, however many anomalies the years have piled up. One read in start order
   * (the runs_by_start index): keyset pages by id made each page sort every anomalous run again.
   */
  async anomalousForFolding(): Promise<FoldedRun[]> {
    const rows = await this.driver.db
      .selectFrom('runs')
      .select(['id', 'task', 'status', 'startedAt', 'review', 'validationJson'])
      .where('verdict', '=', 'anomalous')
      .orderBy('startedAt')
      .orderBy('id')
      .execute();
    return rows.map(({ id, validationJson, ...run }) => ({ ...run, runId: id, status: run.status as FoldedRun['status'], validation: validationJson === null ? null : (JSON.parse(validationJson) as FoldedRun['validation']) }));
  }
}

/** Runs started in [since, until); a bound not given does not limit. */
export function startedWithin<O>(query: SelectQueryBuilder<Database, 'runs', O>, { since, until }: { since?: string; until?: string }): SelectQueryBuilder<Database, 'runs', O> {
  return query.$if(since !== undefined, (q) => q.where('startedAt', '>=', since!)).$if(until !== undefined, (q) => q.where('startedAt', '<', until!));
}
