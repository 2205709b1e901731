import { isGatehouseError, type ErrorCode } from '../../shared/errors.js';
import type { RunStatus } from '../../shared/run.js';
import { redactSecrets } from '../../shared/redact.js';

/** The one table from error codes to exit codes (DESIGN §3). */
const EXIT_CODE_BY_ERROR: Record<ErrorCode, number> = {
  USAGE: 2,
  INPUT_INVALID: 2,
  SOURCE_UNREADABLE: 2,
  SOURCE_SPEC_UNKNOWN: 2,
  DB_NOT_WRITABLE: 2,
  SCHEMA_TOO_NEW: 2,
  NOT_FOUND: 2,
  CONFLICT: 2,
  UNSUPPORTED: 2,
  LOCK_HELD: 5,
  SOURCE_FETCH_FAILED: 4,
  SOURCE_AUTH_REFUSED: 4,
  DB_UNREACHABLE: 4,
  INVARIANT_BROKEN: 4,
  INTERRUPTED: 130,
  INTERNAL: 1,
};

export const EXIT_CODE_BY_STATUS: Record<RunStatus, number> = {
  success: 0,
  partial: 3,
  held: 3,
  failed: 4,
  rolled_back: 4,
  interrupted: 130,
  running: 1,
};

export function exitCodeFor(error: unknown): number {
  return isGatehouseError(error) ? EXIT_CODE_BY_ERROR[error.code] : 1;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** One clear line on stderr; the stack only with --debug. */
export function reportError(error: unknown, debug: boolean): void {
  const message = error instanceof Error ? error.message : String(error);
  const prefix = isGatehouseError(error) ? '' : 'unexpected error: ';
  process.stderr.write(`gatehouse: ${prefix}${redactSecrets(message)}\n`);
  if (isGatehouseError(error) && error.hint) process.stderr.write(`  hint: ${error.hint}\n`);
  if (debug && error instanceof Error && error.stack) process.stderr.write(`${redactSecrets(error.stack)}\n`);
}

/** Fixed-width table for terminals; `--json` is the machine format. */
export function printTable(headers: string[], rows: (string | number | null)[][]): void {
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === null ? '—' : String(cell))))];
  const widths = headers.map((_, i) => Math.max(...cells.map((row) => row[i]!.length)));
  for (const row of cells) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}
