import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { firstNamedChange } from '../../main/engine/batch-commit.js';
import { runUpdate } from '../../main/engine/index.js';
import type { PlannedChange } from '../../main/store/index.js';
import { connectionConfig, parsePostgresTarget } from '../../main/store/postgres/target.js';
import { withFreshStore } from '../helpers/backends.js';
import { availablePostgresBackend } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const postgres = await availablePostgresBackend();

/** Runs `statements` in the store's schema, over a connection of their own. */
async function execute(location: string, ...statements: string[]): Promise<pg.QueryResult[]> {
  const client = new pg.Client(connectionConfig(parsePostgresTarget(location)));
  await client.connect();
  try {
    const results: pg.QueryResult[] = [];
    for (const statement of statements) results.push(await client.query(statement));
    return results;
  } finally {
    await client.end();
  }
}

/** Refusals the database makes itself: a CHECK on the hearing's own row and one on a related row, in different statements of a part. */
async function refuseMarkedRecords(location: string): Promise<void> {
  const client = new pg.Client(connectionConfig(parsePostgresTarget(location)));
  await client.connect();
  try {
    await client.query(`ALTER TABLE hearings ADD CONSTRAINT title_not_refused CHECK (title NOT LIKE '%refused%')`);
    await client.query(`ALTER TABLE videos ADD CONSTRAINT url_not_refused CHECK (url NOT LIKE '%refused%')`);
  } finally {
    await client.end();
  }
}

/**
 * Refusals by the database itself, not the test seam: the PostgreSQL writer writes a part of 100
 * changes per group of statements, so one batch of 300 here is three parts, with several refusals
 * in one part, refusals either side of each boundary and at both ends.
 */
describe.skipIf(postgres === null)('isolation on PostgreSQL with the database refusing records', () => {
  afterAll(() => postgres?.cleanup());

  const byTitle = [0, 3, 4, 50, 99, 100, 299];
  const byVideo = [5, 98, 199, 200];

  it('quarantines exactly the refused records, each with its own reason, and writes every other one of the batch once', async () => {
    await withFreshStore(postgres!, async (store) => {
      await refuseMarkedRecords(store.location);
      const records = hearingRecords(300, 100000, (i) => {
        if (byTitle.includes(i)) return { title: `Hearing ${i}, refused by its title` };
        if (byVideo.includes(i)) return { videos: [{ name: 'Hearing video', url: `https://example.test/refused/${i}` }] };
        return {};
      });
      const summary = await runUpdate({ store, source: arraySource(records), batchSize: 300 });
      expect(summary.metrics).toMatchObject({ fetched: 300, added: 289, quarantined: 11 });
      const run = (await store.getRun(summary.runId))!;
      expect(run.batchList.map((b) => [b.status, b.planned, b.written, b.quarantined])).toEqual([['isolated', 300, 289, 11]]);
      const entries = await store.listQuarantine({ runId: summary.runId });
      const reasons = new Map(entries.map((entry) => [entry.sourcePosition, entry.reasons[0]!]));
      expect([...reasons.keys()].sort((a, b) => a! - b!)).toEqual([...byTitle, ...byVideo].sort((a, b) => a - b));
      for (const position of byTitle) expect(reasons.get(position)!.message).toContain('title_not_refused');
      for (const position of byVideo) expect(reasons.get(position)!.message).toContain('url_not_refused');
      expect(await store.countHearings()).toBe(289);
      expect(run.reconciliation?.ok).toBe(true);
    });
  });

  it('writes the clean first part and isolates refusals that fall in the later parts only', async () => {
    await withFreshStore(postgres!, async (store) => {
      await refuseMarkedRecords(store.location);
      const refused = [150, 151, 250];
      const records = hearingRecords(300, 100000, (i) => (refused.includes(i) ? { title: `Hearing ${i}, refused by its title` } : {}));
      const summary = await runUpdate({ store, source: arraySource(records), batchSize: 300 });
      expect(summary.metrics).toMatchObject({ fetched: 300, added: 297, quarantined: 3 });
      const entries = await store.listQuarantine({ runId: summary.runId });
      expect(entries.map((entry) => [entry.sourcePosition, entry.reasons[0]!.code])).toEqual(refused.map((position) => [position, 'WRITE_FAILED']));
      expect(await store.countHearings()).toBe(297);
      expect((await store.getRun(summary.runId))!.reconciliation?.ok).toBe(true);
    });
  });

  it('quarantines a batch the database refuses whole, each record with its own reason, and writes the next batch whole, though every try ended with a ROLLBACK TO sent unanswered', async () => {
    await withFreshStore(postgres!, async (store) => {
      await refuseMarkedRecords(store.location);
      // The first batch's tries all fail, the last of them right before its quarantine entries, batch row and checkpoint.
      const records = hearingRecords(60, 100000, (i) => (i < 30 ? { title: `Hearing ${i}, refused by its title` } : {}));
      const summary = await runUpdate({ store, source: arraySource(records), batchSize: 30 });
      expect(summary.metrics).toMatchObject({ fetched: 60, added: 30, quarantined: 30 });
      const run = (await store.getRun(summary.runId))!;
      expect(run.batchList.map((b) => [b.status, b.planned, b.written, b.quarantined])).toEqual([
        ['failed', 30, 0, 30],
        ['committed', 30, 30, 0],
      ]);
      const entries = await store.listQuarantine({ runId: summary.runId });
      expect(entries.map((entry) => entry.sourcePosition)).toEqual([...Array(30).keys()]);
      for (const entry of entries) expect(entry.reasons[0]!.message).toContain('title_not_refused');
      expect(await store.countHearings()).toBe(30);
      expect(run.reconciliation?.ok).toBe(true);
    });
  });

  it("names the refused row in the error's detail, and isolation picks that change out of its part", async () => {
    await withFreshStore(postgres!, async (store) => {
      const part = ['100001', '100002', '118', '100003'].map((eventId) => ({ hearing: { eventId } }) as PlannedChange);
      const refusal = await execute(
        store.location,
        `CREATE TABLE refusals (event_id text, congress int, title text CHECK (title NOT LIKE '%refused%'))`,
        `INSERT INTO refusals VALUES ('100003', 118, 'refused')`,
      ).then(
        () => null,
        (error: unknown) => error,
      );
      expect((refusal as { detail?: string }).detail).toContain('100003');
      // 118 is in the detail too, as the congress, but after the event id; 10000 is no whole word of it.
      expect(firstNamedChange(refusal, part)?.hearing.eventId).toBe('100003');
      expect(firstNamedChange(refusal, part.slice(0, 2))).toBeUndefined();
      expect(firstNamedChange(refusal, [part[3]!])).toBeUndefined();
      // A message may name anything (a trigger's text, SQLite's, which names no row): only a detail is read.
      expect(firstNamedChange(new Error('refused 100003'), part)).toBeUndefined();
      expect(firstNamedChange(Object.assign(new Error('refused'), { detail: 42 }), part)).toBeUndefined();
    });
  });

  it('quarantines the change an error names once it is refused alone, then writes the rest of its part without it', async () => {
    const bad = ['100003', '100040', '100041'];
    const triesOf = new Map<string, number>();
    const failWriteOf = (eventId: string) => {
      triesOf.set(eventId, (triesOf.get(eventId) ?? 0) + 1);
      return bad.includes(eventId);
    };
    await withFreshStore(
      postgres!,
      async (store) => {
        const summary = await runUpdate({ store, source: arraySource(hearingRecords(50)), batchSize: 50 });
        expect(summary.metrics).toMatchObject({ fetched: 50, added: 47, quarantined: 3 });
        const entries = await store.listQuarantine({ runId: summary.runId });
        expect(entries.map((entry) => entry.eventId)).toEqual(bad);
        for (const [i, entry] of entries.entries()) expect(entry.reasons[0]!.message).toContain(`injected fault writing eventId ${bad[i]}`);
        // 100003: the batch's try (the seam stops at the first refused change of a part), its chunk's, then its own alone.
        expect(triesOf.get('100003')).toBe(3);
        // 100040 and 100041 share the second chunk: 100040 is refused alone, the rest without it is
        // refused naming 100041, which is refused alone too; the rest without both then writes.
        expect(triesOf.get('100040')).toBe(2);
        expect(triesOf.get('100041')).toBe(2);
        expect(await store.countHearings()).toBe(47);
        expect((await store.getRun(summary.runId))!.reconciliation?.ok).toBe(true);
      },
      { failWriteOf },
    );
  });

  it('finds the refused records by halving when the error names another change of the batch, which stays written once', async () => {
    await withFreshStore(postgres!, async (store) => {
      await execute(
        store.location,
        `CREATE FUNCTION refuse_naming_neighbour() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.title LIKE '%refused%' THEN
             RAISE EXCEPTION 'refused; see its neighbour' USING DETAIL = format('Failing row contains (%s).', NEW.event_id::bigint - 1);
           END IF;
           RETURN NEW;
         END $$`,
        `CREATE TRIGGER refuse_naming_neighbour BEFORE INSERT OR UPDATE ON hearings FOR EACH ROW EXECUTE FUNCTION refuse_naming_neighbour()`,
      );
      const refused = [5, 40, 41, 90];
      const records = hearingRecords(100, 100000, (i) => (refused.includes(i) ? { title: `Hearing ${i}, refused` } : {}));
      const summary = await runUpdate({ store, source: arraySource(records), batchSize: 100 });
      expect(summary.metrics).toMatchObject({ fetched: 100, added: 96, quarantined: 4 });
      const entries = await store.listQuarantine({ runId: summary.runId });
      expect(entries.map((entry) => entry.sourcePosition).sort((a, b) => a! - b!)).toEqual(refused);
      for (const entry of entries) expect(entry.reasons[0]!.message).toContain('refused; see its neighbour');
      const [journal] = await execute(store.location, `SELECT entity_key, count(*)::int AS n FROM undo_journal WHERE entity = 'hearing' GROUP BY entity_key`);
      expect(journal!.rows).toHaveLength(96);
      expect(journal!.rows.every((row: { n: number }) => row.n === 1)).toBe(true);
      expect(await store.countHearings()).toBe(96);
      expect((await store.getRun(summary.runId))!.reconciliation?.ok).toBe(true);
    });
  });
});
