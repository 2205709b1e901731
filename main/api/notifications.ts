import { MidRunKills } from '../flags/index.js';
import { anomalyNoticeAllowed, coverageGapNotification, notificationChannels, notifyRunOutcome, Notifier, type DesktopNotifier, type Notification } from '../scheduler/index.js';
import { rolloutNoticeSubject } from '../rollouts/index.js';
import type { Store } from '../store/index.js';
import type { EngineHost } from './engine-host.js';
import type { ConsolePreferences } from './preferences.js';

export interface ConsoleNotifications {
  /** The Electron shell's `Notification`; absent in browser mode (the log stands in). */
  desktop?: DesktopNotifier;
  /** Where notification lines go (JSON). */
  log?: (line: string) => void;
}

/**
 * A notifier built per use, so a webhook saved in Settings applies to the next message. With a
 * store the throttle applies (one per cause per hour); `notify test` passes null to skip it.
 */
export function consoleNotifier(store: Store | null, preferences: ConsolePreferences, notifications: ConsoleNotifications): Notifier {
  const channels = notificationChannels({
    log: notifications.log,
    desktop: notifications.desktop,
    webhookUrl: preferences.webhookUrl() ?? undefined,
  });
  return new Notifier({ store, channels, warn: (message) => notifications.log?.(JSON.stringify({ level: 'warning', message })) });
}

/**
 * Notifies the outcome of every run the engine host finishes (failed batches, anomalies, failures),
 * as `gatehouse update` does, whichever thread ran it. Returns the stop function, which resolves
 * once the notifications already under way are sent: a console shutting down stops its last run
 * first, and that run's outcome must still reach the log and the webhook before the store closes.
 */
export function notifyRunOutcomes(engine: EngineHost, store: Store, notifier: () => Notifier): () => Promise<void> {
  const sending = new Set<Promise<unknown>>();
  const send = (work: () => Promise<unknown>) => {
    const sent: Promise<unknown> = work()
      .catch(() => undefined)
      .finally(() => sending.delete(sent));
    sending.add(sent);
  };
  const unsubscribe = engine.subscribe((event) => {
    if (event.type === 'warning' && (event.cause === 'rollout-breach' || event.cause === 'rollout-held')) {
      const { cause, runId, message, rolloutId } = event;
      send(() => notifier().notify(rolloutPaused(cause, rolloutId, runId, message)));
    }
    if (event.type === 'warning' && event.cause === 'coverage-gap') send(() => notifier().notify(coverageGapNotification(event, event.runId)));
    if (event.type !== 'run-finished') return;
    send(async () => notifyRunOutcome(notifier(), event.summary, { notifyOnAnomaly: await anomalyNoticeAllowed(MidRunKills.ofFinishedRun(store, event.summary), event.summary) }));
  });
  return async () => {
    unsubscribe();
    await Promise.allSettled([...sending]);
  };
}

/**
 * A run's check paused a rollout in the engine's thread (a guardrail's breach, or a hold): the console
 * sends the notification, throttled per rollout as the command line's is — two rollouts paused within
 * the hour are two notices.
 */
function rolloutPaused(cause: 'rollout-breach' | 'rollout-held', rolloutId: number, runId: number | null, message: string): Notification {
  const [level, title] = cause === 'rollout-breach' ? (['error', 'a rollout was paused and its flags reverted'] as const) : (['warning', 'a rollout was paused by a flag change made outside it'] as const);
  return { cause, subject: rolloutNoticeSubject(rolloutId), level, title: `Gatehouse: ${title}`, body: message, ...(runId === null ? {} : { runId }) };
}
