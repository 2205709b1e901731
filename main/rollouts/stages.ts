import {
  ROLLOUT_STAGES,
  rolloutStageSchema,
  type RolloutFlagChange,
  type RolloutStage,
  type RolloutStageName,
} from '../../shared/api-rollouts.js';
import { GatehouseError } from '../../shared/errors.js';
import { checkFlagValue, flagDefinition, GLOBAL_SCOPE, taskScope, unknownFlag } from '../flags/index.js';
import type { Store } from '../store/index.js';
import { noSuchTask, taskStore } from '../scheduler/index.js';

/** The seed's plan: a clean deploy with the flags off, 48 h on one task, then everyone, then 48 h of watching. */
export const DEFAULT_STAGES: RolloutStage[] = [
  { stage: 'deployed', windowHours: 2, minRuns: 1 },
  { stage: 'canary', windowHours: 48, minRuns: 3 },
  { stage: 'all', windowHours: 24, minRuns: 3 },
  { stage: 'monitoring', windowHours: 48, minRuns: 3 },
];

/** `canary:48h:3` (stage:window:min runs; the `h` is optional), comma-separated, as the CLI takes them. */
export function parseStageSpec(text: string): RolloutStage[] {
  return text.split(',').map((part) => {
    const match = /^\s*([a-z]+):(\d+(?:\.\d+)?)h?:(\d+)\s*$/.exec(part);
    if (!match) throw new GatehouseError('USAGE', `bad stage "${part.trim()}": write STAGE:HOURS:MIN_RUNS, e.g. canary:48h:3 (stages: ${ROLLOUT_STAGES.join(', ')})`);
    const parsed = rolloutStageSchema.safeParse({ stage: match[1], windowHours: Number(match[2]), minRuns: Number(match[3]) });
    if (!parsed.success) throw new GatehouseError('USAGE', `bad stage "${part.trim()}": ${parsed.error.issues.map((i) => i.message).join('; ')}`);
    return parsed.data;
  });
}

/** Stages in the seed's order, each at most once. */
export function checkStages(stages: RolloutStage[]): RolloutStage[] {
  const order = stages.map((s) => ROLLOUT_STAGES.indexOf(s.stage));
  if (order.some((position, i) => i > 0 && position <= order[i - 1]!)) {
    throw new GatehouseError('USAGE', `stages must come once each, in the order ${ROLLOUT_STAGES.join(' → ')}; got ${stages.map((s) => s.stage).join(' → ')}`);
  }
  return stages;
}

/** Known flags with values that fit them, each named once. */
export function checkFlagChanges(changes: RolloutFlagChange[]): RolloutFlagChange[] {
  const seen = new Set<string>();
  return changes.map((change) => {
    const definition = flagDefinition(change.flag);
    if (!definition) throw unknownFlag(change.flag);
    if (seen.has(definition.name)) throw new GatehouseError('USAGE', `flag ${definition.name} is named twice`);
    seen.add(definition.name);
    return { flag: definition.name, value: checkFlagValue(definition, change.value) };
  });
}

/** A canary stage needs a scheduled task that exists; without one, naming a task is a mistake. */
export async function checkCanaryTask(store: Store, stages: RolloutStage[], task: string | null): Promise<string | null> {
  const needsCanary = stages.some((s) => s.stage === 'canary');
  if (!needsCanary) {
    if (task === null) return null;
    throw new GatehouseError('USAGE', `a rollout without a canary stage has no canary task: "${task}" would be recorded as its canary and never go first`, {
      hint: { cli: 'leave --canary-task out, or add a canary stage to --stages', console: 'leave the Canary task empty, or add the canary stage' },
    });
  }
  if (task === null) throw new GatehouseError('USAGE', 'a rollout with a canary stage needs a canary task', {
      hint: { cli: 'name the scheduled task it runs as: --canary-task NAME', console: 'choose its Canary task; with no scheduled task yet, add one in Settings first, or leave the canary stage out' },
    });
  if (!(await taskStore(store).get(task))) throw noSuchTask(task);
  return task;
}

/** Where a stage sets the rollout's flags: nowhere while deployed disabled, the canary task's scope, then globally. */
export function stageScope(stage: RolloutStageName, canaryTask: string | null): string | null {
  if (stage === 'deployed') return null;
  if (stage === 'canary') return taskScope(canaryTask!);
  return GLOBAL_SCOPE;
}
