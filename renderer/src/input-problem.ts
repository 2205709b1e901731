import type { z } from 'zod';
import { API_METHODS, type ApiInput, type ApiMethod } from '../../shared/api.js';
import { core, fieldAt, ruleOf } from '../../shared/zod-shape.js';

/**
 * How a form names an input field: its label, and, where the form shows the value in other units
 * than the API takes it (a percentage sent as a fraction), the rule in the form's units.
 */
export type FieldWords = string | { label: string; rule: string };

/**
 * The form's fields by input path: `stages.0.windowHours` for one field, `stages.*.windowHours`
 * for every item of a list.
 */
export type FormFields = Record<string, FieldWords>;

function wordsFor(fields: FormFields, path: readonly PropertyKey[]): FieldWords | undefined {
  return fields[path.map(String).join('.')] ?? fields[path.map((key) => (typeof key === 'number' ? '*' : String(key))).join('.')];
}

/** An input path a form did not label, in words: `seedHistoryDays` → "Seed history days". */
function spelledOut(path: readonly PropertyKey[]): string {
  const last = [...path].reverse().find((key) => typeof key === 'string');
  const words = String(last ?? 'input').replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** The value at an issue's path in the input as the form sent it. */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  return value;
}

/**
 * What is wrong with a form's input, checked against the API method's own schema before it is sent,
 * as one sentence per field ("Value: must be a whole number from 1 to 10000."): the field as the
 * form labels it and the rule it broke as both transports word it (ruleOf). null when the schema
 * takes the input. The server would refuse the same input in the API's words — "bad input for
 * rollouts.start … → at flagChanges[0].value" — which name a method and a path, not a field.
 */
export function inputProblem(schema: z.ZodType, input: unknown, fields: FormFields): string | null {
  const parsed = schema.safeParse(input);
  if (parsed.success) return null;
  const sentences = parsed.error.issues.map((issue) => {
    const words = wordsFor(fields, issue.path);
    const field = fieldAt(schema, issue.path);
    const label = words === undefined ? spelledOut(issue.path) : typeof words === 'string' ? words : words.label;
    const rule = typeof words === 'object' ? words.rule : field ? ruleOf(field, issue) : issue.message;
    // A number box left empty reads as '' (v-model.number): say so, not only what it takes.
    const emptyNumber = field !== undefined && core(field).type === 'number' && valueAt(input, issue.path) === '';
    return emptyNumber ? `${label}: empty; it ${rule}.` : `${label}: ${rule}.`;
  });
  return [...new Set(sentences)].join(' ');
}

/** A form's input refused before sending, in the form's words: its message is what the form shows. */
export class FormInputError extends Error {}

/** The input itself when the schema takes it; otherwise throws the form's words for what is wrong (inputProblem). */
export function checkedInput<T>(schema: z.ZodType, input: T, fields: FormFields): T {
  const problem = inputProblem(schema, input, fields);
  if (problem !== null) throw new FormInputError(problem);
  return input;
}

/**
 * The input of an API method as a form sends it, checked against the method's own schema first
 * (checkedInput): a reason holding a control character, say, is refused as "Reason: contains the
 * control character U+001B (ESC) at character 6." beside the box, not in the API's words. Fields
 * the form does not label are named from their input path (`reason` → "Reason").
 */
export function formInput<M extends ApiMethod>(method: M, input: ApiInput<M>, fields: FormFields = {}): ApiInput<M> {
  return checkedInput(API_METHODS[method].input, input, fields);
}
