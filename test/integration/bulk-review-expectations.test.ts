import { afterAll, describe, expect, it } from 'vitest';
import { operatorCaller } from '../helpers/callers.js';
import { testBackends, withFreshStore } from '../helpers/backends.js';
import { dispatch } from '../../main/api/index.js';
import { failure } from '../helpers/console-api.js';
import { runReviews } from '../../main/validation/index.js';
import { runCli } from '../helpers/cli.js';
import { recordRun, reviewStates, withApi } from '../helpers/reviewed-runs.js';

const backends = testBackends();
afterAll(async () => {
  for (const backend of backends) await backend.cleanup();
});

describe.each(backends)('bulk marks based on the reviews the operator saw ($name)', (backend) => {
  it('refuses the whole bulk mark when runs were reviewed by someone else since, naming every such run, and writes nothing', () =>
    withFreshStore(backend, (store) =>
      withApi(store, async (api) => {
        const runIds = [await recordRun(store, 'anomalous', 1), await recordRun(store, 'anomalous', 2), await recordRun(store, 'anomalous', 3)];
        // Ada ticks all three open anomalies and opens "Mark 3 runs confirmed": none has a review.
        const seen = runIds.map((runId) => ({ runId, latestReviewId: null }));
        // A second before she submits, Bo marks two of them expected.
        const bo = [];
        for (const runId of runIds.slice(0, 2)) bo.push(await api['anomalies.mark']({ runId, as: 'expected', reasonKind: 'known-event', reason: 'hearing week' }, operatorCaller('bo')));

        const refused = failure(await dispatch(api, 'anomalies.markMany', { runIds, as: 'confirmed', reason: 'bad feed', expectedReviews: seen }, operatorCaller('ada'))) as { code: string; message: string; hint?: string };
        expect(refused.code).toBe('CONFLICT');
        expect(refused.message).toBe(
          `runs ${runIds[0]}, ${runIds[1]} were reviewed after this mark was begun (run ${runIds[0]} was marked expected (known-event) by bo at ${bo[0]!.at} ("hearing week"); run ${runIds[1]} was marked expected (known-event) by bo at ${bo[1]!.at} ("hearing week")): someone reviewed them meanwhile; nothing was changed`,
        );
        expect(refused.hint).toBe('the list now shows those reviews; mark again the runs that still need it');
        expect(await reviewStates(store, runIds)).toEqual(['expected', 'expected', null]);
        expect((await runReviews(store).list()).map((review) => review.operator)).toEqual(['bo', 'bo']);

        // Based on what is there now, the same bulk mark goes through (Ada chose to override Bo's marks, knowingly).
        const now = [{ runId: runIds[0]!, latestReviewId: bo[0]!.id }, { runId: runIds[1]!, latestReviewId: bo[1]!.id }, { runId: runIds[2]!, latestReviewId: null }];
        const marked = await api['anomalies.markMany']({ runIds, as: 'confirmed', reason: 'bad feed', expectedReviews: now }, operatorCaller('ada'));
        expect(marked.reviews.map((review) => [review.runId, review.operator])).toEqual(runIds.map((runId) => [runId, 'ada']));
        expect(await reviewStates(store, runIds)).toEqual(['confirmed', 'confirmed', 'confirmed']);

        // An expectation for a run that is not being marked is a mistake, not something to ignore.
        expect(failure(await dispatch(api, 'anomalies.markMany', { runIds: [runIds[0]!], as: 'confirmed', reason: 'x', expectedReviews: [{ runId: runIds[1]!, latestReviewId: null }] }, operatorCaller('ada'))).code).toBe('USAGE');
      }),
    ));

  it('gives `gatehouse anomalies mark-many` the same protection: --expect-review per run, exit 2 naming the stale run, nothing written', () =>
    withFreshStore(backend, async (store) => {
      const runIds = [await recordRun(store, 'anomalous', 1), await recordRun(store, 'anomalous', 2)];
      const bo = runCli(['anomalies', 'mark', '--db', store.location, '--run', String(runIds[1]), '--as', 'confirmed', '--reason', 'the feed doubled rows', '--operator', 'bo', '--json']);
      expect(bo.code).toBe(0);
      const boReview = JSON.parse(bo.stdout) as { id: number; at: string };

      const args = ['anomalies', 'mark-many', '--db', store.location, '--run', `${runIds[0]},${runIds[1]}`, '--as', 'expected', '--reason-kind', 'weekly', '--reason', 'Monday catch-up', '--operator', 'ada'];
      const stale = runCli([...args, '--expect-review', `${runIds[0]}:none`, '--expect-review', `${runIds[1]}:none`, '--json']);
      expect(stale.code).toBe(2);
      expect(JSON.parse(stale.stdout)).toMatchObject({
        error: { code: 'CONFLICT', message: `run ${runIds[1]} was marked confirmed by bo at ${boReview.at} ("the feed doubled rows") after this mark was begun: someone reviewed it meanwhile; nothing was changed` },
      });
      expect(await reviewStates(store, runIds)).toEqual([null, 'confirmed']);

      expect(runCli([...args, '--expect-review', 'seven'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--expect-review takes RUN:REVIEW') });
      const current = runCli([...args, '--expect-review', `${runIds[0]}:none`, '--expect-review', `${runIds[1]}:${boReview.id}`]);
      expect(current.stderr).toBe('');
      expect(current.stdout).toBe(`2 runs marked expected (weekly) (${runIds[0]}, ${runIds[1]}): they stay in the training history\n`);
      expect(await reviewStates(store, runIds)).toEqual(['expected', 'expected']);
    }), 60_000);
});
