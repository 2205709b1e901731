import type { RecordSource } from '../sources/index.js';
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
