import type { NormalizedHearing } from '../../../shared/record.js';
import type { StoreDriver } from '../driver.js';
import type { TrialRecordView } from '../../../shared/api-validation.js';
import { atOrAfter, newestFirstPage, type KeysetPage } from '../keyset.js';
import { trialFromRow } from '../rows.js';

/** One trial: `session` groups one `gatehouse trial` invocation; `caughtBy` names what caught it (`record-rules:CODE`, `validator:RULE`): for an injection only alarms attributable to its kind. */
export type TrialRecord = TrialRecordView;
export type TrialLevel = TrialRecord['level'];

export type NewTrialRecord = Omit<TrialRecord, 'id'>;

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
      .$call((q) => atOrAfter(q, options.since ?? undefined))
      .$if(options.until !== undefined, (q) => q.where('at', '<=', options.until!))
      .orderBy('id')
      .execute();
    return rows.map(trialFromRow);
  }

  /** One page of the ledger, newest first (the console's list; the summaries read it all with list). */
  async latest(page: KeysetPage): Promise<TrialRecord[]> {
    const rows = await newestFirstPage(this.driver.db.selectFrom('trials').selectAll(), page, 200).execute();
    return rows.map(trialFromRow);
  }

  /** Stored hearings to replay or revise in a trial input, most recent first. */
  async sampleHearings(limit: number): Promise<NormalizedHearing[]> {
    const rows = await this.driver.db.selectFrom('hearings').select('contentJson').orderBy('lastRunId', 'desc').orderBy('eventId').limit(limit).execute();
    return rows.map((row) => JSON.parse(row.contentJson) as NormalizedHearing);
  }
}
