import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate, type UpdateOptions } from '../../main/engine/index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { availablePostgresBackend, connectToPostgres as connect } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * A refusal that names a record is not that record's fault until the record is refused alone: a
 * refusal met once (a passing one, or caused by another record of its part) must not quarantine a
 * good record, wherever its batch's bounds fall. A record refused every time is quarantined, with
 * the error it got alone.
 */
const ALWAYS_BAD = '100003';
/** Refused on its first try only: right behind the bad record, a batch of 7 further on, and in the batch of 50 after it. */
const REFUSED_ONCE = ['100004', '100010', '100055'];

/** The test seam, refusing ALWAYS_BAD on every try and each of REFUSED_ONCE on its first; counts every try. */
function refusals() {
  const triesOf = new Map<string, number>();
  const failWriteOf = (eventId: string) => {
    const tries = (triesOf.get(eventId) ?? 0) + 1;
    triesOf.set(eventId, tries);
    return eventId === ALWAYS_BAD || (REFUSED_ONCE.includes(eventId) && tries === 1);
  };
  return { triesOf, failWriteOf };
}

const layouts: Record<string, Partial<UpdateOptions>> = {
  'batches of 1': { batchSize: 1 },
  'batches of 7': { batchSize: 7 },
  'batches of 50': { batchSize: 50 },
  'adaptive batches': { batchSize: 5, batchCeiling: 80 },
};

describe.each(testBackends())('a record an error names, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  async function fates(store: Store, runId: number) {
    const entries = await store.listQuarantine({ runId });
    return entries.map((entry) => ({ eventId: entry.eventId, code: entry.reasons[0]!.code, message: entry.reasons[0]!.message }));
  }

  it.each(Object.entries(layouts))('is stored when refused once and quarantined when refused alone too, with %s', async (_, layout) => {
    const { triesOf, failWriteOf } = refusals();
    await withFreshStore(
      backend,
      async (store) => {
        const summary = await runUpdate({ store, source: arraySource(hearingRecords(60)), ...layout });
        expect(summary.metrics).toMatchObject({ fetched: 60, added: 59, quarantined: 1 });
        expect(await fates(store, summary.runId)).toEqual([{ eventId: ALWAYS_BAD, code: 'WRITE_FAILED', message: expect.stringContaining(`injected fault writing eventId ${ALWAYS_BAD}`) }]);
        expect([...(await store.loadHearings(REFUSED_ONCE)).keys()].sort()).toEqual(REFUSED_ONCE);
        expect(await store.countHearings()).toBe(59);
        // Its refusal alone is one try more than its part's: bounded, not one per clean record.
        expect(triesOf.get(ALWAYS_BAD)).toBeLessThanOrEqual(4);
        expect((await store.getRun(summary.runId))!.reconciliation?.ok).toBe(true);
      },
      { failWriteOf },
    );
  });
});

const postgres = await availablePostgresBackend();

describe.skipIf(postgres === null)('a record PostgreSQL names for a refusal another record of its statement caused', () => {
  afterAll(() => postgres?.cleanup());

  it('is stored with the other, and the record refused alone too is quarantined with the error it got alone', async () => {
    const url = await postgres!.freshLocation();
    const schema = new URL(url).searchParams.get('schema')!;
    const store = await postgres!.open(url);
    const admin = await connect();
    try {
      // 100003 is refused in any statement; 100010 only in one that also holds 100011. Each refusal names its key in the detail, as a constraint does.
      await admin.query(`CREATE FUNCTION "${schema}".refuse_rows() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE held int := (SELECT count(*) FROM new_rows);
        BEGIN
          IF EXISTS (SELECT 1 FROM new_rows WHERE event_id = '100003') THEN
            RAISE EXCEPTION 'refused in a statement of % rows', held USING ERRCODE = '23514', DETAIL = 'Key (event_id)=(100003) is refused.';
          END IF;
          IF EXISTS (SELECT 1 FROM new_rows WHERE event_id = '100010') AND EXISTS (SELECT 1 FROM new_rows WHERE event_id = '100011') THEN
            RAISE EXCEPTION 'a pair refused in a statement of % rows', held USING ERRCODE = '23514', DETAIL = 'Key (event_id)=(100010) conflicts with another row.';
          END IF;
          RETURN NULL;
        END $$`);
      await admin.query(`CREATE TRIGGER refuse_rows AFTER INSERT ON "${schema}".hearings REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".refuse_rows()`);
      const summary = await runUpdate({ store, source: arraySource(hearingRecords(60)), batchSize: 50 });
      expect(summary.metrics).toMatchObject({ fetched: 60, added: 59, quarantined: 1 });
      const entries = await store.listQuarantine({ runId: summary.runId });
      expect(entries.map((entry) => [entry.eventId, entry.reasons[0]!.code])).toEqual([['100003', 'WRITE_FAILED']]);
      expect(entries[0]!.reasons[0]!.message).toContain('refused in a statement of 1 rows');
      expect([...(await store.loadHearings(['100010', '100011'])).keys()].sort()).toEqual(['100010', '100011']);
      expect((await store.getRun(summary.runId))!.reconciliation?.ok).toBe(true);
    } finally {
      await admin.end();
      await store.close();
    }
  });
});
