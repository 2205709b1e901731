import type { ApiHandlers } from '../../shared/api.js';
import { actorName } from '../flags/index.js';
import type { Store } from '../store/index.js';
import { acceptHeldRun, expectedBands, listAnomalousRuns, markAnomaly } from '../validation/index.js';

type ValidationHandlers = Pick<ApiHandlers, 'history.bands' | 'anomalies.list' | 'anomalies.mark' | 'runs.accept'>;

/**
 * The validator in the console, through main/validation only: the expected band the History chart
 * draws, the anomalies with their reviews, expected / confirmed feedback, and accepting held runs.
 */
export function validationHandlers(store: Store): ValidationHandlers {
  return {
    'history.bands': ({ limit }) => expectedBands(store, { limit }),
    'anomalies.list': ({ open, limit }) => listAnomalousRuns(store, { open, limit }),
    'anomalies.mark': ({ runId, as, reasonKind, reason, operator }) => markAnomaly(store, { runId, as, reasonKind, reason, operator: actorName(operator) }),
    'runs.accept': async ({ runId, reason, operator }) => {
      const { review, status } = await acceptHeldRun(store, { runId, reason, operator: actorName(operator) });
      return { runId, status, review };
    },
  };
}
