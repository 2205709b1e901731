import type { AppliedFlag, RolloutView } from '../../shared/api-rollouts.js';
import { GatehouseError, type SurfaceHint } from '../../shared/errors.js';
import { reasonQuoting } from '../../shared/text-rules.js';
import { actorName, evaluateAllFlags, flagsToActOn, flagStore, setFlag, type FlagResolution, type StoredFlagValue } from '../flags/index.js';
import { taskEventView, taskStore } from '../scheduler/index.js';
import type { RolloutTx } from './ledger.js';
import { stageScope } from './stages.js';

interface Actor {
  operator: string;
  now: Date;
}

type FlagsOf = Pick<RolloutView, 'name' | 'flagChanges' | 'applied'>;

/** A scope the rollout set whose value someone changed since, outside the rollout: a kill switch, say. */
export interface OverriddenFlag {
  flag: string;
  scope: string;
  /** "set to false by ops-bob at 2026-… (batches corrupting)". */
  description: string;
}

function storedAt(stored: StoredFlagValue[], flag: string, scope: string): string | null {
  return stored.find((value) => value.flag === flag && value.scope === scope)?.valueJson ?? null;
}

/**
 * The scopes the rollout applied that no longer hold the rollout's value. A change made outside the
 * rollout (support staff flipping a flag off mid-rollout) stands: the rollout neither re-applies
 * nor reverts over it.
 */
export async function overriddenFlags(store: RolloutTx, rollout: FlagsOf): Promise<OverriddenFlag[]> {
  const stored = await flagStore(store).values();
  const overridden: OverriddenFlag[] = [];
  for (const { flag, scope } of rollout.applied) {
    const wanted = rollout.flagChanges.find((change) => change.flag === flag);
    const now = storedAt(stored, flag, scope);
    if (wanted === undefined || now === JSON.stringify(wanted.value)) continue;
    const [last] = await flagStore(store).history({ flag, scope, limit: 1 });
    const value = now === null ? 'unset' : `set to ${now}`;
    const by = last ? ` by ${last.actor} at ${last.at} (${last.reason})` : '';
    overridden.push({ flag, scope, description: `${flag} at ${scope} was ${value}${by} after rollout "${rollout.name}" set it to ${JSON.stringify(wanted.value)}` });
  }
  return overridden;
}

/**
 * The rollout's flags a kill holds at another value: no run gets what is being rolled out, so its
 * guardrails would measure nothing, and its last stage must not look like it lifted the kill.
 */
export async function killedFlags(store: RolloutTx, rollout: Pick<RolloutView, 'flagChanges'>): Promise<string[]> {
  return (await flagsUnderAKill(store, rollout)).map((killed) => killed.description);
}

async function flagsUnderAKill(store: RolloutTx, rollout: Pick<RolloutView, 'flagChanges'>): Promise<{ flag: string; description: string }[]> {
  // Acted on: kills that cannot be read refuse the rollout step rather than read as none (flagsToActOn).
  const inForce = await flagsToActOn(store);
  const killed = rollout.flagChanges.flatMap(({ flag, value }) => {
    const resolution = inForce.find((r) => r.flag === flag);
    return resolution?.reason === 'DISABLED' && resolution.value !== value ? [resolution] : [];
  });
  // Why it was killed is the kill's own audit event: whoever the hold stops needs it as much as who.
  return Promise.all(
    killed.map(async ({ flag, scope, killed: text }) => {
      const [last] = await flagStore(store).history({ flag, scope, limit: 1 });
      return { flag, description: `${flag} is ${text}${last ? ` (${last.reason})` : ''}` };
    }),
  );
}

/** The other enabled scheduled tasks, and those of them that run every one of `changes` now. */
export interface ControlOnTheChanges {
  otherTasks: string[];
  onTheChanges: string[];
  /** What put them there, each with who set it: "ENABLE_X [global] set to true by ops-bob at … (why)". */
  setBy: string[];
}

/**
 * Which of the tasks a canary is compared with run what the canary runs, and who set it so: a
 * value set globally outside a rollout (or a task's own, or a default equal to it) turns its
 * control into more canary, and a comparison of the canary with itself proves nothing.
 */
export async function controlOnTheChanges(store: RolloutTx, changes: readonly { flag: string; value: unknown }[], canaryTask: string | null): Promise<ControlOnTheChanges> {
  const otherTasks = (await taskStore(store).list()).filter((task) => task.enabled && task.name !== canaryTask).map((task) => task.name);
  const onTheChanges: string[] = [];
  const sources = new Map<string, FlagResolution>();
  for (const task of otherTasks) {
    const inForce = await evaluateAllFlags(store, { task });
    const resolutions = changes.map(({ flag, value }) => inForce.find((r) => r.flag === flag && r.value === value));
    if (changes.length === 0 || resolutions.some((r) => r === undefined)) continue;
    onTheChanges.push(task);
    for (const r of resolutions) sources.set(`${r!.flag} ${r!.scope ?? ''}`, r!);
  }
  const setBy = await Promise.all([...sources.values()].map((r) => whoSet(store, r)));
  return { otherTasks, onTheChanges, setBy };
}

async function whoSet(store: RolloutTx, resolution: FlagResolution): Promise<string> {
  const { flag, scope, value } = resolution;
  if (scope === undefined) return `${flag} is ${JSON.stringify(value)} by default`;
  const [last] = await flagStore(store).history({ flag, scope, limit: 1 });
  return `${flag} [${scope}] set to ${JSON.stringify(value)}${last ? ` by ${last.actor} at ${last.at} (${last.reason})` : ''}`;
}

/**
 * In the canary stage, when no other enabled task runs beside the canary, or every one runs the
 * rollout's values: why its comparison compares nothing. A canary that is the only task is the
 * plainest case: its guardrails wait for control data that never comes.
 */
export async function controlGone(store: RolloutTx, rollout: Pick<RolloutView, 'flagChanges' | 'canaryTask' | 'stages' | 'stageIndex'>): Promise<string | null> {
  if (rollout.stages[rollout.stageIndex]!.stage !== 'canary') return null;
  const control = await controlOnTheChanges(store, rollout.flagChanges, rollout.canaryTask);
  if (control.otherTasks.length === 0) return `no other enabled scheduled task runs beside canary task "${rollout.canaryTask}": no control run comes while that stands`;
  if (control.onTheChanges.length < control.otherTasks.length) return null;
  return `every control task (${control.onTheChanges.join(', ')}) now runs the canary's values (${control.setBy.join('; ')}): no control run comes while that stands`;
}

/**
 * In the canary stage, when the canary task is disabled: the scheduler runs it no more, so the
 * stage waits for a canary run that only a run by hand brings. Said with who switched it off.
 */
export async function canaryTaskDisabled(store: RolloutTx, rollout: Pick<RolloutView, 'canaryTask' | 'stages' | 'stageIndex'>): Promise<string | null> {
  if (rollout.stages[rollout.stageIndex]!.stage !== 'canary' || rollout.canaryTask === null) return null;
  const task = await taskStore(store).get(rollout.canaryTask);
  if (task === null || task.enabled) return null;
  // The event that switched it off, not a later edit of its schedule or source.
  const events = (await taskStore(store).history({ task: rollout.canaryTask })).map(taskEventView);
  const off = events.find((event) => !event.after.enabled && (event.before === null || event.before.enabled));
  const by = off ? ` (switched off by ${off.operator} at ${off.at}${off.reason === null ? '' : `: ${off.reason}`})` : '';
  return `canary task "${rollout.canaryTask}" is disabled${by}: the scheduler runs it no more, so no canary run comes unless it is run by hand (gatehouse tasks run ${rollout.canaryTask}) or enabled again`;
}

/**
 * Refuses to move a rollout whose flags were changed outside it (that change is someone's decision,
 * not to be undone unseen) or are killed (a rollout never runs under a kill).
 */
export async function refuseOverridden(store: RolloutTx, rollout: FlagsOf, moment: 'start' | 'move' = 'move'): Promise<void> {
  const killed = await flagsUnderAKill(store, rollout);
  if (killed.length > 0) {
    throw new GatehouseError('CONFLICT', `${killed.map((k) => k.description).join('; ')}: rollout "${rollout.name}" does not run under a kill`, {
      hint: moment === 'start' ? killedAtStartHint(killed.map((k) => k.flag)) : killedHint,
    });
  }
  const overridden = await overriddenFlags(store, rollout);
  if (overridden.length === 0) return;
  throw new GatehouseError('CONFLICT', `${overridden.map((o) => o.description).join('; ')}; the rollout will not set it back`, {
    hint: { cli: 'abort the rollout (the change made outside it stays), or set the flag back with `gatehouse flags set` first', console: 'abort the rollout (the change made outside it stays), or set the flag back on the Flags page first' },
  });
}

const killedHint = { cli: 'abort the rollout, or lift the kill first: gatehouse flags unset FLAG --scope kill --reason "why"', console: 'abort the rollout, or lift the kill first: unset the flag\'s kill scope on the Flags page, with a reason' };

/** At start there is no rollout to abort yet: lift the kill, or roll out without the killed flag. */
function killedAtStartHint(flags: string[]): SurfaceHint {
  const flag = flags.length === 1 ? flags[0]! : 'FLAG';
  const which = flags.length === 1 ? flag : flags.join(', ');
  return {
    cli: `lift the kill first (gatehouse flags unset ${flag} --scope kill --reason "why"), or start the rollout without ${which}`,
    console: `lift the kill first (unset ${which}'s kill scope on the Flags page, with a reason), or start the rollout without ${which}`,
  };
}

/**
 * Sets the rollout's flags where stage `stageIndex` wants them, through the flags module (each
 * change audited). Returns what the rollout has applied so far, each scope with the value it held
 * before the rollout first touched it: what a revert puts back.
 */
export async function applyStageFlags(store: RolloutTx, rollout: Pick<RolloutView, 'name' | 'flagChanges' | 'canaryTask' | 'stages' | 'applied'>, stageIndex: number, actor: Actor & { reason: string }, moment: 'start' | 'move' = 'move'): Promise<AppliedFlag[]> {
  await refuseOverridden(store, rollout, moment);
  const stage = rollout.stages[stageIndex]!.stage;
  const scope = stageScope(stage, rollout.canaryTask);
  if (scope === null) return rollout.applied;
  const applied = [...rollout.applied];
  // The flag's history says why as the operator did (or the guardrail's promotion), then which rollout stage set it.
  const reason = reasonQuoting(`rollout "${rollout.name}" enters stage ${stage}: `, actor.reason).reason;
  const stored = await flagStore(store).values();
  for (const change of rollout.flagChanges) {
    const current = storedAt(stored, change.flag, scope);
    if (current === JSON.stringify(change.value)) continue;
    const event = await setFlag(store, { flag: change.flag, scope, value: change.value, operator: actor.operator, reason, now: actor.now });
    if (!applied.some((a) => a.flag === change.flag && a.scope === scope)) applied.push({ flag: change.flag, scope, previousJson: current, eventId: event.id });
  }
  return applied;
}

/**
 * Puts back what the rollout changed, newest first, each change audited with `reason`. A scope
 * someone changed since, outside the rollout, is left as they set it: reverting it would undo a
 * kill switch flipped mid-rollout. Returns those left alone.
 */
export async function revertRolloutFlags(store: RolloutTx, rollout: FlagsOf, actor: Actor & { reason: string }): Promise<OverriddenFlag[]> {
  const overridden = await overriddenFlags(store, rollout);
  for (const { flag, scope, previousJson, eventId } of [...rollout.applied].reverse()) {
    if (overridden.some((o) => o.flag === flag && o.scope === scope)) continue;
    // The stored text put back as it was, audited, like `flags revert` (naming the rollout's change it
    // undoes): a flag this build no longer knows, or a value its bounds now refuse, must not leave a
    // rollout that can never be ended.
    const reverts = eventId === null ? {} : { revertsEventId: eventId };
    await flagStore(store).change({ flag, scope, valueJson: previousJson, actor: actorName(actor.operator), reason: actor.reason, at: actor.now.toISOString(), ...reverts });
  }
  return overridden;
}
