import { afterAll, describe, expect, it } from 'vitest';
import { operatorCaller, tester } from '../helpers/callers.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { dispatch } from '../../main/api/index.js';
import { failure } from '../helpers/console-api.js';
import { markAnomaly, runReviews } from '../../main/validation/index.js';
import { connectToPostgres } from '../helpers/postgres.js';
import { recordRun, reviewStates, withApi } from '../helpers/reviewed-runs.js';

const backends = testBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

describe.each(backends)('bulk review on $name', (backend) => {
  it('marks 10 anomalous runs with one reason in one call, one audit row each, and undo gives each its earlier state back', () =>
    withFreshStore(backend, (store) =>
      withApi(store, async (api) => {
        const runIds: number[] = [];
        for (let day = 1; day <= 10; day++) runIds.push(await recordRun(store, 'anomalous', day));
        const earlier = await dispatch(api, 'anomalies.mark', { runId: runIds[0]!, as: 'expected', reasonKind: 'weekly', reason: 'Monday catch-up' }, operatorCaller('ada'));
        expect(earlier.ok).toBe(true);

        const marked = await dispatch(api, 'anomalies.markMany', { runIds, as: 'confirmed', reason: 'source doubled rows all week' }, operatorCaller('dana'));
        expect(marked.ok).toBe(true);
        const reviews = (marked as { ok: true; data: { reviews: { id: number; runId: number; action: string; operator: string; reason: string }[] } }).data.reviews;
        expect(reviews.map((review) => review.runId)).toEqual(runIds);
        expect(reviews.every((review) => review.action === 'confirmed' && review.operator === 'dana' && review.reason === 'source doubled rows all week')).toBe(true);
        expect(await reviewStates(store, runIds)).toEqual(runIds.map(() => 'confirmed'));

        const undone = await dispatch(api, 'anomalies.undoMarks', { reviewIds: reviews.map((review) => review.id), reason: 'wrong week selected' }, operatorCaller('eve'));
        expect(undone).toMatchObject({ ok: true });
        expect(await reviewStates(store, runIds)).toEqual(['expected', ...runIds.slice(1).map(() => null)]);
        const audit = await runReviews(store).list();
        expect(audit).toHaveLength(1 + 10 + 10);
        expect(audit.slice(-10).map((review) => [review.runId, review.action, review.operator, review.reason])).toEqual(
          runIds.map((runId, index) => [runId, index === 0 ? 'expected' : 'reopened', 'eve', 'wrong week selected']),
        );
        expect(audit.at(-10)!.reasonKind).toBe('weekly');
        expect((await api['anomalies.list']({ open: true, limit: 100 }, tester)).map((run) => run.runId).sort((a, b) => a - b)).toEqual(runIds.slice(1));
      }),
    ));

  it('refuses the whole bulk mark when one run is not anomalous or missing, leaving every run unmarked', () =>
    withFreshStore(backend, (store) =>
      withApi(store, async (api) => {
        const anomalous = [await recordRun(store, 'anomalous', 1), await recordRun(store, 'anomalous', 2)];
        const clean = await recordRun(store, 'ok', 3);
        expect(failure(await dispatch(api, 'anomalies.markMany', { runIds: [...anomalous, clean], as: 'confirmed', reason: 'bad week' }, tester)).code).toBe('CONFLICT');
        expect(failure(await dispatch(api, 'anomalies.markMany', { runIds: [...anomalous, 99_999], as: 'confirmed', reason: 'bad week' }, tester)).code).toBe('NOT_FOUND');
        expect(failure(await dispatch(api, 'anomalies.markMany', { runIds: anomalous, as: 'expected', reason: 'Mondays' }, tester)).message).toMatch(/needs a reason kind/);
        expect(failure(await dispatch(api, 'anomalies.markMany', { runIds: [], as: 'confirmed', reason: 'x' }, tester)).code).toBe('INPUT_INVALID');
        expect(failure(await dispatch(api, 'anomalies.markMany', { runIds: anomalous, as: 'confirmed', reason: '  ' }, tester)).code).toBe('INPUT_INVALID');
        expect(await reviewStates(store, anomalous)).toEqual([null, null]);
        expect(await runReviews(store).list()).toEqual([]);
      }),
    ));

  it('refuses to undo a mark that was followed by another review of its run, or that is not a mark, and writes nothing', () =>
    withFreshStore(backend, (store) =>
      withApi(store, async (api) => {
        const [first, second] = [await recordRun(store, 'anomalous', 1), await recordRun(store, 'anomalous', 2)];
        const bulk = await api['anomalies.markMany']({ runIds: [first, second], as: 'confirmed', reason: 'bad feed' }, tester);
        await api['anomalies.mark']({ runId: second, as: 'expected', reasonKind: 'known-event', reason: 'actually a markup week' }, tester);
        const error = failure(await dispatch(api, 'anomalies.undoMarks', { reviewIds: bulk.reviews.map((review) => review.id), reason: 'oops' }, tester));
        expect(error.code).toBe('CONFLICT');
        expect(error.message).toMatch(new RegExp(`run ${second} was reviewed again`));
        expect(failure(await dispatch(api, 'anomalies.undoMarks', { reviewIds: [99_999], reason: 'oops' }, tester)).code).toBe('NOT_FOUND');
        expect(failure(await dispatch(api, 'anomalies.undoMarks', { reviewIds: [bulk.reviews[0]!.id], reason: '' }, tester)).code).toBe('INPUT_INVALID');
        expect(await reviewStates(store, [first, second])).toEqual(['confirmed', 'expected']);
        expect(await runReviews(store).list()).toHaveLength(3);
      }),
    ));

  it('refuses a mark based on a review state another operator changed meanwhile, naming who, how and when, and writes nothing', () =>
    withFreshStore(backend, (store) =>
      withApi(store, async (api) => {
        const runId = await recordRun(store, 'anomalous', 1);
        // Ada opens "Mark run expected" on the open anomaly: no review yet.
        const [seen] = await api['anomalies.list']({ open: true, limit: 10 }, tester);
        expect(seen).toMatchObject({ runId, review: null, reviews: [] });
        // Bo marks it from the CLI meanwhile: no expectation, as `gatehouse anomalies mark` sends.
        const bo = await dispatch(api, 'anomalies.mark', { runId, as: 'confirmed', reason: 'the feed doubled rows' }, operatorCaller('bo'));
        expect(bo.ok).toBe(true);
        const boReview = (bo as { ok: true; data: { id: number; at: string } }).data;

        const stale = await dispatch(api, 'anomalies.mark', { runId, as: 'expected', reasonKind: 'weekly', reason: 'Monday catch-up', expectedReviewId: null }, operatorCaller('ada'));
        const error = failure(stale) as { code: string; message: string; hint?: string };
        expect(error.code).toBe('CONFLICT');
        expect(error.message).toBe(`run ${runId} was marked confirmed by bo at ${boReview.at} ("the feed doubled rows") after this mark was begun: someone reviewed it meanwhile; nothing was changed`);
        expect(error.hint).toBe('the list now shows that review; mark the run again if it still needs it');
        expect(await reviewStates(store, [runId])).toEqual(['confirmed']);
        expect((await runReviews(store).list()).map((review) => [review.action, review.operator])).toEqual([['confirmed', 'bo']]);

        // A stale id is refused too (the state Ada saw was a review since replaced); the current one goes through.
        expect(failure(await dispatch(api, 'anomalies.mark', { runId, as: 'expected', reasonKind: 'weekly', reason: 'x', expectedReviewId: boReview.id + 1 }, operatorCaller('ada'))).code).toBe('CONFLICT');
        const current = await dispatch(api, 'anomalies.mark', { runId, as: 'expected', reasonKind: 'weekly', reason: 'Monday catch-up', expectedReviewId: boReview.id }, operatorCaller('ada'));
        expect(current).toMatchObject({ ok: true, data: { action: 'expected', operator: 'ada' } });
        expect(await reviewStates(store, [runId])).toEqual(['expected']);
        // The plain mark (no expectation) still marks whatever the review is now.
        expect(await dispatch(api, 'anomalies.mark', { runId, as: 'confirmed', reason: 'on second look, real' }, operatorCaller('bo'))).toMatchObject({ ok: true });
        expect(failure(await dispatch(api, 'anomalies.mark', { runId, as: 'confirmed', reason: 'x', expectedReviewId: 0 }, tester)).code).toBe('INPUT_INVALID');
      }),
    ));

  // PostgreSQL only: there two marks run side by side on their own connections; SQLite's BEGIN IMMEDIATE lets one writer in at a time.
  it.runIf(backend.name === 'postgres')('checks the expectation after a mark still being written commits, not before (no read-then-write)', () =>
    withFreshStore(backend, async (store) => {
      const runId = await recordRun(store, 'anomalous', 1);
      const schema = new URL(store.location).searchParams.get('schema')!;
      const bo = await connectToPostgres();
      try {
        // Bo's plain mark part-way: its transaction has updated the run and written its review, not yet committed.
        await bo.query('BEGIN');
        await bo.query(`UPDATE "${schema}".runs SET review = 'confirmed' WHERE id = $1`, [runId]);
        await bo.query(`INSERT INTO "${schema}".run_reviews (run_id, action, reason_kind, reason, operator, at) VALUES ($1, 'confirmed', NULL, 'the feed doubled rows', 'bo', $2)`, [runId, '2026-01-01T12:00:00.000Z']);
        const { rows } = await bo.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        const ada = markAnomaly(store, { runId, as: 'expected', reasonKind: 'weekly', reason: 'Monday catch-up', operator: 'ada', expectedReviewId: null }).then(
          () => 'written',
          (error: unknown) => error,
        );
        const waitsForBo = async () => (await bo.query('SELECT 1 FROM pg_stat_activity WHERE $1 = ANY(pg_blocking_pids(pid))', [rows[0]!.pid])).rows.length > 0;
        await expect.poll(waitsForBo, { timeout: 30_000 }).toBe(true);
        await bo.query('COMMIT');
        expect(await ada).toMatchObject({ code: 'CONFLICT', message: expect.stringContaining(`run ${runId} was marked confirmed by bo at 2026-01-01T12:00:00.000Z`) });
        expect((await runReviews(store).list()).map((review) => [review.action, review.operator])).toEqual([['confirmed', 'bo']]);
        expect(await reviewStates(store, [runId])).toEqual(['confirmed']);
      } finally {
        await bo.query('ROLLBACK').catch(() => undefined);
        await bo.end();
      }
    }), 60_000);
});
