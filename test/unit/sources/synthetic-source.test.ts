import { describe, expect, it } from 'vitest';
import { COMMITTEE_CODE_PATTERN, MAX_TITLE_LENGTH } from '../../../shared/record.js';
import {
  CORRUPTION_KINDS,
  generateHearings,
  openSource,
  syntheticHearings,
  type CommitteeMeetingRecord,
  type SourceItem,
} from '../../../main/sources/index.js';

async function readAll(spec: string, skip?: number): Promise<SourceItem[]> {
  const source = await openSource(spec);
  const items: SourceItem[] = [];
  for await (const item of source.items(skip === undefined ? {} : { skip })) items.push(item);
  return items;
}

function share(records: CommitteeMeetingRecord[], matches: (record: CommitteeMeetingRecord) => boolean): number {
  return records.filter(matches).length / records.length;
}

describe('synthetic: determinism', () => {
  it('gives byte-identical records for the same seed and different ones for another seed', () => {
    const first = JSON.stringify(generateHearings({ seed: 42, count: 300 }));
    expect(JSON.stringify(generateHearings({ seed: 42, count: 300 }))).toBe(first);
    expect(JSON.stringify(generateHearings({ seed: 43, count: 300 }))).not.toBe(first);
  });

  it('streams the same records through a spec as the pure generator returns', async () => {
    const source = await openSource('synthetic:seed=9,count=50');
    expect(source.expectedCount).toBe(50);
    const items = await readAll('synthetic:seed=9,count=50');
    expect(items.map((item) => item.raw)).toEqual(generateHearings({ seed: 9, count: 50 }));
    expect(items.map((item) => item.position)).toEqual([...Array(50).keys()]);
  });

  it('resumes at a skip position with exactly the records a full read yields there', async () => {
    const all = await readAll('synthetic:seed=3,count=40,invalid=duplicate-event-id:0.1,revision=2,changed=5');
    expect(await readAll('synthetic:seed=3,count=40,invalid=duplicate-event-id:0.1,revision=2,changed=5', 25)).toEqual(all.slice(25));
  });

  it('continues the same seed with offset: offset=100,count=20 is records 100–119 of count=120', () => {
    const whole = generateHearings({ seed: 5, count: 120 });
    expect(generateHearings({ seed: 5, count: 20, offset: 100 })).toEqual(whole.slice(100));
    const ids = new Set(generateHearings({ seed: 5, count: 100 }).map((record) => record.eventId));
    expect(generateHearings({ seed: 5, count: 20, offset: 100 }).some((record) => ids.has(record.eventId))).toBe(false);
  });
});

describe('synthetic: realistic records', () => {
  const records = generateHearings({ seed: 11, count: 5_000 });

  it('emits Congress.gov detail objects with unique digit eventIds and valid vocabularies', () => {
    expect(new Set(records.map((record) => record.eventId)).size).toBe(records.length);
    for (const record of records) {
      expect(record.eventId).toMatch(/^\d+$/);
      expect(['House', 'Senate', 'NoChamber']).toContain(record.chamber);
      expect(['Hearing', 'Meeting', 'Markup']).toContain(record.type);
      expect(['Scheduled', 'Canceled', 'Postponed', 'Rescheduled']).toContain(record.meetingStatus);
      expect(record.title.trim()).not.toBe('');
      expect(Date.parse(record.updateDate)).toBeGreaterThan(Date.parse(record.date));
      expect(record.congress).toBe(Math.floor((new Date(record.date).getUTCFullYear() - 1789) / 2) + 1);
      for (const committee of record.committees) {
        expect(committee.systemCode).toMatch(COMMITTEE_CODE_PATTERN);
        expect(committee.name).toBeTruthy();
      }
      expect(record.witnesses.length).toBeLessThanOrEqual(6);
    }
  });

  it('starts at 2025-01-06 in the 119th Congress with 10:00 ET as the first meeting', () => {
    expect(records[0]?.date).toBe('2025-01-06T15:00:00.000Z');
    expect(records[0]?.congress).toBe(119);
  });

  it('mixes chambers about 55/40/5 and types about 70/15/15', () => {
    expect(share(records, (r) => r.chamber === 'House')).toBeCloseTo(0.55, 1);
    expect(share(records, (r) => r.chamber === 'Senate')).toBeCloseTo(0.4, 1);
    expect(share(records, (r) => r.type === 'Hearing')).toBeCloseTo(0.7, 1);
    expect(share(records, (r) => r.meetingStatus === 'Scheduled')).toBeGreaterThan(0.75);
    expect(share(records, (r) => r.committees.length === 2)).toBeGreaterThan(0.02);
    expect(share(records, (r) => !r.committees[0]?.systemCode.endsWith('00'))).toBeCloseTo(0.3, 1);
  });

  it('follows the weekly rhythm: Tuesday to Thursday busiest, almost nothing on weekends', () => {
    const byWeekday = [0, 0, 0, 0, 0, 0, 0];
    for (const record of records) byWeekday[new Date(record.date).getUTCDay()]! += 1;
    const [sunday = 0, monday = 0, tuesday = 0, wednesday = 0, thursday = 0, friday = 0, saturday = 0] = byWeekday;
    expect((sunday + saturday) / records.length).toBeLessThan(0.01);
    expect(Math.min(tuesday, wednesday, thursday)).toBeGreaterThan(2 * Math.max(monday, friday));
  });

  it('starts the schedule on the day given by start=', async () => {
    const [first] = await readAll('synthetic:seed=1,count=1,start=2025-07-15');
    expect((first?.raw as CommitteeMeetingRecord).date.slice(0, 10)).toBe('2025-07-15');
  });
});

describe('synthetic: injected corruption', () => {
  const count = 400;

  it.each(CORRUPTION_KINDS)('corrupts exactly round(fraction × count) records with %s and nothing else', (kind) => {
    const hearings = [...syntheticHearings({ seed: 21, count, invalid: [{ kind, fraction: 0.05 }] })];
    const clean = generateHearings({ seed: 21, count });
    const corrupted = hearings.filter((hearing) => hearing.corruption !== undefined);
    expect(corrupted).toHaveLength(20);
    expect(corrupted.every((hearing) => hearing.corruption?.kind === kind)).toBe(true);
    const changed = hearings.filter((hearing, i) => JSON.stringify(hearing.record) !== JSON.stringify(clean[i]));
    expect(changed.map((hearing) => hearing.position)).toEqual(corrupted.map((hearing) => hearing.position));
    // Spread over the input, not bunched at the start.
    expect(corrupted.some((hearing) => hearing.position > count / 2)).toBe(true);
    expect(corrupted.some((hearing) => hearing.position < count / 2)).toBe(true);
  });

  it('breaks each corrupted record in the one way its kind names', () => {
    const invalid = CORRUPTION_KINDS.map((kind) => ({ kind, fraction: 0.02 }));
    const hearings = [...syntheticHearings({ seed: 8, count: 1_000, invalid })];
    const clean = generateHearings({ seed: 8, count: 1_000 });
    const usedCodes = new Set(clean.flatMap((record) => record.committees.map((c) => c.systemCode)));
    const expectations: Record<string, (record: CommitteeMeetingRecord, original: CommitteeMeetingRecord, position: number) => void> = {
      'bad-date': (r) => expect(Number.isNaN(Date.parse(r.date))).toBe(true),
      'bad-enum': (r, o) => {
        const broken = (['chamber', 'type', 'meetingStatus'] as const).filter((field) => r[field] !== o[field]);
        expect(broken).toHaveLength(1);
      },
      'empty-title': (r) => expect(r.title.trim()).toBe(''),
      'missing-event-id': (r) => expect('eventId' in r).toBe(false),
      'duplicate-event-id': (r, _o, position) => {
        const earlier = hearings.slice(0, position).filter((h) => h.corruption === undefined).map((h) => h.record.eventId);
        expect(earlier).toContain(r.eventId);
      },
      'unknown-committee': (r) => {
        expect(r.committees).toHaveLength(1);
        expect(r.committees[0]?.systemCode).toMatch(COMMITTEE_CODE_PATTERN);
        expect(usedCodes.has(r.committees[0]?.systemCode ?? '')).toBe(false);
        expect(r.committees[0]).not.toHaveProperty('name');
      },
      'oversize-field': (r) => expect(r.title.length).toBeGreaterThan(MAX_TITLE_LENGTH),
      'nul-character': (r) => expect(r.title).toContain('\u0000'),
    };
    const seen = new Map<string, number>();
    for (const hearing of hearings) {
      if (hearing.corruption === undefined) continue;
      const original = clean[hearing.position]!;
      expectations[hearing.corruption.kind]!(hearing.record, original, hearing.position);
      seen.set(hearing.corruption.kind, (seen.get(hearing.corruption.kind) ?? 0) + 1);
    }
    expect(Object.fromEntries(seen)).toEqual(Object.fromEntries(CORRUPTION_KINDS.map((kind) => [kind, 20])));
  });

  it('names the rejection each corrupted record should get', () => {
    const hearings = [...syntheticHearings({ seed: 2, count: 200, invalid: [{ kind: 'bad-enum', fraction: 0.2 }, { kind: 'nul-character', fraction: 0.1 }] })];
    const codes = new Set(hearings.flatMap((h) => (h.corruption ? [h.corruption.expectedRejection] : [])));
    expect([...codes].sort()).toEqual(['BAD_CHAMBER', 'BAD_STATUS', 'BAD_TYPE', 'NUL_CHARACTER']);
  });

  it('counts corruption through the spec the same way', async () => {
    const items = await readAll('synthetic:seed=4,count=200,invalid=missing-event-id:0.1,invalid=empty-title:0.025');
    expect(items.filter((item) => !('eventId' in (item.raw as object)))).toHaveLength(20);
    expect(items.filter((item) => (item.raw as CommitteeMeetingRecord).title === '   ')).toHaveLength(5);
  });
});

describe('synthetic: revisions', () => {
  it('changes exactly K records of the base, keeping every eventId', () => {
    const base = generateHearings({ seed: 13, count: 500 });
    const revised = generateHearings({ seed: 13, count: 500, revision: 1, changed: 37 });
    const differing = revised.filter((record, i) => JSON.stringify(record) !== JSON.stringify(base[i]));
    expect(differing).toHaveLength(37);
    expect(revised.map((record) => record.eventId)).toEqual(base.map((record) => record.eventId));
  });

  it('changes a tracked field of each revised record, not just its updateDate', () => {
    const base = generateHearings({ seed: 13, count: 300 });
    const tracked = ['title', 'meetingStatus', 'date', 'location', 'witnesses'] as const;
    for (const hearing of syntheticHearings({ seed: 13, count: 300, revision: 2, changed: 30 })) {
      const original = base[hearing.position]!;
      const changedFields = tracked.filter((field) => JSON.stringify(hearing.record[field]) !== JSON.stringify(original[field]));
      expect(changedFields).toEqual(hearing.revisedField === undefined ? [] : [hearing.revisedField]);
    }
  });

  it('picks different records for different revisions', () => {
    const positions = (revision: number) =>
      [...syntheticHearings({ seed: 13, count: 300, revision, changed: 10 })].filter((h) => h.revisedField).map((h) => h.position);
    expect(positions(1)).not.toEqual(positions(2));
    expect(positions(1)).toEqual(positions(1));
  });
});
