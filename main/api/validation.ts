import type { ApiHandlers } from '../../shared/api.js';
import type { AnomalousRunView } from '../../shared/api-validation.js';
import { actorName } from '../flags/index.js';
import type { RunReview, Store } from '../store/index.js';
import { acceptHeldRun, expectedBands, markAnomaly } from '../validation/index.js';

type ValidationHandlers = Pick<ApiHandlers, 'history.bands' | 'anomalies.list' | 'anomalies.mark' | 'runs.accept'>;

/**
 * The validator in the console, through main/validation only: the expected band the History chart
 * draws, the anomalies with their reviews, expected / confirmed feedback, and accepting held runs.
 */
export function validationHandlers(store: Store): ValidationHandlers {
  return {
    'history.bands': ({ limit }) => expectedBands(store, { limit }),
    'anomalies.list': async ({ open, limit }) => {
      const [runs, reviews] = await Promise.all([store.reviews.anomalousRuns({ open, limit }), store.reviews.list()]);
      const byRun = new Map<number, RunReview[]>();
      for (const review of reviews) byRun.set(review.runId, [...(byRun.get(review.runId) ?? []), review]);
      return runs.map(
        (run): AnomalousRunView => ({
          runId: run.runId,
          task: run.task ?? null,
          status: run.status,
          startedAt: run.startedAt,
          review: run.review,
          anomalies: run.validation?.anomalies ?? [],
          reviews: byRun.get(run.runId) ?? [],
        }),
      );
    },
    'anomalies.mark': ({ runId, as, reasonKind, reason, operator }) => markAnomaly(store, { runId, as, reasonKind, reason, operator: actorName(operator) }),
    'runs.accept': async ({ runId, reason, operator }) => {
      const { review, status } = await acceptHeldRun(store, { runId, reason, operator: actorName(operator) });
      return { runId, status, review };
    },
  };
}
