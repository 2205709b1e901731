import { describe, expect, it } from 'vitest';
import { applyRecordRules, normalizeWitnessName } from '../../../main/validation/index.js';
import { hearingRecord } from '../../helpers/records.js';

const known = { isKnownCommittee: (code: string) => code === 'hsif00' || code === 'ssju00' };

function reasonsFor(overrides: Record<string, unknown>): string[] {
  const outcome = applyRecordRules(hearingRecord(123456, overrides), known);
  return outcome.ok ? [] : outcome.reasons.map((r) => r.code);
}

describe('record rules', () => {
  it('accepts a well-formed Congress.gov committee meeting and normalizes it', () => {
    const outcome = applyRecordRules(hearingRecord(123456, { title: '  Spaced title  ', videos: { item: [{ name: 'v', url: 'https://x.test/v' }] } }), known);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.hearing).toMatchObject({ eventId: '123456', title: 'Spaced title', date: '2025-03-13T14:00:00.000Z' });
    expect(outcome.hearing.videos).toEqual([{ name: 'v', url: 'https://x.test/v' }]);
  });

  it.each([
    [{ eventId: undefined }, 'MISSING_EVENT_ID'],
    [{ eventId: '12a4' }, 'BAD_EVENT_ID'],
    [{ eventId: -5 }, 'BAD_EVENT_ID'],
    [{ congress: 0 }, 'BAD_CONGRESS'],
    [{ congress: 201 }, 'BAD_CONGRESS'],
    [{ congress: 118.5 }, 'BAD_CONGRESS'],
    [{ chamber: 'house' }, 'BAD_CHAMBER'],
    [{ type: 'Hearingz' }, 'BAD_TYPE'],
    [{ meetingStatus: 'Done' }, 'BAD_STATUS'],
    [{ title: '   ' }, 'EMPTY_TITLE'],
    [{ title: undefined }, 'EMPTY_TITLE'],
    [{ title: '\u200B' }, 'EMPTY_TITLE'],
    [{ title: ' \u2060\u00A0\u200D ' }, 'EMPTY_TITLE'],
    [{ title: 2123 }, 'BAD_SHAPE'],
    [{ title: 'x'.repeat(10_001) }, 'OVERSIZE_FIELD'],
    [{ location: { room: 'r'.repeat(2_001) } }, 'OVERSIZE_FIELD'],
    [{ date: 'next tuesday' }, 'BAD_DATE'],
    [{ date: '2025-02-30' }, 'BAD_DATE'],
    [{ date: '2025-03-04T25:00:00Z' }, 'BAD_DATE'],
    [{ date: '1788-12-31' }, 'DATE_OUT_OF_RANGE'],
    [{ date: '2101-01-01T00:00:00Z' }, 'DATE_OUT_OF_RANGE'],
    [{ committees: [{ systemCode: 'HSIF0', name: 'Bad' }] }, 'BAD_COMMITTEE_CODE'],
    [{ committees: [{ systemCode: 'hszz99' }] }, 'UNKNOWN_COMMITTEE'],
    [{ title: 'Nul\u0000inside' }, 'NUL_CHARACTER'],
  ])('rejects %j with %s', (overrides, code) => {
    expect(reasonsFor(overrides)).toContain(code);
  });

  it.each([
    ['2025-03-04T10:00:00-05', '2025-03-04T15:00:00.000Z'],
    ['2025-03-04T10:00-05', '2025-03-04T15:00:00.000Z'],
    ['2025-03-04t10:00:00z', '2025-03-04T10:00:00.000Z'],
    ['2025-03-04T10:00:00.5+0530', '2025-03-04T04:30:00.500Z'],
    ['2025-03-04 10:00:00', '2025-03-04T10:00:00.000Z'],
  ])('reads the date %s, an RFC 3339 or ISO 8601 spelling, as the instant %s', (date, instant) => {
    const outcome = applyRecordRules(hearingRecord(123456, { date }), known);
    expect(outcome.ok ? outcome.hearing.date : outcome.reasons).toBe(instant);
  });

  it.each([
    ['2025-03-04T10:00:00+23:00', 'date "2025-03-04T10:00:00+23:00" has the UTC offset +23:00, beyond the ±14:00 of any time zone'],
    ['2025-03-04T10:00:00-1430', 'date "2025-03-04T10:00:00-1430" has the UTC offset -1430, beyond the ±14:00 of any time zone'],
    ['2025-03-04T10:00+15', 'date "2025-03-04T10:00+15" has the UTC offset +15, beyond the ±14:00 of any time zone'],
  ])('quarantines the date %s, whose offset no time zone has, instead of storing another day', (date, message) => {
    const outcome = applyRecordRules(hearingRecord(123456, { date }), known);
    expect(outcome.ok ? outcome.hearing.date : outcome.reasons).toEqual([{ code: 'BAD_DATE', message }]);
  });

  it.each([
    ['2025-03-04T10:00:00+14:00', '2025-03-03T20:00:00.000Z'],
    ['2025-03-04T10:00:00-12:00', '2025-03-04T22:00:00.000Z'],
    ['2025-03-04T10:00:00+05:45', '2025-03-04T04:15:00.000Z'],
  ])('still reads the date %s, at the edge of the offsets in use or between whole hours, as %s', (date, instant) => {
    const outcome = applyRecordRules(hearingRecord(123456, { date }), known);
    expect(outcome.ok ? outcome.hearing.date : outcome.reasons).toBe(instant);
  });

  it.each([
    ['061', '61'],
    [61, '61'],
    ['0000061', '61'],
    ['115538', '115538'],
  ])('stores the eventId %j as %s: Congress.gov event ids are numbers, one spelling each', (eventId, stored) => {
    const outcome = applyRecordRules(hearingRecord(123456, { eventId }), known);
    expect(outcome.ok ? outcome.hearing.eventId : outcome.reasons).toBe(stored);
  });

  it.each([
    ['0', 'eventId must be a positive number, got "0"'],
    [0, 'eventId must be a positive whole number, got 0'],
    [-5, 'eventId must be a positive whole number, got -5'],
    [1.5, 'eventId must be a positive whole number, got 1.5'],
    ['61 ', 'eventId must be a string of digits, got "61 "'],
    ['123456789012345678901', 'eventId has 21 digits ("123456789012345678901"); an eventId has at most 20'],
  ])('refuses the eventId %j saying what is wrong: %s', (eventId, message) => {
    const outcome = applyRecordRules(hearingRecord(123456, { eventId }), known);
    expect(outcome.ok ? [] : outcome.reasons).toEqual([{ code: 'BAD_EVENT_ID', message }]);
  });

  it('rejects a record nested 100,000 arrays deep as TOO_DEEP without overflowing the stack', () => {
    let deep: unknown = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(reasonsFor({ witnesses: deep })).toEqual(['TOO_DEEP']);
    expect(reasonsFor({ extra: JSON.parse('['.repeat(30) + ']'.repeat(30)) as unknown })).toEqual([]);
  });

  it('names the path of a NUL character or an oversize field found deep inside the record', () => {
    const outcome = applyRecordRules(hearingRecord(1, { witnesses: [{ name: 'ok' }, { name: 'a', position: 'p'.repeat(2_001), organization: 'x\u0000y' }] }), known);
    expect(outcome.ok ? [] : outcome.reasons.map((r) => r.message)).toEqual([
      'witnesses[1].organization contains a NUL character',
      'witnesses[1].position is longer than 2,000 characters',
    ]);
  });

  it('gives every reason at once, each with a sentence', () => {
    const outcome = applyRecordRules(hearingRecord(1, { chamber: 'Senat', date: 'soon', title: '' }), known);
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.reasons.map((r) => r.code)).toEqual(['BAD_CHAMBER', 'EMPTY_TITLE', 'BAD_DATE']);
    expect(outcome.reasons[0]!.message).toMatch(/chamber must be one of House, Senate, NoChamber, got "Senat"/);
  });

  it.each([
    [{ witnesses: [{ name: 'Ann Lee' }, { organization: 'Lab', position: 'Chair' }] }, 'witnesses[1].name is missing or blank: no witness can be stored without it, though the entry gives organization "Lab" and position "Chair"'],
    [{ witnesses: [{ name: '\u200B\u2060', organization: null }] }, 'witnesses[0].name shows nothing (it is only U+200B U+2060): no witness can be stored without it, and the entry gives nothing else'],
    [{ witnesses: { item: [{}] } }, 'witnesses[0].name is missing or blank: no witness can be stored without it, and the entry gives nothing else'],
    [{ videos: [{ name: 'Part 2', url: '  ' }] }, 'videos[0].url is missing or blank: no video can be stored without it, though the entry gives name "Part 2"'],
    [{ hearingTranscript: [{ jacketNumber: '', url: null }] }, 'hearingTranscript[0].jacketNumber and url are missing or blank: no transcript can be stored without it, and the entry gives nothing else'],
  ])('quarantines a record whose entry %j lacks what it is stored by, naming the entry, instead of leaving the entry out', (overrides, message) => {
    const outcome = applyRecordRules(hearingRecord(1, overrides), known);
    expect(outcome.ok ? [] : outcome.reasons).toEqual([{ code: 'INCOMPLETE_ENTRY', message }]);
  });

  it.each([
    [{ location: { room: -0 } }, 'location.room is the number -0, which is not kept as written (only whole numbers are); send it as text'],
    [{ location: { room: Number('12345678901234567890') } }, 'location.room is a number past 2^53, read only as 12345678901234567000, not the digits written; send it as text'],
    [{ hearingTranscript: [{ jacketNumber: 55123.5 }] }, 'hearingTranscript[0].jacketNumber is the number 55123.5, which is not kept as written (only whole numbers are); send it as text'],
    [{ witnesses: [{ name: 'Ann Lee', position: Infinity }] }, 'witnesses[0].position is a number too large to read (beyond ±1.8e308); send it as text'],
  ])('refuses a number where text belongs that would be stored as other digits than written: %j', (overrides, message) => {
    const outcome = applyRecordRules(hearingRecord(1, overrides), known);
    expect(outcome.ok ? [] : outcome.reasons).toEqual([{ code: 'BAD_SHAPE', message }]);
  });

  it('stores a whole number where text belongs as its digits', () => {
    const outcome = applyRecordRules(hearingRecord(1, { location: { room: 2123 }, hearingTranscript: [{ jacketNumber: -7 }] }), known);
    expect(outcome.ok && [outcome.hearing.location?.room, outcome.hearing.transcripts[0]?.jacketNumber]).toEqual(['2123', '-7']);
  });

  it('leaves a witness name that is not text to its BAD_SHAPE reason alone', () => {
    expect(reasonsFor({ witnesses: [{ name: { first: 'Ann' }, organization: 'Lab' }] })).toEqual(['BAD_SHAPE']);
  });

  it.each([
    ['2100-12-31T23:30:00-05:00', 'date "2100-12-31T23:30:00-05:00" is outside 1789–2100 (in UTC, as it is stored, it is 2101-01-01T04:30:00.000Z)'],
    ['1789-01-01T00:30+05', 'date "1789-01-01T00:30+05" is outside 1789–2100 (in UTC, as it is stored, it is 1788-12-31T19:30:00.000Z)'],
  ])('judges the 1789–2100 range on the instant stored, not the year written: %s', (date, message) => {
    const outcome = applyRecordRules(hearingRecord(1, { date }), known);
    expect(outcome.ok ? [] : outcome.reasons).toEqual([{ code: 'DATE_OUT_OF_RANGE', message }]);
  });

  it("reads each committee's name as often in a list of three as the one committee of a list of one", () => {
    const reads = new Map<string, number>();
    const counted = (systemCode: string, name: string) => ({
      systemCode,
      get name() {
        reads.set(systemCode, (reads.get(systemCode) ?? 0) + 1);
        return name;
      },
    });
    expect(applyRecordRules(hearingRecord(1, { committees: [counted('hsif00', 'Energy')] }), known).ok).toBe(true);
    const alone = reads.get('hsif00');
    reads.clear();
    const three = [counted('hsif00', 'Energy'), counted('ssju00', 'Judiciary'), counted('hsif16', 'Innovation')];
    expect(applyRecordRules(hearingRecord(2, { committees: three }), known).ok).toBe(true);
    expect(Object.fromEntries(reads)).toEqual({ hsif00: alone, ssju00: alone, hsif16: alone });
  });

  it('accepts an unknown committee when the record names it, so it can be created', () => {
    expect(reasonsFor({ committees: [{ systemCode: 'hsif16', name: 'Subcommittee on Innovation' }] })).toEqual([]);
  });

  it('stores once, with the detail given, an entry whose repeat leaves out or gives what the other does not', () => {
    const outcome = applyRecordRules(
      hearingRecord(1, {
        committees: [{ systemCode: 'hsif00' }, { systemCode: 'HSIF00', name: 'Energy' }, { systemCode: 'hsif16' }, { systemCode: 'hsif16', name: 'Innovation' }, { systemCode: 'hsif00' }],
        witnesses: [
          { name: 'Jane Doe', organization: 'Acme', position: 'CEO' },
          { name: 'JANE DOE', organization: 'ACME', position: null },
          { name: 'Ann Lee', organization: 'Acme' },
          { name: 'Ann Lee', organization: 'Acme', position: 'CFO' },
        ],
      }),
      known,
    );
    expect(outcome.ok && { committees: outcome.hearing.committees, witnesses: outcome.hearing.witnesses.map(({ name, position }) => ({ name, position })), repeats: outcome.repeats }).toEqual({
      // hsif16 is not stored: only its repeat gives the name to create it with.
      committees: [{ systemCode: 'hsif00', name: 'Energy' }, { systemCode: 'hsif16', name: 'Innovation' }],
      witnesses: [{ name: 'Jane Doe', position: 'CEO' }, { name: 'Ann Lee', position: 'CFO' }],
      repeats: [
        'committees[1] repeats committees[0] (committee hsif00, giving the name "Energy" committees[0] leaves out)',
        'committees[3] repeats committees[2] (committee hsif16, giving the name "Innovation" committees[2] leaves out)',
        'committees[4] repeats committees[0] (committee hsif00, leaving out its name)',
        'witnesses[1] repeats witnesses[0] (the witness "Jane Doe" of "Acme", leaving out its position)',
        'witnesses[3] repeats witnesses[2] (the witness "Ann Lee" of "Acme", giving the position "CFO" witnesses[2] leaves out)',
      ],
    });
  });

  it('quarantines repeats that give a detail two values, naming the entries that gave them, even past one that left it out', () => {
    const outcome = applyRecordRules(
      hearingRecord(1, {
        committees: [{ systemCode: 'hsif16' }, { systemCode: 'hsif16', name: 'Innovation' }, { systemCode: 'hsif16', name: 'Commerce' }],
        witnesses: [{ name: 'Ann Lee' }, { name: 'Ann Lee', position: 'CFO' }, { name: 'Ann Lee', position: 'CEO' }],
      }),
      known,
    );
    expect(outcome.ok ? [] : outcome.reasons.map((r) => `${r.code}: ${r.message}`)).toEqual([
      'DUPLICATE_ENTRY: committees[1] and committees[2] both list committee hsif16 with different details (name "Innovation", then "Commerce"): which one was meant cannot be told',
      'DUPLICATE_ENTRY: witnesses[1] and witnesses[2] both list the witness "Ann Lee" with different details (position "CFO", then "CEO"): which one was meant cannot be told',
    ]);
  });

  it('still refuses an unknown committee that no entry of the record names', () => {
    const outcome = applyRecordRules(hearingRecord(1, { committees: [{ systemCode: 'hsif16' }, { systemCode: 'hsif16', name: ' \u200B ' }] }), known);
    expect(outcome.ok ? [] : outcome.reasons.map((r) => `${r.code}: ${r.message}`)).toEqual([
      'UNKNOWN_COMMITTEE: committee hsif16 is not in the database and the record gives no name to create it with',
      'UNKNOWN_COMMITTEE: committee hsif16 is not in the database and the record gives no name to create it with',
    ]);
  });

  it.each([null, 42, 'text', [1, 2]])('rejects a non-object %j as NOT_AN_OBJECT', (raw) => {
    const outcome = applyRecordRules(raw, known);
    expect(outcome.ok ? [] : outcome.reasons.map((r) => r.code)).toEqual(['NOT_AN_OBJECT']);
  });

  it('deduplicates witnesses by name without honorifics plus organization', () => {
    const outcome = applyRecordRules(
      hearingRecord(1, {
        witnesses: [
          { name: 'The Honorable Jane Doe', organization: 'Department of Energy' },
          { name: 'Jane Doe', organization: 'department of energy' },
          { name: 'Dr. Jane Doe', organization: 'Another Org' },
          { name: 'Sen. John Smith Jr.', organization: null },
        ],
      }),
      known,
    );
    expect(outcome.ok && outcome.hearing.witnesses.map((w) => [w.normalizedName, w.organization])).toEqual([
      ['jane doe', 'Department of Energy'],
      ['jane doe', 'Another Org'],
      ['john smith', null],
    ]);
  });

  it.each([
    ['The Honorable Jane Doe', 'jane doe'],
    ['Hon. Jane  Doe', 'jane doe'],
    ['Dr. José Núñez, PhD', 'jose nunez'],
    ['Rep. Pat Lee', 'pat lee'],
    ['Honda Civic', 'honda civic'],
  ])('normalizes witness name %s to %s', (name, normalized) => {
    expect(normalizeWitnessName(name)).toBe(normalized);
  });
});
