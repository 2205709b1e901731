import { afterAll, describe, expect, it } from 'vitest';
import { createApi, createInProcessEngineHost, dispatch } from '../../main/api/index.js';
import type { Store } from '../../main/store/index.js';
import { tester } from '../helpers/callers.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { isDetailRequest, startFakeCongress, updateFromFakeCongress } from '../helpers/congress-server.js';
import { hearingRecord } from '../helpers/records.js';

/**
 * A meeting updated while the listing is paged leaves it (its updateDate is now past the window's
 * end), and every meeting behind it moves one place forward. The next page, asked for at the old
 * offset, then began one meeting late: the meeting that moved across the page boundary was never
 * listed, and the run ended `success` with its window recorded as covered, so no catch-up listed it
 * again. Now a count that fell makes the source ask again from as far back as the meetings moved.
 */

const NOW = new Date('2025-03-10T12:00:00Z');
const RECENT = '2025-03-08T09:30:00Z';
const IDS = [310001, 310002, 310003, 310004, 310005, 310006];

describe.each(testBackends())('a Congress.gov listing that shrinks while it is paged, on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('asks again from where the meetings moved to and stores every meeting still listed, instead of passing over the one that moved across the page boundary', async () => {
    const house = IDS.map((id) => hearingRecord(id, { updateDate: RECENT }));
    const fake = await startFakeCongress({ house }, { pageSize: 2, honourDates: true });
    try {
      await withFreshStore(backend, async (store) => {
        fake.override = (request) => {
          // The first meeting is updated after the window's end, just before the second page is asked for.
          if (!isDetailRequest(request) && request.query.offset === '2') house[0]!.updateDate = '2025-03-10T12:05:00Z';
          return undefined;
        };
        const run = await updateFromFakeCongress(store, fake, NOW);
        expect(run.status).toBe('success');
        // The page read again is no record lost, but the operator reads of it in the summary, not only in the log —
        // once: the meetings it lists again are its overlap, not meetings Congress.gov listed twice.
        expect(run.sourceWarnings).toEqual([{ code: 'PAGES_READ_AGAIN', count: 1, message: expect.stringMatching(/listing shrank while it was read.*1 list page asked for again.*; the 2 meetings they listed again were fetched once$/) as unknown }]);
        // Kept with the run: read back later, by `runs show` and the console's run detail, as the summary said it.
        expect((await store.getRun(run.runId))?.sourceWarnings).toEqual(run.sourceWarnings);
        expect((await runDetailFromApi(store, run.runId)).sourceWarnings).toEqual(run.sourceWarnings);
        expect([...(await store.loadHearings(IDS.map(String))).keys()].sort()).toEqual(IDS.map(String));
        // Each meeting's detail asked for once: the page read again lists the ones already listed, and they are not fetched twice.
        expect(fake.requests.filter(isDetailRequest).map((request) => request.path.split('/').at(-1)).sort()).toEqual(IDS.map(String));
      });
    } finally {
      await fake.close();
    }
  });
});

/** The run as the console's run detail asks for it (`runs.get`). */
async function runDetailFromApi(store: Store, runId: number): Promise<{ sourceWarnings?: unknown }> {
  const engine = createInProcessEngineHost({ location: store.location });
  try {
    const result = await dispatch(createApi({ store, engine, transport: 'http', databaseLocation: store.location }), 'runs.get', { runId }, tester);
    if (!result.ok) throw new Error(`runs.get refused: ${result.error.message}`);
    return result.data as { sourceWarnings?: unknown };
  } finally {
    await engine.close();
  }
}
