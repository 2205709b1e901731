import { z } from 'zod';
import { GatehouseError, toErrorPayload } from '../../shared/errors.js';
import { API_METHODS, isApiMethod, type ApiHandlers, type ApiMethod, type ApiResult } from '../../shared/api.js';
import { redactSecrets } from '../../shared/redact.js';

/**
 * The one door into the API for every transport: checks the method name, parses the payload with
 * the method's zod schema, runs the handler, checks its output, and wraps any failure as
 * `{ ok: false, error: { code, message, hint } }` with secrets redacted.
 */
export async function dispatch(handlers: ApiHandlers, method: string, payload: unknown): Promise<ApiResult<unknown>> {
  try {
    if (!isApiMethod(method)) throw new GatehouseError('NOT_FOUND', `unknown API method "${method}"`);
    const input = parseInput(method, payload);
    const handler = handlers[method] as (input: unknown) => Promise<unknown>;
    const output = API_METHODS[method].output.parse(await handler(input));
    return { ok: true, data: output };
  } catch (error) {
    const payloadOut = toErrorPayload(error);
    return { ok: false, error: { ...payloadOut, message: redactSecrets(payloadOut.message) } };
  }
}

function parseInput(method: ApiMethod, payload: unknown): unknown {
  const parsed = API_METHODS[method].input.safeParse(payload ?? undefined);
  if (parsed.success) return parsed.data;
  throw new GatehouseError('INPUT_INVALID', `bad input for ${method}: ${z.prettifyError(parsed.error).replace(/\s*\n\s*/g, '; ')}`);
}

/** HTTP status for an error code, so plain HTTP tools see a failure too. */
export function httpStatusOf(result: ApiResult<unknown>): number {
  if (result.ok) return 200;
  switch (result.error.code) {
    case 'USAGE':
    case 'INPUT_INVALID':
    case 'SOURCE_SPEC_UNKNOWN':
    case 'SOURCE_UNREADABLE':
      return 400;
    case 'NOT_FOUND':
      return 404;
    case 'LOCK_HELD':
    case 'CONFLICT':
      return 409;
    default:
      return 500;
  }
}
