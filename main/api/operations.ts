import { GatehouseError } from '../../shared/errors.js';
import type { ApiHandlers } from '../../shared/api.js';
import { flagEventView, flagHistoryQuery, flagStore, type FlagValue, flagViews, revertFlagEvent, setFlag, unsetFlag } from '../flags/index.js';
import { buildReport } from '../reports/index.js';
import { addTask, editTask, requireTask, schedulerPauseSeen, taskHistory, taskStore, taskView } from '../scheduler/index.js';
import { requireOperator } from './caller.js';
import type { ApiContext } from './handlers.js';
import { consoleNotifier } from './notifications.js';
import { checkWebhookUrl, preferencesView, type ConsolePreferences } from './preferences.js';
import { startTaskRun } from './scheduler.js';

type OperationsHandlers = Pick<
  ApiHandlers,
  | 'flags.list' | 'flags.set' | 'flags.unset' | 'flags.history' | 'flags.revert' | 'canary.report'
  | 'tasks.list' | 'tasks.get' | 'tasks.add' | 'tasks.edit' | 'tasks.history' | 'tasks.run' | 'notify.test'
  | 'settings.preferences' | 'settings.saveWebhook' | 'settings.saveCongressKey' | 'settings.saveDatabase'
>;

/** Flags, the canary comparison, scheduled tasks, notifications and console preferences. */
export function operationsHandlers(context: ApiContext, preferences: ConsolePreferences): OperationsHandlers {
  const { store, engine } = context;
  return {
    'flags.list': async ({ scope }) => flagViews(store, scope),
    'flags.set': async ({ flag, scope, value, reason, expected }, caller) => flagEventView(await setFlag(store, { flag, scope, value: value as FlagValue, reason, expected, operator: requireOperator(caller) })),
    'flags.unset': async ({ flag, scope, reason, expected }, caller) => flagEventView(await unsetFlag(store, { flag, scope, reason, expected, operator: requireOperator(caller) })),
    'flags.history': async (query) => (await flagStore(store).history(flagHistoryQuery(query))).map(flagEventView),
    'flags.revert': async ({ eventId, reason, expected }, caller) => flagEventView(await revertFlagEvent(store, eventId, { reason, expected, operator: requireOperator(caller) })),
    'canary.report': async ({ task, since }) => {
      const { canary } = await buildReport(store, { kind: 'canary', task, since });
      if (!canary) throw new GatehouseError('INTERNAL', 'the canary report returned no comparison');
      return canary;
    },
    'tasks.list': async () => {
      const [tasks, schedulerPaused] = await Promise.all([taskStore(store).list(), schedulerPauseSeen(store)]);
      return tasks.map((task) => ({ ...taskView(task), schedulerPaused }));
    },
    'tasks.get': async ({ name }) => taskView(await requireTask(store, name)),
    // Who changed a task is kept with the change, in its audit event (task_events).
    'tasks.add': async (input, caller) => taskView(await addTask(store, input, new Date(), requireOperator(caller))),
    'tasks.edit': async ({ name, expected, ...patch }, caller) => taskView(await editTask(store, name, patch, new Date(), requireOperator(caller), expected)),
    'tasks.history': (query) => taskHistory(store, query),
    'tasks.run': async ({ name }, caller) => {
      const operator = requireOperator(caller);
      return startTaskRun(store, engine, await requireTask(store, name), operator);
    },
    'notify.test': async () => {
      // A test must reach every channel each time, so it skips the throttle (no store).
      const notifier = consoleNotifier(null, preferences, context.notifications ?? {});
      return notifier.notify({ cause: 'test', subject: 'test', level: 'info', title: 'Gatehouse: test notification', body: `sent from the console at ${new Date().toISOString()}` });
    },
    'settings.preferences': async () => preferencesView(preferences),
    // Settings apply to every session of this server: changed, like any write, only by a named one.
    'settings.saveWebhook': async ({ url }, caller) => {
      requireOperator(caller);
      preferences.saveWebhookUrl(checkWebhookUrl(url));
      return preferencesView(preferences);
    },
    'settings.saveCongressKey': async ({ apiKey }, caller) => {
      requireOperator(caller);
      preferences.saveCongressApiKey(apiKey);
      return preferencesView(preferences);
    },
    'settings.saveDatabase': async ({ location }, caller) => {
      requireOperator(caller);
      if (location !== null && !/^postgres(ql)?:\/\//i.test(location)) {
        throw new GatehouseError('USAGE', 'only a postgres:// URL can be saved; leave it empty for the embedded SQLite file');
      }
      preferences.saveDatabase(location);
      return preferencesView(preferences);
    },
  };
}
