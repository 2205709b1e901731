import { congressForDate } from './synthetic-schedule.js';
import { composeLocation, composeTitle, composeWitnesses, type CommitteeMeetingRecord } from './synthetic-hearing.js';
import { committeeEntryFor } from './synthetic-vocabulary.js';
import { pick, randomFor, sampleIndexes, type Random } from './random.js';

/** The tracked fields a revision changes: what a real re-publication of a hearing usually touches. */
export const REVISED_FIELDS = ['title', 'meetingStatus', 'date', 'location', 'witnesses'] as const;
export type RevisedField = (typeof REVISED_FIELDS)[number];

const REVISION_SALT = 0x2e7;

/**
 * Which positions revision R changes, and how. Revision 0 is the base; revision R differs from it
 * in exactly `changed` records (changes are not cumulative across revisions).
 */
export function planRevisions(
  seed: number,
  offset: number,
  count: number,
  revision: number,
  changed: number,
): Map<number, RevisedField> {
  const plan = new Map<number, RevisedField>();
  if (revision === 0 || changed === 0) return plan;
  const random = randomFor(seed, offset, revision, REVISION_SALT);
  for (const position of sampleIndexes(random, count, changed)) plan.set(position, pick(random, REVISED_FIELDS));
  return plan;
}

export function reviseHearing(record: CommitteeMeetingRecord, field: RevisedField, random: Random): void {
  REVISERS[field](record, random);
  const updated = Date.parse(record.updateDate) + (1 + Math.floor(random() * 96)) * 3_600_000;
  record.updateDate = new Date(updated).toISOString();
}

const REVISERS: Record<RevisedField, (record: CommitteeMeetingRecord, random: Random) => void> = {
  title(record, random) {
    const committee = committeeEntryFor(record.committees[0]?.systemCode);
    const title = committee === undefined ? record.title : composeTitle(random, record.type, committee);
    record.title = title !== record.title ? title : `${record.title} (Revised)`;
  },
  meetingStatus(record, random) {
    record.meetingStatus = record.meetingStatus === 'Scheduled' ? pick(random, ['Postponed', 'Canceled', 'Rescheduled']) : 'Scheduled';
  },
  date(record, random) {
    const days = pick(random, [1, 2, 7, 14]);
    const date = new Date(Date.parse(record.date) + days * 86_400_000);
    record.date = date.toISOString();
    record.congress = congressForDate(date);
  },
  location(record, random) {
    const before = JSON.stringify(record.location);
    for (let attempt = 0; attempt < 8 && JSON.stringify(record.location) === before; attempt++) {
      record.location = composeLocation(random, record.chamber);
    }
    if (JSON.stringify(record.location) === before) record.location = { ...record.location, room: `${record.location.room}A` };
  },
  witnesses(record, random) {
    record.witnesses = [...record.witnesses, ...composeWitnesses(random, 1, record.witnesses)];
  },
};
