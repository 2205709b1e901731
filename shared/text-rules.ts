import { z } from 'zod';
import { controlCharacterProblem, type ControlCharacterRule } from './record.js';

/**
 * `schema` refusing the control characters `rule` does not keep, the first one named by code point
 * and place — as a record's text is refused (CONTROL_CHARACTER) — on every surface that parses with it
 * (the CLI's options, the API's inputs, the console's forms).
 */
export function withoutControlCharacters<S extends z.ZodString>(schema: S, rule: ControlCharacterRule): S {
  return schema.superRefine((value, context) => {
    const problem = controlCharacterProblem(value, rule);
    if (problem !== null) context.addIssue({ code: 'custom', message: problem, input: value });
  });
}

/**
 * Why an operator made an audited change (DESIGN §4) — a flag change, a rollback, a review, a
 * restore, a deletion, a rollout decision: blank is no reason. It keeps the line breaks and tabs of
 * the console's textarea; any other control character is refused, since the reason is printed on
 * terminals, in log lines and in notifications.
 */
export const reasonSchema = withoutControlCharacters(z.string().trim().min(1, 'a reason is required').max(2_000), 'text');

/**
 * A task's source spec (`file:PATH`, `synthetic:…`, `congress:URL`; DESIGN §3) — one line, printed
 * by `tasks show|list`, in notifications and log lines: no control character at all, tabs and line
 * breaks included (the 'name' rule), as none belongs in a path or URL.
 */
export const sourceSpecSchema = withoutControlCharacters(z.string().trim().min(1).max(2_000), 'name');
