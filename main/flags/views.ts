import type { FlagView } from '../../shared/api-operations.js';
import type { Store } from '../store/index.js';
import { parseStoredValue } from './changes.js';
import { FLAG_DEFINITIONS } from './definitions.js';
import { evaluateAllFlags } from './evaluate.js';
import { flagStore, type StoredFlagValue } from './flag-store.js';
import { KILL_SCOPE, parseScope, taskOfScope } from './scope.js';

/** A stored value as the CLI and the API show it: the value itself, not its JSON text. */
export function storedFlagView(stored: StoredFlagValue): FlagView['scopes'][number] {
  return { scope: stored.scope, value: parseStoredValue(stored.valueJson), updatedAt: stored.updatedAt, updatedBy: stored.updatedBy };
}

/**
 * Every flag with its definition, its stored values and the value a run in `scope` gets now: what
 * both `flags list --json` and the API's flags.list return, so the two cannot drift apart.
 */
export async function flagViews(store: Store, scopeText?: string): Promise<FlagView[]> {
  const task = taskOfScope(parseScope(scopeText));
  const [stored, inForce] = await Promise.all([flagStore(store).values(), evaluateAllFlags(store, { task })]);
  return FLAG_DEFINITIONS.map((definition, index): FlagView => {
    const resolution = inForce[index]!;
    const own = stored.filter((value) => value.flag === definition.name);
    // The kill row's presence is the kill (evaluate.ts), so its time is when the switch was flipped.
    const kill = own.find((value) => value.scope === KILL_SCOPE);
    return {
      name: definition.name,
      type: definition.type,
      kind: definition.kind,
      description: definition.description,
      defaultValue: definition.defaultValue,
      ...('min' in definition ? { min: definition.min, max: definition.max } : {}),
      scopes: own.map(storedFlagView),
      inForce: { value: resolution.value, reason: resolution.reason, scope: resolution.scope, errorMessage: resolution.errorMessage, killed: resolution.killed, kill: resolution.kill },
      killedAt: kill?.updatedAt ?? null,
    };
  });
}
