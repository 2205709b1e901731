import { afterAll, describe, expect, it } from 'vitest';
import { flagStore, setFlag } from '../../main/flags/index.js';
import { abortRollout, decideRollout, rolloutDetail, rolloutLedger, startRollout } from '../../main/rollouts/index.js';
import { addTask } from '../../main/scheduler/index.js';
import type { Store } from '../../main/store/index.js';
import { rolloutStartInputSchema } from '../../shared/api-rollouts.js';
import { testBackends, type TestBackend } from '../helpers/backends.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const CANARY = 'canary-feed';

/** What a rollout of BATCH_SIZE=`size` asks for: canary, then every task, then watching. */
function rolloutOf(size: number) {
  return rolloutStartInputSchema.parse({
    name: `batch size ${size}`,
    flagChanges: [{ flag: 'BATCH_SIZE', value: size }],
    canaryTask: CANARY,
    stages: [
      { stage: 'canary', windowHours: 1, minRuns: 1 },
      { stage: 'all', windowHours: 1, minRuns: 1 },
      { stage: 'monitoring', windowHours: 1, minRuns: 1 },
    ],
    reason: 'smaller batches',
  });
}

const as = (operator: string) => ({ operator, now: NOW });

/** Which of the settled calls were refused, and with what. */
function refusals(results: PromiseSettledResult<unknown>[]): { code?: string; message: string }[] {
  return results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as { code?: string; message: string });
}

describe.each(testBackends())('a rollout changed by two operators at once on $name', (backend: TestBackend) => {
  afterAll(() => backend.cleanup());

  /** Ada and Bob, each with their own connection to one database (two consoles, two terminals), with a canary task and BATCH_SIZE 50 everywhere. */
  async function withTwoOperators(work: (ada: Store, bob: Store) => Promise<void>): Promise<void> {
    const location = await backend.freshLocation();
    const ada = await backend.open(location);
    const bob = await backend.open(location);
    try {
      for (const name of [CANARY, 'house-feed']) await addTask(ada, { name, cron: '0 * * * *', source: 'synthetic:seed=1,count=5' }, NOW);
      await setFlag(ada, { flag: 'BATCH_SIZE', value: 50, operator: 'setup', reason: 'test set-up', now: NOW });
      await work(ada, bob);
    } finally {
      await ada.close();
      await bob.close();
    }
  }

  it('advances the rollout one stage when both press Proceed, and refuses the second, naming who moved it first', async () => {
    await withTwoOperators(async (ada, bob) => {
      const { id } = await startRollout(ada, rolloutOf(20), as('ops-ada'));
      const results = await Promise.allSettled([
        decideRollout(ada, { rolloutId: id, decision: 'proceed', reason: 'canary looks clean' }, as('ops-ada')),
        decideRollout(bob, { rolloutId: id, decision: 'proceed', reason: 'canary looks clean to me too' }, as('ops-bob')),
      ]);
      const [refused, ...more] = refusals(results);
      expect(more).toEqual([]);
      expect(refused).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/moved while this decision \(proceed\) was being made: it was active in stage canary, and is active in stage all now \(promote by ops-(ada|bob) at .*\); nothing was changed/) });
      const detail = await rolloutDetail(ada, id, NOW);
      expect(detail).toMatchObject({ state: 'active', stageIndex: 1 });
      expect(detail.ledger.map((e) => e.kind)).toEqual(['start', 'promote']);
    });
  });

  it('refuses a Proceed made on the canary once another operator promoted it seconds before, and one made on a wrong or paused view', async () => {
    await withTwoOperators(async (ada, bob) => {
      const { id } = await startRollout(ada, rolloutOf(20), as('ops-ada'));
      // Both saw the canary, active; Ada's Proceed ends before Bob's begins (two terminals 0.4 s apart).
      await decideRollout(ada, { rolloutId: id, decision: 'proceed', reason: 'canary looks clean', fromStage: 'canary', fromState: 'active' }, as('ops-ada'));
      const late = decideRollout(bob, { rolloutId: id, decision: 'proceed', reason: 'canary looks clean to me too', fromStage: 'canary', fromState: 'active' }, as('ops-bob'));
      await expect(late).rejects.toMatchObject({
        code: 'CONFLICT',
        message: expect.stringMatching(/^rollout \d+ "batch size 20" is active in stage all now, not active in stage canary where this decision \(proceed\) was made \(last moved: promote by ops-ada at .*\); nothing was changed$/),
      });
      // Paused where it was: a resume seen on the paused rollout is not an advance once someone resumed it.
      const resumeSeenPaused = decideRollout(bob, { rolloutId: id, decision: 'proceed', reason: 'resume', fromStage: 'all', fromState: 'paused' }, as('ops-bob'));
      await expect(resumeSeenPaused).rejects.toMatchObject({ code: 'CONFLICT', message: expect.stringContaining('is active in stage all now, not paused in stage all where this decision (proceed) was made') });
      const detail = await rolloutDetail(ada, id, NOW);
      expect(detail).toMatchObject({ state: 'active', stageIndex: 1 });
      expect(detail.ledger.map((e) => e.kind)).toEqual(['start', 'promote']);
      expect(await flagStore(ada).values('BATCH_SIZE')).toMatchObject([{ scope: 'global', valueJson: '20' }, { scope: `task:${CANARY}`, valueJson: '20' }]);
      // The stage as it stands now is decided on as before.
      await decideRollout(bob, { rolloutId: id, decision: 'proceed', reason: 'every task clean', fromStage: 'all', fromState: 'active' }, as('ops-bob'));
      expect(await rolloutDetail(ada, id, NOW)).toMatchObject({ state: 'active', stageIndex: 2 });
    });
  });

  it('leaves no flag of the rollout set when an Abort and a Proceed land at once, whichever is refused', async () => {
    await withTwoOperators(async (ada, bob) => {
      const { id } = await startRollout(ada, rolloutOf(20), as('ops-ada'));
      const results = await Promise.allSettled([
        decideRollout(ada, { rolloutId: id, decision: 'proceed', reason: 'to every task' }, as('ops-ada')),
        abortRollout(bob, { rolloutId: id, reason: 'house-feed is paging' }, as('ops-bob')),
      ]);
      expect(refusals(results)).toMatchObject([{ code: 'CONFLICT' }]);
      const detail = await rolloutDetail(ada, id, NOW);
      if (detail.state === 'aborted') {
        // The abort went first: the Proceed must not have set BATCH_SIZE everywhere on an aborted rollout.
        expect(detail.applied).toEqual([]);
        expect(await flagStore(ada).values('BATCH_SIZE')).toMatchObject([{ scope: 'global', valueJson: '50' }]);
      } else {
        expect(detail).toMatchObject({ state: 'active', stageIndex: 1 });
        expect(await flagStore(ada).values('BATCH_SIZE')).toMatchObject([{ scope: 'global', valueJson: '20' }, { scope: `task:${CANARY}`, valueJson: '20' }]);
      }
    });
  });

  it('starts one of two rollouts of the same flag started at once, and refuses the other', async () => {
    await withTwoOperators(async (ada, bob) => {
      const results = await Promise.allSettled([startRollout(ada, rolloutOf(20), as('ops-ada')), startRollout(bob, rolloutOf(30), as('ops-bob'))]);
      expect(refusals(results)).toMatchObject([{ code: 'CONFLICT', message: expect.stringMatching(/^rollout \d+ "batch size (20|30)" is still active$/) }]);
      const [only, ...others] = await rolloutLedger(ada).list();
      expect(others).toEqual([]);
      const size = only!.flagChanges[0]!.value;
      expect(only!.applied).toEqual([{ flag: 'BATCH_SIZE', scope: `task:${CANARY}`, previousJson: null, eventId: expect.any(Number) }]);
      expect(await flagStore(ada).values('BATCH_SIZE')).toMatchObject([{ scope: 'global', valueJson: '50' }, { scope: `task:${CANARY}`, valueJson: String(size) }]);
    });
  });
});
