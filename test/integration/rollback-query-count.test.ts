import { afterAll, describe, expect, it } from 'vitest';
import { rollback } from '../../main/backup/index.js';
import { runUpdate } from '../../main/engine/index.js';
import { WITNESSES_WORTH_AN_INDEX } from '../../main/store/witness-index.js';
import type { Store } from '../../main/store/index.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { countedQueries } from '../helpers/counted-queries.js';
import { arraySource, hearingRecords } from '../helpers/records.js';

/**
 * A rollback preview undid the committees and witnesses its run created one at a time, four round
 * trips each: 3,500 hearings with their own witness took 6.6 s on PostgreSQL. The statements a
 * preview (and the rollback) sends no longer grow with the hearings; counted, not timed.
 */
const letters = 'abcdefghijklmnopqrstuvwxyz';
/** A full committee's code of the feed's form (hsif00; not a subcommittee, so none is another's parent), distinct for each i below 676. */
const committeeCode = (i: number) => `hs${letters[Math.floor(i / 26) % 26]}${letters[i % 26]}00`;
/** Each hearing brings its own witness and committee, as the feed's hearings mostly do. */
const ownRows = (i: number) => ({ witnesses: [{ name: `Witness ${i}`, organization: 'Institute', position: 'Fellow' }], committees: [{ systemCode: committeeCode(i), name: `Subcommittee ${i}` }] });

/** The SQL of each statement, so a failure shows which one repeats. */
async function statementsOf(store: Store, request: Parameters<typeof rollback>[1]): Promise<string[]> {
  const { statements } = await countedQueries(store, () => rollback(store, request));
  return statements.map((statement) => statement.sql);
}

/** Statements sent by the previews of a batch and of the run, and by the rollback, of a run of `hearings` over 5 batches. */
async function countsFor(backend: Parameters<typeof withFreshStore>[0], hearings: number) {
  return withFreshStore(backend, async (store) => {
    const run = await runUpdate({ store, source: arraySource(hearingRecords(hearings, 500000, ownRows)), batchSize: hearings / 5 });
    expect(run.metrics.added).toBe(hearings);
    const counts = {
      batchPreview: await statementsOf(store, { runId: run.runId, batchSeq: 2, dryRun: true }),
      runPreview: await statementsOf(store, { runId: run.runId, dryRun: true }),
      rollback: await statementsOf(store, { runId: run.runId, reason: 'a bad feed', operator: 'ada' }),
    };
    expect(await store.countHearings()).toBe(0);
    // Bad input: a batch the run does not have is refused, in as few statements.
    await expect(rollback(store, { runId: run.runId, batchSeq: 99, dryRun: true })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    return counts;
  });
}

describe.each(testBackends())('the statements a rollback preview sends, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  // Both sizes past the witnesses from which a rollback indexes appearances for its transaction
  // (two statements more, once), in the batch previewed too; below 676, where committee codes repeat.
  const hearings = 5 * WITNESSES_WORTH_AN_INDEX;

  it(`are as many for ${2 * hearings} hearings (and their created rows) as for ${hearings}`, async () => {
    const few = await countsFor(backend, hearings);
    const many = await countsFor(backend, 2 * hearings);
    expect(many).toEqual(few);
    // The same statements, a bounded number of them, not some per hearing.
    expect(few.runPreview.length).toBeLessThan(60);
  });
});
