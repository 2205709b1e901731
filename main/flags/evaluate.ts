import { killedText, type FlagKill } from '../../shared/api-operations.js';
import type { Store } from '../store/index.js';
import { FLAG_DEFINITIONS, flagDefinition, killedPosition, valueProblem, type FlagDefinition, type FlagName, type FlagValue, type FlagValues } from './definitions.js';
import { GLOBAL_SCOPE, KILL_SCOPE, taskScope } from './scope.js';
import { flagStore, type StoredFlagValue } from './flag-store.js';

/**
 * OpenFeature's resolution details: the value always comes back; the reason says where it came
 * from. STATIC: the global stored value; TARGETING_MATCH: the task's own value; DISABLED: a kill
 * (scope `kill`), which no task's or global value overrides; DEFAULT: nothing
 * stored; ERROR: something was wrong, so the default was used.
 */
export type FlagReason = 'STATIC' | 'TARGETING_MATCH' | 'DISABLED' | 'DEFAULT' | 'ERROR';
export type FlagErrorCode = 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TYPE_MISMATCH' | 'GENERAL';

export interface FlagResolution {
  flag: string;
  value: FlagValue | null;
  reason: FlagReason;
  /** The scope whose stored value was used, when one was. */
  scope?: string;
  errorCode?: FlagErrorCode;
  errorMessage?: string;
  /** DISABLED: killedText(kill), as the CLI prints it ("killed by bo at …, over task:daily's true"). */
  killed?: string;
  /** DISABLED: who killed it and when, and the value it overrides. */
  kill?: FlagKill;
}

export interface FlagContext {
  task?: string | null;
}

/**
 * Reads every stored value; an unreachable or broken database yields an error instead of throwing.
 * For what is only shown (`flags get`, the backups page's snapshot policy, the canary report): the
 * resolution says ERROR with the read's failure, never a silent default. Nothing acted on reads
 * flags this way: see flagsToActOn.
 */
async function storedValues(store: Pick<Store, 'queries'> | null): Promise<{ values: StoredFlagValue[]; error?: string }> {
  if (!store) return { values: [], error: 'no database' };
  try {
    return { values: await flagStore(store).values() };
  } catch (error) {
    return { values: [], error: error instanceof Error ? error.message : String(error) };
  }
}

/** A stored value in the flag's type, or why it cannot be used. */
function storedValue(definition: FlagDefinition, stored: StoredFlagValue): { value: FlagValue } | { errorCode: FlagErrorCode; errorMessage: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored.valueJson);
  } catch {
    return { errorCode: 'PARSE_ERROR', errorMessage: `stored value for ${stored.scope} is not JSON` };
  }
  const problem = valueProblem(definition, parsed);
  if (problem) return { errorCode: 'TYPE_MISMATCH', errorMessage: `stored value for ${stored.scope} is invalid: ${problem}` };
  return { value: parsed as FlagValue };
}

/**
 * A kill (scope `kill`) holds the flag at its killed position for every task and manual run: support
 * staff turned the feature off for everything, and a task value set earlier must not turn it back
 * on. The row's presence is the kill, so even a mangled one fails safe.
 */
function killOf(definition: FlagDefinition, values: StoredFlagValue[], overridden: StoredFlagValue | undefined): FlagResolution | null {
  const killed = killedPosition(definition);
  const kill = values.find((v) => v.flag === definition.name && v.scope === KILL_SCOPE);
  if (killed === null || !kill) return null;
  const held = overridden && overridden.valueJson !== JSON.stringify(killed) ? { over: { scope: overridden.scope, value: heldValue(overridden.valueJson) } } : {};
  const fields: FlagKill = { by: kill.updatedBy, at: kill.updatedAt, ...held };
  return { flag: definition.name, value: killed, reason: 'DISABLED', scope: KILL_SCOPE, killed: killedText(fields), kill: fields };
}

/** The value a kill holds down, as stored; a mangled one is shown as its text (the kill wins either way). */
function heldValue(valueJson: string): boolean | number | string {
  try {
    const value: unknown = JSON.parse(valueJson);
    return typeof value === 'boolean' || typeof value === 'number' || typeof value === 'string' ? value : valueJson;
  } catch {
    return valueJson;
  }
}

function resolveFrom(definition: FlagDefinition, values: StoredFlagValue[], context: FlagContext, readError?: string): FlagResolution {
  const fallback = { flag: definition.name, value: definition.defaultValue };
  if (readError !== undefined) return { ...fallback, reason: 'ERROR', errorCode: 'GENERAL', errorMessage: `flags could not be read: ${readError}` };
  const scopes = context.task ? [taskScope(context.task), GLOBAL_SCOPE] : [GLOBAL_SCOPE];
  const stored = scopes.map((scope) => values.find((v) => v.flag === definition.name && v.scope === scope)).find((v) => v !== undefined);
  const kill = killOf(definition, values, stored);
  if (kill) return kill;
  if (!stored) return { ...fallback, reason: 'DEFAULT' };
  const read = storedValue(definition, stored);
  if (!('value' in read)) return { ...fallback, reason: 'ERROR', ...read };
  return { flag: definition.name, value: read.value, reason: stored.scope === GLOBAL_SCOPE ? 'STATIC' : 'TARGETING_MATCH', scope: stored.scope };
}

/** Evaluates one flag. Never throws: unknown flags, bad values and database errors come back as ERROR. */
export async function evaluateFlag(store: Store | null, name: string, context: FlagContext = {}): Promise<FlagResolution> {
  const definition = flagDefinition(name);
  if (!definition) return { flag: name, value: null, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', errorMessage: `unknown flag ${name}` };
  const { values, error } = await storedValues(store);
  return resolveFrom(definition, values, context, error);
}

/** Every known flag, resolved for the context, in definition order. */
export async function evaluateAllFlags(store: Pick<Store, 'queries'> | null, context: FlagContext = {}): Promise<FlagResolution[]> {
  const { values, error } = await storedValues(store);
  return FLAG_DEFINITIONS.map((definition) => resolveFrom(definition, values, context, error));
}

/**
 * Every known flag, for a decision acted on now (a run's flags, the scheduler's pause, a rollout's
 * check for kills). Flags that cannot be read throw the store's own error (its caller says it as
 * the environment's fault: a dropped flags table is "not all there"), never the defaults: a kill
 * is a stored row, so defaults read as "no kill", and a killed feature or a paused scheduler would
 * silently run again while the table is gone.
 */
export async function flagsToActOn(store: Pick<Store, 'queries'>, context: FlagContext = {}): Promise<FlagResolution[]> {
  const values = await flagStore(store).values();
  return FLAG_DEFINITIONS.map((definition) => resolveFrom(definition, values, context));
}

/** One flag resolved from rows already read (those of its scopes for `context`, and its kill, are enough). */
export function resolvedFrom(name: FlagName, values: StoredFlagValue[], context: FlagContext = {}): FlagResolution {
  return resolveFrom(flagDefinition(name)!, values, context);
}

/** One flag for a decision acted on now (flagsToActOn): throws when the flags cannot be read. */
export async function flagToActOn(store: Pick<Store, 'queries'>, name: FlagName, context: FlagContext = {}): Promise<FlagResolution> {
  return (await flagsToActOn(store, context)).find((resolution) => resolution.flag === name)!;
}

/** The flags in force for a run of `task` (or a manual run): stored with the run as runs.flags_json. Unreadable, the run does not start (flagsToActOn). */
export async function resolveRunFlags(store: Pick<Store, 'queries'>, task: string | null = null): Promise<FlagValues> {
  const resolutions = await flagsToActOn(store, { task });
  return Object.fromEntries(resolutions.map((r) => [r.flag, r.value])) as FlagValues;
}

export function booleanFlag(flags: Partial<FlagValues>, name: FlagName): boolean {
  const value = flags[name];
  return typeof value === 'boolean' ? value : (flagDefinition(name)!.defaultValue as boolean);
}

export function integerFlag(flags: Partial<FlagValues>, name: FlagName): number {
  const value = flags[name];
  return typeof value === 'number' ? value : (flagDefinition(name)!.defaultValue as number);
}
