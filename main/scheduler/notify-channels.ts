import { GatehouseError } from '../../shared/errors.js';
import { redactSecrets } from '../../shared/redact.js';

export type NotificationCause = 'batch-failed' | 'run-anomalous' | 'run-failed' | 'run-interrupted' | 'rollback' | 'restore' | 'missed-runs' | 'coverage-gap' | 'rollout-breach' | 'rollout-held' | 'scheduler-paused' | 'test';
export type NotificationLevel = 'info' | 'warning' | 'error';

export interface Notification {
  cause: NotificationCause;
  /** What the cause is about (a task name, `manual`): throttling is per cause and subject. */
  subject: string;
  level: NotificationLevel;
  title: string;
  body: string;
  runId?: number;
  /**
   * An operator's act on the data (a rollback, a restore): announced every time, never throttled. The throttle
   * folds alarms that repeat (a task failing hourly); a second rollback within the hour is news of
   * its own, and support must hear of each one.
   */
  operatorAct?: true;
}

/** A notification as delivered: with when, and how many like it were folded into it. */
export interface DeliveredNotification extends Notification {
  at: string;
  folded: number;
}

export interface NotificationChannel {
  readonly name: string;
  send(notification: DeliveredNotification): Promise<void>;
}

/** What the Electron shell implements with `Notification`; headless processes use the log instead. */
export interface DesktopNotifier {
  show(title: string, body: string): void;
}

export function bodyWithFolded(notification: DeliveredNotification): string {
  if (notification.folded === 0) return notification.body;
  const more = notification.folded === 1 ? '1 more like it' : `${notification.folded} more like it`;
  return `${notification.body} (${more} since the last message)`;
}

export function logChannel(write: (line: string) => void): NotificationChannel {
  return {
    name: 'log',
    async send(n) {
      write(JSON.stringify({ at: n.at, level: n.level, event: 'notification', cause: n.cause, subject: n.subject, runId: n.runId ?? null, folded: n.folded, title: n.title, body: n.body }));
    },
  };
}

export function desktopChannel(desktop: DesktopNotifier): NotificationChannel {
  return {
    name: 'desktop',
    async send(n) {
      desktop.show(n.title, bodyWithFolded(n));
    },
  };
}

/** Slack and Discord incoming webhooks want their own shapes; anything else gets the generic JSON. */
export function webhookPayload(url: URL, n: DeliveredNotification): unknown {
  const text = `${n.title}\n${bodyWithFolded(n)}`;
  if (url.hostname === 'hooks.slack.com') return { text };
  if (/^(www\.)?discord(app)?\.com$/.test(url.hostname) && url.pathname.startsWith('/api/webhooks')) return { content: text };
  return {
    source: 'gatehouse',
    cause: n.cause,
    subject: n.subject,
    level: n.level,
    title: n.title,
    body: n.body,
    runId: n.runId ?? null,
    folded: n.folded,
    at: n.at,
  };
}

export function parseWebhookUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new GatehouseError('USAGE', `webhook URL is not a URL: "${redactSecrets(text)}"`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new GatehouseError('USAGE', 'webhook URL must be http:// or https://');
  return url;
}

/**
 * fetch refuses a URL with `user:password@` in it; receivers that take basic auth are common, so the
 * credentials travel the way curl sends them, as an Authorization header.
 */
function splitCredentials(url: URL): { target: URL; authorization: string | null } {
  if (url.username === '' && url.password === '') return { target: url, authorization: null };
  const target = new URL(url);
  target.username = '';
  target.password = '';
  const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
  return { target, authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
}

export function webhookChannel(urlText: string, options: { timeoutMs?: number } = {}): NotificationChannel {
  const { target, authorization } = splitCredentials(parseWebhookUrl(urlText));
  return {
    name: 'webhook',
    async send(n) {
      let response: Response;
      try {
        response = await fetch(target, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
          body: JSON.stringify(webhookPayload(target, n)),
          signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
        });
      } catch (error) {
        // undici says only "fetch failed"; why (refused, no such host, timed out) is in its cause.
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new Error(`webhook ${target.host} unreachable: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
      }
      if (!response.ok) throw new Error(`webhook ${target.host} answered ${response.status}`);
    },
  };
}
