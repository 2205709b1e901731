export { checkCron, countOfTimes, latestBetween, nextOccurrence, type ScheduledTimes, timesBetween, TIMES_COUNTED } from './cron.js';
export { MAX_BACKOFF_MS } from './backoff.js';
export { addTask, checkTaskName, editTask, lastSwitch, requireTask, taskHistory, taskView, type TaskInput, type TaskSwitch } from './tasks.js';
export { noSuchTask, notificationThrottle, taskEventView, taskStore, type ScheduledTask, type TaskEvent } from './task-store.js';
export { catchUpTask, coverageGapFor, coverageGapNotification, type CoverageGapWarning } from './catch-up.js';
export { interruptedRunOf, RESUME_REFUSALS, runTaskResumingInterrupted, taskResumeOf, withTaskResume, type ResumeOutcome, type TaskRunOutcome } from './resume-task.js';
export { anomalyNoticeAllowed, runFlaggedUpdate, runTask, schedulerOperator, type FlaggedUpdateRequest, type TaskRunRequest, type TaskRunDependencies } from './run-task.js';
export { schedulerPauseSeen, type SchedulerPause } from './store-watch.js';
export { abortableSleep, runSchedulerLoop, Scheduler, type LoopOptions, type MissedRuns, type SchedulerOptions, type TickEntry, type TickReport } from './scheduler.js';
export {
  notificationChannels,
  notificationsForRun,
  Notifier,
  notifyRunOutcome,
  notifyRestore,
  notifyRollback,
  restoreNotification,
  rollbackNotification,
  THROTTLE_WINDOW_MS,
  type ChannelConfig,
  type NotifierOptions,
  type NotifyResult,
} from './notify.js';
export {
  bodyWithFolded,
  desktopChannel,
  logChannel,
  parseWebhookUrl,
  webhookChannel,
  webhookPayload,
  type DeliveredNotification,
  type DesktopNotifier,
  type Notification,
  type NotificationCause,
  type NotificationChannel,
  type NotificationLevel,
} from './notify-channels.js';
