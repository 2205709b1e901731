import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { runUpdate } from '../../main/engine/index.js';
import { connectionConfig, parsePostgresTarget } from '../../main/store/postgres/target.js';
import { withFreshStore } from '../helpers/backends.js';
import { availablePostgresBackend } from '../helpers/postgres.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

const postgres = await availablePostgresBackend();

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
});
