import { GatehouseError } from '../../shared/errors.js';

export const GLOBAL_SCOPE = 'global';

/** Task names are what `task:NAME` scopes and `--task` refer to. */
export const TASK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function taskScope(task: string): string {
  return `task:${task}`;
}

/** `global` or `task:NAME`; anything else is a USAGE error. */
export function parseScope(text: string | undefined): string {
  if (text === undefined || text === GLOBAL_SCOPE) return GLOBAL_SCOPE;
  const match = /^task:(.+)$/.exec(text);
  if (match && TASK_NAME_PATTERN.test(match[1]!)) return text;
  throw new GatehouseError('USAGE', `scope must be "global" or "task:NAME", got "${text}"`);
}

/** The task a parsed scope names, for evaluation: `task:daily` → daily; `global` → null. */
export function taskOfScope(scope: string): string | null {
  return scope === GLOBAL_SCOPE ? null : scope.slice('task:'.length);
}
