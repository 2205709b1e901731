import type { RecordSource } from '../sources/index.js';
import type { Store } from '../store/index.js';
import { EventIdSet } from './event-id-set.js';
import { RunRules } from './run-rules.js';

/**
 * The eventIds a run took from the items before its checkpoint — stored, found unchanged, or set
 * aside by a batch rule — read again from the source. The store knows only those it wrote, so a
 * resume without the others would store a later copy of a hearing its run found unchanged, which
 * the run uninterrupted quarantines as a duplicate (planner.ts). Only for a source whose positions
 * are stable (a file checked by its fingerprint, a synthetic spec): a re-listed one resumes by key.
 *
 * The items are judged again as the run judged them: in order, from the committees known when the
 * run began (`knownAtStart`), each passing record making its committees known to the next. Judged
 * against today's committees instead, a record refused for a committee a later record created would
 * count as taken, and a later copy of it be quarantined that the uninterrupted run stored. Returns
 * the committees known at the checkpoint: the resume's planner starts from them, as the run would go on.
 */
export async function addEventIdsTakenBefore(source: RecordSource, nextPosition: number, eventIds: EventIdSet, knownAtStart: Set<string>): Promise<Set<string>> {
  const rules = new RunRules(knownAtStart, new EventIdSet());
  for await (const item of source.items()) {
    if (item.position >= nextPosition) break;
    if (item.error) continue;
    const judgement = rules.judge(item.raw);
    if (judgement.ok) eventIds.add(judgement.hearing.eventId);
  }
  return knownAtStart;
}

/** Quarantined for these, a record still took its eventId: it passed the record rules (refused by the database), or an earlier copy did. */
const TAKEN_THOUGH_QUARANTINED = new Set(['WRITE_FAILED', 'DUPLICATE_EVENT_ID']);

/**
 * The eventIds a run over a re-listed source took before it stopped, from what its batches
 * recorded: the items they handled (`handledTimes`: eventId → items handled) and its quarantine.
 * An eventId is taken when one of its handled items was not refused by the record rules — stored,
 * found unchanged (never written, so the store alone does not know it) or refused by the database
 * — or a copy was quarantined as a duplicate. Without these, the copy a second chamber lists after
 * the stop would be stored over the first instead of quarantined as the uninterrupted run does.
 */
export async function addEventIdsTakenByIdentity(store: Store, runId: number, handledTimes: ReadonlyMap<string, number>, eventIds: EventIdSet): Promise<void> {
  const refusedTimes = new Map<string, number>();
  const page = 1000;
  for (let after: number | undefined; ;) {
    const entries = await store.listQuarantine({ runId, limit: page, ...(after === undefined ? {} : { after }) });
    for (const { eventId, reasons } of entries) {
      if (eventId === null) continue;
      if (reasons.some((reason) => TAKEN_THOUGH_QUARANTINED.has(reason.code))) eventIds.add(eventId);
      else refusedTimes.set(eventId, (refusedTimes.get(eventId) ?? 0) + 1);
    }
    if (entries.length < page) break;
    after = entries.at(-1)!.id;
  }
  for (const [eventId, times] of handledTimes) if (times > (refusedTimes.get(eventId) ?? 0)) eventIds.add(eventId);
}
