import { GatehouseError } from '../../shared/errors.js';

export const GLOBAL_SCOPE = 'global';
/**
 * A kill: support staff turning a feature off for everything. It is a scope above global that no
 * task's own value overrides — unlike a global value, which a canary task's value may (rollouts
 * rely on that).
 */
export const KILL_SCOPE = 'kill';

/** Task names are what `task:NAME` scopes and `--task` refer to. */
export const TASK_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;

export function taskScope(task: string): string {
  return `task:${task}`;
}

/**
 * `global`, `kill` or `task:NAME`; anything else is a USAGE error, naming the scope as its caller
 * typed it: the API's field (`scope`), or the option on the command line (`--scope`).
 */
export function parseScope(text: string | undefined, name = 'scope'): string {
  if (text === undefined || text === GLOBAL_SCOPE || text === KILL_SCOPE) return text ?? GLOBAL_SCOPE;
  const match = /^task:(.+)$/.exec(text);
  if (match && TASK_NAME_PATTERN.test(match[1]!)) return text;
  throw new GatehouseError('USAGE', `${name} must be "global", "kill" or "task:NAME", got "${text}"`);
}

/** The task a parsed scope names, for evaluation: `task:daily` → daily; `global` and `kill` → null (what manual runs get). */
export function taskOfScope(scope: string): string | null {
  return scope.startsWith('task:') ? scope.slice('task:'.length) : null;
}
