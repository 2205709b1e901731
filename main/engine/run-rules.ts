import type { NormalizedHearing, Rejection } from '../../shared/record.js';
import { applyRecordRules } from '../validation/index.js';
import type { EventIdSet } from './event-id-set.js';

/**
 * A record refused; `eventId` is the canonical one of a duplicate (the rules read it), absent when the
 * rules refused the record itself. A record passed carries the entries it listed twice alike (`repeats`).
 */
export type Judgement = { ok: true; hearing: NormalizedHearing; repeats?: string[] } | { ok: false; reasons: Rejection[]; eventId?: string };

/**
 * The record rules as a run applies them: one record at a time, in source order. A record that
 * passes takes its eventId for the run (a later copy is a duplicate) and makes the committees it
 * names known to every record after it — the next one, not the next window, so where a run's
 * windows (or a resume's) happen to start never changes which records pass.
 */
export class RunRules {
  constructor(
    private readonly knownCommittees: Set<string>,
    private readonly eventIdsInRun: EventIdSet,
  ) {}

  private readonly context = { isKnownCommittee: (code: string) => this.knownCommittees.has(code) };

  judge(raw: unknown): Judgement {
    const outcome = applyRecordRules(raw, this.context);
    if (!outcome.ok) return outcome;
    const hearing = outcome.hearing;
    if (this.eventIdsInRun.has(hearing.eventId)) return { ok: false, reasons: [repeatedEventId(hearing)], eventId: hearing.eventId };
    this.eventIdsInRun.add(hearing.eventId);
    for (const committee of hearing.committees) this.knownCommittees.add(committee.systemCode);
    return outcome;
  }
}

/**
 * The rule for a hearing listed twice in one run: the first copy read is the one the run keeps, and
 * every later copy is quarantined, whatever its updateDate. A run writes each hearing once — its undo
 * journal, batch rollback and reconciliation rest on that — and streams its input, so "the newest
 * copy" is not known when the first is written. Each later copy's reason gives its updateDate, and
 * the run's metrics count them (`duplicates`), so the operator sees that the input repeated itself.
 */
function repeatedEventId(hearing: NormalizedHearing): Rejection {
  const dated = hearing.updateDate === null ? 'this copy has no updateDate' : `this copy's updateDate is ${hearing.updateDate}`;
  return { code: 'DUPLICATE_EVENT_ID', message: `eventId ${hearing.eventId} appears more than once in this run's input; the run keeps the first copy it read and quarantines later ones, newer or not (${dated})` };
}
