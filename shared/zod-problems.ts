import type * as z from 'zod';

/** The first problem zod found, as one line a person can fix ("history[3].metrics.fetched: ..."). */
export function describeZodError(error: z.ZodError, within = ''): string {
  const [first] = error.issues;
  if (!first) return `${within || 'input'} does not match the expected shape`;
  const path = first.path.reduce<string>((text, key) => (typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key)), within);
  const more = error.issues.length > 1 ? ` (and ${error.issues.length - 1} more problem${error.issues.length > 2 ? 's' : ''})` : '';
  return `${path || 'input'}: ${first.message}${more}`;
}
