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

/** Who reads an error: a terminal (`gatehouse …`), or the console and other API callers. */
export type Surface = 'cli' | 'console';

/**
 * A hint whose next step differs by surface: a command line names flags and commands, the console
 * names its pages and buttons. One error, one message, the hint rendered for whoever reads it.
 */
export interface SurfaceHint {
  cli: string;
  console: string;
}

/** A hint as `surface` words it. */
export function hintFor(hint: string | SurfaceHint, surface: Surface): string {
  return typeof hint === 'object' ? hint[surface] : hint;
}

export class GatehouseError extends Error {
  readonly code: ErrorCode;
  /** The hint as given: one text for every surface, or one per surface. */
  readonly hints: string | SurfaceHint | undefined;

  constructor(code: ErrorCode, message: string, options: { hint?: string | SurfaceHint; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'GatehouseError';
    this.code = code;
    this.hints = options.hint;
  }

  /** The hint as the command line words it. */
  get hint(): string | undefined {
    return this.hintFor('cli');
  }

  hintFor(surface: Surface): string | undefined {
    return this.hints === undefined ? undefined : hintFor(this.hints, surface);
  }

  toPayload(surface: Surface = 'cli'): ErrorPayload {
    const hint = this.hintFor(surface);
    return hint === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, hint };
  }
}

export function isGatehouseError(error: unknown): error is GatehouseError {
  return error instanceof GatehouseError;
}

/** Anything thrown, as a payload a person can read; unknown errors keep their message only. */
export function toErrorPayload(error: unknown, surface: Surface = 'cli'): ErrorPayload {
  if (isGatehouseError(error)) return error.toPayload(surface);
  const message = error instanceof Error ? error.message : String(error);
  return { code: 'INTERNAL', message };
}

/**
 * How work that threw ended: a stop the analyst asked for (Ctrl-C, SIGTERM, a console shutting
 * down) is no failure, so readers that count failures — the attempts, the console's trial job and
 * its operations list — must not count it.
 */
export function endOf(error: unknown): 'stopped' | 'failed' {
  return error instanceof GatehouseError && error.code === 'INTERRUPTED' ? 'stopped' : 'failed';
}
