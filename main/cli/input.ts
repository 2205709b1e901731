import { z } from 'zod';
import { GatehouseError } from '../../shared/errors.js';
import { core, type Def } from '../../shared/zod-shape.js';

/**
 * Command-line options parsed with the API's own zod schemas, so a value the console would refuse
 * is refused here with the same rule. Options arrive as text: where the schema wants a number the
 * text is read as one, where it wants a list a comma-separated value is split; everything else is
 * the schema's to judge. Problems name the option as typed (`--batch-size`), not the field.
 */
type Schema = z.ZodType;

function fromText(def: Def, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  if (def.type === 'number') return /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
  if (def.type === 'array') return value.split(',').map((item) => fromText(core(def.element!), item.trim())).filter((item) => item !== '');
  return value;
}

export function optionName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

function describe(issue: z.core.$ZodIssue, given: unknown, name: string): string {
  if (issue.code === 'invalid_type' && given === undefined) return `${name} is required`;
  if (issue.code === 'invalid_type' && issue.expected === 'number') return `${name} must be a whole number, got "${String(given)}"`;
  if (issue.code === 'invalid_value') return `${name} must be one of ${issue.values.map(String).join(', ')}, got "${String(given)}"`;
  return `${name}: ${issue.message}`;
}

/**
 * Parses `values` (keyed as the schema's fields; undefined means not given) with `schema`.
 * `names` says how a field is spelt on the command line when it is not `--field-name`.
 */
export function parseOptions<S extends Schema>(schema: S, values: Record<string, unknown>, names: Record<string, string> = {}): z.output<S> {
  const shape = core(schema).shape ?? {};
  const prepared: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (value !== undefined) prepared[key] = shape[key] ? fromText(core(shape[key]), value) : value;
  }
  const parsed = schema.safeParse(prepared);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const key = String(issue.path[0] ?? '');
    const given = issue.path.length > 1 ? (prepared[key] as unknown[])[issue.path[1] as number] : prepared[key];
    return describe(issue, given, names[key] ?? optionName(key));
  });
  throw new GatehouseError('USAGE', [...new Set(problems)].join('; '));
}

/**
 * The console's operator comes from its transport (the session's name, the OS user in the app);
 * on the command line it is `--operator`, the OS user when absent.
 */
const operatorOption = { operator: z.string().trim().max(200).optional() };

export function withOperator<Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>) {
  return schema.extend(operatorOption);
}
