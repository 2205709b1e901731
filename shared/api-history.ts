/**
 * Schemas of what the History view draws beside the runs: the audited events that explain a change
 * in the charts — flag changes, rollouts, rollbacks, restores and anomaly reviews — as time-stamped
 * markers. Built from the audit each folder already keeps; nothing here is written.
 */
import * as z from 'zod';
import { instantSchema } from './instant.js';

/** `rollout` is the slot main/rollouts fills with its decisions (stage moves, auto-reverts). */
export const HISTORY_EVENT_KINDS = ['flag', 'rollout', 'rollback', 'restore', 'review'] as const;
export type HistoryEventKind = (typeof HISTORY_EVENT_KINDS)[number];

export const historyEventSchema = z.object({
  kind: z.enum(HISTORY_EVENT_KINDS),
  /** Stable across reloads: the kind and the audit row's id, e.g. `flag:12`. */
  id: z.string(),
  at: z.string(),
  /** One short line, e.g. `BLOCK_ON_ANOMALY off → on`. */
  title: z.string(),
  /** Who made the change, as every audit row names them. */
  operator: z.string().nullable(),
  reason: z.string().nullable(),
  /** The run the event is about (a rollback, a review); null for flags and restores. */
  runId: z.number().int().nullable(),
});
export type HistoryEvent = z.infer<typeof historyEventSchema>;

export const historyAnnotationsInputSchema = z
  .object({
    /** Only events at or after this instant (any ISO 8601 form, as runs.list reads one). */
    since: instantSchema.optional(),
    /** At most this many of each kind, the newest. */
    limit: z.number().int().min(1).max(2_000).default(500),
  })
  .default({ limit: 500 });

export const historyAnnotationsSchema = z.object({
  /** Oldest first. */
  events: z.array(historyEventSchema),
  /** Kinds that could not be read, and why (e.g. an unreadable snapshot manifest); the rest still show. */
  unavailable: z.array(z.object({ kind: z.enum(HISTORY_EVENT_KINDS), why: z.string() })),
});
export type HistoryAnnotations = z.infer<typeof historyAnnotationsSchema>;
