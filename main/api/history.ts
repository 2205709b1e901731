import type { ApiHandlers } from '../../shared/api.js';
import type { FlagEventView } from '../../shared/api-operations.js';
import type { HistoryEvent, HistoryEventKind } from '../../shared/api-history.js';
import { environmentFailure } from '../engine/index.js';
import { flagDefinition, flagEventView, flagStore } from '../flags/index.js';
import { listRestores, undoJournal, type RollbackEventRecord } from '../backup/index.js';
import type { RestoreEvent, Store } from '../store/index.js';
import { type RunReview, runReviews } from '../validation/index.js';

type HistoryHandlers = Pick<ApiHandlers, 'history.annotations'>;

/**
 * One kind of marker: its newest `limit` audit rows at or after `since` as events. The window is
 * applied in SQL before the limit: filtered afterwards, a kind with more than `limit` rows older
 * than the window's newest came back short or empty.
 */
type EventSource = (store: Store, window: { since?: string; limit: number }) => Promise<HistoryEvent[]>;

/**
 * The audit each folder already keeps, read as markers for the History charts. Rollouts have a
 * slot (HISTORY_EVENT_KINDS) and no source yet: main/rollouts adds its decision ledger here.
 */
const EVENT_SOURCES: Partial<Record<HistoryEventKind, EventSource>> = {
  flag: async (store, window) => (await flagStore(store).history(window)).map((event) => flagEvent(flagEventView(event))),
  rollback: async (store, window) => (await undoJournal(store).listEvents(window)).map(rollbackEvent),
  review: async (store, window) => (await runReviews(store).latest(window)).map(reviewEvent),
  restore: async (store, window) => (await listRestores(store, window)).map(restoreEvent),
};

export function historyHandlers(store: Store): HistoryHandlers {
  return {
    'history.annotations': async ({ since, limit }) => {
      const events: HistoryEvent[] = [];
      const unavailable: { kind: HistoryEventKind; why: string }[] = [];
      for (const [kind, source] of Object.entries(EVENT_SOURCES) as [HistoryEventKind, EventSource][]) {
        try {
          events.push(...(await source(store, { since, limit })));
        } catch (error) {
          // One unreadable audit (a damaged snapshot manifest) must not hide the others; what the database refused is said as everywhere (a canceled statement).
          const said = environmentFailure(store, error);
          unavailable.push({ kind, why: said instanceof Error ? said.message : String(said) });
        }
      }
      return { events: events.sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id)), unavailable };
    },
  };
}

/** An unset value reads as what it falls back to: `default (off)`. */
function flagValue(value: FlagEventView['newValue'], flag: string): string {
  if (value === null) {
    const definition = flagDefinition(flag);
    return definition ? `default (${flagValue(definition.defaultValue, flag)})` : 'default';
  }
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return String(value);
}

function flagEvent(event: FlagEventView): HistoryEvent {
  const scope = event.scope === 'global' ? '' : ` (${event.scope})`;
  const reverted = event.revertsEventId === null ? '' : `, reverting change ${event.revertsEventId}`;
  return {
    kind: 'flag',
    id: `flag:${event.id}`,
    at: event.at,
    title: `${event.flag} ${flagValue(event.oldValue, event.flag)} → ${flagValue(event.newValue, event.flag)}${scope}${reverted}`,
    operator: event.operator,
    reason: event.reason,
    runId: null,
  };
}

function rollbackEvent(event: RollbackEventRecord): HistoryEvent {
  const what = event.batchSeq === null ? `Run ${event.runId} rolled back` : `Batch ${event.batchSeq} of run ${event.runId} rolled back`;
  return {
    kind: 'rollback',
    id: `rollback:${event.id}`,
    at: event.at,
    title: `${what}: ${event.restored} restored, ${event.deleted} deleted${event.skipped > 0 ? `, ${event.skipped} skipped` : ''}`,
    operator: event.operator,
    reason: event.reason,
    runId: event.runId,
  };
}

function reviewEvent(review: RunReview): HistoryEvent {
  if (review.action === 'reopened') return { kind: 'review', id: `review:${review.id}`, at: review.at, title: `Run ${review.runId} review undone: open again`, operator: review.operator, reason: review.reason, runId: review.runId };
  const how = review.action === 'accepted' ? 'accepted (held run let stand)' : `marked ${review.action}${review.reasonKind ? ` (${review.reasonKind})` : ''}`;
  return { kind: 'review', id: `review:${review.id}`, at: review.at, title: `Run ${review.runId} ${how}`, operator: review.operator, reason: review.reason, runId: review.runId };
}

function restoreEvent(event: RestoreEvent): HistoryEvent {
  return {
    kind: 'restore',
    id: `restore:${event.id}`,
    at: event.at,
    title: `Database restored from snapshot ${event.snapshotId} (taken ${event.snapshotTakenAt}): hearings ${event.hearingsBefore} → ${event.hearingsAfter}`,
    operator: event.operator,
    reason: event.reason,
    runId: null,
  };
}
