import { logger, type LogFields } from '../logging/index.js';
import { notificationChannels, Notifier, type NotificationCause, type NotificationChannel } from '../scheduler/index.js';
import type { Store } from '../store/index.js';

/** Notifications are news for whoever runs the command: every one is shown on the terminal. */
const log = logger('notify', { terminalLevel: 'info' });
const fileOnly = logger('notify', { terminalLevel: 'silent' });

/**
 * The notices of a run's own end, whose body is the summary's error (notificationsForRun). A command
 * that prints the run's summary says that reason there, so the terminal keeps the summary's line and
 * these go to the log file (and webhook) only: the summary's line is printed every time, beside the
 * run's counts, while the throttle holds a second notice of the hour back, which left an operator
 * with the reason twice or, within the hour, only once by chance.
 */
const SAID_BY_THE_SUMMARY: ReadonlySet<NotificationCause> = new Set(['run-failed', 'run-interrupted', 'rollback']);

/**
 * Notification lines go through the one logger: a JSON line in the data folder's log (or
 * $GATEHOUSE_LOG_FILE) and a short line on stderr, so stdout stays clean for --json.
 */
export function cliLog(options: { summaryPrinted?: boolean } = {}): (line: string) => void {
  return (line) => {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const fields: LogFields = { event: 'notification' };
    for (const [key, value] of Object.entries(parsed)) {
      const reserved = key === 'level' || key === 'time' || key === 'msg';
      if (!reserved && ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value as string | number | boolean;
    }
    const title = typeof parsed.title === 'string' ? parsed.title.replace(/^Gatehouse: /, '') : null;
    const level = parsed.level === 'error' ? 'error' : parsed.level === 'warning' || parsed.level === 'warn' ? 'warn' : 'info';
    const quiet = options.summaryPrinted === true && SAID_BY_THE_SUMMARY.has(parsed.cause as NotificationCause);
    (quiet ? fileOnly : log).log(level, title ? `${title} — ${String(parsed.body ?? '')}` : line, fields);
  };
}

/** The CLI's notifier: log (the desktop's stand-in when headless) plus $GATEHOUSE_WEBHOOK_URL when set. */
/** `summaryPrinted`: the command prints the run's summary with its reason for people (not --json): see SAID_BY_THE_SUMMARY. */
export function cliNotifier(store: Store | null, options: { webhookUrl?: string; extraChannels?: NotificationChannel[]; summaryPrinted?: boolean } = {}): Notifier {
  const webhookUrl = options.webhookUrl ?? (process.env.GATEHOUSE_WEBHOOK_URL || undefined);
  const channels = [...notificationChannels({ log: cliLog({ summaryPrinted: options.summaryPrinted }), webhookUrl }), ...(options.extraChannels ?? [])];
  return new Notifier({ store, channels });
}
