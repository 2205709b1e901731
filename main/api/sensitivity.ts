import type { ApiHandlers } from '../../shared/api.js';
import type { Store } from '../store/index.js';
import { requireKnownTask, saveSensitivity, sensitivityHistory, sensitivityInForce, sensitivityTasks, whatIfForTask } from '../validation/index.js';
import { existingStagingFor, withStagingLedger } from '../trials/index.js';
import { requireOperator } from './caller.js';

type SensitivityHandlers = Pick<ApiHandlers, 'sensitivity.tasks' | 'sensitivity.get' | 'sensitivity.whatIf' | 'sensitivity.save' | 'sensitivity.history'>;

/** The Sensitivity panel: settings in force, the what-if before a save, saving a version, the versions' audit. */
/** `source` is the database's location with credentials: its default staging copy holds the trial ledger. */
export function sensitivityHandlers(store: Store, source: string): SensitivityHandlers {
  return {
    'sensitivity.tasks': () => sensitivityTasks(store),
    'sensitivity.get': async ({ task }) => {
      await requireKnownTask(store, task);
      return sensitivityInForce(store, task);
    },
    'sensitivity.whatIf': async ({ task, settings, staging }) => {
      const target = existingStagingFor(source, staging);
      const withStaging = target === null ? null : await withStagingLedger(target, (ledger) => whatIfForTask(store, task, settings, {}, ledger));
      return withStaging ?? whatIfForTask(store, task, settings);
    },
    'sensitivity.save': ({ task, settings, reason, basedOnVersion }, caller) => saveSensitivity(store, { task, settings, reason, basedOnVersion, operator: requireOperator(caller) }),
    'sensitivity.history': ({ task, limit, after }) => sensitivityHistory(store, { task, limit, after }),
  };
}
