import { GatehouseError } from '../../shared/errors.js';
import type { ApiHandlers } from '../../shared/api.js';
import type { FlagEventView, FlagView, TaskView } from '../../shared/api-operations.js';
import { evaluateAllFlags, FLAG_DEFINITIONS, revertFlagEvent, setFlag, unsetFlag, type FlagValue } from '../flags/index.js';
import { buildReport } from '../reports/index.js';
import { addTask, editTask, nextOccurrence, requireTask } from '../scheduler/index.js';
import type { FlagEvent, ScheduledTask, ScheduledTaskPatch, StoredFlagValue } from '../store/index.js';
import type { ApiContext } from './handlers.js';
import { consoleNotifier } from './notifications.js';
import { checkWebhookUrl, preferencesView, type ConsolePreferences } from './preferences.js';

type OperationsHandlers = Pick<
  ApiHandlers,
  | 'flags.list' | 'flags.set' | 'flags.unset' | 'flags.history' | 'flags.revert' | 'canary.report'
  | 'tasks.list' | 'tasks.add' | 'tasks.edit' | 'tasks.run' | 'notify.test'
  | 'settings.preferences' | 'settings.saveWebhook' | 'settings.saveCongressKey' | 'settings.saveDatabase'
>;

/** Flags, the canary comparison, scheduled tasks, notifications and console preferences. */
export function operationsHandlers(context: ApiContext, preferences: ConsolePreferences): OperationsHandlers {
  const { store, engine } = context;
  return {
    'flags.list': async () => {
      const [stored, inForce] = await Promise.all([store.flags.values(), evaluateAllFlags(store, {})]);
      return FLAG_DEFINITIONS.map((definition, index): FlagView => {
        const resolution = inForce[index]!;
        return {
          name: definition.name,
          type: definition.type,
          kind: definition.kind,
          description: definition.description,
          defaultValue: definition.defaultValue,
          ...('min' in definition ? { min: definition.min, max: definition.max } : {}),
          scopes: stored.filter((value) => value.flag === definition.name).map(scopeValue),
          inForce: { value: resolution.value, reason: resolution.reason, scope: resolution.scope, errorMessage: resolution.errorMessage },
        };
      });
    },
    'flags.set': async ({ flag, scope, value, reason, operator }) => eventView(await setFlag(store, { flag, scope, value: value as FlagValue, reason, operator })),
    'flags.unset': async ({ flag, scope, reason, operator }) => eventView(await unsetFlag(store, { flag, scope, reason, operator })),
    'flags.history': async ({ flag, scope, limit }) => (await store.flags.history({ flag, scope, limit })).map(eventView),
    'flags.revert': async ({ eventId, reason, operator }) => eventView(await revertFlagEvent(store, eventId, { reason, operator })),
    'canary.report': async ({ task, since }) => {
      const { canary } = await buildReport(store, { kind: 'canary', task, since });
      if (!canary) throw new GatehouseError('INTERNAL', 'the canary report returned no comparison');
      return canary;
    },
    'tasks.list': async () => (await store.tasks.list()).map((task) => taskView(task)),
    'tasks.add': async (input) => taskView(await addTask(store, input)),
    'tasks.edit': async ({ name, ...fields }) => {
      const patch: ScheduledTaskPatch = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
      if (Object.keys(patch).length === 0) throw new GatehouseError('USAGE', 'nothing to change: give a cron expression, source, lookback or enabled');
      return taskView(await editTask(store, name, patch));
    },
    'tasks.run': async ({ name }) => {
      const task = await requireTask(store, name);
      const started = await engine.start({ source: task.source, task: task.name, lookbackDays: task.lookbackDays });
      // Names the run as the task's latest without moving its schedule (as `gatehouse tasks run`).
      await store.tasks.markFired(task.name, task.lastFiredAt ?? task.createdAt, started.runId);
      return started;
    },
    'notify.test': async () => {
      // A test must reach every channel each time, so it skips the throttle (no store).
      const notifier = consoleNotifier(null, preferences, context.notifications ?? {});
      return notifier.notify({ cause: 'test', subject: 'test', level: 'info', title: 'Gatehouse: test notification', body: `sent from the console at ${new Date().toISOString()}` });
    },
    'settings.preferences': async () => preferencesView(preferences),
    'settings.saveWebhook': async ({ url }) => {
      preferences.saveWebhookUrl(checkWebhookUrl(url));
      return preferencesView(preferences);
    },
    'settings.saveCongressKey': async ({ apiKey }) => {
      preferences.saveCongressApiKey(apiKey);
      return preferencesView(preferences);
    },
    'settings.saveDatabase': async ({ location }) => {
      if (location !== null && !/^postgres(ql)?:\/\//i.test(location)) {
        throw new GatehouseError('USAGE', 'only a postgres:// URL can be saved; leave it empty for the embedded SQLite file');
      }
      preferences.saveDatabase(location);
      return preferencesView(preferences);
    },
  };
}

function parseStored(json: string | null): FlagValue | null {
  if (json === null) return null;
  try {
    return JSON.parse(json) as FlagValue;
  } catch {
    return null;
  }
}

function scopeValue(stored: StoredFlagValue): FlagView['scopes'][number] {
  return { scope: stored.scope, value: parseStored(stored.valueJson), updatedAt: stored.updatedAt, updatedBy: stored.updatedBy };
}

export function eventView(event: FlagEvent): FlagEventView {
  return { id: event.id, flag: event.flag, scope: event.scope, oldValue: parseStored(event.oldJson), newValue: parseStored(event.newJson), actor: event.actor, reason: event.reason, at: event.at };
}

export function taskView(task: ScheduledTask, now: Date = new Date()): TaskView {
  return { ...task, nextRunAt: task.enabled ? (nextOccurrence(task.cron, now)?.toISOString() ?? null) : null };
}
