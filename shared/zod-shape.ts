import type { z } from 'zod';

/** The parts of a zod 4 schema's definition read here (zod keeps them under `_zod.def`). */
export type Def = {
  type: string;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
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
