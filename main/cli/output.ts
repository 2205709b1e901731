import { isGatehouseError, toErrorPayload, type ErrorCode } from '../../shared/errors.js';
import type { RunStatus } from '../../shared/run.js';
import type { TickEntry, TickReport } from '../scheduler/index.js';
import { redactSecrets } from '../../shared/redact.js';
import { API_METHODS, type ApiMethod, type ApiOutput } from '../../shared/api.js';
import { terminalSafeJson, terminalText } from '../../shared/terminal-text.js';
import { isResourceFault } from '../store/index.js';

export { terminalText };

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
  // Not 4: that says the run failed, and no run took place.
  DB_UNREACHABLE: 6,
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

/**
 * A rollback that undid nothing (every hearing skipped as changed again later): DESIGN §3's 4,
 * "failed", since none of what was asked happened — not 0, which scripts read as done, and not 2,
 * which says the request itself was wrong.
 */
export const EXIT_CODE_NOTHING_UNDONE = 4;

/** What `update --help` says of its exit codes, read from the tables above so the two cannot drift. */
export function updateExitCodesHelp(): string {
  const status = EXIT_CODE_BY_STATUS;
  const error = EXIT_CODE_BY_ERROR;
  return [
    '',
    `exit codes: ${status.success} success; ${status.partial} partial (records quarantined, the rest stored) or held for review;`,
    `${status.failed} failed or rolled back; ${error.LOCK_HELD} another run holds the writer lock; ${error.DB_UNREACHABLE} the database cannot be reached (or stayed busy as a resume began), or its disk is full or failing;`,
    `${error.USAGE} usage or input error (nothing read or written); ${status.interrupted} interrupted — the source or the database failed part-way,`,
    `or SIGINT (143: SIGTERM) — and --resume RUN continues it; ${error.INTERNAL} an unexpected error.`,
  ].join('\n');
}

/**
 * `gatehouse scheduler --once`: what a cron wrapper needs from one tick, in `update`'s codes. 4
 * when a task's run failed, was rolled back or stopped short, or the task could not start for any
 * reason but the writer lock; else 5 when the lock was the only trouble (another writer was busy:
 * the tasks try at their next time); else 3 when a run was partial or held; else 0 (runs that
 * worked, times skipped, nothing due). A run HALT_UPDATES stopped is no failure (DESIGN §3's 4 is
 * "failed or rolled back"): support halted updates, as a time skipped while the halt is on says
 * with 0, and the scheduler counts it toward no backoff either.
 */
export function schedulerExitCode(report: TickReport): number {
  // Paused: the database lost a table or its file, whatever each task's entry says.
  if (report.paused) return EXIT_CODE_BY_ERROR[report.paused.code];
  const codes = report.entries.map(tickEntryExitCode);
  // A failure outranks the lock, which outranks a partial run.
  for (const code of [EXIT_CODE_BY_STATUS.failed, EXIT_CODE_BY_ERROR.LOCK_HELD, EXIT_CODE_BY_STATUS.partial]) if (codes.includes(code)) return code;
  return 0;
}

function tickEntryExitCode(entry: TickEntry): number {
  if (entry.outcome === 'skipped' || (entry.outcome === 'ran' && entry.halt)) return 0;
  if (entry.outcome === 'failed') return entry.code === 'LOCK_HELD' ? EXIT_CODE_BY_ERROR.LOCK_HELD : EXIT_CODE_BY_STATUS.failed;
  const code = EXIT_CODE_BY_STATUS[entry.status];
  // Interrupted (130 from `update`, whose --resume continues it): the task's next time resumes it, but this tick's run did not do its work.
  return code === 0 || code === EXIT_CODE_BY_STATUS.partial ? code : EXIT_CODE_BY_STATUS.failed;
}

/** What `scheduler --help` says of `--once`'s exit codes, from the same tables. */
export function schedulerExitCodesHelp(): string {
  const error = EXIT_CODE_BY_ERROR;
  return [
    '',
    `exit codes with --once: 0 every due task ran and succeeded, or nothing was due, or its times were skipped`,
    `(a run HALT_UPDATES stopped counts as one: the report's "halt" says who halted updates, when and why);`,
    `${EXIT_CODE_BY_STATUS.partial} a run was partial or held for review; ${EXIT_CODE_BY_STATUS.failed} a task's run failed, was rolled back or interrupted, or`,
    `a task could not start (its notice and the log's task-failed say why and when it tries next);`,
    `${error.LOCK_HELD} the only trouble was another writer holding the lock (the tasks try at their next time,`,
    `not counted toward their backoff). ${EXIT_CODE_BY_STATUS.failed} outranks ${error.LOCK_HELD}, which outranks ${EXIT_CODE_BY_STATUS.partial}. ${error.DB_UNREACHABLE} the database cannot be reached,`,
    `or lost a table or its file (the scheduler pauses; the report's "paused" says why);`,
    `${error.USAGE} usage error; ${error.INTERNAL} an unexpected error.`,
  ].join('\n');
}

/**
 * A database its disk refused (full, over quota, failing — a SQLite file's, or the PostgreSQL server's),
 * or a server out of memory (isResourceFault), is refused as one a file or mount refuses
 * (DB_NOT_WRITABLE), but its exit code is not usage's 2: nothing in the command was wrong, and the
 * same command works once the disk has room. It is the environment's, as a database that cannot be
 * reached is, and no run took place (one that had would stop as interrupted instead).
 */
const EXIT_CODE_DISK_FAULT = EXIT_CODE_BY_ERROR.DB_UNREACHABLE;

export function exitCodeFor(error: unknown): number {
  if (!isGatehouseError(error)) return 1;
  return error.code === 'DB_NOT_WRITABLE' && isResourceFault(error) ? EXIT_CODE_DISK_FAULT : EXIT_CODE_BY_ERROR[error.code];
}

/** `--json` of a command with no API twin (an update's summary, a verdict): its own shape. */
export function printJson(value: unknown): void {
  process.stdout.write(`${terminalSafeJson(JSON.stringify(value, null, 2))}\n`);
}

/**
 * `--json` of a command that does what an API method does (issue 12): the value passes through
 * that method's output schema, as dispatch() passes the API's answer, so the two print the same
 * keys in the same order and a field one side adds or leaves out fails here, not in a script.
 */
export function printApiJson<M extends ApiMethod>(method: M, value: ApiOutput<M>): void {
  printJson(API_METHODS[method].output.parse(value));
}

/**
 * One clear line on stderr; the stack only with --debug. With --json the error is also printed on
 * stdout as `{"error": {"code", "message", "hint"?}}`, so a script reading stdout always gets JSON.
 * `command` (`runs show`) names what failed, where the command had started.
 */
export function reportError(error: unknown, options: { debug: boolean; json: boolean; command?: string }): void {
  const payload = toErrorPayload(error);
  const message = redactSecrets(payload.message);
  process.stderr.write(`gatehouse: ${isGatehouseError(error) ? terminalText(message) : unexpectedErrorLine(error, message, options)}\n`);
  if (payload.hint) process.stderr.write(`  hint: ${payload.hint}\n`);
  if (options.debug && error instanceof Error && error.stack) process.stderr.write(`${redactSecrets(error.stack)}\n`);
  if (options.json) process.stdout.write(`${terminalSafeJson(JSON.stringify({ error: { ...payload, message } }))}\n`);
}

/**
 * An error no code path foresaw (not a GatehouseError): what failed, that it is a bug or a condition
 * Gatehouse does not handle, and how to get the stack. Not the stack itself: the CLI runs from a
 * minified bundle (dist/cli), whose frames without --debug's source maps name only chunk files and
 * one-letter functions — and one person's terminal is no place for them either way.
 */
function unexpectedErrorLine(error: unknown, message: string, options: { debug: boolean; command?: string }): string {
  const what = options.command === undefined ? 'unexpected error' : `${options.command} failed on an unexpected error`;
  // SyntaxError, TypeError, RangeError: the kind says much of where to look; a plain Error's adds nothing.
  const kind = error instanceof Error && error.name !== 'Error' ? `${error.name}: ` : '';
  const next = options.debug ? '' : '; run again with --debug for the stack trace';
  return `${what} (a bug, or a condition gatehouse does not handle): ${kind}${terminalText(message, { oneLine: true })}${next}`;
}

/**
 * A reader that goes away (`gatehouse runs list | head -1`) is not an error: later writes are
 * dropped and the command finishes its work as it would have — a rollback is not cut short because
 * nobody reads its report. Output that cannot be written (stdout to a full disk: ENOSPC) ends the
 * command at once with one line and exit 1, as the error thrown here once did with Node's stack
 * trace: carrying on, `validate --batch` would have taken the broken stdout for a reader gone away
 * and ended with exit 0, its output cut short.
 */
export function ignoreClosedOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') return;
      if (stream === process.stdout) {
        try {
          process.stderr.write(`gatehouse: cannot write the output: ${terminalText(error.message)}\n`);
        } catch {
          // stderr is gone as well: the exit code is all that is left to tell.
        }
      }
      process.exit(1);
    });
  }
}

/** Fixed-width table for terminals; `--json` is the machine format. */
export function printTable(headers: string[], rows: (string | number | null)[][]): void {
  // One line a row: a newline in a cell would break the table as surely as an ESC breaks the terminal.
  const cells = [headers, ...rows.map((row) => row.map((cell) => (cell === null ? '—' : terminalText(String(cell), { oneLine: true }))))];
  // A loop, not Math.max(...): spreading a few hundred thousand rows as arguments overflows the stack.
  const widths = headers.map((_, i) => cells.reduce((widest, row) => Math.max(widest, row[i]!.length), 0));
  for (const row of cells) process.stdout.write(`${row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()}\n`);
}
