import type { ApiHandlers } from '../../shared/api.js';
import type { Store } from '../store/index.js';
import { acceptHeldRun, batchSensitivity, countOpenAnomalies, expectedBands, listAnomalousRuns, markAnomalies, markAnomaly, undoMarks } from '../validation/index.js';
import { requireOperator } from './caller.js';
import type { EngineHost } from './engine-host.js';

type ValidationHandlers = Pick<ApiHandlers, 'history.bands' | 'anomalies.list' | 'anomalies.openCount' | 'anomalies.mark' | 'anomalies.markMany' | 'anomalies.undoMarks' | 'runs.accept' | 'validation.batch'>;

/**
 * The validator in the console, through main/validation only: the expected band the History chart
 * draws, the anomalies with their reviews, expected / confirmed feedback, accepting held runs, and
 * judging a batch of `validate --batch` lines.
 */
export function validationHandlers(store: Store, engine: Pick<EngineHost, 'judgeBatch'>): ValidationHandlers {
  return {
    'history.bands': ({ limit }) => expectedBands(store, { limit }),
    'anomalies.list': (query) => listAnomalousRuns(store, query),
    'anomalies.openCount': () => countOpenAnomalies(store),
    'anomalies.mark': async ({ runId, as, reasonKind, reason, expectedReviewId }, caller) => markAnomaly(store, { runId, as, reasonKind, reason, expectedReviewId, operator: requireOperator(caller) }),
    'anomalies.markMany': async ({ runIds, as, reasonKind, reason, expectedReviews }, caller) => ({
      reviews: await markAnomalies(store, { runIds, as, reasonKind, reason, expected: expectedReviews, operator: requireOperator(caller) }),
    }),
    'anomalies.undoMarks': async ({ reviewIds, reason }, caller) => ({ reviews: await undoMarks(store, { reviewIds, reason, operator: requireOperator(caller) }) }),
    // Judged where the runs run (off the thread that answers the console); the settings are read here, from this store.
    'validation.batch': async ({ lines, task }) => ({ answers: await engine.judgeBatch(lines, await batchSensitivity(store, task)) }),
    'runs.accept': async ({ runId, reason }, caller) => {
      const { review, status } = await acceptHeldRun(store, { runId, reason, operator: requireOperator(caller) });
      return { runId, status, review };
    },
  };
}
