import type { AppliedFlag, RolloutView } from '../../shared/api-rollouts.js';
import { flagStore, parseStoredValue, setFlag, unsetFlag } from '../flags/index.js';
import type { Store } from '../store/index.js';
import { stageScope } from './stages.js';

interface Actor {
  operator: string;
  now: Date;
}

/**
 * Sets the rollout's flags where stage `stageIndex` wants them, through the flags module (each
 * change audited). Returns what the rollout has applied so far, each scope with the value it held
 * before the rollout first touched it: what a revert puts back.
 */
export async function applyStageFlags(store: Store, rollout: Pick<RolloutView, 'name' | 'flagChanges' | 'canaryTask' | 'stages' | 'applied'>, stageIndex: number, actor: Actor): Promise<AppliedFlag[]> {
  const stage = rollout.stages[stageIndex]!.stage;
  const scope = stageScope(stage, rollout.canaryTask);
  if (scope === null) return rollout.applied;
  const applied = [...rollout.applied];
  const stored = await flagStore(store).values();
  for (const change of rollout.flagChanges) {
    const current = stored.find((value) => value.flag === change.flag && value.scope === scope)?.valueJson ?? null;
    if (current === JSON.stringify(change.value)) continue;
    if (!applied.some((a) => a.flag === change.flag && a.scope === scope)) applied.push({ flag: change.flag, scope, previousJson: current });
    await setFlag(store, { flag: change.flag, scope, value: change.value, operator: actor.operator, reason: `rollout "${rollout.name}" enters stage ${stage}`, now: actor.now });
  }
  return applied;
}

/** Puts back what the rollout changed, newest first, each change audited with `reason`. */
export async function revertRolloutFlags(store: Store, rollout: Pick<RolloutView, 'applied'>, actor: Actor & { reason: string }): Promise<void> {
  for (const { flag, scope, previousJson } of [...rollout.applied].reverse()) {
    const previous = parseStoredValue(previousJson);
    const request = { flag, scope, operator: actor.operator, reason: actor.reason, now: actor.now };
    if (previous === null) await unsetFlag(store, request);
    else await setFlag(store, { ...request, value: previous });
  }
}
