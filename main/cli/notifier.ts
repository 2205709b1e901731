import { logger, type LogFields } from '../logging/index.js';
import { notificationChannels, Notifier, type NotificationChannel } from '../scheduler/index.js';
import type { Store } from '../store/index.js';

/** Notifications are news for whoever runs the command: every one is shown on the terminal. */
const log = logger('notify', { terminalLevel: 'info' });

/**
 * Notification lines go through the one logger: a JSON line in the data folder's log (or
 * $GATEHOUSE_LOG_FILE) and a short line on stderr, so stdout stays clean for --json.
 */
export function cliLog(): (line: string) => void {
  return (line) => {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const fields: LogFields = { event: 'notification' };
    for (const [key, value] of Object.entries(parsed)) {
      const reserved = key === 'level' || key === 'time' || key === 'msg';
      if (!reserved && ['string', 'number', 'boolean'].includes(typeof value)) fields[key] = value as string | number | boolean;
    }
    const title = typeof parsed.title === 'string' ? parsed.title.replace(/^Gatehouse: /, '') : null;
    const level = parsed.level === 'error' ? 'error' : parsed.level === 'warning' || parsed.level === 'warn' ? 'warn' : 'info';
    log.log(level, title ? `${title} — ${String(parsed.body ?? '')}` : line, fields);
  };
}

/** The CLI's notifier: log (the desktop's stand-in when headless) plus $GATEHOUSE_WEBHOOK_URL when set. */
export function cliNotifier(store: Store | null, options: { webhookUrl?: string; extraChannels?: NotificationChannel[] } = {}): Notifier {
  const webhookUrl = options.webhookUrl ?? (process.env.GATEHOUSE_WEBHOOK_URL || undefined);
  const channels = [...notificationChannels({ log: cliLog(), webhookUrl }), ...(options.extraChannels ?? [])];
  return new Notifier({ store, channels });
}
