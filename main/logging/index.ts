import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { RunEvent } from '../../shared/run.js';
import { redactSecrets } from '../../shared/redact.js';
import { terminalSafeJson, terminalText } from '../../shared/terminal-text.js';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, string | number | boolean | null | undefined>;

/**
 * One logger for the whole program: JSON lines to a file in the data folder, short human
 * lines on a terminal. Secrets are redacted here, so no call site can forget. Each module takes
 * its own named logger (`logger('scheduler')`); its lines carry `module`.
 */
export interface Logger {
  log(level: LogLevel, message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields` (a run id, a batch number). */
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** JSON-lines file; null for none. */
  file?: string | null;
  /** Short human lines (e.g. stderr); only warnings and errors unless `terminalLevel` says otherwise. */
  terminal?: ((line: string) => void) | null;
  terminalLevel?: TerminalLevel;
  clock?: () => Date;
}

/** `silent`: this logger writes only to the file. */
type TerminalLevel = LogLevel | 'silent';
const LEVEL_ORDER: Record<TerminalLevel, number> = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 };

interface Sinks {
  file: ((line: string) => void) | null;
  terminal: ((line: string) => void) | null;
  clock: () => Date;
}

function sinksFor(options: LoggerOptions): Sinks {
  return { file: options.file ? openAppender(options.file) : null, terminal: options.terminal ?? null, clock: options.clock ?? (() => new Date()) };
}

/** The data folder: $GATEHOUSE_DATA, or ~/.gatehouse. */
export function dataFolder(): string {
  return process.env.GATEHOUSE_DATA ?? path.join(os.homedir(), '.gatehouse');
}

/** $GATEHOUSE_LOG_FILE, or gatehouse.log in the data folder. */
export function defaultLogFile(): string {
  return process.env.GATEHOUSE_LOG_FILE ?? path.join(dataFolder(), 'gatehouse.log');
}

let processSinks: Sinks | null = null;

/** Where every named logger of this process writes; until called, the data folder's log file only. */
export function configureLogging(options: LoggerOptions): void {
  processSinks = sinksFor(options);
}

/** The named logger of one module, writing where the process's logging was configured. */
export function logger(module: string, options: { terminalLevel?: TerminalLevel } = {}): Logger {
  const sinks = () => (processSinks ??= sinksFor({ file: defaultLogFile() }));
  return loggerOver(sinks, options.terminalLevel ?? 'warn', { module });
}

/** A logger with its own sinks (tests, and a shell with its own log file). */
export function createLogger(options: LoggerOptions = {}, bound: LogFields = {}): Logger {
  const sinks = sinksFor(options);
  return loggerOver(() => sinks, options.terminalLevel ?? 'warn', bound);
}

/** How a level reads on a terminal: people read "warning", not the file's level name. */
const TERMINAL_PREFIX: Record<LogLevel, string> = { debug: '', info: '', warn: 'warning: ', error: 'error: ' };

function loggerOver(sinks: () => Sinks, terminalLevel: TerminalLevel, bound: LogFields): Logger {
  const log = (level: LogLevel, message: string, fields: LogFields = {}) => {
    const { file, terminal, clock } = sinks();
    const clean = redactSecrets(message);
    file?.(terminalSafeJson(JSON.stringify({ time: clock().toISOString(), level, msg: clean, ...redactFields({ ...bound, ...fields }) })));
    if (terminal && LEVEL_ORDER[level] >= LEVEL_ORDER[terminalLevel]) {
      terminal(`gatehouse: ${TERMINAL_PREFIX[level]}${terminalLines(clean)}`);
    }
  };
  return loggerFrom(log);
}

/**
 * A message as a terminal line shows it: a task name, a title or a reason quoted in it cannot
 * recolour or retitle the terminal (its controls are shown as escapes, shared/terminal-text), nor
 * forge a line of its own — what follows a line break it holds is indented under the message, as a
 * hint is, never a line that starts "gatehouse: error:".
 */
function terminalLines(message: string): string {
  return terminalText(message).replace(/\n/g, '\n  ');
}

/** The level shortcuts and children around one `log` function. */
function loggerFrom(log: Logger['log']): Logger {
  return {
    log,
    info: (message, fields) => log('info', message, fields),
    warn: (message, fields) => log('warn', message, fields),
    error: (message, fields) => log('error', message, fields),
    child: (bound) => loggerFrom((level, message, fields = {}) => log(level, message, { ...bound, ...fields })),
  };
}

function redactFields(fields: LogFields): LogFields {
  const clean: LogFields = {};
  for (const [key, value] of Object.entries(fields)) clean[key] = typeof value === 'string' ? redactSecrets(value) : value;
  return clean;
}

/** Appends lines synchronously: a crash right after a line must not lose it. */
function openAppender(file: string): (line: string) => void {
  let fd: number | null = null;
  return (line) => {
    try {
      if (fd === null) {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fd = fs.openSync(file, 'a');
      }
      fs.writeSync(fd, `${line}\n`);
    } catch {
      // A log that cannot be written must never stop an update.
    }
  };
}

/** Turns engine events into log lines that carry the run id and the batch number. */
export function logRunEvents(logger: Logger): (event: RunEvent) => void {
  return (event) => {
    switch (event.type) {
      case 'run-started':
        logger.info(`run ${event.runId} started (${event.mode}, batch size ${event.batchSize})`, { runId: event.runId });
        break;
      case 'batch-finished': {
        const b = event.batch;
        const level: LogLevel = b.status === 'committed' ? 'info' : 'warn';
        logger.log(level, `batch ${b.seq} ${b.status}: ${b.written} written, ${b.quarantined} quarantined${b.error ? ` (${b.error})` : ''}`, {
          runId: event.runId,
          batch: b.seq,
          status: b.status,
          retries: b.retries,
          durationMs: b.durationMs,
        });
        break;
      }
      case 'warning':
        logger.warn(event.message, { runId: event.runId });
        break;
      case 'run-finished': {
        const s = event.summary;
        logger.info(`run ${s.runId} ${s.status}: ${s.metrics.fetched} fetched, ${s.metrics.added} added, ${s.metrics.updated} updated, ${s.metrics.quarantined} quarantined`, {
          runId: s.runId,
          status: s.status,
          verdict: s.validation?.verdict ?? null,
        });
        break;
      }
      case 'progress':
        break;
    }
  };
}
