import type { TaskEventView, TaskHistoryQuery, TaskView } from '../../shared/api-operations.js';
import { GatehouseError } from '../../shared/errors.js';
import { actorName, TASK_NAME_PATTERN } from '../flags/index.js';
import { checkLookbackDays, DEFAULT_LOOKBACK_DAYS, parseSourceSpec } from '../sources/index.js';
import { redactSecrets } from '../../shared/redact.js';
import type { Store } from '../store/index.js';
import { checkCron, nextOccurrence, storedCronProblem } from './cron.js';
import { noSuchTask, type ScheduledTask, type ScheduledTaskPatch, taskEventView, taskStore } from './task-store.js';

export interface TaskInput {
  name: string;
  cron: string;
  source: string;
  lookbackDays?: number;
  enabled?: boolean;
  /** The operator means a schedule whose runs come less than MIN_TASK_INTERVAL_MS apart (`checkCron`). */
  allowFrequent?: boolean;
  /** Why, kept with the task's audit event. */
  reason?: string;
}

export function checkTaskName(name: string): string {
  if (!TASK_NAME_PATTERN.test(name)) {
    throw new GatehouseError('USAGE', `task name "${name}" must be 1–64 letters, digits, "_", "-" or ".", starting with a letter or digit`);
  }
  return name;
}

/** The spec must parse now, so a typo (or an API key written into it) is caught when the task is added, not at 3 a.m. */
function checkSource(spec: string): string {
  parseSourceSpec(spec);
  return spec.trim();
}

/**
 * A task as the CLI and the console show it, with its next run. The spec is redacted for tasks
 * stored before specs with an API key were refused (such a task can no longer run; editing its
 * source fixes it).
 */
export function taskView(task: ScheduledTask, now: Date = new Date()): TaskView {
  return { ...task, source: redactSecrets(task.source), nextRunAt: task.enabled ? nextRun(task, now) : null, scheduleProblem: storedCronProblem(task.cron) };
}

/** The next scheduled time, or the backoff's retry when the times before it are skipped. */
function nextRun(task: ScheduledTask, now: Date): string | null {
  if (task.retryAt !== null && Date.parse(task.retryAt) > now.getTime()) return task.retryAt;
  // A stored schedule that cannot be read (the scheduler says so when it passes the task over): no next run.
  if (storedCronProblem(task.cron) !== null) return null;
  return nextOccurrence(task.cron, now)?.toISOString() ?? null;
}

/** `operator`: who, recorded with the task's audit event (the OS user when absent, as for flags). */
export async function addTask(store: Store, input: TaskInput, now: Date = new Date(), operator?: string): Promise<ScheduledTask> {
  return taskStore(store).insert({
    name: checkTaskName(input.name),
    cron: checkCron(input.cron, { allowFrequent: input.allowFrequent, now }),
    source: checkSource(input.source),
    lookbackDays: checkLookbackDays(input.lookbackDays ?? DEFAULT_LOOKBACK_DAYS),
    enabled: input.enabled ?? true,
    at: now.toISOString(),
  }, actorName(operator), input.reason);
}

/** `expected`: the task's fields as the operator saw them; a field someone has changed since refuses the edit (CONFLICT). */
export async function editTask(store: Store, name: string, patch: ScheduledTaskPatch & Pick<TaskInput, 'allowFrequent' | 'reason'>, now: Date = new Date(), operator?: string, expected?: ScheduledTaskPatch): Promise<ScheduledTask> {
  // Switching a task off is a kill switch, as a flag is; on or off, it is audited with a reason as every flag change is.
  if (patch.enabled !== undefined && !patch.reason?.trim()) {
    throw new GatehouseError('USAGE', `a reason is required to ${patch.enabled ? 'enable' : 'disable'} a task`, { hint: { cli: 'pass --reason "why"', console: 'say why in the Reason box that Disable or Enable opens' } });
  }
  const checked: ScheduledTaskPatch = {};
  if (patch.cron !== undefined) {
    // The schedule the task has already (the console's form sends it with every edit) was accepted when it was set.
    const unchanged = (await taskStore(store).get(name))?.cron === patch.cron.trim();
    checked.cron = checkCron(patch.cron, { allowFrequent: patch.allowFrequent || unchanged, now });
  }
  if (patch.source !== undefined) checked.source = checkSource(patch.source);
  if (patch.lookbackDays !== undefined) checked.lookbackDays = checkLookbackDays(patch.lookbackDays);
  if (patch.enabled !== undefined) checked.enabled = patch.enabled;
  if (Object.keys(checked).length === 0) throw new GatehouseError('USAGE', 'nothing to change: give a cron expression, a source, lookback days or enabled');
  return taskStore(store).update(name, checked, now.toISOString(), actorName(operator), expected, patch.reason?.trim());
}

/** Who last switched a task on or off (or added it switched off), when and why. */
export interface TaskSwitch {
  enabled: boolean;
  operator: string;
  at: string;
  /** Null for a switch recorded before one was asked. */
  reason: string | null;
}

/** The newest event that switched the task on or off, a page of its history at a time; null when nobody has. */
export async function lastSwitch(store: Store, task: string): Promise<TaskSwitch | null> {
  for (let after: number | undefined; ; ) {
    const page = (await taskStore(store).history({ task, limit: 100, after })).map(taskEventView);
    const event = page.find((e) => (e.before === null ? !e.after.enabled : e.before.enabled !== e.after.enabled));
    if (event) return { enabled: event.after.enabled, operator: event.operator, at: event.at, reason: event.reason };
    if (page.length < 100) return null;
    after = page.at(-1)!.id;
  }
}

export async function requireTask(store: Store, name: string): Promise<ScheduledTask> {
  const task = await taskStore(store).get(name);
  if (!task) throw noSuchTask(name);
  return task;
}

/**
 * Who added and changed tasks (or one task), newest first, a keyset page at a time: the one answer
 * of `gatehouse tasks history` and the API's tasks.history. A task name that matches no task is
 * NOT_FOUND, not an empty page (a typo must not read as "nobody changed it"); asked only when the
 * page is empty, since a task with events exists (tasks are never deleted).
 */
export async function taskHistory(store: Store, query: TaskHistoryQuery): Promise<TaskEventView[]> {
  const events = await taskStore(store).history(query);
  if (events.length === 0 && query.task !== undefined) await requireTask(store, query.task);
  return events.map(taskEventView);
}
