import type { ApiHandlers } from '../../shared/api.js';
import { abortRollout, decideRollout, pauseRollout, rolloutDetail, rolloutLedger, rolloutStatus, startRollout } from '../rollouts/index.js';
import type { Store } from '../store/index.js';
import { requireOperator } from './caller.js';

type RolloutHandlers = Pick<ApiHandlers, 'rollouts.list' | 'rollouts.get' | 'rollouts.start' | 'rollouts.decide' | 'rollouts.pause' | 'rollouts.abort'>;

/** Guarded rollouts: every change is made under the caller's name and answered with the rollout as it now stands. */
export function rolloutHandlers(store: Store, clock: () => Date = () => new Date()): RolloutHandlers {
  const actor = (caller: Parameters<RolloutHandlers['rollouts.start']>[1]) => ({ operator: requireOperator(caller), now: clock() });
  const detail = async (rollout: { id: number }) => rolloutDetail(store, rollout.id, clock());
  return {
    'rollouts.list': ({ limit, after }) => rolloutLedger(store).list({ limit, after }),
    'rollouts.get': ({ rolloutId }) => rolloutStatus(store, rolloutId, clock()),
    'rollouts.start': async (input, caller) => detail(await startRollout(store, input, actor(caller))),
    'rollouts.decide': async (input, caller) => detail(await decideRollout(store, input, actor(caller))),
    'rollouts.pause': async (input, caller) => detail(await pauseRollout(store, input, actor(caller))),
    'rollouts.abort': async (input, caller) => detail(await abortRollout(store, input, actor(caller))),
  };
}
