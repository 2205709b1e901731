import type { RecordSource } from '../sources/index.js';
import { applyRecordRules } from '../validation/index.js';
import type { EventIdSet } from './event-id-set.js';

/**
 * The eventIds a run took from the items before its checkpoint — stored, found unchanged, or set
 * aside by a batch rule — read again from the source. The store knows only those it wrote, so a
 * resume without the others would store a later copy of a hearing its run found unchanged, which
 * the run uninterrupted quarantines as a duplicate (planner.ts). Only for a source whose positions
 * are stable (a file checked by its fingerprint, a synthetic spec): a re-listed one resumes by key.
 */
export async function addEventIdsTakenBefore(source: RecordSource, nextPosition: number, eventIds: EventIdSet, knownCommittees: ReadonlySet<string>): Promise<void> {
  const context = { isKnownCommittee: (code: string) => knownCommittees.has(code) };
  for await (const item of source.items()) {
    if (item.position >= nextPosition) break;
    if (item.error) continue;
    const outcome = applyRecordRules(item.raw, context);
    if (outcome.ok) eventIds.add(outcome.hearing.eventId);
  }
}
