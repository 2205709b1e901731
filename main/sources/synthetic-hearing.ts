import type { Chamber, MeetingStatus, MeetingType } from '../../shared/record.js';
import { chance, intBetween, pick, weightedPick, type Random } from './random.js';
import { congressForDate } from './synthetic-schedule.js';
import {
  ACT_WORDS,
  ADDRESSES,
  BUILDINGS,
  COMMITTEES,
  FIRST_NAMES,
  HONORIFICS,
  LAST_NAMES,
  ORGANIZATIONS,
  POSITIONS,
  PROGRAMS,
  type CommitteeEntry,
} from './synthetic-vocabulary.js';

/**
 * A Congress.gov committee-meeting detail object as the synthetic source emits it (DESIGN §3).
 * Fields are typed loosely (string, optional) because corruption deliberately breaks them.
 */
export interface CommitteeMeetingRecord {
  eventId?: string;
  congress: number;
  chamber: string;
  type: string;
  meetingStatus: string;
  title: string;
  date: string;
  updateDate: string;
  location: { room: string; building: string; address: string };
  committees: { systemCode: string; name?: string }[];
  witnesses: { name: string; organization: string; position: string }[];
  videos: { name: string; url: string }[];
  hearingTranscript: { jacketNumber: number; url: string }[];
}

const CHAMBER_MIX: readonly (readonly [Chamber, number])[] = [['House', 55], ['Senate', 40], ['NoChamber', 5]];
const TYPE_MIX: readonly (readonly [MeetingType, number])[] = [['Hearing', 70], ['Meeting', 15], ['Markup', 15]];
const STATUS_MIX: readonly (readonly [MeetingStatus, number])[] = [
  ['Scheduled', 85], ['Canceled', 6], ['Postponed', 5], ['Rescheduled', 4],
];
const SUBCOMMITTEE_SHARE = 0.3;
const JOINT_MEETING_SHARE = 0.05;

/** Each chamber's committees, in COMMITTEES' order: picked from once a record, not filtered out of the list for each. */
const COMMITTEES_OF = Object.fromEntries(CHAMBER_MIX.map(([chamber]) => [chamber, COMMITTEES.filter((entry) => entry.chamber === chamber)])) as Record<Chamber, CommitteeEntry[]>;

export const FIRST_EVENT_ID = 115_000;

export function eventIdFor(recordNumber: number): string {
  return String(FIRST_EVENT_ID + recordNumber);
}

/** Builds record number `recordNumber` of a seed; `slot` is its start time from the schedule. */
export function buildHearing(random: Random, recordNumber: number, slot: Date): CommitteeMeetingRecord {
  const chamber = weightedPick(random, CHAMBER_MIX);
  const primary = pick(random, COMMITTEES_OF[chamber]);
  const type = weightedPick(random, TYPE_MIX);
  const meetingStatus = weightedPick(random, STATUS_MIX);
  const held = meetingStatus === 'Scheduled' || meetingStatus === 'Rescheduled';
  const congress = congressForDate(slot);
  return {
    eventId: eventIdFor(recordNumber),
    congress,
    chamber,
    type,
    meetingStatus,
    title: composeTitle(random, type, primary),
    date: slot.toISOString(),
    updateDate: new Date(slot.getTime() + intBetween(random, 60, 72 * 60) * 60_000).toISOString(),
    location: composeLocation(random, chamber),
    committees: composeCommittees(random, primary),
    witnesses: type === 'Hearing' ? composeWitnesses(random, intBetween(random, 0, 6)) : [],
    videos: held && chance(random, type === 'Hearing' ? 0.6 : 0.4) ? [composeVideo(random, primary)] : [],
    hearingTranscript: held && type === 'Hearing' && chance(random, 0.25) ? [composeTranscript(random, congress, chamber)] : [],
  };
}

export function composeTitle(random: Random, type: string, committee: CommitteeEntry): string {
  if (type === 'Markup') return composeMarkupTitle(random, committee);
  if (type === 'Meeting') {
    return pick(random, [
      'Organizational Meeting',
      'Business Meeting',
      'Executive Business Meeting',
      `Business Meeting to Consider ${composeActName(random)}`,
      'Member Day',
    ]);
  }
  const agency = pick(random, committee.agencies);
  const topic = pick(random, committee.topics);
  return pick(random, HEARING_TITLES)(random, agency, topic, committee);
}

/** A hearing's title forms, made once rather than as eight closures a record (a hearing is 70 % of records). */
const HEARING_TITLES: readonly ((random: Random, agency: string, topic: string, committee: CommitteeEntry) => string)[] = [
  (_, agency) => `Oversight of the ${agency}`,
  (random, agency) => `Oversight of the ${possessive(agency)} ${pick(random, PROGRAMS)}`,
  (_, __, topic) => `Examining ${topic}`,
  (_, __, topic) => `${topic}: Challenges and Opportunities`,
  (random, agency) => `A Review of the ${possessive(agency)} ${pick(random, PROGRAMS)}`,
  (random, _, __, committee) => `Legislative Hearing on ${composeBillNumber(random, committee)}, the ${composeActName(random)}`,
  (_, __, topic) => `Hearing to Receive Testimony on ${topic}`,
  (_, __, ___, committee) => (committee.chamber === 'Senate' ? 'Nominations' : 'Member Day Hearing'),
];

function possessive(name: string): string {
  return name.endsWith('s') ? `${name}'` : `${name}'s`;
}

function composeMarkupTitle(random: Random, committee: CommitteeEntry): string {
  return pick(random, [
    () => `Markup of ${composeBillNumber(random, committee)}, the ${composeActName(random)}`,
    () => `Full Committee Markup of ${intBetween(random, 2, 14)} Bills`,
    () => `Markup of ${composeBillNumber(random, committee)} and ${composeBillNumber(random, committee)}`,
    () => `Subcommittee Markup of the ${composeActName(random)}`,
  ])();
}

function composeBillNumber(random: Random, committee: CommitteeEntry): string {
  return committee.chamber === 'Senate' ? `S. ${intBetween(random, 1, 3999)}` : `H.R. ${intBetween(random, 1, 9999)}`;
}

export function composeActName(random: Random): string {
  const name = `${pick(random, ACT_WORDS.lead)} ${pick(random, ACT_WORDS.subject)} ${pick(random, ACT_WORDS.tail)}`;
  return chance(random, 0.3) ? `${name} of 2025` : name;
}

export function composeLocation(random: Random, chamber: string): CommitteeMeetingRecord['location'] {
  const chamberKey = chamber === 'Senate' || chamber === 'NoChamber' ? chamber : 'House';
  const { building, rooms } = pick(random, BUILDINGS[chamberKey]);
  return { room: pick(random, rooms), building, address: ADDRESSES[chamberKey] };
}

function composeCommittees(random: Random, primary: CommitteeEntry): CommitteeMeetingRecord['committees'] {
  const holder = primary.subcommittees.length > 0 && chance(random, SUBCOMMITTEE_SHARE)
    ? pick(random, primary.subcommittees)
    : primary;
  const committees = [{ systemCode: holder.systemCode, name: holder.name }];
  if (chance(random, JOINT_MEETING_SHARE)) {
    const partner = pick(random, COMMITTEES.filter((entry) => entry.chamber === primary.chamber && entry !== primary));
    committees.push({ systemCode: partner.systemCode, name: partner.name });
  }
  return committees;
}

/**
 * `count` witnesses drawn, less any that names a witness `listed` (or an earlier draw) already
 * names: the record rules quarantine a witness listed twice with another position (DUPLICATE_ENTRY),
 * and the generator writes clean records. The draws are made all the same, so a seed's later records
 * do not move, and the hearing stored is the one the rules stored when they dropped the repeat.
 */
export function composeWitnesses(random: Random, count: number, listed: CommitteeMeetingRecord['witnesses'] = []): CommitteeMeetingRecord['witnesses'] {
  const named = new Set(listed.map(syntheticWitnessIdentity));
  const drawn = Array.from({ length: count }, () => ({
    name: `${weightedPick(random, HONORIFICS)}${pick(random, FIRST_NAMES)} ${pick(random, LAST_NAMES)}`,
    organization: pick(random, ORGANIZATIONS),
    position: pick(random, POSITIONS),
  }));
  return drawn.filter((witness) => {
    const identity = syntheticWitnessIdentity(witness);
    if (named.has(identity)) return false;
    named.add(identity);
    return true;
  });
}

/** Who a composed witness is, as the record rules key it: the name without its honorific (every one of HONORIFICS is one the rules drop), and the organization. */
function syntheticWitnessIdentity(witness: CommitteeMeetingRecord['witnesses'][number]): string {
  const honorific = HONORIFICS.find(([prefix]) => prefix !== '' && witness.name.startsWith(prefix))?.[0] ?? '';
  return `${witness.name.slice(honorific.length).toLowerCase()}\u0000${witness.organization.toLowerCase()}`;
}

function composeVideo(random: Random, committee: CommitteeEntry): CommitteeMeetingRecord['videos'][number] {
  let videoId = '';
  for (let i = 0; i < 11; i++) videoId += pick(random, YOUTUBE_ALPHABET);
  return { name: `${committee.name} Hearing`, url: `https://www.youtube.com/watch?v=${videoId}` };
}

const YOUTUBE_ALPHABET = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'];

function composeTranscript(random: Random, congress: number, chamber: string): CommitteeMeetingRecord['hearingTranscript'][number] {
  // Congress.gov sends jacketNumber as a number; the normalizer turns it into a string.
  const jacketNumber = intBetween(random, 50_000, 62_999);
  const chamberPath = chamber === 'Senate' ? 'senate' : chamber === 'House' ? 'house' : 'joint';
  return { jacketNumber, url: `https://api.congress.gov/v3/hearing/${congress}/${chamberPath}/${jacketNumber}?format=json` };
}
