import * as z from 'zod';
import { GatehouseError, toErrorPayload, type ErrorCode } from '../../shared/errors.js';
import { API_METHODS, isApiMethod, type ApiCaller, type ApiHandlers, type ApiMethod, type ApiResult } from '../../shared/api.js';
import { redactSecrets } from '../../shared/redact.js';
import { fieldAt, ruleOf, unrecognizedFields } from '../../shared/zod-shape.js';
import { requireOperator } from './caller.js';

/**
 * The one door into the API for every transport: checks the method name, parses the payload with
 * the method's zod schema, runs the handler with the caller the transport vouches for, checks its
 * output, and wraps any failure as `{ ok: false, error: { code, message, hint } }` with secrets redacted.
 */
export async function dispatch(handlers: ApiHandlers, method: string, payload: unknown, caller: ApiCaller): Promise<ApiResult<unknown>> {
  try {
    if (!isApiMethod(method)) throw new GatehouseError('NOT_FOUND', `unknown API method "${method}"`);
    const input = parseInput(method, withoutCallerName(method, payload ?? undefined, caller));
    const handler = handlers[method] as (input: unknown, caller: ApiCaller) => Promise<unknown>;
    const output = API_METHODS[method].output.parse(await handler(input, caller));
    return { ok: true, data: output };
  } catch (error) {
    // The hint names the console's next step, not a command line's.
    const payloadOut = toErrorPayload(error, 'console');
    return { ok: false, error: { ...payloadOut, message: redactSecrets(payloadOut.message) } };
  }
}

function parseInput(method: ApiMethod, payload: unknown): unknown {
  const schema = API_METHODS[method].input;
  const input = payload;
  const parsed = schema.safeParse(input);
  const problems = [...unrecognizedFields(schema, input), ...(parsed.success ? [] : [z.prettifyError(withRules(schema, parsed.error)).replace(/\s*\n\s*/g, '; ')])];
  if (!parsed.success || problems.length > 0) throw new GatehouseError('INPUT_INVALID', `bad input for ${method}: ${problems.join('; ')}`);
  const withNul = method === 'sources.upload' ? null : fieldWithNul(parsed.data, []);
  if (withNul !== null) throw new GatehouseError('INPUT_INVALID', `bad input for ${method}: ${withNul || 'the input'} cannot hold the NUL character (U+0000)`);
  return parsed.data;
}

/** Each problem worded by the rule it broke, as the command line words it (ruleOf). */
function withRules(schema: z.ZodType, error: z.ZodError): z.ZodError {
  return new z.ZodError(error.issues.map((issue) => {
    const field = fieldAt(schema, issue.path);
    return field ? { ...issue, message: ruleOf(field, issue) } : issue;
  }));
}

const WHO_THE_TRANSPORT_NAMES: Record<ApiCaller['identity'], string> = {
  'os-user': 'the desktop app records the user logged in to this computer',
  session: 'a browser session records the name it gave once',
  'api-token': 'API clients act as the user who started `gatehouse serve`',
};

/**
 * Who calls is the transport's to say (ApiCaller), never the body's. Scripts written when inputs
 * still named an `operator` keep working while it names the caller; one naming someone else is
 * refused, not silently recorded under the caller, so no one believes "carol" did what they did.
 */
function withoutCallerName(method: ApiMethod, payload: unknown, caller: ApiCaller): unknown {
  if (payload === null || typeof payload !== 'object' || Array.isArray(payload) || !('operator' in payload)) return payload;
  const { operator: named, ...input } = payload as Record<string, unknown>;
  const operator = requireOperator(caller);
  if (typeof named === 'string' && named.trim() === operator) return input;
  const shown = typeof named === 'string' ? `"${named.length > 64 ? `${named.slice(0, 64)}…` : named}"` : String(JSON.stringify(named));
  throw new GatehouseError('INPUT_INVALID', `bad input for ${method}: operator ${shown} is not who is calling (${operator}); what you do is recorded under ${operator}, so nothing was done`, {
    hint: `leave operator out of the request: ${WHO_THE_TRANSPORT_NAMES[caller.identity]}`,
  });
}

/**
 * The path of the first text holding U+0000, which PostgreSQL text cannot store: a name, reason or
 * filter with one is refused as bad input on both backends, where PostgreSQL answered a 500 and
 * SQLite stored it. (An uploaded file's content is records, which the record rules judge as a
 * file's; a command line cannot carry the character at all.)
 */
function fieldWithNul(value: unknown, path: (string | number)[]): string | null {
  if (typeof value === 'string') return value.includes('\u0000') ? path.join('.') : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const found = fieldWithNul(item, [...path, key]);
    if (found !== null) return found;
  }
  return null;
}

/**
 * The HTTP status of each error code, so plain HTTP tools see what kind of failure it was. Never
 * 401/403 here: those mean "not signed in" to the console's HTTP client.
 */
export const HTTP_STATUS_BY_ERROR: Record<ErrorCode, number> = {
  USAGE: 400,
  INPUT_INVALID: 400,
  SOURCE_UNREADABLE: 400,
  SOURCE_SPEC_UNKNOWN: 400,
  NOT_FOUND: 404,
  LOCK_HELD: 409,
  CONFLICT: 409,
  /** The database refuses writes (read-only file, full disk): the request was fine, the state is not. */
  DB_NOT_WRITABLE: 409,
  SCHEMA_TOO_NEW: 409,
  UNSUPPORTED: 501,
  /** Congress.gov failed or refused our key: an upstream failure. */
  SOURCE_FETCH_FAILED: 502,
  SOURCE_AUTH_REFUSED: 502,
  DB_UNREACHABLE: 503,
  INTERRUPTED: 503,
  INVARIANT_BROKEN: 500,
  INTERNAL: 500,
};

export function httpStatusOf(result: ApiResult<unknown>): number {
  return result.ok ? 200 : HTTP_STATUS_BY_ERROR[result.error.code];
}
