import { describe, expect, it } from 'vitest';
import { applyRecordRules, normalizeWitnessName, parseIsoDate } from '../../../main/validation/index.js';

/**
 * The rules' outputs are stored (normalized hearings, witness keys, quarantine reasons) and compared
 * with what earlier runs stored, so they must not move when the rules get faster. Every expected
 * value here was produced by the rules as they stood before the issue 12 speed-ups (8aac93e).
 */
describe('record rules give the outputs stored databases hold', () => {
  it.each([
    ['2025-01-06T19:00:00.000Z', { iso: '2025-01-06T19:00:00.000Z' }],
    ['2025-01-06T19:00:00Z', { iso: '2025-01-06T19:00:00.000Z' }],
    ['2025-01-06T19:00Z', { iso: '2025-01-06T19:00:00.000Z' }],
    ['2025-01-06T19:00', { iso: '2025-01-06T19:00:00.000Z' }],
    ['2025-01-06', { iso: '2025-01-06T00:00:00.000Z' }],
    ['2025-01-06 19:00:00', { iso: '2025-01-06T19:00:00.000Z' }],
    ['2025-01-06T19:00:00+05:00', { iso: '2025-01-06T14:00:00.000Z' }],
    ['2025-01-06T19:00:00+0530', { iso: '2025-01-06T13:30:00.000Z' }],
    ['2025-01-06T19:00:00-00:00', { iso: '2025-01-06T19:00:00.000Z' }],
    ['2025-01-06T19:00:00.5Z', { iso: '2025-01-06T19:00:00.500Z' }],
    ['2025-01-06T19:00:00.123456789Z', { iso: '2025-01-06T19:00:00.123Z' }],
    ['2025-01-06T19:00:00.1234Z', { iso: '2025-01-06T19:00:00.123Z' }],
    ['  2025-01-06T19:00:00Z\n', { iso: '2025-01-06T19:00:00.000Z' }],
    ['2025-01-06T19:00:00.000Z ', { iso: '2025-01-06T19:00:00.000Z' }],
    // RFC 3339 §5.6 allows lower-case t and z; refusing them quarantined good records.
    ['2025-01-06t19:00:00z', { iso: '2025-01-06T19:00:00.000Z' }],
    ['2025-01-06T19:00:00z', { iso: '2025-01-06T19:00:00.000Z' }],
    ['2025-01-06T19:00:00-05', { iso: '2025-01-07T00:00:00.000Z' }],
    ['2024-02-29T12:00:00Z', { iso: '2024-02-29T12:00:00.000Z' }],
    ['2025-02-29T12:00:00Z', { problem: 'is not a real calendar date' }],
    ['2100-02-29T00:00:00Z', { problem: 'is not a real calendar date' }],
    ['2000-02-29T00:00:00.000Z', { iso: '2000-02-29T00:00:00.000Z' }],
    ['1900-02-29T00:00:00Z', { problem: 'is not a real calendar date' }],
    ['2025-00-10T00:00:00Z', { problem: 'is not a real calendar date' }],
    ['2025-13-01T00:00:00Z', { problem: 'is not a real calendar date' }],
    ['2025-04-31T00:00:00Z', { problem: 'is not a real calendar date' }],
    ['2025-01-00T00:00:00Z', { problem: 'is not a real calendar date' }],
    ['2025-01-32T00:00:00Z', { problem: 'is not a real calendar date' }],
    ['2025-01-06T24:00:00Z', { problem: 'has an impossible time of day' }],
    ['2025-01-06T23:60:00Z', { problem: 'has an impossible time of day' }],
    ['2025-01-06T23:59:60Z', { problem: 'has an impossible time of day' }],
    ['2025-01-06T23:59:59.999Z', { iso: '2025-01-06T23:59:59.999Z' }],
    ['1789-01-01T00:00:00Z', { iso: '1789-01-01T00:00:00.000Z' }],
    ['1788-12-31T23:59:59Z', { problem: 'is outside 1789–2100' }],
    // The range bounds the instant stored (eng139): these two were stored as 1788 and 2101 before.
    ['1789-01-01T00:00:00+01:00', { problem: 'is outside 1789–2100 (in UTC, as it is stored, it is 1788-12-31T23:00:00.000Z)' }],
    ['1789-01-01T01:00:00+01:00', { iso: '1789-01-01T00:00:00.000Z' }],
    ['2100-12-31T23:59:59.999Z', { iso: '2100-12-31T23:59:59.999Z' }],
    ['2100-12-31T23:30:00-01:00', { problem: 'is outside 1789–2100 (in UTC, as it is stored, it is 2101-01-01T00:30:00.000Z)' }],
    ['2100-12-31T22:59:59-01:00', { iso: '2100-12-31T23:59:59.000Z' }],
    ['2101-01-01T00:00:00Z', { problem: 'is outside 1789–2100' }],
    ['0099-01-01T00:00:00Z', { problem: 'is outside 1789–2100' }],
    ['2025-1-06T19:00:00Z', { problem: 'is not an ISO 8601 date' }],
    ['+002025-01-06T19:00:00Z', { problem: 'is not an ISO 8601 date' }],
    ['\uff12\uff10\uff12\uff15-01-06T19:00:00Z', { problem: 'is not an ISO 8601 date' }],
    ['2025-01-06T19:00:00ZZ', { problem: 'is not an ISO 8601 date' }],
    ['2025-01-06T19:00:00+25:00', { problem: 'has the UTC offset +25:00, beyond the ±14:00 of any time zone' }],
    // Date reads an offset up to ±23:59: this one was stored as 20:00 UTC the day before.
    ['2025-01-06T19:00:00+23:00', { problem: 'has the UTC offset +23:00, beyond the ±14:00 of any time zone' }],
    ['2025-01-06T19:00:00-14:00', { iso: '2025-01-07T09:00:00.000Z' }],
    ['2025-01-06T19:00:00+05:60', { problem: 'has the UTC offset +05:60, whose minutes are past 59' }],
    ['', { problem: 'is not an ISO 8601 date' }],
    ['next tuesday', { problem: 'is not an ISO 8601 date' }],
  ])('parses the date %j as %j', (text, expected) => {
    expect(parseIsoDate(text)).toEqual(expected);
  });

  it('gives every well-formed UTC timestamp of 1789–2100 back as the instant JavaScript reads from it', () => {
    let seed = 12;
    const next = (bound: number) => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) % bound;
    const two = (n: number) => String(n).padStart(2, '0');
    for (let i = 0; i < 5_000; i++) {
      const date = `${1789 + next(312)}-${two(1 + next(12))}-${two(1 + next(31))}`;
      const time = `${two(next(24))}:${two(next(60))}:${two(next(60))}`;
      const text = `${date}T${time}${i % 2 === 0 ? '' : `.${String(next(1000)).padStart(3, '0')}`}Z`;
      const instant = new Date(text);
      const real = instant.getUTCDate() === Number(date.slice(8, 10));
      expect(parseIsoDate(text)).toEqual(real ? { iso: instant.toISOString() } : { problem: 'is not a real calendar date' });
    }
  });

  it.each([
    ['Olivia Okafor', 'olivia okafor'],
    ['Ms. Olivia Thompson', 'olivia thompson'],
    ['The Honorable Jennifer Garcia', 'jennifer garcia'],
    ["Grace O'Brien", "grace o'brien"],
    ['The Honorable Dr. Jane Doe', 'jane doe'],
    ['Hon.Jane Doe', 'jane doe'],
    ['Honorable  Hon. Jane', 'jane'],
    ['Drew Smith', 'drew smith'],
    ['Dr.', ''],
    ['Jr.', ''],
    ['Senator', ''],
    [' , . ', ''],
    ['Smith, Jr., PhD', 'smith'],
    ['DR. JANE  ROE', 'jane roe'],
    ['Ms.Jane', 'jane'],
    ['Mrs.Ms. Mr Jones III', 'jones'],
    ['Chief Justice John Roberts', 'john roberts'],
    ['Lt. Gen. (Ret.) Pat Doe', '(ret ) pat doe'],
    ['Secretary of State Jane Doe', 'of state jane doe'],
    ['the hon. jane doe esq.', 'jane doe'],
    ['Prof. Dr. h.c. Hans Müller', 'h c hans muller'],
    ['Rev Dr Martin Luther King Jr.', 'martin luther king'],
    ['Gov. Newsom, Jr', 'newsom'],
    ['Mayor Pete', 'pete'],
    ['Justice4All', 'justice4all'],
    ['Col.Sanders', 'sanders'],
    ['Miss.Misses', 'misses'],
    ['J. R. R. Tolkien', 'j r r tolkien'],
    ['A.B.C.', 'a b c'],
    ['Mary-Jane Watson-Parker', 'mary-jane watson-parker'],
    ['\tMr.\nBob\r\nLee ', 'bob lee'],
    ['Dr.\u00a0Ana\u2003Lima', 'ana lima'],
    ['Dr. José Núñez, PhD', 'jose nunez'],
    ['Zoë Saldaña-Pérez', 'zoe saldana-perez'],
    ['Ñandú', 'nandu'],
    ['Ångström, Anders', 'angstrom anders'],
    ['İlker Öztürk', 'ilker ozturk'],
    ['\uff2a\uff41\uff4e\uff45\u3000\uff24\uff4f\uff45', 'jane doe'],
    ['\uff2d\uff52\uff0e Wide', 'wide'],
    ['\ufb01nn \ufb02ynn', 'finn flynn'],
    ['mr\u0301 Accent', 'accent'],
    ['D\u0308r. Umlaut', 'umlaut'],
    ['Mr. ß', 'ß'],
    ['Σίσυφος Παπαδόπουλος', 'σισυφος παπαδοπουλος'],
    ['李 小龍', '李 小龍'],
    ['Dr. 😀 Smile', '😀 smile'],
  ])('normalizes the witness name %j to %j', (name, normalized) => {
    expect(normalizeWitnessName(name)).toBe(normalized);
  });

  it('normalizes a record with untidy text, lists wrapped in items and repeated entries as before', () => {
    const outcome = applyRecordRules(
      {
        eventId: 117021, congress: '118', chamber: 'Senate', type: 'Hearing', meetingStatus: 'Rescheduled',
        title: '  Ünïcode "quoted" \\ title — ✓ ', date: '2024-02-29 09:30:00-05:00', updateDate: '2024-03-01T12:00:00Z',
        location: { room: ' SD-106 ', building: null, address: '' },
        // A repeat named otherwise ({ systemCode: 'ssju00', name: 'again' } here before eng145) now
        // quarantines the record (DUPLICATE_ENTRY, record-rules.test.ts); a repeat alike is stored once.
        committees: { item: [{ systemCode: 'SSJU00', name: ' Judiciary ' }, { systemCode: 'ssju00', name: 'Judiciary' }, { systemCode: 'ssju21' }] },
        witnesses: [
          { name: 'The Honorable José Núñez, Jr.', organization: 'Dept. of Ünity', position: null },
          { name: 'jose nunez', organization: 'DEPT. OF ÜNITY' },
          { name: '\uff2d\uff53\uff0e \uff21\uff4e\uff41', organization: '', position: ' Chief ' },
        ],
        // A witness with a blank name, a video without a url and a blank transcript were left out of it
        // here; since eng139 they quarantine the record (INCOMPLETE_ENTRY, record-rules.test.ts).
        videos: [{ url: 'https://x.test/v?a=1&b="2"' }],
        hearingTranscript: { item: [{ jacketNumber: 55123, url: null }, { jacketNumber: ' 0042 ' }] },
        extra: { ignored: true },
      },
      { isKnownCommittee: (code) => code === 'ssju21' },
    );
    expect(JSON.stringify(outcome)).toBe(
      '{"ok":true,"hearing":{"eventId":"117021","congress":118,"chamber":"Senate","type":"Hearing","meetingStatus":"Rescheduled",' +
        '"title":"Ünïcode \\"quoted\\" \\\\ title — ✓","date":"2024-02-29T14:30:00.000Z","updateDate":"2024-03-01T12:00:00.000Z",' +
        '"location":{"room":"SD-106","building":null,"address":null},' +
        '"committees":[{"systemCode":"ssju00","name":"Judiciary"},{"systemCode":"ssju21","name":null}],' +
        '"witnesses":[{"name":"The Honorable José Núñez, Jr.","normalizedName":"jose nunez","organization":"Dept. of Ünity","position":null},' +
        '{"name":"\uff2d\uff53\uff0e \uff21\uff4e\uff41","normalizedName":"ana","organization":null,"position":"Chief"}],' +
        '"videos":[{"name":null,"url":"https://x.test/v?a=1&b=\\"2\\""}],' +
        '"transcripts":[{"jacketNumber":"55123","url":null},{"jacketNumber":"0042","url":null}]},' +
        '"repeats":["committees[1] repeats committees[0] (committee ssju00)","witnesses[1] repeats witnesses[0] (the witness \\"The Honorable José Núñez, Jr.\\" of \\"Dept. of Ünity\\")"]}',
    );
  });

  it('quarantines a record with many faults with every reason, in the same order and words', () => {
    const outcome = applyRecordRules(
      {
        eventId: '12a', congress: 300, chamber: 'house', type: 'Hearing', meetingStatus: 'Scheduled',
        title: 'Nul\u0000title', date: '2025-02-30T10:00:00Z', updateDate: '1700-01-01',
        location: { room: 'x'.repeat(2001) },
        committees: [{ systemCode: 'hsif0' }, { systemCode: 'hszz99' }, 'text'],
        witnesses: [{ name: 'Dr. A', organization: 'b\u0000c' }],
      },
      { isKnownCommittee: () => false },
    );
    expect(outcome.ok ? [] : outcome.reasons).toEqual([
      { code: 'NUL_CHARACTER', message: 'title contains a NUL character' },
      { code: 'OVERSIZE_FIELD', message: 'location.room is longer than 2,000 characters' },
      { code: 'BAD_EVENT_ID', message: 'eventId must be a string of digits, got "12a"' },
      { code: 'BAD_CONGRESS', message: 'congress must be a whole number from 1 to 200, got 300' },
      { code: 'BAD_CHAMBER', message: 'chamber must be one of House, Senate, NoChamber, got "house"' },
      { code: 'BAD_DATE', message: 'date "2025-02-30T10:00:00Z" is not a real calendar date' },
      { code: 'DATE_OUT_OF_RANGE', message: 'updateDate "1700-01-01" is outside 1789–2100' },
      { code: 'BAD_COMMITTEE_CODE', message: 'committee systemCode "hsif0" is not of the form hsif00' },
      { code: 'UNKNOWN_COMMITTEE', message: 'committee hszz99 is not in the database and the record gives no name to create it with' },
      { code: 'BAD_COMMITTEE_CODE', message: 'committee systemCode "text" is not of the form hsif00' },
    ]);
  });

  it('stops looking through a record at the first container nested too deep: what lies after it is not reported', () => {
    let deep: unknown = [];
    for (let i = 0; i < 40; i++) deep = [deep];
    const codes = (raw: Record<string, unknown>) => {
      const outcome = applyRecordRules({ eventId: '1', congress: 119, chamber: 'House', type: 'Hearing', meetingStatus: 'Scheduled', date: '2025-01-06', ...raw }, { isKnownCommittee: () => true });
      return outcome.ok ? [] : outcome.reasons.map((reason) => reason.message);
    };
    expect(codes({ title: 'a\u0000', witnesses: [{ name: 'n\u0000' }, deep, 'y'.repeat(2001)] })).toEqual([
      'title contains a NUL character',
      'the record nests more than 32 arrays or objects deep',
    ]);
    expect(codes({ title: 't', witnesses: [deep, { name: 'n\u0000' }] })).toEqual(['the record nests more than 32 arrays or objects deep']);
    expect(codes({ title: 'y'.repeat(2001), witnesses: [{ name: 'z'.repeat(2001) }] })).toEqual(['witnesses[0].name is longer than 2,000 characters']);
  });
  it('says an eventId past 2^53 was too large to read, rather than print the number JSON.parse rounded it to', () => {
    const outcome = applyRecordRules(JSON.parse('{"eventId": 12345678901234567891, "congress": 118, "chamber": "House"}') as Record<string, unknown>, { isKnownCommittee: () => true });
    const reason = outcome.ok ? null : outcome.reasons.find((r) => r.code === 'BAD_EVENT_ID');
    expect(reason?.message).toBe('eventId must be a string of digits, got a number too large to read exactly (send it as a string)');
  });
});
