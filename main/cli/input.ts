import * as z from 'zod';
import { operatorNameSchema } from '../../shared/api.js';
import { GatehouseError } from '../../shared/errors.js';
import { core, fieldAt, ruleFor, ruleOf, type Def } from '../../shared/zod-shape.js';

/**
 * Command-line options parsed with the API's own zod schemas, so a value the console would refuse
 * is refused here with the same rule. Options arrive as text: where the schema wants a number the
 * text is read as one, where it wants a list a comma-separated value is split; everything else is
 * the schema's to judge. Problems name the option as typed (`--batch-size`), not the field.
 */
type Schema = z.ZodType;

const NUMBER_TEXT = /^\s*-?\d+(\.\d+)?\s*$/;

/** A union of a number and words (a sensitivity: `high` or `2.5`) reads numeric text as the number; one that also takes free text keeps it as text. */
function readsAsNumber(def: Def): boolean {
  if (def.type === 'number') return true;
  const options = def.type === 'union' ? def.options!.map((option) => core(option).type) : [];
  return options.includes('number') && !options.includes('string');
}

/** "a,,b" or "a," is a slip of the keyboard, not a shorter list: dropping the empty item would run with a filter nobody asked for. */
function listItems(value: string, name: string): string[] {
  const items = value.split(',').map((item) => item.trim());
  if (items.includes('')) throw new GatehouseError('USAGE', `${name} has an empty item in "${value}": separate the values with single commas, none at either end`);
  return items;
}

function fromText(def: Def, value: unknown, name: string): unknown {
  if (typeof value !== 'string') return value;
  if (readsAsNumber(def)) return NUMBER_TEXT.test(value) ? Number(value) : value;
  if (def.type === 'array') return listItems(value, name).map((item) => fromText(core(def.element!), item, name));
  return value;
}

/**
 * How a refusal names a positional id, as a person says it and as `rollout status` always did
 * (`run id must be a whole number ≥ 1`), not as the API's field (`runId`), which the user never typed.
 */
export const POSITIONAL_IDS = { runId: 'run id', rolloutId: 'rollout id', eventId: 'event id' };

export function optionName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** What was given, as a refusal quotes it: a pasted page is counted, not echoed back. */
function quoted(given: unknown): string {
  const text = String(given);
  return text.length > 80 ? `${text.length} characters` : `"${text}"`;
}

/**
 * Digits past 2^53 − 1 are rounded as they are read, so the number's own rule ("a whole number ≥ 1")
 * refused a whole number ≥ 1 the user did type: the bound is what it broke, and is said.
 */
function pastExactWholeNumbers(given: unknown, field: z.ZodType | undefined): boolean {
  return field !== undefined && readsAsNumber(core(field)) && typeof given === 'string' && /^\s*\d+\s*$/.test(given) && !Number.isSafeInteger(Number(given));
}

function describe(issue: z.core.$ZodIssue, given: unknown, name: string, field: z.ZodType | undefined): string {
  if (issue.code === 'invalid_type' && given === undefined) return `${name} is required`;
  if (pastExactWholeNumbers(given, field)) return `${name} must be at most ${Number.MAX_SAFE_INTEGER} (the largest whole number read exactly), got ${quoted(given)}`;
  if (issue.code === 'invalid_value') return `${name} must be one of ${issue.values.map(String).join(', ')}, got ${quoted(given)}`;
  const rule = field ? ruleOf(field, issue) : issue.message;
  // A schema's message stating the field's rule under the API's name for it ("run id must be a whole number ≥ 1")
  // is that rule, named as typed with what was given, as the same option's other refusals are.
  if (field && rule !== ruleFor(field) && rule.endsWith(` ${ruleFor(field)}`)) return `${name} ${ruleFor(field)}, got ${quoted(given)}`;
  return rule === issue.message ? `${name}: ${rule}` : `${name} ${rule}, got ${quoted(given)}`;
}

/**
 * Parses `values` (keyed as the schema's fields; undefined means not given) with `schema`.
 * `names` says how a field is spelt on the command line when it is not `--field-name`.
 */
export function parseOptions<S extends Schema>(schema: S, values: Record<string, unknown>, names: Record<string, string> = {}): z.output<S> {
  const shape = core(schema).shape ?? {};
  const nameOf = (key: string) => names[key] ?? optionName(key);
  const prepared: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) prepared[key] = shape[key] ? fromText(core(shape[key]), value, nameOf(key)) : value;
  }
  const parsed = schema.safeParse(prepared);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const inList = issue.path.length > 1;
    // Quoted as typed: the text, not the number read from it ("99999999999999999999" is not "100000000000000000000").
    const given = inList ? (prepared[key] as unknown[])[issue.path[1] as number] : values[key];
    return describe(issue, given, nameOf(key), fieldAt(schema, issue.path));
  });
  throw new GatehouseError('USAGE', [...new Set(problems)].join('; '));
}

/**
 * The console's operator comes from its transport (the session's name, the OS user in the app);
 * on the command line it is `--operator`, the OS user when absent. Given, it is a name as the
 * console's session takes one: `--operator ''` (an unset variable in a script) is refused, not
 * recorded as whoever runs the command.
 */
const operatorOption = { operator: operatorNameSchema.optional() };

export function withOperator<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>) {
  return schema.extend(operatorOption);
}

/**
 * Commander's parser for a repeatable option: each use adds one value. No default is given with it,
 * so help does not print the internal "(default: [])"; an option never given is undefined.
 */
export function collectRepeated(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
