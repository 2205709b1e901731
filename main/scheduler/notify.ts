import type { RunSummary } from '../../shared/run.js';
import type { RestoreEvent, Store } from '../store/index.js';
import { redactedMessage, redactSecrets } from '../../shared/redact.js';
import { anomalyMessages } from '../../shared/validation.js';
import { logger } from '../logging/index.js';
import {
  desktopChannel,
  logChannel,
  webhookChannel,
  type DesktopNotifier,
  type Notification,
  type NotificationChannel,
} from './notify-channels.js';
import { notificationThrottle } from './task-store.js';
import { counted } from '../../shared/plural.js';
import { terminalText } from '../../shared/terminal-text.js';

const log = logger('notify');

/** One alarm per cause per hour; what comes in between is counted into the next one. An operator's act (a rollback) is never held back. */
export const THROTTLE_WINDOW_MS = 60 * 60_000;

export interface ChannelResult {
  channel: string;
  delivered: boolean;
  /** Why it was not delivered. */
  error?: string;
}

export interface NotifyResult {
  /** Delivered through at least one channel: false when the throttle held it back or every channel failed. */
  sent: boolean;
  folded: number;
  /** Each channel tried, in order, with whether it delivered; a failed channel never stops the others or the caller. */
  channels: ChannelResult[];
}

export interface NotifierOptions {
  /** Where the throttle state lives; null sends everything (e.g. the database is unreachable). */
  store: Store | null;
  channels: NotificationChannel[];
  clock?: () => Date;
  windowMs?: number;
  /** Where a channel's failure is reported. */
  warn?: (message: string) => void;
}

export class Notifier {
  private readonly clock: () => Date;

  constructor(private readonly options: NotifierOptions) {
    this.clock = options.clock ?? (() => new Date());
  }

  /** Never throws: notifying must not turn a finished run into a crash. */
  async notify(notification: Notification): Promise<NotifyResult> {
    const now = this.clock();
    let claim = { send: true, folded: 0 };
    if (this.options.store && !notification.operatorAct) {
      try {
        claim = await notificationThrottle(this.options.store).claim(`${notification.cause}:${notification.subject}`, now, this.options.windowMs ?? THROTTLE_WINDOW_MS);
      } catch (error) {
        this.warn(`notification throttle unavailable, sending anyway: ${(error as Error).message}`);
      }
    }
    if (!claim.send) return { sent: false, folded: claim.folded, channels: [] };
    // Titles and bodies quote task names, reasons and error messages, some stored before their rules
    // refused control characters: every channel gets them with those shown as escapes (line breaks kept).
    const { operatorAct: _act, ...message } = notification;
    const delivered = { ...message, title: terminalText(notification.title), body: terminalText(notification.body), at: now.toISOString(), folded: claim.folded };
    const channels: ChannelResult[] = [];
    for (const channel of this.options.channels) {
      try {
        await channel.send(delivered);
        channels.push({ channel: channel.name, delivered: true });
      } catch (error) {
        const message = redactedMessage(error);
        channels.push({ channel: channel.name, delivered: false, error: message });
        this.warn(`notification via ${channel.name} failed: ${message}`);
      }
    }
    return { sent: channels.some((c) => c.delivered), folded: claim.folded, channels };
  }

  private warn(message: string): void {
    (this.options.warn ?? ((m: string) => log.warn(m)))(message);
  }
}

export interface ChannelConfig {
  /** Lines for the log channel (JSON); absent: no log channel, rather than one that reports lines written nowhere as delivered. */
  log?: (line: string) => void;
  /** The Electron shell's notifier; without it (headless) desktop messages go to the log. */
  desktop?: DesktopNotifier;
  webhookUrl?: string;
}

export function notificationChannels(config: ChannelConfig): NotificationChannel[] {
  const channels: NotificationChannel[] = [];
  if (config.log) channels.push(logChannel(config.log));
  if (config.desktop) channels.push(desktopChannel(config.desktop));
  if (config.webhookUrl) channels.push(webhookChannel(config.webhookUrl));
  return channels;
}

/** What a finished run is worth telling someone about (DESIGN §2 step 9). */
export function notificationsForRun(summary: RunSummary, options: { notifyOnAnomaly: boolean }): Notification[] {
  const subject = summary.task ?? 'manual';
  const who = summary.task ? `task ${summary.task}, run ${summary.runId}` : `run ${summary.runId}`;
  const base = { subject, runId: summary.runId };
  const found: Notification[] = [];
  if (summary.status === 'failed') {
    found.push({ ...base, cause: 'run-failed', level: 'error', title: `Gatehouse: ${who} failed`, body: redactSecrets(summary.error ?? 'the run failed') });
  } else if (summary.status === 'interrupted') {
    // A source outage, a full disk or a lost connection stops a run resumably: a task's next scheduled run resumes it (Scheduler), `--resume` sooner.
    found.push({ ...base, cause: 'run-interrupted', level: 'warning', title: `Gatehouse: ${who} was interrupted`, body: redactSecrets(summary.error ?? 'the run stopped before its last batch') });
  } else if (summary.status === 'rolled_back') {
    found.push({ ...base, cause: 'rollback', level: 'error', title: `Gatehouse: ${who} was rolled back`, body: redactSecrets(summary.error ?? 'no changes were kept') });
  }
  if (summary.batches.failed > 0) {
    found.push({
      ...base,
      cause: 'batch-failed',
      level: 'warning',
      title: `Gatehouse: ${counted(summary.batches.failed, 'batch', 'batches')} failed in ${who}`,
      body: `${summary.batches.succeeded}/${summary.batches.total} batches committed; ${summary.metrics.quarantined} records quarantined`,
    });
  }
  if (options.notifyOnAnomaly && summary.validation?.verdict === 'anomalous') {
    found.push({
      ...base,
      cause: 'run-anomalous',
      level: 'warning',
      title: `Gatehouse: ${who} looks anomalous`,
      body: anomalyMessages(summary.validation.anomalies) || 'the historical validator flagged this run',
    });
  }
  return found;
}

export async function notifyRunOutcome(notifier: Notifier, summary: RunSummary, options: { notifyOnAnomaly: boolean }): Promise<NotifyResult[]> {
  const results: NotifyResult[] = [];
  for (const notification of notificationsForRun(summary, options)) results.push(await notifier.notify(notification));
  return results;
}

/**
 * A rollback done outside a run (main/backup/) reports through here. A warning, not an error: the
 * data changed under everyone else's feet, but nothing failed (the CLI showed the operator who had
 * just rolled back "error: run 1 was rolled back"). The body adds who and why, never the title again:
 * the terminal prints "title — body", and a body that repeated it said the rollback twice.
 */
export function rollbackNotification(what: string, by: { operator: string; reason: string | null }, subject = 'manual'): Notification {
  const body = `by ${by.operator}${by.reason ? `: ${by.reason}` : ''}`;
  return { cause: 'rollback', subject, level: 'warning', title: `Gatehouse: ${what} was rolled back`, body: redactSecrets(body), operatorAct: true };
}

/**
 * Announces an applied rollback, from the CLI and the console alike. One that undid nothing (every
 * hearing skipped as changed again later) says so — its title is not "was rolled back" — with why,
 * as its writer attempt's detail does, and whether the run is marked rolled back all the same (it
 * leaves the validator's history even so). Never throws, as Notifier.notify: the console does not
 * wait for it, and a run it cannot read (the console closing) is announced under 'manual' rather than
 * left as an unhandled rejection.
 */
export async function notifyRollback(
  notifier: Notifier,
  store: Store,
  target: { runId: number; batchSeq: number | null; operator: string; reason: string | null; nothingRolledBack: string | null; runRolledBack: boolean },
): Promise<NotifyResult> {
  const run = await store.getRun(target.runId).catch(() => null);
  const what = target.batchSeq === null ? `run ${target.runId}` : `batch ${target.batchSeq} of run ${target.runId}`;
  const subject = run?.task ?? 'manual';
  if (target.nothingRolledBack === null) return notifier.notify({ ...rollbackNotification(what, target, subject), runId: target.runId });
  const marked = target.runRolledBack ? `; run ${target.runId} is marked rolled back all the same` : '';
  const body = `by ${target.operator}${target.reason ? ` (${target.reason})` : ''}: ${target.nothingRolledBack}${marked}`;
  return notifier.notify({ cause: 'rollback', subject, level: 'warning', title: `Gatehouse: rolling back ${what} undid nothing`, body: redactSecrets(body), runId: target.runId, operatorAct: true });
}

/**
 * Announces a restore, from the CLI and the console alike, as an operator's act (never throttled):
 * it replaces every run and hearing written since the snapshot, so support must hear of each one
 * with who, why, which snapshot and what it replaced (kept as the safety snapshot to restore back).
 */
export function restoreNotification(event: RestoreEvent): Notification {
  const replaced = event.safetySnapshotId === null ? '' : `; what it replaced is kept as snapshot ${event.safetySnapshotId}`;
  const body = `by ${event.operator}: ${event.reason}; snapshot ${event.snapshotId} (taken ${event.snapshotTakenAt}) replaced the database, hearings ${event.hearingsBefore} → ${event.hearingsAfter}${replaced}; recorded as restore ${event.id}`;
  return { cause: 'restore', subject: 'manual', level: 'warning', title: `Gatehouse: the database was restored from snapshot ${event.snapshotId}`, body: redactSecrets(body), operatorAct: true };
}

/** Never throws, as Notifier.notify: the restore is done and recorded whatever the channels do. */
export function notifyRestore(notifier: Notifier, event: RestoreEvent): Promise<NotifyResult> {
  return notifier.notify(restoreNotification(event));
}
