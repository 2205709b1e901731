import fs from 'node:fs';
import { notificationChannels, Notifier, type NotificationChannel } from '../scheduler/index.js';
import type { Store } from '../store/index.js';

/**
 * Notification lines: appended as JSON to $GATEHOUSE_LOG_FILE when set, otherwise one short
 * line on stderr (stdout stays clean for --json).
 */
export function cliLog(): (line: string) => void {
  const file = process.env.GATEHOUSE_LOG_FILE;
  if (file) return (line) => fs.appendFileSync(file, `${line}\n`);
  return (line) => {
    const parsed = JSON.parse(line) as { title?: string; body?: string; event?: string };
    process.stderr.write(`gatehouse: ${parsed.title ? `${parsed.title} — ${parsed.body ?? ''}` : line}\n`);
  };
}

/** The CLI's notifier: log (the desktop's stand-in when headless) plus $GATEHOUSE_WEBHOOK_URL when set. */
export function cliNotifier(store: Store | null, options: { webhookUrl?: string; extraChannels?: NotificationChannel[] } = {}): Notifier {
  const webhookUrl = options.webhookUrl ?? (process.env.GATEHOUSE_WEBHOOK_URL || undefined);
  const channels = [...notificationChannels({ log: cliLog(), webhookUrl }), ...(options.extraChannels ?? [])];
  return new Notifier({ store, channels });
}
