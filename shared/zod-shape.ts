import type * as z from 'zod';

/** The parts of a zod 4 schema's definition read here (zod keeps them under `_zod.def`). */
export type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  /** A record's values (a task's sensitivity per metric). */
  valueType?: z.ZodType;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  options?: z.ZodType[];
  entries?: Record<string, string | number>;
  values?: unknown[];
};

export function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/** The schema a field holds once optional, nullable, default and transform wrappers are set aside. */
export function unwrapped(schema: z.ZodType): z.ZodType {
  let inner = schema;
  for (let def = defOf(inner); def.innerType || def.in; def = defOf(inner)) inner = (def.innerType ?? def.in)!;
  return inner;
}

/** What a field holds once optional, nullable, default and transform wrappers are set aside. */
export function core(schema: z.ZodType): Def {
  return defOf(unwrapped(schema));
}

function numberRange(schema: z.ZodNumber): string {
  const kind = schema.isInt ? 'a whole number' : 'a number';
  const bounded = (limit: number | null): limit is number => limit !== null && Math.abs(limit) < Number.MAX_SAFE_INTEGER;
  // positive() keeps 0 as its minValue, exclusive: the bound is whatever the schema itself takes.
  const low = bounded(schema.minValue) && !schema.safeParse(schema.minValue).success && schema.isInt ? schema.minValue + 1 : schema.minValue;
  const high = schema.maxValue;
  if (bounded(low) && bounded(high)) return `${kind} from ${low} to ${high}`;
  if (bounded(low)) return `${kind} ≥ ${low}`;
  return bounded(high) ? `${kind} ≤ ${high}` : kind;
}

function textLength(schema: z.ZodString): string {
  const { minLength: low, maxLength: high } = schema;
  if (high === null) return low !== null && low > 0 ? (low === 1 ? 'text, not empty' : `text of at least ${low} characters`) : 'text';
  return `text of ${low !== null && low > 0 ? low : 0} to ${high} characters`;
}

/** What a field takes, in words: a number's whole range, a text's length, each side of a union. */
function accepted(schema: z.ZodType): string {
  const inner = unwrapped(schema);
  const def = defOf(inner);
  if (def.type === 'enum') return `one of ${Object.values(def.entries!).join(', ')}`;
  if (def.type === 'literal') return def.values!.map(String).join(' or ');
  if (def.type === 'number') return numberRange(inner as z.ZodNumber);
  if (def.type === 'string') return textLength(inner as z.ZodString);
  if (def.type === 'union') return def.options!.map(accepted).join(', or ');
  return def.type === 'boolean' ? 'true or false' : 'text';
}

/** Zod's own wording, not a schema's message: "Too big: expected number to be <=90" states half of the rule. */
const ZOD_DEFAULT_MESSAGE = /^(Invalid input|Too (big|small)|Invalid option)/;

/** The fields whose rule `accepted` words in full; an enum's is the one the command line states ("must be one of success, failed, …"). */
const RULES_IN_WORDS = new Set(['number', 'union', 'string', 'enum', 'boolean']);

/**
 * The rule a problem broke, as both transports state it: a schema's own message as written; for a
 * number, a text, a choice of words, a yes/no or a union (a sensitivity: a level or a number of sigmas),
 * what the field takes ("must be a whole number from 1 to 90", "must be one of ok, anomalous, …")
 * instead of zod's half of it.
 */
export function ruleOf(field: z.ZodType, issue: z.core.$ZodIssue): string {
  const type = core(field).type;
  return RULES_IN_WORDS.has(type) && ZOD_DEFAULT_MESSAGE.test(issue.message) ? ruleFor(field) : issue.message;
}

/** What a field takes, as ruleOf states a problem with it: for a form that checks a value before sending it. */
export function ruleFor(field: z.ZodType): string {
  return `must be ${accepted(field)}`;
}

/** The field an issue's path leads to, through objects, lists and records; undefined past what the schema describes. */
export function fieldAt(schema: z.ZodType, path: readonly PropertyKey[]): z.ZodType | undefined {
  let field: z.ZodType | undefined = schema;
  for (const key of path) {
    const def: Def | undefined = field && core(field);
    field = def?.type === 'array' ? def.element : def?.type === 'record' ? def.valueType : def?.shape?.[String(key)];
  }
  return field;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * The keys of `value` that `schema` does not name, as "path: key" problems. Zod's plain objects
 * drop such keys without a word, so a typo (`runID`, `limt`) would quietly read as "not given" and
 * the caller would get the default instead of what was asked. Read from the schema, not from the
 * parsed result, so the typo is named even when the same payload fails for another reason (the
 * required `runId` that `runID` was meant to be). Objects that declare their own catchall (strict
 * ones report the key themselves, open ones allow it) and unions are left to zod.
 */
export function unrecognizedFields(schema: z.ZodType, value: unknown, path: (string | number)[] = []): string[] {
  const def = core(schema);
  if (def.type === 'array' && Array.isArray(value)) return value.flatMap((item, index) => unrecognizedFields(def.element!, item, [...path, index]));
  if (def.type !== 'object' || def.catchall !== undefined || !isPlainObject(value)) return [];
  const shape = def.shape ?? {};
  return Object.entries(value).flatMap(([key, item]) => {
    if (item === undefined) return [];
    if (!Object.prototype.hasOwnProperty.call(shape, key)) return [`✖ Unrecognized key: "${key}"${path.length > 0 ? `; → at ${formatPath(path)}` : ''}`];
    return unrecognizedFields(shape[key]!, item, [...path, key]);
  });
}

function formatPath(path: (string | number)[]): string {
  return path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${key}` : key), '');
}
