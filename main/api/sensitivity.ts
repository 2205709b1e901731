import type { ApiHandlers } from '../../shared/api.js';
import type { Store } from '../store/index.js';
import { requireKnownTask, saveSensitivity, sensitivityHistory, sensitivityInForce, sensitivityTasks } from '../validation/index.js';
import { sensitivityWhatIfWithStaging } from '../trials/index.js';
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
    'sensitivity.whatIf': (request) => sensitivityWhatIfWithStaging(store, source, request),
    'sensitivity.save': ({ task, settings, reason, basedOnVersion }, caller) => saveSensitivity(store, { task, settings, reason, basedOnVersion, operator: requireOperator(caller) }),
    'sensitivity.history': ({ task, limit, after }) => sensitivityHistory(store, { task, limit, after }),
  };
}
