import type { Store } from '../store/index.js';
import { FLAG_DEFINITIONS, flagDefinition, valueProblem, type FlagDefinition, type FlagName, type FlagValue, type FlagValues } from './definitions.js';
import { GLOBAL_SCOPE, taskScope } from './scope.js';
import { flagStore, type StoredFlagValue } from './flag-store.js';

/**
 * OpenFeature's resolution details: the value always comes back; the reason says where it came
 * from. STATIC: the global stored value; TARGETING_MATCH: the task's own value; DEFAULT: nothing
 * stored; ERROR: something was wrong, so the default was used.
 */
export type FlagReason = 'STATIC' | 'TARGETING_MATCH' | 'DEFAULT' | 'ERROR';
export type FlagErrorCode = 'FLAG_NOT_FOUND' | 'PARSE_ERROR' | 'TYPE_MISMATCH' | 'GENERAL';

export interface FlagResolution {
  flag: string;
  value: FlagValue | null;
  reason: FlagReason;
  /** The scope whose stored value was used, when one was. */
  scope?: string;
  errorCode?: FlagErrorCode;
  errorMessage?: string;
}

export interface FlagContext {
  task?: string | null;
}

/** Reads every stored value; an unreachable or broken database yields an error instead of throwing. */
async function storedValues(store: Store | null): Promise<{ values: StoredFlagValue[]; error?: string }> {
  if (!store) return { values: [], error: 'no database' };
  try {
    return { values: await flagStore(store).values() };
  } catch (error) {
    return { values: [], error: error instanceof Error ? error.message : String(error) };
  }
}

function resolveFrom(definition: FlagDefinition, values: StoredFlagValue[], context: FlagContext, readError?: string): FlagResolution {
  const fallback = { flag: definition.name, value: definition.defaultValue };
  if (readError !== undefined) return { ...fallback, reason: 'ERROR', errorCode: 'GENERAL', errorMessage: `flags could not be read: ${readError}` };
  const scopes = context.task ? [taskScope(context.task), GLOBAL_SCOPE] : [GLOBAL_SCOPE];
  for (const scope of scopes) {
    const stored = values.find((v) => v.flag === definition.name && v.scope === scope);
    if (!stored) continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(stored.valueJson);
    } catch {
      return { ...fallback, reason: 'ERROR', errorCode: 'PARSE_ERROR', errorMessage: `stored value for ${scope} is not JSON` };
    }
    const problem = valueProblem(definition, parsed);
    if (problem) return { ...fallback, reason: 'ERROR', errorCode: 'TYPE_MISMATCH', errorMessage: `stored value for ${scope} is invalid: ${problem}` };
    return { flag: definition.name, value: parsed as FlagValue, reason: scope === GLOBAL_SCOPE ? 'STATIC' : 'TARGETING_MATCH', scope };
  }
  return { ...fallback, reason: 'DEFAULT' };
}

/** Evaluates one flag. Never throws: unknown flags, bad values and database errors come back as ERROR. */
export async function evaluateFlag(store: Store | null, name: string, context: FlagContext = {}): Promise<FlagResolution> {
  const definition = flagDefinition(name);
  if (!definition) return { flag: name, value: null, reason: 'ERROR', errorCode: 'FLAG_NOT_FOUND', errorMessage: `unknown flag ${name}` };
  const { values, error } = await storedValues(store);
  return resolveFrom(definition, values, context, error);
}

/** Every known flag, resolved for the context, in definition order. */
export async function evaluateAllFlags(store: Store | null, context: FlagContext = {}): Promise<FlagResolution[]> {
  const { values, error } = await storedValues(store);
  return FLAG_DEFINITIONS.map((definition) => resolveFrom(definition, values, context, error));
}

/** The flags in force for a run of `task` (or a manual run): stored with the run as runs.flags_json. */
export async function resolveRunFlags(store: Store | null, task: string | null = null): Promise<FlagValues> {
  const resolutions = await evaluateAllFlags(store, { task });
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
