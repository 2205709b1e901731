/**
 * One error type with a stable code. The CLI maps codes to exit codes in one table;
 * IPC and HTTP send `{ code, message, hint }` because only `message` survives Electron's invoke.
 */
export const ERROR_CODES = [
  'USAGE',
  'INPUT_INVALID',
  'SOURCE_UNREADABLE',
  'SOURCE_SPEC_UNKNOWN',
  'SOURCE_FETCH_FAILED',
  'SOURCE_AUTH_REFUSED',
  'DB_UNREACHABLE',
  'DB_NOT_WRITABLE',
  'SCHEMA_TOO_NEW',
  'LOCK_HELD',
  'NOT_FOUND',
  'CONFLICT',
  'INVARIANT_BROKEN',
  'UNSUPPORTED',
  'INTERRUPTED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
  hint?: string;
}

export class GatehouseError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.hint = options.hint;
  }

  toPayload(): ErrorPayload {
    return this.hint === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, hint: this.hint };
  }
}

export function isGatehouseError(error: unknown): error is GatehouseError {
  return error instanceof GatehouseError;
}

/** Anything thrown, as a payload a person can read; unknown errors keep their message only. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (isGatehouseError(error)) return error.toPayload();
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}
