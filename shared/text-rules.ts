import * as z from 'zod';
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

/** The most characters a reason holds (reasonSchema; the console's reason boxes say so with `maxlength`). */
export const REASON_MAX_LENGTH = 2_000;

/**
 * Why an operator made an audited change (DESIGN §4) — a flag change, a rollback, a review, a
 * restore, a deletion, a rollout decision: blank is no reason. It keeps the line breaks and tabs of
 * the console's textarea; any other control character is refused, since the reason is printed on
 * terminals, in log lines and in notifications.
 */
export const reasonSchema = withoutControlCharacters(z.string().trim().min(1, 'a reason is required').max(REASON_MAX_LENGTH), 'text');

/**
 * A reason written for the operator that quotes one they wrote (an undo quoting the mark's reason):
 * `words` then the quote in “ ”. A quote that would take it past REASON_MAX_LENGTH is cut, at a
 * character, never inside a surrogate pair, and ends with "…" — else a reason that filled its box
 * could never be undone. `quotedLength` says how much of the quote is kept, for the form to say so.
 */
export function reasonQuoting(words: string, quote: string): { reason: string; shortened: boolean; quotedLength: number } {
  const whole = `${words}“${quote}”`;
  if (whole.length <= REASON_MAX_LENGTH) return { reason: whole, shortened: false, quotedLength: quote.length };
  const room = REASON_MAX_LENGTH - words.length - '“…”'.length;
  let kept = '';
  for (const character of quote) {
    if (kept.length + character.length > room) break;
    kept += character;
  }
  kept = kept.trimEnd();
  return { reason: `${words}“${kept}…”`, shortened: true, quotedLength: kept.length };
}

/**
 * A task's source spec (`file:PATH`, `synthetic:…`, `congress:URL`; DESIGN §3) — one line, printed
 * by `tasks show|list`, in notifications and log lines: no control character at all, tabs and line
 * breaks included (the 'name' rule), as none belongs in a path or URL.
 */
export const sourceSpecSchema = withoutControlCharacters(z.string().trim().min(1).max(2_000), 'name');
